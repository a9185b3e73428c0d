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
from functools import lru_cache
from typing import Any

_PROPER_NOUN = "NNP"
_lock = threading.Lock()


def _analyser() -> Any:
    # The tokenizer's instance: a second Kiwi would cost every Rasa process another ~300 MB,
    # and single-word answers are the same with or without its typo and multi-word dictionaries.
    from nlu.tokenize.analysers import shared_kiwi

    return shared_kiwi()


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
