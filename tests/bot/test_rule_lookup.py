"""bot/rule_lookup.py: RulePolicy finds the same fitting rules as Rasa's own search.

Rules and conversations are drawn at random from the parts minwon's states are made of (the
previous action, the intent and entities, the active form, slots, "should not be set", a
conversation's first state without a previous action), many of them at a time, and both searches
must return the same set for every pair. The whole policy runs under the server in every
end-to-end suite.
"""

from __future__ import annotations

import json
import random
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot import rule_lookup

ACTIONS = ["action_listen", "certificate_form", "validate_certificate_form", "utter_greet"]
INTENTS = ["request_certificate", "inform", "affirm", "deny", "greet"]


def _state(rng: random.Random, start: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if not start:
        state["prev_action"] = {"action_name": rng.choice(ACTIONS)}
    if rng.random() < 0.7:
        user: dict[str, Any] = {"intent": rng.choice(INTENTS)}
        if rng.random() < 0.3:
            user["entities"] = rng.choice([("document",), ("document", "copies")])
        state["user"] = user
    if rng.random() < 0.5:
        state["active_loop"] = {"name": rng.choice(["certificate_form", SHOULD_NOT_BE_SET])}
    if rng.random() < 0.4:
        state["slots"] = {"document": rng.choice([(1.0,), (0.0,), SHOULD_NOT_BE_SET])}
    return state


def _states(rng: random.Random, length: int) -> list[dict[str, Any]]:
    return [_state(rng, start=(i == 0 and rng.random() < 0.5)) for i in range(length)]


def _rule_key(states: list[dict[str, Any]]) -> str:
    return json.dumps(states, sort_keys=True)  # tuples become lists, as in Rasa's lookup


def test_the_same_rules_fit_as_in_rasas_search() -> None:
    rng = random.Random(11)
    policy = RulePolicy.__new__(RulePolicy)  # the search uses no trained state of its own
    fitted = 0
    for _ in range(300):
        lookup = {_rule_key(_states(rng, rng.randint(1, 4))): "x" for _ in range(40)}
        conversation = _states(rng, rng.randint(0, 9))
        # a rule made from the conversation's own tail always fits: the comparison has yeses
        tail = conversation[-rng.randint(1, len(conversation)):] if conversation else []
        if tail:
            lookup[_rule_key(tail)] = "y"
        ours = rule_lookup.get_possible_keys(policy, lookup, conversation)
        assert ours == rule_lookup._ORIGINAL(policy, lookup, conversation)
        fitted += len(ours)
        # the table's index is built once and serves the next conversations too
        for _ in range(3):
            other = _states(rng, rng.randint(0, 9))
            assert (rule_lookup.get_possible_keys(policy, lookup, other)
                    == rule_lookup._ORIGINAL(policy, lookup, other))
    assert fitted >= 300


def test_a_table_changed_in_place_is_indexed_again() -> None:
    policy = RulePolicy.__new__(RulePolicy)
    greet = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]
    lookup = {_rule_key(greet): "utter_greet"}
    assert rule_lookup.get_possible_keys(policy, lookup, greet) == set(lookup)
    deny = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "deny"}}]
    lookup[_rule_key(deny)] = "utter_bye"
    assert rule_lookup.get_possible_keys(policy, lookup, deny) == {_rule_key(deny)}


def test_install_and_uninstall() -> None:
    rule_lookup.install()
    try:
        assert RulePolicy._get_possible_keys is rule_lookup.get_possible_keys
    finally:
        rule_lookup.uninstall()
    assert RulePolicy.__dict__["_get_possible_keys"] is rule_lookup._ORIGINAL
