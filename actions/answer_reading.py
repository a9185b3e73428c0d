"""Reading a message as an answer by its meaning, whatever the classifier called it.

While a form's question is open, the words of the message decide what it is: a plain question
(answered, then the form's question comes again), a clear wish to stop, an unsure reply, a bare
yes/no or a bare count. The words live in `answer_words.yml` beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_WORDS_FILE = Path(__file__).with_name("answer_words.yml")
_PUNCTUATION = re.compile(r"[\s.,!~…·]+")


@dataclass(frozen=True, slots=True)
class AnswerWords:
    """The word tables of `answer_words.yml`."""

    question_words: tuple[str, ...]
    question_endings: tuple[str, ...]
    choice_words: tuple[str, ...]
    stop_words: tuple[str, ...]
    cancel_words: tuple[str, ...]
    unsure_words: tuple[str, ...]
    order_unknown_words: tuple[str, ...]
    no_sms_words: tuple[str, ...]
    yes_starts: tuple[str, ...]
    no_starts: tuple[str, ...]
    count_endings: tuple[str, ...]
    native_counts: dict[str, int]
    words: dict[str, str]


@lru_cache(maxsize=1)
def get_words() -> AnswerWords:
    """Load the tables once per process."""
    raw: dict[str, Any] = yaml.safe_load(_WORDS_FILE.read_text(encoding="utf-8"))
    lists = {
        key: tuple(str(w) for w in raw[key])
        for key in (
            "question_words",
            "question_endings",
            "choice_words",
            "stop_words",
            "cancel_words",
            "unsure_words",
            "order_unknown_words",
            "no_sms_words",
            "yes_starts",
            "no_starts",
            "count_endings",
        )
    }
    words = {k: str(v) for k, v in raw.items() if isinstance(v, str)}
    return AnswerWords(
        **lists,
        native_counts={str(k): int(v) for k, v in raw["native_counts"].items()},
        words=words,
    )


def _compact(text: str) -> str:
    return _PUNCTUATION.sub(" ", text).strip()


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def is_plain_question(text: str) -> bool:
    """Return whether the message asks something (a question mark, a question word or ending)."""
    words = get_words()
    if _contains_any(text, words.question_words):
        return True
    return _compact(text).replace(" ", "").endswith(words.question_endings)


def says_a_choice(text: str) -> bool:
    """Return whether the message states a choice ("by the kiosk, I will"), not just a name."""
    return _contains_any(text, get_words().choice_words)


def is_clear_stop(text: str) -> bool:
    """Return whether the message says in words that the resident wants to stop."""
    return _contains_any(text, get_words().stop_words)


def is_cancel_wish(text: str) -> bool:
    """Return whether the message asks to cancel ("cancel, please")."""
    return _contains_any(text, get_words().cancel_words)


def is_unsure(text: str) -> bool:
    """Return whether the message says the resident is unsure ("well...", "I am not sure")."""
    return _contains_any(text, get_words().unsure_words)


def is_order_number_unknown(text: str) -> bool:
    """Return whether the resident says they do not know or remember the order number."""
    return _contains_any(text, get_words().order_unknown_words)


def is_sms_missing(text: str) -> bool:
    """Return whether the resident says the SMS code did not come (or asks for it again)."""
    return _contains_any(text, get_words().no_sms_words)


def yes_or_no(text: str) -> bool | None:
    """Return True for a bare yes, False for a bare no, None when it is neither."""
    words = get_words()
    compact = _compact(text)
    if compact.startswith(words.no_starts):
        return False
    if compact.startswith(words.yes_starts):
        return True
    return None


def _without_endings(text: str) -> str:
    word = _compact(text).replace(" ", "").replace("-", "")
    changed = True
    while changed and word:
        changed = False
        for ending in sorted(get_words().count_endings, key=len, reverse=True):
            ending = ending.strip()
            if ending and word.endswith(ending) and len(word) > len(ending):
                word = word[: -len(ending)]
                changed = True
    return word


def bare_digits(text: str) -> str | None:
    """Return the digits of a message that is only digits and a polite ending, else None."""
    word = _without_endings(text)
    return word if word.isdigit() else None


def bare_count(text: str) -> int | None:
    """Return the count in a bare answer to "how many" (a native count word alone, "2"), or None."""
    word = _without_endings(text)
    if word.isdigit():
        return int(word)
    return get_words().native_counts.get(word)
