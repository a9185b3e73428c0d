"""The FastAGI server (bot/voice/fastagi.py) against a fake Asterisk speaking AGI over TCP.

:class:`FakeAsterisk` behaves as res_agi.c does: it connects, sends the ``agi_*`` preamble and a
blank line, answers each command with ``200 result=…`` (digits for ``GET DATA``, ``(dtmf)`` or
``(timeout)`` for ``RECORD FILE``, the ASCII code of a key for ``WAIT FOR DIGIT``), and on a
hang-up sends a bare ``HANGUP`` line, ``200 result=-1`` for the command in progress and ``511
Command Not Permitted on a dead channel or intercept routine`` for every command after it. Each
prompt it is told to play must exist as 8 kHz audio (``<file>.sln``) and its text is read from
the TTS cache's ``<file>.txt``.

Here the dialogue runs over a scripted Rasa (tests/voice/fake_rasa.py): the protocol, hang-ups
and bad input. Whole calls through the running system: test_fastagi_calls_e2e.py.
"""

from __future__ import annotations

import asyncio
import shutil
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.turn_guard import TurnGuard
from bot.voice.call import VoiceDialogue
from bot.voice.fastagi import AgiSettings, FastAgiServer, parse_response, quote
from bot.voice.tts import SpeechOut
from tests.voice.fake_rasa import GREET, FakeRasa, said

TIMEOUT_S = 180.0  # a turn through a busy shared machine's Rasa can take long
DEAD = "511 Command Not Permitted on a dead channel or intercept routine"


@dataclass
class Listening:
    command: str  # "GET DATA" or "RECORD FILE"
    args: list[str]


