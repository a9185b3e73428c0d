"""Korean word tables of the action server, loaded from `lexicon.yml` beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_LEXICON_FILE = Path(__file__).with_name("lexicon.yml")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words the actions match in free text or put into response variables."""

    method_words: dict[str, tuple[str, ...]]
    method_labels: dict[str, str]
    eligibility_labels: dict[str, str]
    status_labels: dict[str, str]
    document_names: dict[str, str]
    retry_words: tuple[str, ...]
    latest_order_words: tuple[str, ...]
    name_prefixes: tuple[str, ...]
    name_suffixes: tuple[str, ...]
    words: dict[str, Any]
    # (members, name): a complete group of documents is listed under one name.
    document_groups: tuple[tuple[frozenset[str], str], ...] = ()
    # A document's name in lists, with its gloss.
    list_names: dict[str, str] | None = None

    def method_in_text(self, text: str) -> str | None:
        """Return the method whose word appears in `text`, or None."""
        for method, words in self.method_words.items():
            if any(word in text for word in words):
                return method
        return None

    def is_retry(self, text: str) -> bool:
        """Return whether `text` asks to try again."""
        return any(word in text for word in self.retry_words)

    def is_latest_order(self, text: str) -> bool:
        """Return whether `text` refers to the resident's most recent request."""
        return any(word in text for word in self.latest_order_words)

    def join(self, items: list[str]) -> str:
        """Join words with the list separator."""
        return str(self.words["list_separator"]).join(items)


@lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """Load the lexicon once per process."""
    raw = yaml.safe_load(_LEXICON_FILE.read_text(encoding="utf-8"))
    return Lexicon(
        method_words={k: tuple(v) for k, v in raw["method_words"].items()},
        method_labels=dict(raw["method_labels"]),
        eligibility_labels=dict(raw["eligibility_labels"]),
        status_labels=dict(raw["status_labels"]),
        document_names=dict(raw["document_names"]),
        retry_words=tuple(raw["retry_words"]),
        latest_order_words=tuple(raw["latest_order_words"]),
        name_prefixes=tuple(raw["name_prefixes"]),
        name_suffixes=tuple(raw["name_suffixes"]),
        words=dict(raw["words"]),
        document_groups=tuple(
            (frozenset(g["members"]), str(g["name"])) for g in raw.get("document_groups", [])
        ),
        list_names=dict(raw.get("list_names") or {}),
    )
