"""Numbers and times as the responses show them (words from lexicon.yml)."""

from __future__ import annotations

from datetime import datetime

from actions.lexicon import get_lexicon


def krw(amount: int) -> str:
    """Return an amount with thousands separators ("1,000")."""
    return f"{int(amount):,}"


def fee_text(amount_krw: int) -> str:
    """Return "800" with the won word, or the word for free when nothing is due."""
    words = get_lexicon().words
    return str(words["free"]) if amount_krw == 0 else f"{krw(amount_krw)}{words['won']}"


def deadline_time(iso: str | None, now: datetime | None = None) -> str:
    """Return a deadline in the backend's own offset (Seoul): "today, 15:30" in words."""
    if not iso:
        return ""
    words = get_lexicon().words
    at = datetime.fromisoformat(str(iso))
    current = now or datetime.now(at.tzinfo)
    if at.tzinfo is not None and current.tzinfo is not None:
        current = current.astimezone(at.tzinfo)
    if at.date() == current.date():
        clock = str(words["time_format"]).format(hour=at.hour, minute=at.minute)
        return f"{words['today']} {clock}"
    return str(words["date_time_format"]).format(
        month=at.month, day=at.day, hour=at.hour, minute=at.minute
    )


def method_label(method: str | None) -> str:
    """Return the Korean name of a way of getting a document."""
    return get_lexicon().method_labels.get(method or "", method or "")
