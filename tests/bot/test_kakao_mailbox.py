"""bot/kakao/mailbox.py: what waits for a Kakao resident, and the recent-answer window."""

from __future__ import annotations

from bot.kakao.mailbox import Mailbox, RecentAnswers


async def test_messages_wait_per_resident_and_are_taken_once() -> None:
    box = Mailbox()
    await box.put("a", [{"text": "1"}, {"text": "2"}])
    await box.put("b", [{"text": "x"}])
    assert await box.has_messages("a")
    assert await box.take("a") == [{"text": "1"}, {"text": "2"}]
    assert await box.take("a") == []
    assert await box.take("b") == [{"text": "x"}]


async def test_a_full_mailbox_keeps_the_newest() -> None:
    box = Mailbox(max_messages_per_user=2)
    await box.put("a", [{"text": "1"}, {"text": "2"}, {"text": "3"}])
    assert await box.take("a") == [{"text": "2"}, {"text": "3"}]


async def test_pages_are_served_in_order_then_gone() -> None:
    box = Mailbox()
    await box.set_pages("a", [{"p": 2}, {"p": 3}])
    assert await box.next_page("a") == {"p": 2}
    assert await box.next_page("a") == {"p": 3}
    assert await box.next_page("a") is None


async def test_turns_in_flight_are_counted() -> None:
    box = Mailbox()
    await box.turn_started("a")
    await box.turn_started("a")
    await box.turn_finished("a")
    assert await box.has_turn_in_flight("a")
    await box.turn_finished("a")
    assert not await box.has_turn_in_flight("a")


async def test_a_repeat_gets_the_first_answer_within_the_window_only() -> None:
    now = [100.0]
    recent = RecentAnswers(window_s=3.0, clock=lambda: now[0])
    assert await recent.claim("k")  # new: the caller runs the turn
    assert not await recent.claim("k")  # a repeat during the turn waits for it
    assert await recent.answer("k") is None
    await recent.finish("k", {"version": "2.0"})
    assert await recent.wait_for("k", 0.1) == {"version": "2.0"}
    now[0] += 2.9
    assert not await recent.claim("k")
    assert await recent.answer("k") == {"version": "2.0"}
    now[0] += 0.2
    assert await recent.claim("k")  # the window is over: a new turn


async def test_a_repeat_of_a_request_nobody_answers_stops_waiting() -> None:
    recent = RecentAnswers(window_s=3.0)
    assert await recent.claim("k")
    assert await recent.wait_for("k", 0.15) is None


async def test_a_claim_left_by_a_crashed_instance_ends() -> None:
    now = [0.0]
    recent = RecentAnswers(window_s=3.0, running_for_s=10.0, clock=lambda: now[0])
    assert await recent.claim("k")
    now[0] += 10.1
    assert await recent.claim("k")


async def test_an_abandoned_request_frees_its_key() -> None:
    recent = RecentAnswers(window_s=3.0)
    assert await recent.claim("k")
    await recent.abandon("k")
    assert await recent.claim("k")


async def test_every_mailbox_map_is_bounded() -> None:
    box = Mailbox(max_messages_per_user=2, max_users=5)
    for i in range(50):
        user = f"kakao:u{i}"
        await box.put(user, [{"text": "a"}, {"text": "b"}, {"text": "c"}])
        await box.set_pages(user, [{"page": 1}, {"page": 2}])
        await box.turn_started(user)
    assert box.sizes() == {"messages": 5, "pages": 5, "in_flight": 5}
    assert [m["text"] for m in await box.take("kakao:u49")] == ["b", "c"]


async def test_recent_answers_are_bounded() -> None:
    recent = RecentAnswers(window_s=60, max_size=5)
    for i in range(50):
        assert await recent.claim(f"key{i}")
        await recent.finish(f"key{i}", {"version": "2.0"})
    assert len(recent) == 5
