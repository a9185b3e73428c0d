"""The voice line's fixed prompts are rendered once by ./minwon start, not in each Rasa process.

Each Rasa process rendered every fixed prompt itself after a start with an empty cache (about a
minute of espeak-ng), inside the process that answers residents, and with several processes each
did the same work. The launcher now tells them not to and renders the prompts itself, once the
Rasa processes answer, at a lower CPU priority, into the folder they read with the key they use.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.launcher import move_voice_prerender
from bot.processes import Ports, system_specs
from bot.voice.prerender import PRERENDER_ENV, prerender_wanted, render_in_background
from bot.voice.tts import SpeechOut, audio_key_secret

SECRETS = {"MINWON_SERVICE_TOKEN": "s" * 40, "MINWON_SECRET_KEY": "k" * 40,
           "MINWON_RASA_TOKEN": "r" * 40, "MINWON_KAKAO_SECRET": "c" * 40}


def _specs(tmp_path: Path, profile: str = "dev") -> list:
    return system_specs(tmp_path / "model.tar.gz", Ports(11, 12, 13), tmp_path / "var",
                        tmp_path / "logs", profile, SECRETS)


def test_the_rasa_process_is_told_not_to_render_and_the_launcher_renders_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PRERENDER_ENV, raising=False)
    specs, voice_for = move_voice_prerender(_specs(tmp_path), "dev")
    rasa = next(s for s in specs if s.name == "rasa")
    assert rasa.env[PRERENDER_ENV] == "0"
    assert voice_for is rasa
    assert all(PRERENDER_ENV not in s.env for s in specs if s.name != "rasa")


@pytest.mark.parametrize(("profile", "setting", "renders"), [
    ("dev", "", True), ("production", "", True), ("test", "", False), ("test", "1", True),
    ("dev", "0", False), ("production", "no", False),
])
def test_who_renders_follows_the_profile_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, setting: str, renders: bool,
) -> None:
    monkeypatch.setenv(PRERENDER_ENV, setting)
    assert prerender_wanted(profile) is renders
    specs, voice_for = move_voice_prerender(_specs(tmp_path, profile), profile)
    assert (voice_for is not None) is renders


def test_nothing_moves_when_the_voice_line_is_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PRERENDER_ENV, raising=False)
    specs = _specs(tmp_path)
    credentials = tmp_path / "var" / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    moved, voice_for = move_voice_prerender(specs, "dev")
    assert voice_for is None and moved == specs
    credentials.write_text("bot.voice.twiml.TwimlVoiceInput:\n  prerender: false\n",
                           encoding="utf-8")
    assert move_voice_prerender(specs, "dev")[1] is None


def test_prompts_land_where_the_rasa_process_looks_once_it_answers_at_a_lower_priority(
    tmp_path: Path,
) -> None:
    env = {"MINWON_VOICE_CACHE_DIR": str(tmp_path / "voice"), "MINWON_SECRET_KEY": "k" * 40}
    answering = threading.Event()
    finished: list[tuple[int, int]] = []

    def done(count: int) -> None:
        finished.append((count, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    texts = ["안녕하세요, 중구 민원 안내예요.", "잠시만 기다려 주세요."]
    thread = render_in_background(env, ready=answering.is_set, done=done, texts=texts)
    thread.join(timeout=3)
    assert thread.is_alive() and not finished  # waits for the Rasa process to answer
    answering.set()
    thread.join(timeout=120)
    assert finished and finished[0][0] == 2
    assert finished[0][1] >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    theirs = SpeechOut(cache_dir=tmp_path / "voice", key=audio_key_secret("k" * 40))
    for text in texts:
        found = theirs.find(theirs.key_of(text))
        assert found is not None and found.ulaw_wav.stat().st_size > 1000


def test_a_launcher_stopped_before_rasa_answers_renders_nothing(tmp_path: Path) -> None:
    env = {"MINWON_VOICE_CACHE_DIR": str(tmp_path / "voice")}
    stopping = threading.Event()
    thread = render_in_background(env, ready=lambda: False, cancelled=stopping.is_set,
                                  texts=["한 번만요."])
    stopping.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert not (tmp_path / "voice").exists()
