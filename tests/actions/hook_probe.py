"""An action that reports what the backend client is bound to (tests of the request hook)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import _context_headers


class ActionProbeBoundConversation(Action):
    def name(self) -> str:
        return "action_probe_bound_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=_context_headers())
        return []
