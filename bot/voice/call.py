"""One phone call as a dialogue, whatever carries it (TwiML webhooks, Asterisk FastAGI).

A transport hands :meth:`VoiceDialogue.handle` the call id, the caller's number and what the
caller did (:class:`CallerInput`: the call started, speech text with its confidence, keypad
digits, silence, hang-up) and gets back a :class:`VoiceTurn`: the sentences to say (already
written for the ear, ``spoken_korean.for_ear``), and either how to listen for the answer
(:class:`~bot.voice.questions.GatherSpec`), a transfer to staff, or the end of the call.

The voice rules (issue 13): ``*`` repeats the last prompts, ``0`` reaches a person (a transfer
to the staff number while staff are on duty, else a handoff ticket whose call-back request
carries the caller's number in the message metadata); silence or a recognition below
``min_confidence`` asks again, the second time offers the keypad, the third hands over to a
person. Keypad answers become the same intents and entities as spoken ones (questions.py).

Conversation ids are ``voice:<HMAC of the caller's number>`` (bot/conversation_ids.py
namespaces), so a call back from the same number finds the conversation again: when a request
was left half done, the caller chooses to continue it (the open question is asked again) or to
start over (Rasa's ``/restart``). A call without a usable number (withheld) gets an id from the
call id and cannot be continued later.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from enum import Enum
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

from bot.bounded import BoundedMap
from bot.conversation_ids import conversation_id
from bot.input_guard import repair_text
from bot.reply import ChannelTexts, domain_of
from bot.turn_guard import TurnGuard
from bot.voice.questions import (
    Choice,
    GatherSpec,
    KeypadError,
    Kind,
    Question,
    payload_for_digits,
    question_of,
)
from bot.voice.spoken_korean import for_ear
from nlu.pii import mask_rrn

logger = logging.getLogger(__name__)

VOICE: Final = "voice"  # channel name, response variation and conversation-id namespace
TEXTS_FILE: Final = Path(__file__).with_name("texts.yml")
MIN_CONFIDENCE: Final = 0.4
MAX_CALLS: Final = 10_000
CALL_STATE_FOR_S: Final = 2 * 3600.0
MAX_SPEECH_CHARS: Final = 500
_KEY_PURPOSE: Final = b"minwon voice caller id v1"
# What the voice line offers after an answer that asks nothing (the same as the greeting's menu).
MAIN_MENU: Final = (
    Choice("증명서 발급", "/request_certificate"),
    Choice("집으로 배달", "/request_delivery"),
    Choice("신청 조회", "/check_status"),
)
ENDS_CALL: Final = frozenset({"utter_goodbye", "utter_handoff_opened"})
# "이 번이요", "2번": a key said instead of pressed (not "이번에 등본…", which is "this time")
_SPOKEN_KEY: Final = re.compile(
    r"\s*([0-9]|[공영일이삼사오육칠팔구])\s*번\s*(?:이요|요|이에요|할게요|이요\.)?\s*[.!]?\s*"
)
_KEY_WORDS: Final = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5",
                     "육": "6", "칠": "7", "팔": "8", "구": "9"}
_NOT_WORD: Final = re.compile(r"[\s.!?~,·…요]+")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class InputKind(str, Enum):
    START = "start"  # the call was answered; nothing said yet
    SPEECH = "speech"
    DTMF = "dtmf"
    SILENCE = "silence"  # the gather timed out, or the recogniser returned nothing
    HANGUP = "hangup"


@dataclass(frozen=True, slots=True)
class CallerInput:
    kind: InputKind
    text: str = ""
    confidence: float | None = None  # 0.0-1.0 when the recogniser says
    digits: str = ""

    @classmethod
    def start(cls) -> CallerInput:
        return cls(InputKind.START)

    @classmethod
    def speech(cls, text: str, confidence: float | None = None) -> CallerInput:
        return cls(InputKind.SPEECH, text=text, confidence=confidence)

    @classmethod
    def dtmf(cls, digits: str) -> CallerInput:
        return cls(InputKind.DTMF, digits=digits)

    @classmethod
    def silence(cls) -> CallerInput:
        return cls(InputKind.SILENCE)

    @classmethod
    def hangup(cls) -> CallerInput:
        return cls(InputKind.HANGUP)


class Outcome(str, Enum):
    ASK = "ask"  # say the prompts, then listen (``VoiceTurn.gather``)
    TRANSFER = "transfer"  # say the prompts, then connect ``VoiceTurn.transfer_to``
    HANGUP = "hangup"  # say the prompts, then end the call


@dataclass(frozen=True, slots=True)
class VoiceTurn:
    prompts: tuple[str, ...]  # sentences for the ear, in order
    outcome: Outcome = Outcome.ASK
    gather: GatherSpec | None = None
    question: Question = field(default_factory=Question)
    transfer_to: str | None = None


@dataclass(frozen=True, slots=True)
class StaffLine:
    """A staff number calls are transferred to while staff are on duty (Asia/Seoul)."""

    number: str = ""
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    zone: str = "Asia/Seoul"

    @classmethod
    def parse(cls, number: str | None, hours: str | None, days: str | None = None) -> StaffLine:
        """``hours`` as ``09:00-18:00``; ``days`` as ``0-4`` or ``0,1,2`` (Monday = 0)."""
        line = cls(number=(number or "").strip())
        if hours and "-" in hours:
            start, _, end = hours.partition("-")
            line = replace(line, opens=time.fromisoformat(start.strip()),
                           closes=time.fromisoformat(end.strip()))
        if days:
            chosen: set[int] = set()
            for part in days.split(","):
                low, _, high = part.strip().partition("-")
                chosen.update(range(int(low), int(high or low) + 1))
            line = replace(line, weekdays=frozenset(chosen))
        return line

    def on_duty(self, now: datetime | None = None) -> bool:
        if not self.number:
            return False
        local = (now or datetime.now(ZoneInfo(self.zone))).astimezone(ZoneInfo(self.zone))
        return local.weekday() in self.weekdays and self.opens <= local.time() < self.closes


@dataclass(frozen=True, slots=True)
class CallMemory:
    """What the conversation store knows of an earlier call: a form left open, its last words."""

    active_loop: str | None
    last_messages: tuple[Mapping[str, Any], ...] = ()
    paused: bool = False  # staff have the conversation (a handoff)


TrackerReader = Callable[[str], Awaitable[CallMemory | None]]


@dataclass
class CallState:
    conversation: str
    caller: str
    prompts: tuple[str, ...] = ()
    question: Question = field(default_factory=Question)
    failures: int = 0
    resume: CallMemory | None = None  # set while the caller chooses continue / start over
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class VoiceCollector(CollectingOutputChannel):
    """One turn's messages, named ``voice`` for the ``channel: voice`` response variations.

    Texts stay whole (Rasa's collector splits on blank lines) and each message keeps the name
    of the response that made it (``utter_action``), which says what question is open.
    """

    @classmethod
    def name(cls) -> str:
        return VOICE

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        name = message.get("utter_action") or message.get("response")
        before = len(self.messages)
        await super().send_response(recipient_id, dict(message))
        if isinstance(name, str):
            for stored in self.messages[before:]:
                stored["utter_action"] = name

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


def caller_key(secret: str | None = None) -> bytes:
    """The key caller numbers are hashed with (from ``MINWON_SECRET_KEY``).

    Without a secret (dev) the key is fixed, so a call back still finds its conversation, and a
    warning is logged: the ids then only hide numbers from a casual look.
    """
    secret = os.environ.get("MINWON_SECRET_KEY", "") if secret is None else secret
    if not secret:
        logger.warning("voice_secret_key_missing_using_fixed_key")
        secret = "minwon-voice-dev"
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def caller_number(raw: str | None) -> str | None:
    """The caller's number as digits in national form (+8210… → 010…), or None when withheld."""
    digits = re.sub(r"\D", "", raw or "")
    if (raw or "").strip().startswith("+82") and digits.startswith("82"):
        digits = "0" + digits[2:]
    return digits if 7 <= len(digits) <= 15 else None


def voice_conversation_id(caller: str | None, call_id: str, key: bytes) -> str:
    """``voice:<hash>`` of the caller's number, else of the call id (a withheld number)."""
    number = caller_number(caller)
    material = f"tel:{number}" if number else f"call:{call_id}"
    digest = hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return conversation_id(VOICE, digest)


def agent_tracker_reader(app: Any) -> TrackerReader:
    """Read a conversation's open form and last bot turn from the Rasa agent of ``app``."""

    async def read(conversation: str) -> CallMemory | None:
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        tracker = await store.retrieve(conversation)
        if tracker is None:
            return None
        loop = tracker.active_loop_name
        last: list[Mapping[str, Any]] = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                last.insert(0, event.message())
        return CallMemory(active_loop=loop, last_messages=tuple(last), paused=tracker.is_paused())

    return read


class VoiceDialogue:
    """The voice line's dialogue over Rasa; one instance serves every call of a transport."""

    def __init__(
        self,
        on_new_message: OnNewMessage,
        *,
        app: Any = None,
        texts: ChannelTexts | None = None,
        key: bytes | None = None,
        tracker_reader: TrackerReader | None = None,
        staff: StaffLine | None = None,
        turns: TurnGuard | None = None,
        min_confidence: float = MIN_CONFIDENCE,
        input_channel: str = VOICE,
        max_calls: int = MAX_CALLS,
    ) -> None:
        self.on_new_message = on_new_message
        self.app = app
        self.texts = texts or ChannelTexts.from_yaml(VOICE, TEXTS_FILE)
        self.key = key if key is not None else caller_key()
        self.tracker_reader = tracker_reader
        self.staff = staff or StaffLine()
        # the turn guard's notices in the voice line's words (texts.yml), not "보내 주세요"
        self.turns = turns or TurnGuard(texts=self.texts)
        self.min_confidence = min_confidence
        self.input_channel = input_channel
        self.calls: BoundedMap[str, CallState] = BoundedMap(max_calls, ttl_s=CALL_STATE_FOR_S)

    # --- public ------------------------------------------------------------------------------
    def conversation_for(self, caller: str | None, call_id: str) -> str:
        return voice_conversation_id(caller, call_id, self.key)

    def say(self, key: str) -> str:
        """One of the voice line's own sentences (domain ``utter_channel_voice_<key>`` wins)."""
        return for_ear(self.texts.get(key, domain_of(self.app)))

    def end(self, call_id: str) -> None:
        """Forget a call that ended (the conversation itself stays in Rasa's tracker store)."""
        self.calls.pop(call_id)

    def is_active(self, call_id: str) -> bool:
        return call_id in self.calls

    async def handle(self, call_id: str, caller: str | None, said: CallerInput) -> VoiceTurn:
        """Run one step of call ``call_id`` (see the module docstring)."""
        if said.kind is InputKind.HANGUP:
            self.end(call_id)
            return VoiceTurn((), Outcome.HANGUP)
        state = self.calls.get(call_id)
        if state is None:
            state = CallState(self.conversation_for(caller, call_id), caller_number(caller) or "")
            self.calls.set(call_id, state)
            async with state.lock:
                return await self._open(state)
        async with state.lock:
            return await self._step(state, said)

    async def staff_unreachable(self, call_id: str, caller: str | None) -> VoiceTurn:
        """A transfer nobody answered: open a handoff ticket with a call-back request instead."""
        state = self.calls.get(call_id)
        if state is None:
            state = CallState(self.conversation_for(caller, call_id), caller_number(caller) or "")
            self.calls.set(call_id, state)
        async with state.lock:
            return await self._ticket(state)

    # --- steps -------------------------------------------------------------------------------
    async def _open(self, state: CallState) -> VoiceTurn:
        memory = None
        if self.tracker_reader is not None:
            try:
                memory = await self.tracker_reader(state.conversation)
            except Exception:  # a store failure must not drop the call: greet as new
                logger.exception("voice_tracker_unreadable")
        if memory is not None and memory.active_loop:
            state.resume = memory
            menu = Question(Kind.MENU, (Choice("이어서", "resume"), Choice("처음부터", "restart")))
            return self._settle(state, self._ask((self.say("resume_offer"),), menu))
        return await self._run(state, "/greet", "start")

    async def _step(self, state: CallState, said: CallerInput) -> VoiceTurn:
        if said.kind is InputKind.START:  # a repeated first request: say it again
            return self._ask(state.prompts, state.question)
        if said.kind is InputKind.DTMF:
            digits = re.sub(r"[^0-9*#]", "", said.digits).rstrip("#")
            if not digits:
                return await self._not_understood(state)
            if "*" in digits:
                return self._ask(state.prompts, state.question)
            if digits == "0":
                return await self._person(state)
            if state.resume is not None:
                return await self._resume(state, digits)
            try:
                payload = payload_for_digits(state.question, digits)
            except KeypadError as e:
                return await self._keypad_error(state, e.text_key)
            return await self._run(state, payload, "dtmf")
        text = mask_rrn(repair_text(said.text or ""))[:MAX_SPEECH_CHARS].strip()
        heard = said.kind is InputKind.SPEECH and bool(text) and (
            said.confidence is None or said.confidence >= self.min_confidence
        )
        if not heard:
            return await self._not_understood(state)
        spoken_key = _SPOKEN_KEY.fullmatch(text)
        if spoken_key and state.question.choices:
            digit = _KEY_WORDS.get(spoken_key.group(1), spoken_key.group(1))
            if digit == "0":
                return await self._person(state)
            return await self._step(state, CallerInput.dtmf(digit))
        if state.resume is not None:
            word = _NOT_WORD.sub("", text)
            if word in self._words("resume_words"):
                return await self._resume(state, "1")
            if word in self._words("restart_words"):
                return await self._resume(state, "2")
            return await self._not_understood(state)
        return await self._run(state, text, "speech", said.confidence)

    async def _resume(self, state: CallState, digits: str) -> VoiceTurn:
        memory = state.resume
        assert memory is not None
        if digits not in ("1", "2"):
            return await self._keypad_error(state, "no_such_key")
        state.resume = None
        if digits == "1":
            prompts = tuple(
                for_ear(str(m.get("text"))) for m in memory.last_messages if m.get("text")
            )
            if prompts:
                return self._settle(state, self._ask(prompts, question_of(memory.last_messages)))
            return await self._run(state, "/greet", "start")
        await self._run(state, "/restart", "dtmf")
        turn = await self._run(state, "/greet", "start")
        return self._settle(state, replace(turn, prompts=(self.say("starting_over"), *turn.prompts)))

    async def _not_understood(self, state: CallState) -> VoiceTurn:
        state.failures += 1
        if state.failures == 1:
            return self._ask((self.say("not_heard"), *state.prompts), state.question)
        if state.failures == 2:
            hint = self.say(state.question.keypad_text_key())
            return self._ask((self.say("try_keypad"), hint), state.question)
        return await self._person(state, lead=(self.say("offer_person"),))

    async def _keypad_error(self, state: CallState, text_key: str) -> VoiceTurn:
        state.failures += 1
        if state.failures >= 3:
            return await self._person(state, lead=(self.say("offer_person"),))
        prompts = (self.say(text_key),)
        if text_key != "keypad_name":
            prompts += (self.say(state.question.keypad_text_key()),)
        return self._ask(prompts, state.question)

    async def _person(self, state: CallState, lead: tuple[str, ...] = ()) -> VoiceTurn:
        """A transfer while staff are on duty, else a handoff ticket with a call-back request."""
        state.failures = 0
        if self.staff.on_duty():
            return VoiceTurn((*lead, self.say("transferring")), Outcome.TRANSFER,
                             transfer_to=self.staff.number)
        return await self._ticket(state, lead)

    async def _ticket(self, state: CallState, lead: tuple[str, ...] = ()) -> VoiceTurn:
        turn = await self._run(state, "/human_handoff", "dtmf", callback=True)
        return replace(turn, prompts=(*lead, *turn.prompts))

    async def _run(
        self,
        state: CallState,
        text: str,
        how: str,
        confidence: float | None = None,
        callback: bool = False,
    ) -> VoiceTurn:
        collector = VoiceCollector()
        voice: dict[str, Any] = {"input": how}
        if confidence is not None:
            voice["confidence"] = round(float(confidence), 3)
        if callback and state.caller:
            voice["callback_requested"] = True
            voice["callback_number"] = state.caller
        message = UserMessage(
            text,
            collector,
            state.conversation,
            input_channel=self.input_channel,
            metadata={"voice": voice, "client_key": state.conversation},
        )
        try:
            await self.turns.run(message, self.on_new_message, self.app)
        except Exception:
            logger.exception("voice_turn_failed", extra={"conversation_id": state.conversation})
            return self._ask((for_ear(self.turns.words(self.app)["error"]), *state.prompts),
                             state.question)
        messages = collector.messages
        prompts = tuple(for_ear(str(m["text"])) for m in messages if m.get("text"))
        question = question_of(messages)
        if not prompts:
            if await self._paused(state):
                # the bot stays silent while staff have the conversation
                return VoiceTurn((self.say("waiting_staff"), self.say("goodbye")), Outcome.HANGUP)
            # a turn that said nothing otherwise (a failed action Rasa swallowed): never hang
            # up on the caller; apologise and ask the open question again
            return self._ask((self.say("error"), *state.prompts), state.question)
        if question.response in ENDS_CALL:
            ending = (self.say("goodbye"),) if question.response != "utter_goodbye" else ()
            return VoiceTurn((*prompts, *ending), Outcome.HANGUP)
        if question.kind is Kind.OPEN:
            question = Question(Kind.MENU, MAIN_MENU, question.response)
            prompts = (*prompts, self.say("anything_else"))
        return self._settle(state, self._ask(prompts, question))

    async def _paused(self, state: CallState) -> bool:
        if self.tracker_reader is None:
            return False
        try:
            memory = await self.tracker_reader(state.conversation)
        except Exception:
            logger.exception("voice_tracker_unreadable")
            return False
        return bool(memory and memory.paused)

    # --- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _ask(prompts: Sequence[str], question: Question) -> VoiceTurn:
        return VoiceTurn(tuple(prompts), Outcome.ASK, question.gather(), question)

    @staticmethod
    def _settle(state: CallState, turn: VoiceTurn) -> VoiceTurn:
        """A new question was asked: remember it (``*`` repeats it) and start counting anew."""
        state.prompts = turn.prompts
        state.question = turn.question
        state.failures = 0
        return turn

    def _words(self, key: str) -> set[str]:
        raw = self.texts.get(key, domain_of(self.app))
        return {_NOT_WORD.sub("", w) for w in raw.split(",")} - {""}
