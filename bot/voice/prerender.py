"""The prompts a call can hear that never change: rendered to audio at start (bot/voice/tts.py).

Who renders them: ``./minwon start`` (bot/launcher.py) does, once, in a thread of its own at a
lower CPU priority, after the Rasa processes answer; it tells them not to
(``MINWON_VOICE_PRERENDER=0``). Each Rasa process rendered them itself before, inside the process
that answers residents, and with several processes each did the same work. A Rasa server started
otherwise (a container, ``rasa run``) renders them itself, in the background, as before. The
test profile renders a prompt when it is first said, unless ``MINWON_VOICE_PRERENDER=1``.

They are the ``channel: voice`` variations without variables, of the domain's responses and of
the action server's catalogue (actions/responses.yml), and the voice line's own sentences
(bot/voice/texts.yml), each as the caller hears it (``for_ear``). Prompts with a caller's values
(an order number, a masked address) are rendered when first said.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from bot.voice.call import TEXTS_FILE, VOICE
from bot.voice.spoken_korean import for_ear

logger = logging.getLogger(__name__)

ROOT: Final = Path(__file__).resolve().parents[2]
CATALOG_FILE: Final = ROOT / "actions" / "responses.yml"
DOMAIN_FILE: Final = ROOT / "domain.yml"


def voice_variations(responses: Mapping[str, Any]) -> dict[str, list[str]]:
    """Texts of the ``channel: voice`` variations of each response that has any."""
    found: dict[str, list[str]] = {}
    for name, variations in responses.items():
        for variation in variations or []:
            if isinstance(variation, Mapping) and variation.get("channel") == VOICE:
                text = variation.get("text")
                if isinstance(text, str) and text.strip():
                    found.setdefault(str(name), []).append(text.strip())
    return found


def all_responses(domain: Any = None) -> dict[str, Any]:
    """The domain's responses (the loaded domain, else domain.yml) and the action catalogue's."""
    responses = getattr(domain, "responses", None)
    if not isinstance(responses, Mapping):
        responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")).get("responses", {})
    catalog = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8")).get("responses", {})
    return {**dict(responses), **catalog}


def fixed_voice_texts(domain: Any = None) -> list[str]:
    """Every prompt a caller can hear that has no variable, as spoken (module docstring)."""
    texts: list[str] = []
    for variations in voice_variations(all_responses(domain)).values():
        texts.extend(for_ear(t) for t in variations if "{" not in t and "[" not in t)
    own = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    texts.extend(for_ear(str(v)) for k, v in own.items() if not str(k).endswith("_words"))
    return list(dict.fromkeys(t for t in texts if t))


PRERENDER_ENV: Final = "MINWON_VOICE_PRERENDER"
RENDER_NICENESS: Final = 10  # below the processes that answer residents
TWIML_CHANNEL: Final = "bot.voice.twiml.TwimlVoiceInput"


def prerender_wanted(profile: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether fixed prompts are rendered at start: not when switched off, not in the test
    profile unless asked (CI renders a prompt when first said)."""
    wanted = (os.environ if env is None else env).get(PRERENDER_ENV, "").strip().lower()
    if wanted in ("0", "false", "no"):
        return False
    return profile.strip().lower() != "test" or wanted in ("1", "true", "yes")


def prerender_on(voice: Mapping[str, Any]) -> bool:
    """The TwiML channel's ``prerender`` setting in credentials.yml (on unless said off)."""
    return str(voice.get("prerender", "true")).lower() not in ("0", "false", "no")


def credentials_prerender(credentials: Mapping[str, Any] | None) -> bool:
    """Whether the credentials configure the TwiML voice line with ``prerender`` on."""
    found = credentials or {}
    if TWIML_CHANNEL not in found:
        return False
    voice = found[TWIML_CHANNEL] or {}
    return isinstance(voice, Mapping) and prerender_on(voice)


def render_in_background(rasa_env: Mapping[str, str], ready: Callable[[], bool] | None = None,
                         cancelled: Callable[[], bool] = lambda: False,
                         done: Callable[[int], None] | None = None,
                         niceness: int = RENDER_NICENESS,
                         texts: Iterable[str] | None = None) -> threading.Thread:
    """Render every fixed prompt where the Rasa processes with ``rasa_env`` look for it.

    The same cache folder and audio key as theirs (``MINWON_VOICE_CACHE_DIR`` or the tracker
    database's folder; ``MINWON_SECRET_KEY``). Waits until ``ready()`` (the Rasa processes
    answer), so the render does not slow their start, and gives up if ``cancelled()`` first; the
    thread, the TTS worker and the sox processes it starts run ``niceness`` below their parent.
    ``done`` gets the number of prompts rendered or found rendered; ``texts`` replaces
    :func:`fixed_voice_texts` (tests).
    """
    from bot.voice.tts import SpeechOut, audio_key_secret, default_cache_dir

    def work() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness))
        except OSError:
            logger.warning("voice_prerender_not_niced", exc_info=True)
        while ready is not None and not ready():
            if cancelled():
                return
            threading.Event().wait(2.0)
        speech = SpeechOut(cache_dir=default_cache_dir(rasa_env),
                           key=audio_key_secret(rasa_env.get("MINWON_SECRET_KEY", "")))
        # threads inherit the niceness of the thread that starts them, and so do subprocesses
        wanted = list(fixed_voice_texts() if texts is None else texts)
        speech.prerender_in_background(wanted).join()
        if done is not None:
            done(speech.prerendered)

    thread = threading.Thread(target=work, name="voice-prerender-launcher", daemon=True)
    thread.start()
    return thread
