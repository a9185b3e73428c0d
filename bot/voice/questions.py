"""What the open question of a call is, and how a keypad answers it (nlu-contract.md "Voice line").

The question is read from the turn's last message: Rasa's messages carry the name of the
response that made them (``utter_action``), and a response asking for a value is named after its
slot (``utter_ask_birth_date``, ``utter_invalid_birth_date``, ``utter_options_birth_date`` …).
A message with buttons is a menu: digit N chooses the N-th button, whose payload goes to Rasa
exactly as a pressed button does on the other channels, so a keypad answer produces the same
intent and entities as the spoken one. Digits for a number question become the entity directly
(``/inform{"birth_date":"1950-03-02"}``), normalised as the contract says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Final

from nlu.normalise.dates import digits_to_birth_date


class Kind(str, Enum):
    MENU = "menu"  # choose one of the offered options
    BIRTH_DATE = "birth_date"  # YYMMDD
    PHONE = "phone_number"  # 11 digits
    OTP = "otp_code"  # 6 digits
    ORDER_ID = "order_id"  # 8 digits
    BUSINESS_NUMBER = "business_number"  # 10 digits
    COPIES = "copies"  # a count, ended with #
    NAME = "person_name"  # speech only (a keypad cannot spell a name)
    OPEN = "open"  # nothing asked: anything may be said


# Digits a number question takes, and the entity they fill.
DIGITS: Final[dict[Kind, int]] = {
    Kind.BIRTH_DATE: 6,
    Kind.PHONE: 11,
    Kind.OTP: 6,
    Kind.ORDER_ID: 8,
    Kind.BUSINESS_NUMBER: 10,
}
ENTITY: Final[dict[Kind, str]] = {
    Kind.BIRTH_DATE: "birth_date",
    Kind.PHONE: "phone_number",
    Kind.OTP: "otp_code",
    Kind.ORDER_ID: "order_id",
    Kind.BUSINESS_NUMBER: "business_number",
    Kind.COPIES: "copies",
}
# Slot names inside response names (longest first: bulk_form_copies before copies).
_SLOT_KINDS: Final[tuple[tuple[str, Kind], ...]] = (
    ("business_number", Kind.BUSINESS_NUMBER),
    ("business_code", Kind.OTP),
    ("birth_date", Kind.BIRTH_DATE),
    ("phone_number", Kind.PHONE),
    ("otp_code", Kind.OTP),
    ("order_id", Kind.ORDER_ID),
    ("bulk_form_copies", Kind.COPIES),
    ("bulk_copies", Kind.COPIES),
    ("copies", Kind.COPIES),
    ("person_name", Kind.NAME),
)
_ASKING: Final = re.compile(r"^utter_(?:ask|invalid|options|unsure)_(\w+?)(?:_again)?$")
MAX_COPY_DIGITS: Final = 3


@dataclass(frozen=True, slots=True)
class Choice:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class GatherSpec:
    """How to listen for the answer: TwiML ``<Gather>`` attributes, Asterisk ``GET DATA`` args."""

    inputs: tuple[str, ...] = ("dtmf", "speech")
    num_digits: int | None = 1  # return after this many digits (None: until finish key/timeout)
    finish_on_key: str = ""  # "#" or "" (none)
    timeout_s: int = 6  # seconds for the first input and between digits
    max_digits: int = 1  # the most digits an answer can have (Asterisk GET DATA maxdigits)
    hints: tuple[str, ...] = ()  # words to bias the provider's recogniser


@dataclass(frozen=True, slots=True)
class Question:
    kind: Kind = Kind.OPEN
    choices: tuple[Choice, ...] = ()
    response: str | None = None  # the response that asked it

    def gather(self) -> GatherSpec:
        hints = tuple(c.title for c in self.choices)
        if self.kind in DIGITS:
            n = DIGITS[self.kind]
            return GatherSpec(num_digits=n, finish_on_key="#", timeout_s=10, max_digits=n,
                              hints=hints)
        if self.kind is Kind.COPIES:
            return GatherSpec(num_digits=None, finish_on_key="#", timeout_s=5,
                              max_digits=MAX_COPY_DIGITS, hints=hints)
        return GatherSpec(num_digits=1, finish_on_key="", timeout_s=6, max_digits=1, hints=hints)

    def keypad_text_key(self) -> str:
        """The ``bot/voice/texts.yml`` key telling how to answer this question by keypad."""
        if self.kind in DIGITS or self.kind is Kind.COPIES:
            return f"keypad_{self.kind.value}"
        if self.kind is Kind.NAME:
            return "keypad_name"
        return "keypad_menu"

    def choice_for(self, digit: str) -> Choice | None:
        if len(digit) == 1 and digit.isdigit() and 1 <= int(digit) <= len(self.choices):
            return self.choices[int(digit) - 1]
        return None


class KeypadError(ValueError):
    """Digits that do not answer the question; ``text_key`` names what to tell the caller."""

    def __init__(self, text_key: str) -> None:
        super().__init__(text_key)
        self.text_key = text_key


def inform(entity: str, value: str) -> str:
    """The payload a pressed button with this entity would send."""
    return "/inform" + json.dumps({entity: value}, ensure_ascii=False, separators=(",", ":"))


def payload_for_digits(question: Question, digits: str, today: date | None = None) -> str:
    """Return what Rasa gets for ``digits`` (without ``*``/``0`` handling, see call.py).

    Raises:
        KeypadError: the digits do not answer the question.
    """
    digits = digits.strip().rstrip("#")
    if not digits.isdigit():
        raise KeypadError("no_such_key")
    if question.kind in DIGITS:
        if len(digits) == 1 and question.choice_for(digits):
            return question.choice_for(digits).payload  # type: ignore[union-attr]
        if len(digits) != DIGITS[question.kind]:
            raise KeypadError("wrong_length")
        if question.kind is Kind.BIRTH_DATE:
            born = digits_to_birth_date(digits, today or date.today())
            if born is None:
                raise KeypadError("wrong_length")
            return inform("birth_date", born)
        return inform(ENTITY[question.kind], digits)
    if question.kind is Kind.COPIES:
        if len(digits) > MAX_COPY_DIGITS or int(digits) == 0:
            raise KeypadError("no_such_key")
        return inform("copies", str(int(digits)))
    choice = question.choice_for(digits)
    if choice is None:
        raise KeypadError("keypad_name" if question.kind is Kind.NAME else "no_such_key")
    return choice.payload


def kind_of_response(name: str | None) -> Kind | None:
    """The value question a response asks, from its name (``None``: it asks no value)."""
    match = _ASKING.match(name or "")
    if not match:
        return None
    asked = match.group(1)
    for slot, kind in _SLOT_KINDS:
        if asked == slot or asked.endswith(slot):
            return kind
    return None


def question_of(messages: Iterable[Mapping[str, Any]]) -> Question:
    """The question a turn's messages leave open (see the module docstring)."""
    listed = [m for m in messages if isinstance(m, Mapping)]
    choices: tuple[Choice, ...] = ()
    for message in listed:
        buttons = message.get("buttons") or message.get("quick_replies") or []
        found = tuple(
            Choice(str(b.get("title") or ""), str(b.get("payload") or b.get("title") or ""))
            for b in buttons
            if isinstance(b, Mapping) and (b.get("payload") or b.get("title"))
        )
        if found:
            choices = found
    response = None
    for message in reversed(listed):
        name = message.get("utter_action") or message.get("response")
        if isinstance(name, str) and name:
            response = name
            break
    kind = kind_of_response(response)
    if kind is None:
        kind = Kind.MENU if choices else Kind.OPEN
    return Question(kind=kind, choices=choices, response=response)


@dataclass(frozen=True, slots=True)
class Menu:
    """A menu the voice line offers itself (resume or start over, what else)."""

    choices: tuple[Choice, ...] = field(default=())

    def question(self) -> Question:
        return Question(kind=Kind.MENU, choices=self.choices)
