"""RulePolicy's search for the rules that fit a conversation, from an index built once.

Rasa 3.6's ``RulePolicy._get_possible_keys`` walks the conversation's states from the latest
back and, at every state, asks ``_is_rule_applicable`` of every rule still possible; that call
parses the rule's JSON key again and reverses it, and a rule shorter than the conversation stays
possible and is asked again at each older state, where the answer is always yes. minwon has 213
rules and a session of an order holds some 40 states: RulePolicy was 10 % of the Rasa process
under load (py-spy, issue 11), 7 % after asking each rule only about the states it covers.

Here each lookup table (rules, and rules for a form's unhappy path) is compiled once into, per
rule, its states latest first as flat lists of checks, and the rules are indexed by what their
latest state requires of the previous action and the intent. A conversation's latest state then
picks the few rules that can fit from the index, and each is checked state by state with Rasa's
own conditions (``_is_rule_applicable``, ``_does_rule_match_state``), compiled. The result is the
set Rasa's loop ends with; the tests compare the two on random rule tables.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_ORIGINAL = RulePolicy.__dict__["_get_possible_keys"]
_CACHE_ATTRIBUTE = "_minwon_rule_indexes"
_MAX_INDEXES = 8  # a trained policy has two lookups; the bound only guards odd callers

# one condition on a state: (state type, feature, value, whether it must equal the value);
# must_equal False means "should not be set"
Check = tuple[str, str, Any, bool]


@dataclass(frozen=True)
class CompiledState:
    """One rule state: whether it has a previous action, and what it asks of the state."""

    has_previous_action: bool
    checks: tuple[Check, ...]


@dataclass
class RuleIndex:
    """A compiled lookup table."""

    lookup: dict[str, str]
    # key -> the rule's states, latest first
    rules: dict[str, tuple[CompiledState, ...]] = field(default_factory=dict)
    # rules with no states: they fit every conversation
    empty: list[str] = field(default_factory=list)
    # rules whose latest state is a conversation start (no previous action)
    starters: list[str] = field(default_factory=list)
    # the others, by (previous action name, intent) their latest state must equal (None: any)
    by_latest: dict[tuple[Hashable, Hashable], list[str]] = field(default_factory=dict)


def _compile_state(rule_state: dict[str, Any]) -> CompiledState:
    checks: list[Check] = []
    for state_type, sub_state in rule_state.items():
        for key, value in sub_state.items():
            if isinstance(value, list):
                value = tuple(value)  # JSON made the state's tuples lists (as Rasa undoes)
            if value == SHOULD_NOT_BE_SET:
                checks.append((state_type, key, value, False))
            elif value:
                checks.append((state_type, key, value, True))
    return CompiledState(bool(rule_state.get(PREVIOUS_ACTION)), tuple(checks))


def _required(state: CompiledState, state_type: str, key: str) -> Hashable:
    for kind, name, value, must_equal in state.checks:
        if kind == state_type and name == key and must_equal and isinstance(value, str):
            return value
    return None


def build_index(lookup: dict[str, str]) -> RuleIndex:
    index = RuleIndex(lookup)
    for key in lookup:
        states = tuple(_compile_state(s) for s in reversed(json.loads(key)))
        index.rules[key] = states
        if not states:
            index.empty.append(key)
        elif not states[0].has_previous_action:
            index.starters.append(key)
        else:
            latest = (_required(states[0], PREVIOUS_ACTION, ACTION_NAME),
                      _required(states[0], USER, INTENT))
            index.by_latest.setdefault(latest, []).append(key)
    return index


def _index_of(policy: RulePolicy, lookup: dict[str, str]) -> RuleIndex:
    indexes: dict[int, RuleIndex] = policy.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    index = indexes.get(id(lookup))
    if index is None or index.lookup is not lookup or len(index.rules) != len(lookup):
        if len(indexes) >= _MAX_INDEXES:
            indexes.clear()
        index = indexes[id(lookup)] = build_index(lookup)
    return index


def _fits(rule: tuple[CompiledState, ...], latest_first: list[dict[str, Any]]) -> bool:
    """Rasa's ``_is_rule_applicable`` at every state the rule covers."""
    for rule_state, state in zip(rule, latest_first):
        has_previous_action = bool(state.get(PREVIOUS_ACTION))
        if rule_state.has_previous_action != has_previous_action:
            return False  # one is a conversation start and the other is not
        if not has_previous_action:
            continue  # both are conversation starts
        for state_type, key, value, must_equal in rule_state.checks:
            found = state.get(state_type, {}).get(key)
            if must_equal:
                if found != value:
                    return False
            elif found and found != SHOULD_NOT_BE_SET:
                return False
    return True


def _candidates(index: RuleIndex, latest: dict[str, Any]) -> list[str]:
    if not latest.get(PREVIOUS_ACTION):
        return index.empty + index.starters
    action = latest[PREVIOUS_ACTION].get(ACTION_NAME)
    intent = latest.get(USER, {}).get(INTENT)
    try:
        wanted = {(action, intent), (action, None), (None, intent), (None, None)}
    except TypeError:  # an unhashable value: no rule can require it, so only the free ones
        wanted = {(None, None)}
    keys = list(index.empty)
    for pair in wanted:
        keys.extend(index.by_latest.get(pair, ()))
    return keys


def get_possible_keys(self: RulePolicy, lookup: dict[str, str],
                      states: list[dict[str, Any]]) -> set[str]:
    """The keys of ``lookup`` whose rule fits the conversation's ``states`` (Rasa's answer)."""
    if not states:
        return set(lookup)  # nothing to compare: Rasa's loop keeps every rule
    index = _index_of(self, lookup)
    latest_first = states[::-1]
    return {key for key in _candidates(index, latest_first[0])
            if _fits(index.rules[key], latest_first)}


def install() -> None:
    """Finds fitting rules from the compiled index (idempotent)."""
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]


def uninstall() -> None:
    RulePolicy._get_possible_keys = _ORIGINAL  # type: ignore[method-assign]