@dataclass
class FakeAsterisk:
    """One call placed into the FastAGI server as Asterisk would (module docstring)."""

    port: int
    caller: str = "01045678901"
    uniqueid: str = "1764800000.1"
    extra: dict[str, str] = field(default_factory=dict)  # more preamble, e.g. agi_arg_1
    prompts: list[str] = field(default_factory=list)  # every prompt played, in order
    commands: list[str] = field(default_factory=list)
    listening: Listening | None = None
    ended: bool = False
    _keys: list[str] = field(default_factory=list)  # typed ahead, for WAIT FOR DIGIT
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _dead: bool = False

    def preamble(self) -> str:
        return (
            "agi_network: yes\n"
            "agi_network_script: minwon\n"
            f"agi_request: agi://127.0.0.1:{self.port}/minwon\n"
            "agi_channel: PJSIP/trunk-00000012\n"
            "agi_language: ko\n"
            "agi_type: PJSIP\n"
            f"agi_uniqueid: {self.uniqueid}\n"
            "agi_version: 20.5.0\n"
            f"agi_callerid: {self.caller}\n"
            "agi_calleridname: unknown\n"
            "agi_callingpres: 0\n"
            "agi_context: from-trunk\n"
            "agi_extension: 1588\n"
            "agi_priority: 2\n"
            "agi_enhanced: 0.0\n"
            "agi_accountcode: \n"
            "agi_threadid: 140536013391616\n"
            + "".join(f"{k}: {v}\n" for k, v in self.extra.items())
            + "\n"
        )

    # --- the caller's side ------------------------------------------------------------------
    async def dial(self) -> list[str]:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._writer.write(self.preamble().encode())
        await self._writer.drain()
        return await self._run()

    async def press(self, keys: str) -> list[str]:
        """Type ``keys`` at the open question (``#`` ends them as on a phone)."""
        listening = self._take()
        if listening.command == "GET DATA":
            await self._send(f"200 result={keys.split('#')[0]}")
        else:  # a key ends RECORD FILE; the rest come through WAIT FOR DIGIT
            self._keys = list(keys[1:])
            await self._send(f"200 result={ord(keys[0])} (dtmf) endpos=800")
        return await self._run()

    async def say(self, recording: Path) -> list[str]:
        """Answer the open RECORD FILE with ``recording`` (as Asterisk would write it)."""
        listening = self._take()
        assert listening.command == "RECORD FILE", listening
        path, fmt = listening.args[0], listening.args[1]
        shutil.copy(recording, f"{path}.{fmt}")
        await self._send("200 result=0 (timeout) endpos=16000")
        return await self._run()

    async def silence(self) -> list[str]:
        listening = self._take()
        if listening.command == "GET DATA":
            await self._send("200 result= (timeout)")
        else:
            path, fmt = listening.args[0], listening.args[1]
            with wave.open(f"{path}.{fmt}", "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(8000)
                out.writeframes(b"\x00\x00" * 8000)
            await self._send("200 result=0 (timeout) endpos=8000")
        return await self._run()

    async def hang_up(self) -> None:
        """The caller hangs up while the question plays: HANGUP, -1, then 511 for the rest."""
        self._take()
        self._dead = True
        await self._send("HANGUP")
        await self._send("200 result=-1")
        await self._run()

    # --- Asterisk's side --------------------------------------------------------------------
    def _take(self) -> Listening:
        assert self.listening is not None, "no question is open"
        listening, self.listening = self.listening, None
        return listening

    async def _send(self, line: str) -> None:
        assert self._writer is not None
        self._writer.write(line.encode() + b"\n")
        await self._writer.drain()

    async def _run(self) -> list[str]:
        """Answer commands until the server listens for the caller or ends the call."""
        assert self._reader is not None
        said_now: list[str] = []
        while True:
            raw = await asyncio.wait_for(self._reader.readline(), TIMEOUT_S)
            if not raw:
                self.ended = True
                return said_now
            command = raw.decode().rstrip("\n")
            words = _split(command)
            self.commands.append(command)
            if self._dead:
                await self._send(DEAD)
                continue
            two_words = words[0] in ("STREAM", "GET", "RECORD", "WAIT")
            name = " ".join(words[:2]) if two_words else words[0]
            if name == "ANSWER":
                await self._send("200 result=0")
            elif name == "STREAM FILE":
                said_now.append(self._prompt(words[2]))
                await self._send("200 result=0 endpos=24000")
            elif name == "GET DATA":
                said_now.append(self._prompt(words[2]))
                self.listening = Listening(name, words[2:])
                self.prompts += said_now
                return said_now
            elif name == "RECORD FILE":
                self.listening = Listening(name, words[2:])
                self.prompts += said_now
                return said_now
            elif name == "WAIT FOR":
                key = self._keys.pop(0) if self._keys else None
                await self._send(f"200 result={ord(key) if key else 0}")
            elif name == "HANGUP":
                await self._send("200 result=1")
                self.prompts += said_now
                self.ended = True
                return said_now
            elif name == "EXEC":
                await self._send("200 result=0")
            elif name == "GET VARIABLE":
                await self._send("200 result=1 (NOANSWER)")
            else:
                await self._send("510 Invalid or unknown command")

    @staticmethod
    def _prompt(path: str) -> str:
        audio = Path(f"{path}.sln")
        assert audio.is_file() and audio.stat().st_size > 1000, path  # 8 kHz signed linear
        # Asterisk offers every format it finds under the name; its wav reader takes PCM only
        assert not Path(f"{path}.wav").exists(), "a μ-law .wav beside the prompt"
        return Path(f"{path}.txt").read_text(encoding="utf-8")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _split(command: str) -> list[str]:
    """Words of an AGI command, double-quoted arguments unquoted (res_agi.c parse_args)."""
    words: list[str] = []
    current, quoted, escaped, started = "", False, False, False
    for ch in command:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if current or started:
                words.append(current)
            current, started = "", False
        else:
            current += ch
    if current or started:
        words.append(current)
    return words


# --- over a scripted Rasa ---------------------------------------------------------------------

ASK_BIRTH = said("utter_ask_birth_date", "생년월일 여섯 자리를 눌러 주세요.")
SCRIPT = {
    "/greet": [GREET],
    "/request_delivery": [ASK_BIRTH],
    '/inform{"birth_date":"1950-03-02"}': [said("utter_goodbye", "감사합니다.")],
}


async def _up(app: object) -> bool:
    return True


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FastAgiServer]:
    rasa = FakeRasa(SCRIPT)
    dialogue = VoiceDialogue(rasa, key=b"k" * 32, turns=TurnGuard(is_action_server_up=_up))
    agi = FastAgiServer(dialogue, SpeechOut(cache_dir=tmp_path / "voice"),
                        AgiSettings(port=0))
    agi.rasa = rasa  # type: ignore[attr-defined]
    yield agi


