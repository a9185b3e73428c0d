"""The voice line's local recogniser (bot/voice/recogniser.py) on espeak-ng recordings.

A caller's short answers, spoken by espeak-ng's Korean voice and resampled with sox to the
telephone rate (8 kHz, what a narrowband line records) or wideband (16 kHz), are recognised with
the question's grammar: the right word, the right meaning, and the text the dialogue receives
reads as the right intent and entity in the running system's NLU. The model loads once per
session. Free recognition of the same audio is not asserted: it fails on almost all of it
(docs/voice-asterisk.md gives the figures), which is why each question has a grammar.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.voice.recogniser import Recogniser, load_grammars

# (grammar kind, what the caller says, the meaning expected)
PHONE_RATE_ANSWERS = [
    ("yes_no", "네", "yes"),
    ("yes_no", "예", "yes"),
    ("yes_no", "네 맞아요", "yes"),
    ("yes_no", "아니요", "no"),
    ("yes_no", "아니", "no"),
    ("method", "무인발급기", "kiosk"),
    ("method", "배달", "delivery"),
    ("method", "집으로 배달해 주세요", "delivery"),
    ("method", "주민센터", "counter"),
    ("method", "온라인", "online"),
]
# Document names are longer and closer to each other: at 8 kHz the model mixes them up
# (등본 comes out as nothing, 가족관계증명서 as 초본); from a wideband line they are right.
WIDEBAND_ANSWERS = [
    ("method", "창구에서 받을게요", "counter"),
    ("document", "등본", "resident_copy"),
    ("document", "초본", "resident_abstract"),
    ("document", "가족관계증명서", "family_relation"),
    ("document", "인감증명서", "seal_certificate"),
]


def speak(text: str, rate: int, out: Path) -> Path:
    """espeak-ng's Korean voice at the voice line's slower rate, as 16-bit mono WAV at ``rate``."""
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "130", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(out)],
        check=True,
    )
    raw.unlink()
    return out


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    assert shutil.which("espeak-ng") and shutil.which("sox"), "scripts/setup.sh installs both"
    folder = tmp_path_factory.mktemp("speech")
    made: dict[tuple[str, int], Path] = {}
    for answers, rate in ((PHONE_RATE_ANSWERS, 8000), (WIDEBAND_ANSWERS, 16000)):
        for _, text, _ in answers:
            made[(text, rate)] = speak(text, rate, folder / f"{len(made)}-{rate}.wav")
    return made


@pytest.fixture(scope="session")
def recogniser() -> Iterator[Recogniser]:
    engine = Recogniser()
    started = time.monotonic()
    asyncio.run(engine.start())
    print(f"vosk model load {time.monotonic() - started:.2f} s")
    yield engine
    engine.close()


def recognise(engine: Recogniser, path: Path, kind: str | None):  # noqa: ANN201
    return asyncio.run(engine.recognise_file(path, kind))


@pytest.mark.parametrize(("kind", "text", "meaning"), PHONE_RATE_ANSWERS)
def test_short_answers_from_a_phone_line_are_heard_with_their_grammar(
    recogniser: Recogniser, recordings: dict, kind: str, text: str, meaning: str
) -> None:
    heard = recognise(recogniser, recordings[(text, 8000)], kind)
    assert heard.meaning == meaning, heard
    assert heard.text == _say(kind, meaning)


@pytest.mark.parametrize(("kind", "text", "meaning"), WIDEBAND_ANSWERS)
def test_document_names_from_a_wideband_line_are_heard(
    recogniser: Recogniser, recordings: dict, kind: str, text: str, meaning: str
) -> None:
    heard = recognise(recogniser, recordings[(text, 16000)], kind)
    assert heard.meaning == meaning, heard


def test_a_grammar_answer_takes_a_fraction_of_a_second(
    recogniser: Recogniser, recordings: dict
) -> None:
    started = time.monotonic()
    for kind, text, _ in PHONE_RATE_ANSWERS:
        recognise(recogniser, recordings[(text, 8000)], kind)
    per_answer = (time.monotonic() - started) / len(PHONE_RATE_ANSWERS)
    print(f"grammar recognition {per_answer * 1000:.0f} ms per answer")
    assert per_answer < 2.0


def test_a_broken_or_empty_recording_is_nothing_heard(
    recogniser: Recogniser, tmp_path: Path
) -> None:
    (tmp_path / "garbage.wav").write_bytes(b"RIFF\x00\x00not a wav at all")
    assert not recognise(recogniser, tmp_path / "garbage.wav", "yes_no").heard
    assert not recognise(recogniser, tmp_path / "missing.wav", "yes_no").heard
    silence = asyncio.run(recogniser.recognise_pcm(b"\x00\x00" * 8000, 8000, "method"))
    assert silence.meaning is None and silence.text == ""


def test_recognition_leaves_the_event_loop_free(recogniser: Recogniser, recordings: dict) -> None:
    """Other calls keep being served while one caller's answer is recognised."""

    async def scenario() -> int:
        ticks = 0
        job = asyncio.ensure_future(
            recogniser.recognise_file(recordings[("집으로 배달해 주세요", 8000)], "method")
        )
        while not job.done():
            ticks += 1
            await asyncio.sleep(0.005)
        await job
        return ticks

    assert asyncio.run(scenario()) > 3


def _say(kind: str, meaning: str) -> str:
    grammar = load_grammars()[kind]
    return next(o.say for o in grammar.options if o.meaning == meaning)
