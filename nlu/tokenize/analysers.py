"""Korean analysers (Kiwi, MeCab-ko, KoNLPy Okt and Komoran) returning spans into the input.

Every analyser returns ``Morpheme(surface, start, end, lemma)`` where ``surface`` is always
``text[start:end]``. Analysers disagree about offsets: Kiwi and MeCab report positions, KoNLPy
reports none and may rewrite the surface (Okt's ``norm``/``stem``, Komoran's 했 → 하 + 았), so
KoNLPy morphemes are realigned by a running index and fall back to their eojeol's span when the
morpheme is not a substring. Overlapping spans are then merged, because Rasa's featurisers and
entity tagging assume ordered, non-overlapping tokens.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ANALYSERS = ("kiwi", "mecab", "okt", "komoran")

_EOJEOL = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Morpheme:
    surface: str
    start: int
    end: int
    lemma: str


class AnalyserUnavailable(RuntimeError):
    """Raised when the configured analyser's package (or the JVM for KoNLPy) cannot be loaded."""


def merge_overlaps(text: str, spans: list[tuple[int, int, str]]) -> list[Morpheme]:
    """Orders spans, merges overlapping ones, and re-reads each surface from ``text``."""
    merged: list[list[Any]] = []
    for start, end, lemma in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, lemma])
    return [Morpheme(text[s:e], s, e, lemma or text[s:e]) for s, e, lemma in merged]


def align_by_eojeol(text: str, morphs: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Finds each (surface, lemma) morpheme in ``text`` with a running index.

    A morpheme that is not found inside the current eojeol (a normalised or contracted form)
    takes the rest of that eojeol, so no character of the text is lost or invented.
    """
    eojeols = [(m.start(), m.end()) for m in _EOJEOL.finditer(text)]
    spans: list[tuple[int, int, str]] = []
    pos = 0
    e_idx = 0
    for surface, lemma in morphs:
        if not surface.strip():
            continue
        while e_idx < len(eojeols) and pos >= eojeols[e_idx][1]:
            e_idx += 1
        if e_idx >= len(eojeols):
            break
        e_start, e_end = eojeols[e_idx]
        pos = max(pos, e_start)
        found = text.find(surface, pos, e_end)
        if found >= 0:
            spans.append((found, found + len(surface), lemma))
            pos = found + len(surface)
        else:
            spans.append((pos, e_end, lemma))
            pos = e_end
    return spans


class _Analyser:
    """Thread-safe wrapper: one analyser instance per process, one call at a time."""

    def __init__(self, name: str, fn: Callable[[str], list[tuple[int, int, str]]]) -> None:
        self.name = name
        self._fn = fn
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[Morpheme]:
        with self._lock:
            spans = self._fn(text)
        return merge_overlaps(text, spans)


@functools.lru_cache(maxsize=1)
def shared_kiwi() -> Any:
    """The process's one Kiwi: the tokenizer's analyser and the entity rules' dictionary
    (``nlu/normalise/known_words.py``). Each instance holds ~500 MB of dictionary."""
    import warnings

    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        # One thread on purpose (Rasa parses one message at a time per process); kiwipiepy warns
        # that 0 meant "all cores" before 0.21.
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(num_workers=0)


def _kiwi() -> Callable[[str], list[tuple[int, int, str]]]:
    kiwi = shared_kiwi()

    def run(text: str) -> list[tuple[int, int, str]]:
        return [(t.start, t.start + t.len, t.form) for t in kiwi.tokenize(text)]

    return run


def _mecab() -> Callable[[str], list[tuple[int, int, str]]]:
    import mecab

    tagger = mecab.MeCab()

    def run(text: str) -> list[tuple[int, int, str]]:
        return [(m.span[0], m.span[1], m.surface) for m in tagger.parse(text)]

    return run


def _konlpy(kind: str) -> Callable[[str], list[tuple[int, int, str]]]:
    import jpype
    from konlpy import tag

    analyser = tag.Okt() if kind == "okt" else tag.Komoran()

    def run(text: str) -> list[tuple[int, int, str]]:
        # Rasa calls components from server threads; a JVM call from a thread the JVM does not
        # know crashes the process, so attach the calling thread first, as a daemon so the JVM
        # does not wait for Rasa's worker threads at shutdown.
        if not jpype.java.lang.Thread.isAttached():
            jpype.java.lang.Thread.attachAsDaemon()
        if kind == "okt":
            raw = analyser.pos(text, norm=False, stem=False)
            lemmas = analyser.pos(text, norm=True, stem=True)
            pairs = [
                (surface, lemma_pair[0] if len(lemmas) == len(raw) else surface)
                for (surface, _), lemma_pair in zip(raw, lemmas if len(lemmas) == len(raw) else raw)
            ]
        else:
            pairs = _komoran_pairs(analyser, text)
        return align_by_eojeol(text, pairs)

    return run


def _komoran_pairs(analyser: Any, text: str) -> list[tuple[str, str]]:
    """Komoran's JVM bridge fails to decode some characters (emoji outside the BMP); analyse
    eojeol by eojeol then, and keep an eojeol it cannot read as a single token."""
    if not text.strip():
        return []
    try:
        return [(surface, surface) for surface, _ in analyser.pos(text)]
    except UnicodeDecodeError:
        pairs: list[tuple[str, str]] = []
        for eojeol in text.split():
            try:
                pairs += [(surface, surface) for surface, _ in analyser.pos(eojeol)]
            except UnicodeDecodeError:
                pairs.append((eojeol, eojeol))
        return pairs


_FACTORIES: dict[str, Callable[[], Callable[[str], list[tuple[int, int, str]]]]] = {
    "kiwi": _kiwi,
    "mecab": _mecab,
    "okt": lambda: _konlpy("okt"),
    "komoran": lambda: _konlpy("komoran"),
}
_INSTANCES: dict[str, _Analyser] = {}
_INSTANCES_LOCK = threading.Lock()


def get_analyser(name: str) -> _Analyser:
    """Returns the process-wide analyser ``name`` (created once; JVM analysers are costly).

    Raises:
        AnalyserUnavailable: the name is unknown or its package cannot be loaded.
    """
    if name not in _FACTORIES:
        raise AnalyserUnavailable(f"unknown analyser {name!r}; choose one of {ANALYSERS}")
    with _INSTANCES_LOCK:
        if name not in _INSTANCES:
            try:
                _INSTANCES[name] = _Analyser(name, _FACTORIES[name]())
            except Exception as e:  # ImportError, JVM start failure, missing dictionary
                raise AnalyserUnavailable(f"analyser {name!r} could not be loaded: {e}") from e
        return _INSTANCES[name]
