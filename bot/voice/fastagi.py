"""The voice line over Asterisk FastAGI: an asyncio TCP server inside the Rasa server.

Asterisk's dialplan hands a call over with ``AGI(agi://<host>:4573/minwon)``; Asterisk then
connects, sends its preamble (``agi_*: value`` lines up to a blank line) and waits for commands,
one line each, answering every one with ``200 result=<n> [(<data>)] [endpos=<n>]`` or an error
code (``510``, ``511 Command Not Permitted on a dead channel``, ``520`` with a multi-line usage).
When the caller hangs up, a bare ``HANGUP`` line arrives in the stream (AGISIGHUP) and commands
after it get ``511``. ../shared/protocols.md §5 is the reference.

Each call is a loop over :class:`bot.voice.call.VoiceDialogue` (shared with the TwiML webhook):
the turn's prompts are rendered by :mod:`bot.voice.tts` and played with ``STREAM FILE`` (any key
interrupts), the answer is taken with ``GET DATA`` (keypad: as many digits as the question
takes, ``#`` ends), or — when the local recogniser is configured — with ``RECORD FILE``, which a
key press also ends, and Vosk with the question's grammar (bot/voice/recogniser.py). A spoken
menu answer becomes the key of the option heard and a spoken number its digits, so speech and
keypad reach Rasa the same way.

A hang-up, a dropped connection or a protocol surprise ends only that call: the conversation
stays in Rasa's tracker store (a call back from the same number can continue or start over), and
nothing a connection sends can stop the server.

The caller's number goes to the action server as a signed caller claim (bot/voice/caller_claim.py)
in each message's metadata; the backend accepts it for a ``voice:`` conversation only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime_profile import current_profile
from bot.voice import caller_claim
from bot.voice.call import (
    CallerInput,
    Outcome,
    StaffLine,
    VoiceDialogue,
    VoiceTurn,
    agent_tracker_reader,
    caller_number,
)
from bot.voice.questions import DIGITS, Kind, Question
from bot.voice.recogniser import Grammar, Option, Recogniser, load_grammars
from bot.voice.tts import SpeechOut, SpeechUnavailable

logger = logging.getLogger(__name__)

DEFAULT_PORT: Final = 4573
MAX_LINE_BYTES: Final = 8192
MAX_PREAMBLE_LINES: Final = 200
PREAMBLE_TIMEOUT_S: Final = 10.0
# A command's answer can take as long as the prompt it plays plus the caller's answer.
RESPONSE_TIMEOUT_S: Final = 300.0
MAX_TURNS: Final = 200  # a call that goes on forever is a stuck loop, not a resident
ALL_KEYS: Final = "0123456789*#"
RECORD_SECONDS: Final = 15
RECORD_SILENCE_S: Final = 2
DIAL_TIMEOUT_S: Final = 30
_SAFE_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,80}")
_RESPONSE: Final = re.compile(r"^(\d{3})(?:[ -](.*))?$")
_RESULT: Final = re.compile(r"result=(-?[0-9*#]*)(?:\s*\((.*?)\))?(?:\s*endpos=(-?\d+))?")


class AgiHangup(Exception):
    """The channel is gone (HANGUP signal, 511, result -1, or the connection closed)."""


class AgiProtocolError(Exception):
    """Asterisk sent something this server cannot read as an answer."""


@dataclass(frozen=True, slots=True)
class AgiResponse:
    code: int
    result: str = ""
    data: str | None = None
    endpos: int | None = None
    raw: str = ""

    @property
    def number(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None


def parse_response(line: str) -> AgiResponse:
    """Parse one ``200 result=…`` line (or an error line) as res_agi.c writes them.

    Raises:
        AgiProtocolError: not a response line.
    """
    match = _RESPONSE.match(line.strip())
    if not match:
        raise AgiProtocolError(f"not an AGI response: {line[:80]!r}")
    code, rest = int(match.group(1)), match.group(2) or ""
    found = _RESULT.search(rest)
    if code != 200 or not found:
        return AgiResponse(code, raw=line)
    endpos = int(found.group(3)) if found.group(3) else None
    return AgiResponse(code, found.group(1), found.group(2), endpos, line)


def quote(argument: str) -> str:
    """An AGI argument: double-quoted, with backslash and quote escaped (res_agi.c parse_args)."""
    cleaned = argument.replace("\r", " ").replace("\n", " ")
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def read_preamble(reader: asyncio.StreamReader) -> dict[str, str]:
    """The ``agi_*`` variables up to the blank line; lines that are not ``key: value`` are skipped.

    Raises:
        AgiProtocolError: no blank line within the limits (lines, time) or the stream ended.
    """
    env: dict[str, str] = {}
    deadline = time.monotonic() + PREAMBLE_TIMEOUT_S
    for _ in range(MAX_PREAMBLE_LINES):
        line = await _readline(reader, max(0.01, deadline - time.monotonic()))
        if line is None:
            raise AgiProtocolError("connection closed in the preamble")
        if not line.strip():
            return env
        key, sep, value = line.partition(":")
        if sep and key.strip().startswith("agi_"):
            env[key.strip()] = value.strip()
    raise AgiProtocolError("preamble too long")


async def _readline(reader: asyncio.StreamReader, timeout_s: float) -> str | None:
    """One line without its ending; None at the end of the stream.

    Raises:
        AgiProtocolError: a line over the limit or no line in time.
    """
    try:
        raw = await asyncio.wait_for(reader.readline(), timeout_s)
    except (ValueError, asyncio.LimitOverrunError) as e:
        raise AgiProtocolError("line too long") from e
    except asyncio.TimeoutError as e:
        raise AgiProtocolError("no answer in time") from e
    except (ConnectionError, OSError) as e:
        raise AgiHangup("connection lost") from e
    if not raw:
        return None
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


class AgiSession:
    """One FastAGI connection: commands out, answers in, the hang-up signal noticed anywhere."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.env: dict[str, str] = {}
        self.hung_up = False
        self.keypad_only = False  # the dialplan asked for it: AGI(agi://…/minwon,keypad)
        self.log: list[str] = []  # commands sent (tests and debugging; no caller data)

    async def command(self, *words: str, timeout_s: float = RESPONSE_TIMEOUT_S) -> AgiResponse:
        """Send one command and return its ``200`` answer.

        Raises:
            AgiHangup: the channel is gone (before, during or as the answer).
            AgiProtocolError: the answer was not an AGI response, or an error other than 511.
        """
        if self.hung_up:
            raise AgiHangup("channel hung up")
        line = " ".join(words)
        self.log.append(words[0] if len(words) == 1 else f"{words[0]} {words[1]}")
        try:
            self.writer.write(line.encode("utf-8") + b"\n")
            await self.writer.drain()
        except (ConnectionError, OSError) as e:
            self.hung_up = True
            raise AgiHangup("connection lost") from e
        while True:
            text = await _readline(self.reader, timeout_s)
            if text is None:
                self.hung_up = True
                raise AgiHangup("connection closed")
            if text.strip() == "HANGUP":
                self.hung_up = True  # the answer to this command still follows
                continue
            if not text.strip():
                continue
            try:
                answer = parse_response(text)
            except AgiProtocolError:
                logger.info("agi_unexpected_line")
                continue
            if text[3:4] == "-":  # "520-Invalid command syntax…": read to "520 End of…"
                await self._skip_usage(answer.code, timeout_s)
                raise AgiProtocolError(f"{answer.code} for {words[0]}")
            if answer.code == 511:
                self.hung_up = True
                raise AgiHangup("dead channel")
            if answer.code != 200:
                raise AgiProtocolError(f"{answer.code} for {words[0]}")
            return answer

    async def _skip_usage(self, code: int, timeout_s: float) -> None:
        for _ in range(100):
            text = await _readline(self.reader, timeout_s)
            if text is None or text.startswith(f"{code} "):
                return

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


