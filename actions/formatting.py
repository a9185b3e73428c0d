"""Numbers, amounts and times as a resident reads or hears them (words from lexicon.yml).

Counted things are said with native Korean numbers ("three copies", "two more tries", "three
hours" in their native words) up to the lexicon's table, larger ones with digits; minutes stay
Sino-Korean digits, as Korean reads them. Clock times are said with the part of the day and a
native hour ("afternoon, three and a half"), never "15:30", so a speech synthesiser reads them
right and an older resident does not have to convert a 24-hour clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from actions.lexicon import get_lexicon

# The district's clock: due times are said as the resident's wall clock shows them.
SEOUL: Final = ZoneInfo("Asia/Seoul")


def krw(amount: int) -> str:
    """Return an amount with thousands separators ("1,000")."""
    return f"{int(amount):,}"


def won(amount: int) -> str:
    """Return an amount with the won word ("1,000" + won)."""
    return f"{krw(amount)}{get_lexicon().words['won']}"


def fee_text(amount_krw: int) -> str:
    """Return an amount with the won word, or the word for free when nothing is due."""
    words = get_lexicon().words
    return str(words["free"]) if int(amount_krw) == 0 else won(amount_krw)


def count_words(count: Any, counter: str) -> str:
    """Return a count with its counter word: native words when the lexicon has them.

    `counter` is a key of the lexicon's `counters` (copy, attempt, hour, minute ...).

    Raises:
        KeyError: an unknown counter (a programming error).
        ValueError: `count` is not a whole number.
    """
    words = get_lexicon().words
    spec = words["counters"][counter]
    number = int(str(count).strip())
    native = words["native_numbers"].get(number) if spec.get("native") else None
    if native:
        return f"{native} {spec['word']}"
    return f"{number}{spec['word']}"


def clock_words(at: time | datetime) -> str:
    """Return a time of day as said aloud: part of the day, native hour, half or minutes."""
    clock = get_lexicon().words["clock"]
    hour, minute = at.hour, at.minute
    if hour == 12:
        period = clock["noon"]
    elif hour < 12:
        period = clock["am"]
    else:
        period = clock["pm"]
    hour12 = hour % 12 or 12
    said = str(clock["hour"]).format(
        period=period, hour=get_lexicon().words["native_numbers"][hour12]
    )
    if minute == 30:
        return f"{said} {clock['half']}"
    if minute:
        return f"{said} {str(clock['minutes']).format(minute=minute)}"
    return said


def parse_clock(text: str) -> time:
    """Read "09:00" (or "24:00", the end of the day, as midnight)."""
    hours, minutes = str(text).strip().split(":")
    return time(int(hours) % 24, int(minutes))


def hours_range_words(hours: str) -> str:
    """Return "09:00-18:00" as "from nine in the morning to six in the afternoon" in words.

    A range of the whole day ("00:00-24:00") is the word for 24 hours.
    """
    words = get_lexicon().words
    compact = str(hours).replace(" ", "").replace("~", "-")
    if compact in {"00:00-24:00", "0:00-24:00"}:
        return str(words["hours_24"])
    start, _, end = compact.partition("-")
    if not end:
        return str(hours)
    return str(words["clock"]["range"]).format(
        start=clock_words(parse_clock(start)), end=clock_words(parse_clock(end))
    )


def weekly_hours_words(days: list[str] | tuple[str, ...], hours: str) -> str:
    """Return opening days and hours in words: "weekdays, from nine a.m. to six p.m." in Korean.

    `days` are the backend's keys (mon ... sun); Monday to Friday is said as weekdays, every day
    as daily, other sets by their day names.
    """
    clock = get_lexicon().words["clock"]
    names = get_lexicon().words["staff_days"]
    keys = [str(d) for d in days]
    if keys == ["mon", "tue", "wed", "thu", "fri"]:
        day_words = str(clock["weekdays_word"])
    elif sorted(keys) == sorted(names):
        day_words = str(clock["daily_word"])
    else:
        day_words = "\u00b7".join(str(names.get(k, k)) for k in keys)
    return f"{day_words} {hours_range_words(hours)}".strip()


def deadline_time(iso: str | None, now: datetime | None = None) -> str:
    """Return a due time in Seoul's words: "today"/"tomorrow" or the date, then the clock.

    The backend sends the time with an offset (Seoul's); any offset is said in Seoul time, and
    "today" is Seoul's today, the resident's.
    """
    if not iso:
        return ""
    clock = get_lexicon().words["clock"]
    at = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    if at.tzinfo is not None:
        at = at.astimezone(SEOUL)
    current = now or datetime.now(SEOUL)
    if at.tzinfo is not None and current.tzinfo is not None:
        current = current.astimezone(SEOUL)
    if at.date() == current.date():
        day = str(clock["today"])
    elif at.date() == current.date() + timedelta(days=1):
        day = str(clock["tomorrow"])
    else:
        day = str(clock["date"]).format(
            month=at.month, day=at.day, weekday=clock["weekdays"][at.weekday()]
        )
    return f"{day} {clock_words(at)}"


def method_label(method: str | None) -> str:
    """Return the Korean name of a way of getting a document."""
    return get_lexicon().method_labels.get(method or "", method or "")
