"""Speech out: Korean prompts rendered once with espeak-ng's Korean voice, kept on disk.

pyttsx3 drives espeak-ng (``ko`` voice) at a rate slower than its default, because the callers
this line is for are elderly; sox turns its 22 kHz output into telephone audio:

- ``<key>.wav``      8 kHz mono μ-law WAV, what TwiML ``<Play>`` fetches;
- ``<key>.sln.wav``  8 kHz mono 16-bit PCM WAV, which Asterisk plays as ``.wav``
  (``asterisk_file(key)`` gives the path without extension that ``STREAM FILE`` wants);
- ``<key>.sln``      the same samples headerless (Asterisk ``.sln``);
- ``<key>.txt``      the text (the phone simulator shows it; district IT can grep it).

The key is an HMAC of voice, rate and text under ``MINWON_SECRET_KEY``: the same prompt is
rendered once, and an audio URL says nothing about its text to whoever guesses texts (a prompt
may hold an order number). Prompts of fixed responses go to ``fixed/`` and are rendered at start
in a background thread (:meth:`SpeechOut.prerender_in_background`); prompts with a caller's
values go to ``calls/`` and are removed after a day.

pyttsx3's engine is not thread-safe, so every render runs on one worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

VOICE: Final = "ko"
ELDERLY_RATE: Final = 135  # words per minute; espeak-ng's default is 175
SAMPLE_RATE: Final = 8000
CALL_AUDIO_FOR_S: Final = 24 * 3600.0
_KEY_PURPOSE: Final = b"minwon voice prompt audio v1"
SOX: Final = shutil.which("sox") or "/usr/bin/sox"
ESPEAK: Final = shutil.which("espeak-ng") or "/usr/bin/espeak-ng"


class SpeechUnavailable(RuntimeError):
    """The TTS engine or sox is missing or failed; the caller may fall back to ``<Say>``."""


@dataclass(frozen=True, slots=True)
class Rendered:
    key: str
    folder: Path

    @property
    def ulaw_wav(self) -> Path:
        return self.folder / f"{self.key}.wav"

    @property
    def pcm_wav(self) -> Path:
        return self.folder / f"{self.key}.sln.wav"

    @property
    def sln(self) -> Path:
        return self.folder / f"{self.key}.sln"

    @property
    def text_file(self) -> Path:
        return self.folder / f"{self.key}.txt"

    def asterisk_file(self) -> Path:
        """Path without extension for ``STREAM FILE`` / ``GET DATA`` (Asterisk adds .sln)."""
        return self.folder / self.key


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``MINWON_VOICE_CACHE_DIR``, else ``voice/`` beside the tracker database, else var/voice."""
    env = os.environ if env is None else env
    configured = env.get("MINWON_VOICE_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    tracker_db = env.get("MINWON_TRACKER_DB", "").strip()
    if tracker_db:
        return Path(tracker_db).parent / "voice"
    return Path(__file__).resolve().parents[2] / "var" / "voice"


def audio_key_secret(secret: str | None = None) -> bytes:
    secret = os.environ.get("MINWON_SECRET_KEY", "") if secret is None else secret
    return hmac.new((secret or "minwon-voice-dev").encode("utf-8"), _KEY_PURPOSE,
                    hashlib.sha256).digest()


class SpeechOut:
    """Renders and caches prompt audio (module docstring)."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        voice: str = VOICE,
        rate: int = ELDERLY_RATE,
        key: bytes | None = None,
    ) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self.voice = voice
        self.rate = rate
        self._key = key if key is not None else audio_key_secret()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
        self._engine: object | None = None
        self._lock = threading.Lock()
        self.prerendered = 0
        self.fallbacks = 0  # renders pyttsx3 missed (see _synthesise)
        self.prerender_done = threading.Event()

    # --- keys and places ----------------------------------------------------------------------
    def key_of(self, text: str) -> str:
        material = f"{self.voice}|{self.rate}|{text}".encode("utf-8")
        return hmac.new(self._key, material, hashlib.sha256).hexdigest()[:32]

    def folder(self, fixed: bool) -> Path:
        return self.cache_dir / ("fixed" if fixed else "calls")

    def find(self, key: str) -> Rendered | None:
        """The rendered prompt with this key, in either folder, or None."""
        for fixed in (True, False):
            rendered = Rendered(key, self.folder(fixed))
            if rendered.ulaw_wav.is_file():
                return rendered
        return None

    def cached(self, text: str) -> Rendered | None:
        return self.find(self.key_of(text))

    # --- rendering ----------------------------------------------------------------------------
    async def render(self, text: str, fixed: bool = False) -> Rendered:
        """Render ``text`` (or find it cached) without blocking the event loop.

        Raises:
            SpeechUnavailable: the engine or sox failed.
        """
        hit = self.cached(text)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.render_sync, text, fixed)

    def render_sync(self, text: str, fixed: bool = False) -> Rendered:
        hit = self.cached(text)
        if hit is not None:
            return hit
        rendered = Rendered(self.key_of(text), self.folder(fixed))
        rendered.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
            raw = Path(tmp) / "raw.wav"
            self._synthesise(text, raw)
            self._convert(raw, rendered, text)
        return rendered

    def _synthesise(self, text: str, out: Path) -> None:
        """pyttsx3 first; espeak-ng's own command line (the same voice) when pyttsx3 wrote nothing.

        pyttsx3 2.99's espeak driver can return from ``runAndWait`` before its callback wrote the
        file (seen on this machine: the file then appears under the *next* name), so the file is
        waited for, and a second miss falls back to the command line.
        """
        with self._lock:
            for _ in range(2):
                try:
                    engine = self._get_engine()
                    engine.save_to_file(text, str(out))  # type: ignore[attr-defined]
                    engine.runAndWait()  # type: ignore[attr-defined]
                except Exception:  # pyttsx3 raises bare RuntimeErrors and OSErrors
                    logger.exception("voice_pyttsx3_failed")
                    self._engine = None
                    break
                if _wait_for_wav(out):
                    return
            self.fallbacks += 1
            argv = [ESPEAK, "-v", self.voice, "-s", str(self.rate), "-w", str(out), text]
            try:
                subprocess.run(argv, check=True, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError) as e:
                raise SpeechUnavailable(f"espeak-ng failed: {e}") from e
        if not _wait_for_wav(out, 0.5):
            raise SpeechUnavailable("no audio was written")

    def _get_engine(self) -> object:
        if self._engine is None:
            import pyttsx3

            engine = pyttsx3.init("espeak")
            engine.setProperty("voice", self.voice)
            engine.setProperty("rate", self.rate)
            self._engine = engine
        return self._engine

    def _convert(self, raw: Path, rendered: Rendered, text: str) -> None:
        """sox: 8 kHz mono μ-law WAV, 16-bit PCM WAV and raw sln; written then renamed."""
        targets = (
            (rendered.pcm_wav, ["-b", "16", "-e", "signed-integer"]),
            (rendered.sln, ["-t", "raw", "-b", "16", "-e", "signed-integer"]),
            (rendered.ulaw_wav, ["-e", "u-law"]),  # last: its presence means "rendered"
        )
        for target, fmt in targets:
            partial = target.with_name(target.name + ".part")
            suffix_type = ["-t", "wav"] if "-t" not in fmt else []
            argv = [SOX, "-q", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", *fmt, *suffix_type,
                    str(partial)]
            try:
                subprocess.run(argv, check=True, capture_output=True, timeout=30)
            except (OSError, subprocess.SubprocessError) as e:
                raise SpeechUnavailable(f"sox failed: {e}") from e
            if target == rendered.ulaw_wav:
                rendered.text_file.write_text(text, encoding="utf-8")
            partial.replace(target)

    # --- start-up -----------------------------------------------------------------------------
    def prerender_in_background(self, texts: Iterable[str]) -> threading.Thread:
        """Render every fixed prompt on a daemon thread; start-up does not wait for it."""
        wanted = list(dict.fromkeys(t for t in texts if t.strip()))

        def work() -> None:
            started = time.monotonic()
            self.prune_call_audio()
            for text in wanted:
                try:
                    self._worker.submit(self.render_sync, text, True).result()
                    self.prerendered += 1
                except SpeechUnavailable:
                    logger.exception("voice_prerender_failed")
                    break
            logger.info("voice_prerendered", extra={
                "prompts": self.prerendered, "seconds": round(time.monotonic() - started, 1)})
            self.prerender_done.set()

        thread = threading.Thread(target=work, name="voice-prerender", daemon=True)
        thread.start()
        return thread

    def prune_call_audio(self, older_than_s: float = CALL_AUDIO_FOR_S) -> int:
        """Remove prompts with callers' values older than a day; return how many."""
        folder = self.folder(False)
        if not folder.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def _wait_for_wav(path: Path, timeout_s: float = 2.0) -> bool:
    """Wait until ``path`` is a complete WAV file with samples."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path), "rb") as wav:
                if wav.getnframes() > 0:
                    return True
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.02)
    return False