def run_with(server: FastAgiServer, scenario) -> None:  # noqa: ANN001
    async def main() -> None:
        await server.start()
        try:
            await scenario(server.port)
        finally:
            await server.stop()

    asyncio.run(main())


def test_a_keypad_call_follows_the_agi_protocol(server: FastAgiServer) -> None:
    async def scenario(port: int) -> None:
        call = FakeAsterisk(port)
        greeting = await call.dial()
        assert call.commands[0] == "ANSWER"
        assert "이 번" in " ".join(greeting)
        get_data = call.commands[-1]
        assert get_data.startswith("GET DATA ") and get_data.endswith(" 6000 1"), get_data
        asked = await call.press("2")
        assert asked == ["생년월일 여섯 자리를 눌러 주세요."]
        assert call.commands[-1].endswith(" 10000 6")  # six digits, ten seconds
        await call.press("500302#")
        assert call.ended and call.commands[-1] == "HANGUP"
        await call.close()

    run_with(server, scenario)
    texts = server.rasa.texts  # type: ignore[attr-defined]
    assert texts == ["/greet", "/request_delivery", '/inform{"birth_date":"1950-03-02"}']


def test_a_hang_up_mid_question_ends_the_call_and_the_server_serves_the_next(
    server: FastAgiServer,
) -> None:
    async def scenario(port: int) -> None:
        first = FakeAsterisk(port, uniqueid="1764800000.2")
        await first.dial()
        await first.hang_up()
        assert first.ended  # the server closed the connection
        assert not server.dialogue.is_active("1764800000.2")
        second = FakeAsterisk(port, uniqueid="1764800000.3")
        assert "이 번" in " ".join(await second.dial())
        await second.close()

    run_with(server, scenario)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",  # connect and close
        b"\x00\xff\xfe garbage without a newline",
        b"agi_network: yes\nagi_uniqueid: 1\n",  # preamble cut off
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # someone's browser
        b"agi_uniqueid: ../../etc/passwd\n\nNOT AN ANSWER\n\n",  # then nonsense answers
        b"agi_x: " + b"y" * 20000 + b"\n\n",  # a line over the limit
        b"agi_uniqueid: 5\n\n520-Invalid command syntax.  Proper usage follows:\nx\n",
    ],
)
def test_bad_input_never_stops_the_server(server: FastAgiServer, garbage: bytes) -> None:
    async def scenario(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(garbage)
        await writer.drain()
        writer.close()
        await asyncio.sleep(0.05)
        call = FakeAsterisk(port, uniqueid="1764800000.9")
        assert "이 번" in " ".join(await call.dial())
        await call.close()

    run_with(server, scenario)


def test_answers_are_parsed_as_res_agi_writes_them() -> None:
    got = parse_response("200 result=500302 (timeout)")
    assert (got.code, got.result, got.data) == (200, "500302", "timeout")
    got = parse_response("200 result=49 (dtmf) endpos=800")
    assert (got.number, got.data, got.endpos) == (49, "dtmf", 800)
    assert parse_response("200 result= (timeout)").result == ""
    assert parse_response("200 result=-1").number == -1
    assert parse_response("511 Command Not Permitted on a dead channel").code == 511
    assert quote('say "hi" \\ there') == '"say \\"hi\\" \\\\ there"'
