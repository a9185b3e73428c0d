"""bot/fast_slots.py: a tracker's slots are copied as ``copy.copy`` copies them.

Every slot of minwon's domain, copied both ways, is the same kind of slot with the same values,
and changing the copy leaves the domain's slot alone; trackers rebuilt from a conversation's
events with and without the fast copy end in the same state.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot import fast_slots

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


def test_every_domain_slot_is_copied_as_copy_copy_copies_it(domain: Domain) -> None:
    assert len(domain.slots) >= 30
    for slot in domain.slots:
        ours, theirs = fast_slots.shallow_copy(slot), copy.copy(slot)
        assert type(ours) is type(theirs) is type(slot)
        assert ours is not slot
        assert vars(ours) == vars(theirs)
        ours.value = "바뀐 값"
        assert slot.value != "바뀐 값"


def test_a_class_with_its_own_copy_rules_goes_copy_copys_way() -> None:
    class Counted(TextSlot):
        copies = 0

        def __copy__(self) -> Counted:
            Counted.copies += 1
            return Counted(self.name, mappings=[])

    class Slotted:
        __slots__ = ("value",)

        def __init__(self) -> None:
            self.value = 1

    fast_slots.shallow_copy(Counted("x", mappings=[]))
    assert Counted.copies == 1
    assert fast_slots.shallow_copy(Slotted()).value == 1


def test_trackers_rebuilt_with_the_fast_copy_are_the_same(domain: Domain) -> None:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("등본 두 통 떼 주세요", {"name": "request_certificate", "confidence": 0.9}),
        SlotSet("document", "resident_registration_copy"),
        SlotSet("copies", 2.0),
        ActionExecuted("action_listen"),
    ]
    expected = DialogueStateTracker.from_events("a", events, domain.slots)
    fast_slots.install()
    try:
        got = DialogueStateTracker.from_events("a", events, domain.slots)
        copied = got.copy()
    finally:
        fast_slots.uninstall()
    assert got.current_slot_values() == expected.current_slot_values()
    assert copied.current_slot_values() == expected.current_slot_values()
    assert got.past_states(domain) == expected.past_states(domain)
    copied.slots["document"].value = None  # a copy's slots are its own
    assert got.get_slot("document") == "resident_registration_copy"
