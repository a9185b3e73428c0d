"""Identity confirmation inside a form: name, birth date, phone, then the SMS code.

The backend matches the three against its registry, texts a 6-digit code to the registered
phone and, once the code is right, returns a short-lived identity token bound to this
conversation. While that token is good, no form asks again.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.answer_reading import bare_digits, is_sms_missing
from actions.backend_client import BackendRefused, get_client
from actions.form_engine import count_try, invalid, is_answer_turn, pending, tries_at, valid
from actions.lexicon import get_lexicon
from actions.problems import is_rate_limited, utter_problem
from actions.questions import ask_or_offer
from actions.speech import say
from actions.tracker_facts import (
    digits_in_text,
    has_entity,
    has_valid_identity,
    latest_intent,
    latest_text,
    previous_slot_value,
)

IDENTITY_SLOTS: Final = ("person_name", "birth_date", "phone_number", "otp_code")

# Birth dates and two-digit years are read against the district's calendar day.
SEOUL: Final = ZoneInfo("Asia/Seoul")

# A Korean personal name: two to five Hangul syllables (U+AC00..U+D7A3).
_NAME = re.compile("[\uac00-\ud7a3]{2,5}")
_PHONE = re.compile(r"01[016789]\d{7,8}")
_OTP = re.compile(r"\d{6}")


def _today() -> date:
    return datetime.now(SEOUL).date()


# The caller-ID path (issue 13): on the voice line, a home delivery may be confirmed by the
# number the call comes from (signed by the voice channel: bot/voice/caller_claim.py) and the
# birth date alone; the backend lets such an identity order home delivery only (docs/security.md).
CALLER_CHECK: Final = "caller_id_check"  # counted in retry_counts once tried
CALLER_TOKEN_PREFIX: Final = "caller:"  # the backend's caller-ID tokens (tracker_facts)


def caller_claim_of(tracker: Tracker) -> str | None:
    """The voice line's signed caller claim on this message, for a ``voice:`` conversation only."""
    if not str(tracker.sender_id or "").startswith("voice:"):
        return None
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    voice = metadata.get("voice") if isinstance(metadata, dict) else None
    claim = voice.get("caller_claim") if isinstance(voice, dict) else None
    return claim if isinstance(claim, str) and 10 <= len(claim) <= 200 else None


def caller_path_open(tracker: Tracker) -> bool:
    """A home delivery on the voice line with a caller claim not tried yet in this request."""
    return (
        caller_claim_of(tracker) is not None
        and tracker.get_slot("method") == "delivery"
        and tracker.active_loop_name == "certificate_form"
        and tries_at(tracker, CALLER_CHECK) == 0
    )


def identity_steps(tracker: Tracker) -> list[str]:
    """Return the identity slots still to ask, none while the token is good.

    A caller on the voice line ordering a home delivery is asked the birth date only: the
    number the call comes from stands for the phone and the SMS code (`check_caller`). If that
    does not match, the full path follows (name, phone, SMS code); so does any other request
    made with a caller-ID token (the backend would refuse it).
    """
    if has_valid_identity(tracker):  # a caller-ID token counts for a home delivery only
        return []
    if caller_path_open(tracker):
        return ["birth_date"]
    return list(IDENTITY_SLOTS)


def clear_identity() -> dict[str, Any]:
    """Return the slot changes that forget a token the backend no longer accepts."""
    return {"identity_token": None, "identity_expires_at": None, "challenge_id": None}


def parse_compact_birth_date(digits: str, today: date) -> str | None:
    """Read YYMMDD or YYYYMMDD; a two-digit year is 20YY unless that is in the future.

    Returns:
        The ISO date, or None when the digits are not a date.
    """
    try:
        if len(digits) == 8:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        if len(digits) == 6:
            yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:])
            candidate = date(2000 + yy, mm, dd)
            if candidate > today:
                candidate = date(1900 + yy, mm, dd)
            return candidate.isoformat()
    except ValueError:
        return None
    return None


def name_from_text(text: str) -> str | None:
    """Return the name in a bare answer (the name plus a polite ending), or None."""
    lexicon = get_lexicon()
    cleaned = re.sub(r"[\s.,!?~]+", " ", text).strip()
    for prefix in lexicon.name_prefixes:
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :].strip()
    for suffix in sorted(lexicon.name_suffixes, key=len, reverse=True):
        if cleaned.endswith(suffix) and len(cleaned) - len(suffix) >= 2:
            cleaned = cleaned[: -len(suffix)].strip()
            break
    return cleaned if _NAME.fullmatch(cleaned) else None


