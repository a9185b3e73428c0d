"""The form's next question, asked by the validation action in the same action-server call.

Rasa's form asks a slot by running `action_ask_<form>_<slot>` or `action_ask_<slot>` when the
domain lists one: a second call to the action server on every form turn, with the whole tracker
and domain sent again (issue 11). The domain lists none of them, so Rasa asks nothing itself
("the user might have asked as part of a custom action", rasa.core.actions.forms), and the
validation action runs the same question action here, in process, on a view of the tracker that
holds what the validation just did, as Rasa's own view for the ask action would.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


@functools.cache
def question_actions() -> dict[str, Action]:
    """Every question action by the name Rasa would look up, `action_ask_...`."""
    # Imported here: these modules import the form engine, which imports this module.
    from actions import bulk, certificate_form, conversation, identity, lookup_form, questions

    found: dict[str, Action] = {}
    for module in (questions, bulk, certificate_form, conversation, identity, lookup_form):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Action)
                and value.__module__ == module.__name__
                and not getattr(value, "__abstractmethods__", None)
            ):
                action = value()
                if action.name().startswith("action_ask_"):
                    found[action.name()] = action
    return found


def question_action(form: str, slot: str) -> Action | None:
    """The action that asks `slot` in `form`, in Rasa's own search order."""
    actions = question_actions()
    return actions.get(f"action_ask_{form}_{slot}") or actions.get(f"action_ask_{slot}")


def _asking_view(
    tracker: Tracker, form: str, events: Iterable[EventType], dispatcher: CollectingDispatcher
) -> Tracker:
    """The tracker as Rasa shows it to an ask action: the form's run, then what it did."""
    view = copy.copy(tracker)
    view.slots = dict(tracker.slots)
    added: list[dict[str, Any]] = [{"event": "action", "name": form}]
    for event in events:
        if event.get("event") == "slot":
            view.slots[event["name"]] = event["value"]
            added.append(dict(event))
    for message in dispatcher.messages:
        added.append({
            "event": "bot",
            "text": message.get("text"),
            "metadata": {"utter_action": message.get("utter_action")},
        })
    view.events = [*tracker.events, *added]
    return view


async def ask(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    form: str,
    slot: str,
    events: list[EventType],
) -> list[EventType]:
    """Run the question for `slot` after the validation's `events`; return the events it adds."""
    action = question_action(form, slot)
    if action is None:
        return []
    view = _asking_view(tracker, form, events, dispatcher)
    return list(await action.run(dispatcher, view, domain))
