"""Says the responses of actions/responses.yml: rendered here, sent as the action's message.

Rasa renders a response named in `dispatcher.utter_message(response=...)` only when it is in
the domain, and `rasa data validate` warns about every domain response no rule names, so the
sentences actions and form questions say live in their own catalog. They are rendered with
Rasa's own `TemplatedNaturalLanguageGenerator` — variables from the call and the tracker's
slots, buttons, `channel:` variations — so a catalog entry behaves exactly like a domain
response. The message carries `utter_action` (as Rasa's own rendering does), which the tracker
keeps, and the call's variables, as Rasa's rendering keeps them too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

CATALOG_FILE: Final = Path(__file__).with_name("responses.yml")

# Keys of a rendered message; a variable of the same name would overwrite the rendering.
_MESSAGE_KEYS: Final = frozenset(
    {"text", "buttons", "image", "elements", "attachment", "custom", "response", "template"}
)


@lru_cache(maxsize=1)
def catalog() -> dict[str, list[dict[str, Any]]]:
    """Return the catalog's responses by name (read once per process)."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    responses: dict[str, list[dict[str, Any]]] = data["responses"]
    return responses


class _CatalogGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's generator, except that buttons are sent as written.

    Their payloads carry JSON (`/inform{"method":"kiosk"}`), which Rasa's interpolation reads as
    a variable and logs as an error on every render; no button here uses a variable (a test in
    tests/actions/test_domain_responses.py keeps it so).
    """

    def _fill_response(
        self, response: dict[str, Any], filled_slots: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        buttons = response.pop("buttons", None)
        filled: dict[str, Any] = super()._fill_response(response, filled_slots, **kwargs)
        if buttons is not None:
            filled["buttons"] = buttons
        return filled


@lru_cache(maxsize=1)
def _generator() -> TemplatedNaturalLanguageGenerator:
    return _CatalogGenerator(catalog())


def render(
    response: str, slots: dict[str, Any], channel: str | None, **values: Any
) -> dict[str, Any]:
    """Return the message a catalog response makes with these slots and variables.

    Raises:
        KeyError: the catalog has no response of that name (a programming error).
    """
    if response not in catalog():
        raise KeyError(f"{response} is not in {CATALOG_FILE.name}")
    clashing = _MESSAGE_KEYS & values.keys()
    if clashing:
        raise ValueError(f"variables {sorted(clashing)} would overwrite the message of {response}")
    message = _generator().generate_from_slots(response, slots, channel or "", **values)
    if message is None:  # only when no variation fits the channel, which the tests rule out
        raise KeyError(f"{response} has no variation for channel {channel!r}")
    return message


def say(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **values: Any) -> None:
    """Say a catalog response, its `{variables}` filled from `values`, then from the slots."""
    message = render(response, tracker.slots, tracker.get_latest_input_channel(), **values)
    dispatcher.utter_message(
        text=message.get("text"),
        buttons=message.get("buttons"),
        image=message.get("image"),
        json_message=message.get("custom"),
        utter_action=response,
        **values,
    )
