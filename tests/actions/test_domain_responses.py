"""The domain, the action catalog and the actions agree on response names; no Korean in code.

domain.yml holds the sentences its rules say; actions/responses.yml everything an action or a
form question says (actions/speech.py). Rasa's validator sees only the first half, so these
tests check the rest: nothing said is missing, nothing written is never said, and every
question a form may ask has an action that asks it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from actions.asking import question_action
from actions.questions import AskFromCatalog
from actions.speech import CATALOG_FILE, catalog, render
from bot.processes import ROOT
from tests.actions.trackers import DOMAIN

ACTION_FILES = sorted((ROOT / "actions").glob("*.py"))
RESPONSE_NAME = re.compile(r"\"(utter_[a-z_]+)\"")
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
# Slots set by the backend steps, never asked (actions/form_engine.AUTOMATIC_SLOTS).
NEVER_ASKED = {"placed_order_id", "bulk_reservation", "lookup_result"}


def names_in_actions() -> set[str]:
    found: set[str] = set()
    for path in ACTION_FILES:
        found |= set(RESPONSE_NAME.findall(path.read_text(encoding="utf-8")))
    # f"utter_order_placed_{method}" and the plain questions' f"utter_ask_{self.slot}"
    found |= {f"utter_order_placed_{m}" for m in ("kiosk", "counter", "online", "delivery")}
    found |= {f"utter_ask_{cls.slot}" for cls in AskFromCatalog.__subclasses__()}
    found.discard("utter_action")  # the message key that names a response, not a response
    return found


def names_in_dialogue() -> set[str]:
    found: set[str] = set()
    for path in [ROOT / "data" / "rules.yml", ROOT / "data" / "stories.yml"]:
        found |= set(re.findall(r"action: (utter_[a-z_]+)", path.read_text(encoding="utf-8")))
    return found


def all_variations() -> list[tuple[str, dict[str, Any]]]:
    return [(name, v) for responses in (DOMAIN["responses"], catalog())
            for name, variations in responses.items() for v in variations]


def test_every_response_an_action_says_is_in_the_catalog() -> None:
    assert sorted(names_in_actions() - catalog().keys()) == []


def test_every_catalog_response_is_said_by_an_action() -> None:
    assert sorted(catalog().keys() - names_in_actions()) == []


def test_the_domain_holds_only_what_its_rules_say() -> None:
    assert sorted(DOMAIN["responses"].keys() ^ names_in_dialogue()) == []
    assert sorted(DOMAIN["responses"].keys() & catalog().keys()) == []


def test_every_question_a_form_asks_has_an_action_that_asks_it() -> None:
    # The validation action asks the next slot with the action Rasa would look up
    # (action_ask_<form>_<slot>, then action_ask_<slot>); with neither the form would wait for
    # an answer to a question nobody asked.
    silent = [
        (form, slot)
        for form, spec in DOMAIN["forms"].items()
        for slot in spec["required_slots"]
        if slot not in NEVER_ASKED and question_action(form, slot) is None
    ]
    assert silent == []


def test_rasa_makes_one_action_server_call_per_form_turn() -> None:
    # An ask action or an utter_ask_ response in the domain would make Rasa ask again after the
    # validation already did: the resident would hear the question twice, at two calls' cost.
    asks = [a for a in DOMAIN["actions"] if a.startswith(("action_ask_", "utter_ask_"))]
    assert asks + [r for r in DOMAIN["responses"] if r.startswith("utter_ask_")] == []


def test_every_catalog_response_renders_with_its_variables() -> None:
    # Every {variable} of a catalog text is filled by the call or a slot; a text Rasa cannot
    # fill would be sent with its braces.
    slots = {name: None for name in DOMAIN["slots"]}
    for name, variations in catalog().items():
        for variation in variations:
            variables = set(re.findall(r"{(\w+)}", variation.get("text", "")))
            # a channel variation (voice) is rendered for its own channel, with its own variables
            channel = variation.get("channel") or "rest"
            message = render(name, slots, channel, **{v: "X" for v in variables})
            assert "{" not in message["text"], name


def test_catalog_buttons_use_no_variables() -> None:
    # actions/speech.py sends catalog buttons as written (their payloads carry JSON).
    for name, variations in catalog().items():
        for variation in variations:
            for button in variation.get("buttons", []):
                placeholders = re.findall(r"{(\w+)}", button["title"] + button["payload"])
                assert placeholders == [], name


def test_catalog_file_is_beside_the_actions() -> None:
    assert CATALOG_FILE == ROOT / "actions" / "responses.yml"


def test_action_modules_hold_no_hangul() -> None:
    offenders = [p.name for p in ACTION_FILES if HANGUL.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_buttons_carry_valid_payloads() -> None:
    for name, variation in all_variations():
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
    for name, variation in all_variations():
        buttons = variation.get("buttons", [])
        assert len(buttons) <= 10, name
        for button in buttons:
            assert len(button["title"]) <= 14, (name, button["title"])
            assert len(button["payload"].encode()) <= 64, (name, button["payload"])
        assert len(variation["text"]) <= 1000, name
