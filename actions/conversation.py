"""Turns outside any request: misunderstandings, stray answers, stopping, backend retries."""

from __future__ import annotations

from typing import Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reading import is_cancel_wish
from actions.pii_notice import warn_if_rrn
from actions.problems import RATE_LIMIT_CODES, utter_retry_later
from actions.request_reset import reset_request
from actions.speech import say
from actions.tracker_facts import consecutive_fallbacks, has_entity, latest_text

# Values that belong to a certificate request: an opener that names one starts it.
_REQUEST_ENTITIES: Final = ("document", "method")

# Two misunderstandings in a row and a person is offered (issue 4).
FALLBACKS_BEFORE_HANDOFF: Final = 2


class ActionHandleFallback(Action):
    """Asks to rephrase; after two misunderstandings in a row, offers a person."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warned = warn_if_rrn(dispatcher, tracker)
        if warned:  # a masked RRN is not a misunderstanding: the warning is the answer
            return [SlotSet(k, v) for k, v in warned.items()]
        if consecutive_fallbacks(tracker) >= FALLBACKS_BEFORE_HANDOFF:
            say(dispatcher, tracker, "utter_offer_handoff")
        else:
            say(dispatcher, tracker, "utter_default")
        return []


class ActionDefaultFallback(Action):
    """The policies' fallback (no next action was likely enough): ask to rephrase.

    Overrides Rasa's built-in action, which would look for `utter_default` in the domain; like
    it, the message is then forgotten so the conversation goes on as before it.
    """

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, tracker, "utter_default")
        return [UserUtteranceReverted()]


class ActionHandleStrayInform(Action):
    """A value, a yes or a no when nothing was asked.

    An opener that names a document or a way of receipt (name, document, copies and the kiosk
    in one message)
    is a request: the certificate form starts with everything the message said. Otherwise:
    warn about an RRN or ask what is needed.
    """

    def name(self) -> str:
        return "action_handle_stray_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warned = warn_if_rrn(dispatcher, tracker)
        events: list[EventType] = [SlotSet(k, v) for k, v in warned.items()]
        if any(has_entity(tracker, entity) for entity in _REQUEST_ENTITIES):
            return [*events, FollowupAction("certificate_form")]
        say(dispatcher, tracker, "utter_what_else")
        return events


class ActionStopRequest(Action):
    """ "Stop" or "cancel" with no request going on.

    Right after an order, "cancel, please" means that order: the lookup form asks to confirm.
    Otherwise there is nothing to stop, and the resident is told so.
    """

    def name(self) -> str:
        return "action_stop_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        warned = warn_if_rrn(dispatcher, tracker)
        if warned:  # an RRN read out with a spoken dash (which reads like "again") is no stop
            return [SlotSet(k, v) for k, v in warned.items()]
        last_order = tracker.get_slot("last_order_id")
        if last_order and is_cancel_wish(latest_text(tracker)):
            return [
                *reset_request(),
                SlotSet("lookup_purpose", "cancel"),
                SlotSet("order_id", str(last_order)),
                FollowupAction("lookup_form"),
            ]
        say(dispatcher, tracker, "utter_nothing_in_progress")
        return reset_request()


class ActionAskBackendRetry(Action):
    """Says the backend is away (or the SMS is rate-limited) and how to carry on."""

    def name(self) -> str:
        return "action_ask_backend_retry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        problem = tracker.get_slot("backend_problem") or {}
        if problem.get("code") in RATE_LIMIT_CODES:
            utter_retry_later(dispatcher, tracker, problem)
        else:
            say(dispatcher, tracker, "utter_backend_unavailable")
        return []
