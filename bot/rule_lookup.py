"""RulePolicy's search for the rules that fit a conversation, without re-checking finished rules.

Rasa 3.6's ``RulePolicy._get_possible_keys`` walks the conversation's states from the latest
back and, at every state, asks ``_is_rule_applicable`` of every rule still possible; a rule
shorter than the conversation stays possible and is asked again at each older state, where the
answer is always yes, after a fresh reversed copy of the rule's states. minwon has 213 rules and a
session of an order holds some 40 states, so most of those calls were for rules already decided:
with the policy's other bookkeeping, RulePolicy was 10 % of the Rasa process under load (py-spy,
issue 11). Here each rule is asked only about the states it covers, with the same
``_is_rule_applicable``; a rule fits exactly when every one of those answers is yes, which is the
set Rasa's loop ends with.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

_ORIGINAL = RulePolicy.__dict__["_get_possible_keys"]


def get_possible_keys(self: RulePolicy, lookup: dict[str, str],
                      states: list[dict[str, Any]]) -> set[str]:
    """The keys of ``lookup`` whose rule fits the conversation's ``states`` (Rasa's answer)."""
    latest_first = states[::-1]
    possible = set()
    for key in lookup:
        covered = min(len(self._rule_key_to_state(key)), len(latest_first))
        if all(self._is_rule_applicable(key, i, latest_first[i]) for i in range(covered)):
            possible.add(key)
    return possible


def install() -> None:
    """Asks each rule only about the states it covers (idempotent)."""
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]


def uninstall() -> None:
    RulePolicy._get_possible_keys = _ORIGINAL  # type: ignore[method-assign]
