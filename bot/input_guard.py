"""Checks every channel applies at the door, before Rasa sees a request.

A request body is bounded before it is parsed, parsed with the standard library (a deeply nested
body is refused, not a ``RecursionError``), and its strings are checked for what Python's ``str``
allows but UTF-8 storage does not: lone UTF-16 surrogates (JSON ``"\\ud800"``), which make
``str.encode("utf-8")`` raise inside the tracker store. Text a resident typed is *repaired*
(they get an answer); an id is *refused* (nothing is stored under it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

MAX_JSON_DEPTH = 32  # Telegram's deepest update (a pressed keyboard) nests 8 levels
REPLACEMENT = "\ufffd"
# conversation ids travel in Rasa API paths and log lines: no slashes, spaces or controls
SAFE_ID = re.compile(r"[A-Za-z0-9_.:@+=-]{1,128}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 controls other than tab and line breaks; PostgreSQL text cannot even hold NUL
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BodyRefused(ValueError):
    """Raised when a request body cannot be used; ``status`` and ``code`` are safe to return."""

    def __init__(self, status: int, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail


def parse_json_body(body: bytes | None, max_bytes: int) -> Any:
    """Return the decoded JSON of ``body``.

    Raises:
        BodyRefused: 413 over ``max_bytes``; 400 when not UTF-8 JSON or nested too deeply.
    """
    raw = body or b""
    if len(raw) > max_bytes:
        raise BodyRefused(413, "body_too_large", f"the body is over {max_bytes} bytes")
    try:
        value = json.loads(raw)
    except RecursionError as e:
        raise BodyRefused(400, "bad_request", "the body is nested too deeply") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise BodyRefused(400, "bad_request", "the body is not valid JSON") from e
    if json_depth(value) > MAX_JSON_DEPTH:
        raise BodyRefused(400, "bad_request", "the body is nested too deeply")
    return value


def json_depth(value: Any) -> int:
    """Return how deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def is_valid_unicode(text: str) -> bool:
    """``True`` when ``text`` encodes as UTF-8 (no lone surrogates)."""
    return _SURROGATE.search(text) is None


def repair_text(text: str) -> str:
    """Return ``text`` storable and readable: lone surrogates become U+FFFD, control characters
    (other than tab and line breaks) are dropped, and the text is NFC-normalised."""
    repaired = _CONTROL.sub("", _SURROGATE.sub(REPLACEMENT, text))
    return unicodedata.normalize("NFC", repaired)


def is_safe_id(value: Any) -> bool:
    """``True`` for a platform id a conversation id can be built from."""
    return isinstance(value, str) and SAFE_ID.fullmatch(value) is not None


def is_clean_json(value: Any) -> bool:
    """``True`` when every key and string in ``value`` is valid Unicode (metadata checks)."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_valid_unicode(item):
                return False
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