def _detail_changed(tracker: Tracker, slot: str, value: str) -> dict[str, Any]:
    """A corrected name, birth date or phone needs a new code: forget the challenge."""
    before = previous_slot_value(tracker, slot)
    if before not in (None, value) and tracker.get_slot("challenge_id"):
        return {"challenge_id": None, "otp_code": None}
    return {}


class IdentitySlots:
    """Extraction and validation of the identity slots, mixed into a form validation action."""

    async def before_extraction(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, open_slot: str | None
    ) -> dict[str, Any] | None:
        """ "The SMS did not come": say why it may not, and send a new code (within the limits).

        The backend answers the same whether or not the details matched its registry, so the
        resident is told to check them, never whether they matched.
        """
        if open_slot != "otp_code" or not tracker.get_slot("challenge_id"):
            return None
        text = latest_text(tracker)
        missing = is_sms_missing(text) or latest_intent(tracker) == "otp_not_received"
        if not missing or has_entity(tracker, "otp_code") or bare_digits(text):
            return None
        say(dispatcher, tracker, "utter_code_not_received")
        tracker.slots.update({"challenge_id": None, "otp_code": None})
        return {"challenge_id": None, "otp_code": None}

    async def extract_person_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take a bare name when the form asked for it and the NLU found no entity."""
        if tracker.get_slot(REQUESTED_SLOT) != "person_name" or has_entity(tracker, "person_name"):
            return {}
        if not is_answer_turn(tracker):
            return {}
        name = name_from_text(latest_text(tracker))
        return {"person_name": name} if name else {}

    async def extract_birth_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Read six or eight digits as a birth date when the form asked for one."""
        if tracker.get_slot(REQUESTED_SLOT) != "birth_date" or has_entity(tracker, "birth_date"):
            return {}
        if not is_answer_turn(tracker):
            return {}
        parsed = parse_compact_birth_date(digits_in_text(tracker), _today())
        return {"birth_date": parsed} if parsed else {}

    async def extract_otp_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Recover the code from the text when six digits were read as a birth date."""
        if tracker.get_slot(REQUESTED_SLOT) != "otp_code" or has_entity(tracker, "otp_code"):
            return {}
        if not is_answer_turn(tracker):
            return {}
        digits = bare_digits(latest_text(tracker)) or ""
        return {"otp_code": digits} if _OTP.fullmatch(digits) else {}

    async def validate_person_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a name of 2 to 20 characters without digits."""
        name = str(value or "").strip()
        if not 2 <= len(name) <= 20 or any(c.isdigit() for c in name):
            return invalid(dispatcher, tracker, "person_name", "utter_invalid_person_name")
        return {
            **valid(tracker, "person_name", name),
            **_detail_changed(tracker, "person_name", name),
        }

    async def validate_birth_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept an ISO date in the past; six digits typed for the code stay the code."""
        if tracker.get_slot(REQUESTED_SLOT) == "otp_code" and (
            tracker.get_slot("otp_code") or bare_digits(latest_text(tracker))
        ):
            # The NLU read the SMS code as YYMMDD; extract_otp_code already took the digits.
            return {"birth_date": previous_slot_value(tracker, "birth_date")}
        try:
            born = date.fromisoformat(str(value))
        except ValueError:
            return invalid(dispatcher, tracker, "birth_date", "utter_invalid_birth_date")
        if born.year < 1900 or born > _today():
            return invalid(dispatcher, tracker, "birth_date", "utter_invalid_birth_date")
        iso = born.isoformat()
        return {**valid(tracker, "birth_date", iso), **_detail_changed(tracker, "birth_date", iso)}

    async def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a Korean mobile number; a changed number needs a new challenge."""
        digits = "".join(c for c in str(value or "") if c.isdigit())
        if not _PHONE.fullmatch(digits):
            return invalid(dispatcher, tracker, "phone_number", "utter_invalid_phone_number")
        result = valid(tracker, "phone_number", digits)
        if previous_slot_value(tracker, "phone_number") not in (None, digits):
            result.update({"challenge_id": None, "otp_code": None})
        return result

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept six digits while a code is awaited; otherwise the digits meant something else."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        digits = "".join(c for c in str(value or "") if c.isdigit())
        if requested == "birth_date":
            parsed = parse_compact_birth_date(digits, _today())
            if parsed:
                return {"otp_code": None, **valid(tracker, "birth_date", parsed)}
            return {
                "otp_code": None,
                **invalid(dispatcher, tracker, "birth_date", "utter_invalid_birth_date"),
            }
        if requested != "otp_code" or not tracker.get_slot("challenge_id"):
            return {"otp_code": None}
        if not _OTP.fullmatch(digits):
            return invalid(dispatcher, tracker, "otp_code", "utter_invalid_otp_code")
        return valid(tracker, "otp_code", digits)


