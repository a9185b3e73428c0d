"""Says the responses of actions/responses.yml: rendered here, sent as the action's message.

Rasa renders a response named in `dispatcher.utter_message(response=...)` only when it is in
the domain, and `rasa data validate` warns about every domain response no rule names, so the
sentences actions and form questions say live in their own catalog. They are rendered with
Rasa's own `TemplatedNaturalLanguageGenerator` — variables from the call and the tracker's
slots, buttons, `channel:` variations — so a catalog entry behaves exactly like a domain
response. The message carries `utter_action` (as Rasa's own rendering does), which the tracker
keeps, and the call's variables, as Rasa's rendering keeps them too.

Before Rasa fills a text, the variables are completed from data (docs/wording.md):
- the district's rules in words (`actions.district.sentence_values`: free documents, limits,
  hours, the SMS code's minutes), so no sentence writes a rule's number itself;
- for every counted variable (`COUNTED`) a `<name>_words` twin, the count with its counter as a
  resident says it (native numbers: three copies, two more tries);
- `fee_words`, the fee of a summary, or the counter fee per copy when there is no quote.
After it, particle markers after a variable are resolved from the word (actions/korean.py).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.district import District, current_district, sentence_values
from actions.formatting import count_words, fee_text
from actions.korean import attach_particles
from actions.lexicon import get_lexicon
from actions.settings import get_settings

logger = logging.getLogger(__name__)

CATALOG_FILE: Final = Path(__file__).with_name("responses.yml")

# Keys of a rendered message; a variable of the same name would overwrite the rendering.
_MESSAGE_KEYS: Final = frozenset(
    {"text", "buttons", "image", "elements", "attachment", "custom", "response", "template"}
)

# Variables that count something, and the counter each is said with (lexicon.yml `counters`).
COUNTED: Final[dict[str, str]] = {
    "copies": "copy",
    "copies_min": "copy",
    "copies_max": "copy",
    "remaining_today": "copy",
    "remaining": "copy",
    "daily_limit": "copy",
    "bulk_standard_limit": "copy",
    "bulk_mou_limit": "copy",
    "tries_left": "attempt",
    "deliver_within_hours": "hour",
    "otp_minutes": "minute",
    "retry_after_min": "minute",
}


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
        text = response.pop("text", None)
        filled: dict[str, Any] = super()._fill_response(response, filled_slots, **kwargs)
        if text is not None:
            filled["text"] = fill_text(text, {**(filled_slots or {}), **kwargs})
        if buttons is not None:
            filled["buttons"] = buttons
        return filled


_PLACEHOLDER: Final = re.compile(r"{([^\n{}]+?)}")


def fill_text(text: str, values: dict[str, Any]) -> str:
    """Fill `{name}` placeholders as Rasa's interpolator does, without its false alarm.

    Rasa's interpolator treats any "0[" left in the filled text as an unfilled placeholder and
    returns the raw template: a value ending in 0 before a particle marker (order 20481930)
    would print "{order_id}". A missing variable still leaves the whole template as written, and
    is logged, as Rasa does.
    """
    missing = [name for name in _PLACEHOLDER.findall(text) if name not in values]
    if missing:
        logger.error("response_variable_missing", extra={"variables": missing})
        return text
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


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
    completed = sentence_variables(slots, values)
    message = _generator().generate_from_slots(response, slots, channel or "", **completed)
    if message is None:  # only when no variation fits the channel, which the tests rule out
        raise KeyError(f"{response} has no variation for channel {channel!r}")
    if message.get("text"):
        message["text"] = attach_particles(message["text"])
    return message


def sentence_variables(slots: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return the call's variables completed with the district's rules and spoken counts.

    The call's own values win over the district's; a slot of the same name is filled by Rasa
    only where neither gives a value.
    """
    district: District | None
    try:
        district = current_district()
        standing = sentence_values(district, get_settings().otp_ttl_s)
    except (OSError, KeyError, TypeError, ValueError) as e:
        # No district facts at all (no backend answer yet and no readable file): sentences
        # without rules must still be said.
        logger.warning("district_facts_unavailable", extra={"reason": type(e).__name__})
        district, standing = None, {}
    completed: dict[str, Any] = {**standing, **values}
    for name, counter in COUNTED.items():
        count = completed[name] if completed.get(name) is not None else slots.get(name)
        if f"{name}_words" in completed or count is None:
            continue
        # A value that is not a count (a backend that left it out) is shown as it came.
        completed[f"{name}_words"] = count_words(count, counter) if _is_count(count) else count
    if "fee_words" not in completed:
        fee = _fee_words(completed, slots, district)
        if fee:
            completed["fee_words"] = fee
    return completed


def _is_count(value: Any) -> bool:
    return value is not None and str(value).strip().isdigit()


def _fee_words(
    values: dict[str, Any], slots: dict[str, Any], district: District | None
) -> str | None:
    """The quoted fee in words, else the counter fee of one copy (what delivery costs)."""
    quoted = str(values.get("fee_krw", "")).replace(",", "").strip()
    if quoted.isdigit():
        return fee_text(int(quoted))
    if district is None:
        return None
    document = values.get("document") or slots.get("document")
    counter_fee = district.fees_krw.get(str(document), {}).get("counter")
    if counter_fee is None:
        return None
    per_copy = str(get_lexicon().words["per_copy"])
    return per_copy.format(amount=fee_text(counter_fee))


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
