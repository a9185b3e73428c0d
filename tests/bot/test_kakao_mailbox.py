"""bot/kakao/mailbox.py: what waits for a Kakao resident, and the recent-answer window."""

from __future__ import annotations

from bot.kakao.mailbox import Mailbox, RecentAnswers


def test_messages_wait_per_resident_and_are_taken_once() -> None:
    box = Mailbox()
    box.put("a", [{"text": "1"}, {"text": "2"}])
    box.put("b", [{"text": "x"}])
    assert box.has_messages("a")
    assert box.take("a") == [{"text": "1"}, {"text": "2"}]
    assert box.take("a") == []
    assert box.take("b") == [{"text": "x"}]


def test_a_full_mailbox_keeps_the_newest() -> None:
    box = Mailbox(max_messages_per_user=2)
    box.put("a", [{"text": "1"}, {"text": "2"}, {"text": "3"}])
    assert box.take("a") == [{"text": "2"}, {"text": "3"}]


def test_pages_are_served_in_order_then_gone() -> None:
    box = Mailbox()
    box.set_pages("a", [{"p": 2}, {"p": 3}])
    assert box.next_page("a") == {"p": 2}
    assert box.next_page("a") == {"p": 3}
    assert box.next_page("a") is None


def test_turns_in_flight_are_counted() -> None:
    box = Mailbox()
    box.turn_started("a")
    box.turn_started("a")
    box.turn_finished("a")
    assert box.has_turn_in_flight("a")
    box.turn_finished("a")
    assert not box.has_turn_in_flight("a")


async def test_a_repeat_gets_the_first_answer_within_the_window_only() -> None:
    now = [100.0]
    recent = RecentAnswers(window_s=3.0, clock=lambda: now[0])
    assert recent.claim("k") is None  # new: the caller runs the turn
    pending = recent.claim("k")
    assert pending is not None
    assert not pending.done()  # a repeat during the turn waits for it
    recent.finish("k", {"version": "2.0"})
    assert pending.result() == {"version": "2.0"}
    now[0] += 2.9
    repeat = recent.claim("k")
    assert repeat is not None
    assert repeat.result() == {"version": "2.0"}
    now[0] += 0.2
    assert recent.claim("k") is None  # the window is over: a new turn


async def test_an_abandoned_request_frees_its_key() -> None:
    recent = RecentAnswers(window_s=3.0)
    assert recent.claim("k") is None
    recent.abandon("k")
    assert recent.claim("k") is None


def test_every_mailbox_map_is_bounded() -> None:
    box = Mailbox(max_messages_per_user=2, max_users=5)
    for i in range(50):
        user = f"kakao:u{i}"
        box.put(user, [{"text": "a"}, {"text": "b"}, {"text": "c"}])
        box.set_pages(user, [{"page": 1}, {"page": 2}])
        box.turn_started(user)
    assert box.sizes() == {"messages": 5, "pages": 5, "in_flight": 5}
    assert [m["text"] for m in box.take("kakao:u49")] == ["b", "c"]


async def test_recent_answers_are_bounded() -> None:
    recent = RecentAnswers(window_s=60, max_size=5)
    for i in range(50):
        assert recent.claim(f"key{i}") is None
        recent.finish(f"key{i}", {"version": "2.0"})
    assert len(recent) == 5