async def check_caller(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Confirm a voice caller by the signed caller number and the birth date.

    Any refusal (no match, a forged or stale claim, a limit) is tried once per request and then
    leads to the full path, which asks what is missing and meets the same limits there.
    """
    claim = caller_claim_of(tracker)
    born = tracker.get_slot("birth_date")
    if claim is None or not born:
        return {}
    tried = count_try(tracker, CALLER_CHECK)
    try:
        body = await get_client().caller_check(
            conversation_id=tracker.sender_id, birth_date=born, caller_claim=claim
        )
    except BackendRefused:
        return tried
    say(dispatcher, tracker, "utter_identity_confirmed")
    resident = body.get("resident") or {}
    return {
        **tried,
        "identity_token": body["identity_token"],
        "identity_expires_at": body["expires_at"],
        **({"person_name": resident["name"]} if resident.get("name") else {}),
    }


async def send_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Start a challenge once name, birth date and phone are known (the SMS goes out).

    On the voice line's caller-ID path, the caller check runs instead (`check_caller`).
    """
    if has_valid_identity(tracker) or tracker.get_slot("challenge_id"):
        return {}
    if caller_path_open(tracker):
        return await check_caller(dispatcher, tracker)
    name = tracker.get_slot("person_name")
    born = tracker.get_slot("birth_date")
    phone = tracker.get_slot("phone_number")
    if not (name and born and phone):
        return {}
    try:
        body = await get_client().create_challenge(
            conversation_id=tracker.sender_id, name=name, birth_date=born, phone=phone
        )
    except BackendRefused as e:
        if is_rate_limited(e) and e.code != "identity_locked_today":
            return pending("send_code", {"code": e.code, **e.extras})
        utter_problem(dispatcher, tracker, e)
        return {"phone_number": None}
    return {"challenge_id": str(body["challenge_id"]), "masked_phone": body.get("masked_phone")}


async def verify_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Check the typed code; on success keep the token and forget the code."""
    challenge_id = tracker.get_slot("challenge_id")
    code = tracker.get_slot("otp_code")
    if has_valid_identity(tracker) or not challenge_id or not code:
        return {}
    try:
        body = await get_client().verify_challenge(
            challenge_id=challenge_id, conversation_id=tracker.sender_id, code=code
        )
    except BackendRefused as e:
        utter_problem(dispatcher, tracker, e)
        if e.code in {"otp_expired", "challenge_not_found"}:
            return {"otp_code": None, "challenge_id": None}  # send_code renews it
        if e.code == "otp_locked":
            return {"otp_code": None, "challenge_id": None, "phone_number": None}
        return {"otp_code": None}
    say(dispatcher, tracker, "utter_identity_confirmed")
    return {
        "identity_token": body["identity_token"],
        "identity_expires_at": body["expires_at"],
        "otp_code": None,
        "challenge_id": None,
    }


def _since_this_form_run(tracker: Tracker) -> list[dict[str, Any]]:
    """Events the running form added (Rasa puts them after the form's own action event)."""
    recent: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") in {"action", "user"}:
            break
        recent.append(event)
    return recent


class ActionAskOtpCode(Action):
    """Asks for the SMS code: in full when a code was just sent, briefly otherwise.

    Repeating "a code was sent" after a wrong code would suggest a new one went out.
    """

    def name(self) -> str:
        return "action_ask_otp_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        recent = _since_this_form_run(tracker)
        # "Not an answer" says nothing about the code; anything else said (a wrong code, a
        # locked challenge) already tells the resident what to do.
        spoken = [
            e
            for e in recent
            if e.get("event") == "bot"
            and (e.get("metadata") or {}).get("utter_action") != "utter_not_an_answer"
        ]
        if any(e.get("event") == "slot" and e.get("name") == "challenge_id" for e in recent):
            say(dispatcher, tracker, "utter_ask_otp_code")
        elif not spoken:
            await ask_or_offer(dispatcher, tracker, "otp_code", "utter_ask_otp_code_again")
        return []