@dataclass
class AgiSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    recordings: Path | None = None  # where RECORD FILE writes, as Asterisk and we both see it
    record_format: str = "wav"  # "wav" (8 kHz) or "wav16" on wideband channels
    dial: str = "PJSIP/{number}"  # the Dial string for the staff number
    record_seconds: int = RECORD_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AgiSettings:
        e = os.environ if env is None else env
        recordings = (e.get("MINWON_AGI_RECORDINGS") or "").strip()
        return cls(
            host=(e.get("MINWON_AGI_HOST") or "127.0.0.1").strip(),
            port=int((e.get("MINWON_AGI_PORT") or DEFAULT_PORT)),
            recordings=Path(recordings) if recordings else None,
            record_format=(e.get("MINWON_AGI_RECORD_FORMAT") or "wav").strip(),
            dial=(e.get("MINWON_AGI_DIAL") or "PJSIP/{number}").strip(),
        )


@dataclass
class _Listen:
    """What the caller did after the prompts."""

    said: CallerInput
    keys: str = ""


@dataclass
class FastAgiServer:
    """Serves FastAGI calls with one :class:`VoiceDialogue` (see the module docstring)."""

    dialogue: VoiceDialogue
    speech: SpeechOut
    settings: AgiSettings = field(default_factory=AgiSettings)
    recogniser: Recogniser | None = None
    server: asyncio.AbstractServer | None = None
    calls: int = 0
    callers: dict[str, str] = field(default_factory=dict)  # conversation -> caller number
    _grammars: dict[str, Grammar] = field(default_factory=load_grammars)

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._serve, self.settings.host, self.settings.port, limit=MAX_LINE_BYTES
        )
        port = self.server.sockets[0].getsockname()[1] if self.server.sockets else None
        logger.info("fastagi_listening", extra={"port": port})

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()
        if self.recogniser is not None:
            self.recogniser.close()

    @property
    def port(self) -> int | None:
        if self.server is None or not self.server.sockets:
            return None
        return int(self.server.sockets[0].getsockname()[1])

    # --- one connection ----------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AgiSession(reader, writer)
        self.calls += 1
        call_id = ""
        try:
            session.env = await read_preamble(reader)
            call_id = session.env.get("agi_uniqueid", "")
            args = {v.strip().lower() for k, v in session.env.items() if k.startswith("agi_arg_")}
            session.keypad_only = "keypad" in args
            if not _SAFE_ID.fullmatch(call_id):
                call_id = f"agi-{time.time_ns()}"
            await self._call(session, call_id)
        except (AgiHangup, AgiProtocolError) as e:
            logger.info("fastagi_call_ended", extra={"reason": type(e).__name__})
        except Exception:  # one call's failure must never reach the server
            logger.exception("fastagi_call_failed")
        finally:
            if call_id:
                with contextlib.suppress(Exception):
                    await self.dialogue.handle(call_id, None, CallerInput.hangup())
            conversation = getattr(session, "conversation", None)
            if conversation:
                self.callers.pop(conversation, None)
            session.close()

    async def _call(self, session: AgiSession, call_id: str) -> None:
        caller = session.env.get("agi_callerid", "")
        number = caller_number(caller)
        conversation = self.dialogue.conversation_for(caller, call_id)
        session.conversation = conversation  # type: ignore[attr-defined]
        if number:
            self.callers[conversation] = number
        await session.command("ANSWER")
        turn = await self.dialogue.handle(call_id, caller, CallerInput.start())
        for _ in range(MAX_TURNS):
            if turn.outcome is Outcome.HANGUP:
                await self._play_all(session, turn, interruptible=False)
                self.dialogue.end(call_id)
                await session.command("HANGUP")
                return
            if turn.outcome is Outcome.TRANSFER:
                await self._play_all(session, turn, interruptible=False)
                if await self._transfer(session, turn):
                    self.dialogue.end(call_id)
                    return
                turn = await self.dialogue.staff_unreachable(call_id, caller)
                continue
            heard = await self._listen(session, turn, call_id)
            turn = await self.dialogue.handle(call_id, caller, heard.said)
        logger.warning("fastagi_call_too_long")
        await session.command("HANGUP")

    # --- saying -------------------------------------------------------------------------------
    async def _prompt_file(self, text: str) -> str | None:
        """The prompt's path without extension, in a folder holding only its ``.sln``.

        The TTS cache keeps a μ-law ``.wav`` (for TwiML) beside the ``.sln``; Asterisk's ``wav``
        format reads 16-bit PCM only, so it must never be offered that file under the same name.
        """
        try:
            rendered = await self.speech.render(text)
        except SpeechUnavailable:
            logger.exception("fastagi_tts_failed")
            return None
        folder = rendered.folder.parent / "asterisk"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for source in (rendered.sln, rendered.text_file):
                link = folder / source.name
                if not link.exists():
                    with contextlib.suppress(FileExistsError):
                        link.symlink_to(source.resolve())
        except OSError:
            logger.exception("fastagi_prompt_link_failed")
            return None
        return str(folder / rendered.key)

    async def _play_all(self, session: AgiSession, turn: VoiceTurn, interruptible: bool) -> str:
        """Play every prompt; return the key that interrupted them ("" if none)."""
        for text in turn.prompts:
            path = await self._prompt_file(text)
            if path is None:
                continue
            answer = await session.command(
                "STREAM FILE", path, quote(ALL_KEYS if interruptible else "")
            )
            if answer.number is not None and answer.number < 0:
                raise AgiHangup("stream failed: hung up")
            if interruptible and answer.number:
                return chr(answer.number)
        return ""

    # --- listening ----------------------------------------------------------------------------
    async def _listen(self, session: AgiSession, turn: VoiceTurn, call_id: str) -> _Listen:
        gather = turn.gather
        max_digits = gather.max_digits if gather else 1
        timeout_ms = (gather.timeout_s if gather else 6) * 1000
        speech = (
            not session.keypad_only
            and self.recogniser is not None
            and self.settings.recordings is not None
            and (gather is None or "speech" in gather.inputs)
        )
        if not speech:
            # every prompt but the last can be cut short by a key; the last is GET DATA's own
            *leading, last = turn.prompts or ("",)
            key = await self._play_all(session, VoiceTurn(tuple(leading)), interruptible=True)
            if key:
                return await self._more_keys(session, key, max_digits, timeout_ms)
            path = await self._prompt_file(last) if last else None
            if path is not None:
                answer = await session.command("GET DATA", path, str(timeout_ms), str(max_digits))
                return self._keys(answer)
            answer = await session.command("WAIT FOR DIGIT", str(timeout_ms))
            if answer.number is not None and answer.number < 0:
                raise AgiHangup("hung up while waiting")
            if not answer.number:
                return _Listen(CallerInput.silence())
            return await self._more_keys(session, chr(answer.number), max_digits, timeout_ms)
        key = await self._play_all(session, turn, interruptible=True)
        if key:
            return await self._more_keys(session, key, max_digits, timeout_ms)
        return await self._record(session, turn, call_id, max_digits, timeout_ms)

    def _keys(self, answer: AgiResponse) -> _Listen:
        if answer.result.startswith("-"):
            raise AgiHangup("GET DATA: hung up")
        digits = answer.result
        if not digits:
            return _Listen(CallerInput.silence())
        return _Listen(CallerInput.dtmf(digits), digits)

    async def _more_keys(
        self, session: AgiSession, first: str, max_digits: int, timeout_ms: int
    ) -> _Listen:
        """The caller pressed ``first`` during a prompt: take the rest like GET DATA does."""
        keys = first
        while keys[-1] != "#" and keys[-1] != "*" and len(keys) < max_digits:
            answer = await session.command("WAIT FOR DIGIT", str(timeout_ms))
            if answer.number is None or answer.number < 0:
                raise AgiHangup("hung up while typing")
            if answer.number == 0:
                break
            keys += chr(answer.number)
        keys = keys.rstrip("#")
        return _Listen(CallerInput.dtmf(keys) if keys else CallerInput.silence(), keys)

    async def _record(
        self, session: AgiSession, turn: VoiceTurn, call_id: str, max_digits: int, timeout_ms: int
    ) -> _Listen:
        assert self.settings.recordings is not None and self.recogniser is not None
        self.settings.recordings.mkdir(parents=True, exist_ok=True)
        base = self.settings.recordings / f"{call_id}-{time.time_ns()}"
        fmt = self.settings.record_format
        answer = await session.command(
            "RECORD FILE", str(base), fmt, quote(ALL_KEYS),
            str(self.settings.record_seconds * 1000), "BEEP", f"s={RECORD_SILENCE_S}",
        )
        recording = base.with_name(f"{base.name}.{fmt}")
        try:
            if answer.data == "writefile":  # Asterisk could not write there: ask again
                logger.error("fastagi_recording_not_written")
                return _Listen(CallerInput.silence())
            if answer.data == "hangup" or (answer.number is not None and answer.number < 0):
                raise AgiHangup("hung up while recording")
            if answer.data == "dtmf" and answer.number:
                return await self._more_keys(session, chr(answer.number), max_digits, timeout_ms)
            return await self._recognised(turn.question, recording)
        finally:
            with contextlib.suppress(OSError):
                recording.unlink()

    async def _recognised(self, question: Question, recording: Path) -> _Listen:
        """Speech as the dialogue takes it: a menu's key, a number's digits, or the words."""
        assert self.recogniser is not None
        grammar = self.grammar_for(question)
        try:
            heard = await self.recogniser.recognise_file(recording, grammar)
        except Exception:  # no model: the caller is asked again, then offered the keypad
            logger.exception("fastagi_recognition_failed")
            return _Listen(CallerInput.silence())
        if not heard.text:
            return _Listen(CallerInput.silence())
        if question.kind is Kind.MENU and heard.meaning is not None:
            return _Listen(CallerInput.dtmf(heard.meaning), heard.meaning)
        if question.kind in DIGITS:
            if len(heard.text) != DIGITS[question.kind]:
                return _Listen(CallerInput.silence())
            return _Listen(CallerInput.dtmf(heard.text), heard.text)
        return _Listen(CallerInput.speech(heard.text))

    def grammar_for(self, question: Question) -> Grammar | None:
        """The grammar of a question: its options' words (menu), digits, counts, or none."""
        if question.kind in DIGITS:
            return self._grammars.get("digits")
        if question.kind is Kind.COPIES:
            return self._grammars.get("copies")
        if question.kind is not Kind.MENU or not question.choices:
            return None
        options: list[Option] = []
        for index, choice in enumerate(question.choices, start=1):
            phrases = [choice.title.strip()] if choice.title.strip() else []
            phrases += self._synonyms(choice.payload, choice.title)
            options.append(Option(str(index), str(index), tuple(dict.fromkeys(phrases))))
        return Grammar("menu", tuple(options))

    def _synonyms(self, payload: str, title: str) -> list[str]:
        """Phrases of grammars.yml for a button: /affirm, /deny, an informed method or document."""
        found: list[str] = []
        intent = payload.lstrip("/").split("{", 1)[0].strip()
        if intent == "request_delivery":  # the main menu's "집으로 배달"
            payload = '/inform{"method": "delivery"}'
        if intent in ("affirm", "deny"):
            yes_no = self._grammars.get("yes_no")
            wanted = "yes" if intent == "affirm" else "no"
            found += [p for o in (yes_no.options if yes_no else ()) if o.meaning == wanted
                      for p in o.phrases]
        for kind in ("method", "document", "copies"):
            grammar = self._grammars.get(kind)
            for option in grammar.options if grammar else ():
                if re.search(rf'"{kind}"\s*:\s*"?{re.escape(option.meaning)}"?', payload) or (
                    title and title.strip() == option.say
                ):
                    found += option.phrases
        return found

    # --- staff --------------------------------------------------------------------------------
    async def _transfer(self, session: AgiSession, turn: VoiceTurn) -> bool:
        """Dial the staff number; True when someone answered (the call is theirs now)."""
        if not turn.transfer_to:
            return False
        target = self.settings.dial.replace("{number}", re.sub(r"[^0-9+]", "", turn.transfer_to))
        await session.command("EXEC", "Dial", quote(f"{target},{DIAL_TIMEOUT_S}"))
        status = await session.command("GET VARIABLE", "DIALSTATUS")
        return (status.data or "").upper() == "ANSWER"


