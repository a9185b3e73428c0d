"""The domain and the actions agree on response names, and no Korean text hides in code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.processes import ROOT
from tests.actions.trackers import DOMAIN

ACTION_FILES = sorted((ROOT / "actions").glob("*.py"))
RESPONSE_NAME = re.compile(r"\"(utter_[a-z_]+)\"")
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def names_in_actions() -> set[str]:
    found: set[str] = set()
    for path in ACTION_FILES:
        found |= set(RESPONSE_NAME.findall(path.read_text(encoding="utf-8")))
    # f"utter_order_placed_{method}"
    found |= {f"utter_order_placed_{m}" for m in ("kiosk", "counter", "online", "delivery")}
    return found


def names_in_dialogue() -> set[str]:
    found: set[str] = set()
    for path in [ROOT / "data" / "rules.yml", ROOT / "data" / "stories.yml"]:
        found |= set(re.findall(r"action: (utter_[a-z_]+)", path.read_text(encoding="utf-8")))
    return found


def asked_by_forms() -> set[str]:
    asked = set()
    for form, spec in DOMAIN["forms"].items():
        for slot in spec["required_slots"]:
            asked |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    return asked


def test_every_response_the_actions_say_is_in_the_domain() -> None:
    assert sorted(names_in_actions() - DOMAIN["responses"].keys()) == []


def test_every_domain_response_is_said_by_a_rule_a_form_or_an_action() -> None:
    # Stricter than `rasa data validate`, which only looks at rules and stories.
    used = names_in_actions() | names_in_dialogue() | asked_by_forms() | {"utter_default"}
    assert sorted(DOMAIN["responses"].keys() - used) == []


def test_action_modules_hold_no_hangul() -> None:
    offenders = [p.name for p in ACTION_FILES if HANGUL.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_buttons_carry_valid_payloads() -> None:
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            for button in variation.get("buttons", []):
                assert button["payload"].startswith("/"), name
                if "{" in button["payload"]:
                    yaml.safe_load(button["payload"][button["payload"].index("{") :])


def test_lexicon_is_valid_yaml_with_every_method() -> None:
    lexicon = yaml.safe_load(Path(ROOT / "actions" / "lexicon.yml").read_text(encoding="utf-8"))
    assert set(lexicon["method_words"]) == {"kiosk", "counter", "online", "delivery"}
    assert set(lexicon["method_labels"]) == set(lexicon["method_words"])


def test_buttons_fit_every_channel() -> None:
    # Kakao shows at most 10 quick replies with labels of 14 characters; Telegram's
    # callback_data holds 64 bytes (protocols.md sections 1.3 and 2.2).
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            buttons = variation.get("buttons", [])
            assert len(buttons) <= 10, name
            for button in buttons:
                assert len(button["title"]) <= 14, (name, button["title"])
                assert len(button["payload"].encode()) <= 64, (name, button["payload"])
            assert len(variation["text"]) <= 1000, name
