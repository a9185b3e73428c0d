"""Is a word in the Korean dictionary as something other than a proper noun?

Residents answer with one word and an ending ("원본이요", "주부인데요", "최대한요"), and many such
words start with a surname syllable and are three syllables long, just like a name. Hand lists
(`name_lexicon.NOT_NAME_PREFIXES`) cannot hold every noun and adverb, so a name read without an
explicit name cue is also checked against Kiwi's dictionary (already a dependency: the tokenizer
uses it): a candidate that Kiwi reads as one known common noun, adverb, verb stem … is that word.
Names Kiwi knows are tagged as proper nouns (김영희, 정순자) and unknown names are out of its
vocabulary (박서연, 배춘자), so both pass; among ~12,000 surname + given-name pairs only ~30 real
words (유공자, 고령자, 차상위 …) are refused.
"""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache
from typing import Any

_PROPER_NOUN = "NNP"
_lock = threading.Lock()
_kiwi: Any = None


def _analyser() -> Any:
    global _kiwi
    if _kiwi is None:
        from kiwipiepy import Kiwi

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # Only single words are looked up: without the typo and multi-word dictionaries the
            # analyser needs ~300 MB instead of ~500 MB, with the same answers on ~20,000 words.
            _kiwi = Kiwi(num_workers=0, load_typo_dict=False, load_multi_dict=False)
    return _kiwi


def warm_up() -> None:
    """Load the dictionary now (~2 s) rather than while a resident waits for a reply."""
    is_dictionary_word("원본")


@lru_cache(maxsize=4096)
def is_dictionary_word(word: str) -> bool:
    """True when `word` alone is one known dictionary morpheme that is not a proper noun.

    "유공자", "최대한", "장남", "원본" are; "김영희" (a proper noun), "박서연" (unknown) and
    "황금순" (two morphemes: 황금 + 순) are not.
    """
    if len(word) < 2:
        return False
    with _lock:
        analysis = _analyser().analyze(word, top_n=1)
    tokens = analysis[0][0] if analysis else []
    if len(tokens) != 1:
        return False
    token = tokens[0]
    return (
        token.form == word
        and token.start == 0
        and token.len == len(word)
        and not token.oov
        and token.tag != _PROPER_NOUN
    )
