"""The bounded map every channel keeps its state in."""

from __future__ import annotations

from bot.bounded import BoundedMap


def test_least_recently_used_goes_past_the_bound() -> None:
    m: BoundedMap[str, int] = BoundedMap(max_size=3)
    for i in range(10):
        m.set(f"k{i}", i)
    assert len(m) == 3
    assert list(m) == ["k7", "k8", "k9"]
    m.setdefault("k7", lambda: 0)  # used: now the most recent
    m.set("k10", 10)
    assert list(m) == ["k9", "k7", "k10"]


def test_entries_expire_after_their_time() -> None:
    now = [0.0]
    m: BoundedMap[str, int] = BoundedMap(max_size=10, ttl_s=5, clock=lambda: now[0])
    m.set("a", 1)
    now[0] = 3
    m.set("b", 2)
    now[0] = 6
    assert "a" not in m
    assert m.get("b") == 2
    assert m.pop("b") == 2
    assert len(m) == 0
