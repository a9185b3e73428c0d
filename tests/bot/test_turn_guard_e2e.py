"""The action server stops in the middle of a form: the resident is told so in the channel, their
answer is kept, and after the restart '다시' carries the form on to a real order.

Real Rasa server, action server and backend (the session ``system``), REST channel.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.turn_guard import shared_texts
from tests.e2e.resident import Resident, backend_order, order_number_in, person

pytestmark = pytest.mark.e2e

WORDS = shared_texts()
KIOSK = '/inform{"method":"kiosk"}'


@pytest.fixture
def actions_stopped_later(system: object) -> Iterator[object]:
    """The action server process; whatever the test does, it is running again afterwards."""
    actions = system.processes["actions"]  # type: ignore[attr-defined]
    try:
        yield actions
    finally:
        if not actions.is_alive():
            actions.start()


def test_action_server_down_mid_form_is_said_and_the_answer_kept_for_a_retry(
    system: object, actions_stopped_later: object
) -> None:
    actions = actions_stopped_later
    resident = Resident(system.rasa_url, system.backend_url)  # type: ignore[attr-defined]
    who = person("서은주")
    assert "어떻게 받으시겠어요" in resident.say("주민등록등본 한 통 떼 주세요"), resident.story()
    assert "이대로 신청할까요" in resident.press(KIOSK), resident.story()
    assert "성함" in resident.press("/affirm"), resident.story()  # the identity form asks

    actions.stop()  # type: ignore[attr-defined]
    told = resident.say(f"{who.name}요")
    assert told == WORDS.get("action_server_down"), resident.story()
    assert resident.say("다시") == WORDS.get("still_down"), resident.story()

    actions.start()  # type: ignore[attr-defined]  # healthy again before it returns
    asked = resident.say("다시")  # the kept name goes in: the form asks for the next thing
    assert "생년월일" in asked, resident.story()
    resident.say(who.spoken_birth_date())
    reply = resident.say(who.spoken_phone())
    assert "인증번호" in reply, resident.story()
    done = resident.say(resident.sms_code(who.phone))
    order = backend_order(system.backend_url, order_number_in(done))  # type: ignore[attr-defined]
    assert order["method"] == "kiosk", resident.story()
