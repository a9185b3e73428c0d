"""The checks every channel applies at the door."""

from __future__ import annotations

import pytest

from bot.input_guard import (
    MAX_JSON_DEPTH,
    BodyRefused,
    is_clean_json,
    is_safe_id,
    is_valid_unicode,
    json_depth,
    parse_json_body,
    repair_text,
)


def test_a_body_over_the_cap_is_refused_before_parsing() -> None:
    with pytest.raises(BodyRefused) as e:
        parse_json_body(b"[" + b" " * 100 + b"]", max_bytes=50)
    assert e.value.status == 413


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b"[" * 40 + b"]" * 40],
)
def test_unusable_or_too_deep_bodies_are_a_400_not_an_exception(raw: bytes) -> None:
    with pytest.raises(BodyRefused) as e:
        parse_json_body(raw, max_bytes=1_000_000)
    assert e.value.status == 400


def test_nesting_up_to_the_limit_is_accepted() -> None:
    raw = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert json_depth(parse_json_body(raw, max_bytes=1000)) == MAX_JSON_DEPTH


def test_lone_surrogates_are_repaired_in_text() -> None:
    text = parse_json_body(b'"\\ud800\\ub4f1\\ubcf8\\udfff"', max_bytes=100)
    assert not is_valid_unicode(text)
    repaired = repair_text(text)
    assert repaired == "\ufffd등본\ufffd"
    repaired.encode("utf-8")


def test_control_characters_are_dropped_but_line_breaks_kept() -> None:
    assert repair_text("등\x00본\x1b 한\t통\n주세요\r") == "등본 한\t통\n주세요\r"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("a1b2c3d4e5f6", True),
        ("e2e-1234.abc_DEF:x@y+z=", True),
        ("", False),
        ("a" * 129, False),
        ("a b", False),
        ("a/b", False),
        ("\ud800", False),
        ("등본", False),
        (123, False),
        (None, False),
    ],
)
def test_safe_ids(value: object, safe: bool) -> None:
    assert is_safe_id(value) is safe


def test_metadata_with_a_lone_surrogate_anywhere_is_not_clean() -> None:
    assert is_clean_json({"a": [1, {"b": "ok"}]})
    assert not is_clean_json({"a": [1, {"b": "\ud800"}]})
    assert not is_clean_json({"\udc00": 1})