def claiming(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], callers: Mapping[str, str]
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap Rasa's ``on_new_message`` so each message of a call carries its caller claim.

    ``callers`` maps the conversations of calls in progress to their callers' numbers.
    """

    async def with_claim(message: UserMessage) -> Any:
        number = callers.get(message.sender_id or "")
        claim = caller_claim.sign(message.sender_id, number) if number else None
        if claim:
            metadata = dict(message.metadata or {})
            voice = dict(metadata.get("voice") or {})
            voice["caller_claim"] = claim
            metadata["voice"] = voice
            message.metadata = metadata
        return await on_new_message(message)

    return with_claim


class FastAgiInput(InputChannel):
    """The FastAGI listener as a Rasa channel, so it runs (and is supervised) with the server.

    Listens only when ``MINWON_AGI_PORT`` is set (credentials.yml lists the channel; without the
    variable it does nothing), on ``MINWON_AGI_HOST`` (127.0.0.1 by default: put Asterisk on the
    same machine or a private address, never a public one — see docs/voice-asterisk.md).
    """

    @classmethod
    def name(cls) -> str:
        return "voice_agi"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FastAgiInput:
        c = credentials or {}
        return cls(
            enabled=bool((os.environ.get("MINWON_AGI_PORT") or "").strip()),
            settings=AgiSettings.from_env() if os.environ.get("MINWON_AGI_PORT") else None,
            recogniser=(os.environ.get("MINWON_AGI_RECOGNISER") or "").strip().lower(),
            staff=StaffLine.parse(
                os.environ.get("MINWON_VOICE_STAFF_NUMBER", ""),
                str(c.get("staff_hours") or "09:00-18:00"),
                str(c.get("staff_days") or "0-4"),
            ),
            min_confidence=float(c.get("min_confidence", 0.4)),
        )

    def __init__(
        self,
        enabled: bool = False,
        settings: AgiSettings | None = None,
        recogniser: str = "",
        staff: StaffLine | None = None,
        min_confidence: float = 0.4,
    ) -> None:
        self.enabled = enabled
        self.settings = settings or AgiSettings()
        self.recogniser_name = recogniser
        self.staff = staff or StaffLine()
        self.min_confidence = min_confidence
        self.server: FastAgiServer | None = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"voice_agi_{id(self)}", __name__)

        @bp.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            if not self.enabled:
                return
            recogniser = Recogniser() if self.recogniser_name == "vosk" else None
            callers: dict[str, str] = {}
            dialogue = VoiceDialogue(
                claiming(on_new_message, callers),
                app=app,
                tracker_reader=agent_tracker_reader(app),
                staff=self.staff,
                min_confidence=self.min_confidence,
                input_channel="voice",
            )
            server = FastAgiServer(
                dialogue, SpeechOut(), self.settings, recogniser, callers=callers
            )
            try:
                await server.start()
            except OSError:
                logger.exception("fastagi_port_unavailable")
                return
            self.server = server
            # the test profile loads the model with the first recording (CI time)
            if recogniser is not None and current_profile() != "test":
                asyncio.ensure_future(_load_quietly(recogniser))

        @bp.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            if self.server is not None:
                await self.server.stop()

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json(
                {"enabled": self.enabled, "listening": bool(self.server and self.server.port)}
            )

        return bp


async def _load_quietly(recogniser: Recogniser) -> None:
    try:
        await recogniser.start()
    except Exception:  # keypad still works; each recording is then "not heard"
        logger.exception("vosk_model_unavailable")
