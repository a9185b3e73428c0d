"""End to end: residents talk to the running system (Rasa REST channel, action server, backend).

Requests are typed in Korean as a resident would; choices are made by pressing the buttons the
bot offers (their payloads are what a chat window sends). SMS codes come from the dev outbox.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from actions.formatting import count_words
from bot.rasa_auth import rasa_auth_headers
from tests.e2e.resident import (
    SERVICE_TOKEN,
    Resident,
    backend_order,
    order_number_in,
    person,
)

pytestmark = pytest.mark.e2e

YES = "/affirm"
NO = "/deny"


def method_button(method: str) -> str:
    return '/inform{"method":"%s"}' % method  # noqa: UP031 - a JSON payload, braces and all


@pytest.fixture
def resident(rasa_url: str, backend_url: str) -> Resident:
    return Resident(rasa_url, backend_url)


@pytest.mark.parametrize(
    ("method", "who", "promise"),
    [
        ("kiosk", ("서은주", None), "무인민원발급기"),
        ("counter", ("한은주", None), "받으실 수 있어요"),
        ("online", ("안태식", None), "https://www.gov.kr"),
    ],
)
def test_a_certificate_is_ordered_for_each_way_of_getting_it(
    resident: Resident, backend_url: str, method: str, who: tuple[str, None], promise: str
) -> None:
    asked = resident.say("주민등록등본 한 통 떼 주세요")
    assert "어떻게 받으시겠어요" in asked, resident.story()
    summary = resident.press(method_button(method))
    assert "이대로 신청할까요" in summary, resident.story()
    assert "본인 확인" in resident.press(YES)
    done = resident.confirm_identity(person(who[0]))
    assert promise in done, resident.story()
    order_id = order_number_in(done)
    order = backend_order(backend_url, order_id)
    assert order["method"] == method
    assert order["document"] == "resident_copy"


@pytest.mark.parametrize(
    ("name", "birth_year"),
    [
        ("김영희", 1950),  # 70 or over
        ("박서연", None),  # pregnant
        ("최동훈", None),
    ],  # registered disability
)
def test_home_delivery_for_each_eligibility_reason(
    resident: Resident, backend_url: str, name: str, birth_year: int | None
) -> None:
    intro = resident.say("등본 한 통 집으로 배달해 주세요")
    assert "임산부" in intro, resident.story()  # who is eligible, said before identity
    readback = resident.confirm_identity(person(name, birth_year))
    assert "*" in readback, resident.story()  # the registered address, masked
    assert "평일 근무시간 기준 세 시간 안에" in readback  # working hours, not "3시간"
    done = resident.press(YES)
    assert "까지" in done, resident.story()  # the deadline time
    order = backend_order(backend_url, order_number_in(done))
    assert order["method"] == "delivery"
    assert order["deadline_at"]


def test_a_refused_delivery_offers_the_other_ways(resident: Resident, backend_url: str) -> None:
    resident.say("등본 한 통 집으로 배달해 주세요")
    refused = resident.confirm_identity(person("이민준"))
    assert "배달 대상에 해당하지 않으세요" in refused, resident.story()
    for alternative in ("무인민원발급기", "정부24", "주민센터", "위임장"):  # 위임장: a proxy
        assert alternative in refused
    summary = resident.press(method_button("online"))
    assert "이대로 신청할까요" in summary, resident.story()
    done = resident.press(YES)
    assert backend_order(backend_url, order_number_in(done))["method"] == "online"


BUSINESS_CONTACTS = {"1234567890": "01077770001", "9876543210": "01077770002"}


_business_tokens: dict[tuple[str, str], str] = {}


def quota(backend_url: str, business_number: str) -> dict:
    """The business's quota as the backend has it. The quota needs a business proof: the test
    proves the business once, in a conversation of its own, with the code its contact received."""
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Conversation-Id": "e2e-quota"}
    key = (backend_url, business_number)
    if key not in _business_tokens:
        started = httpx.post(
            f"{backend_url}/api/v1/bulk/challenges",
            headers=service,
            json={"conversation_id": "e2e-quota", "business_number": business_number},
            timeout=10,
        ).json()
        code = Resident("", backend_url).sms_code(BUSINESS_CONTACTS[business_number])
        _business_tokens[key] = httpx.post(
            f"{backend_url}/api/v1/bulk/challenges/{started['challenge_id']}/verify",
            headers=service,
            json={"conversation_id": "e2e-quota", "code": code},
            timeout=10,
        ).json()["business_token"]
    return httpx.get(
        f"{backend_url}/api/v1/bulk/businesses/{business_number}/quota",
        headers={**service, "X-Business-Token": _business_tokens[key]},
        timeout=10,
    ).json()


def prove_business(resident: Resident, business_number: str) -> str:
    """Type the code the business's registered contact received; return the bot's reply."""
    return resident.say(resident.sms_code(BUSINESS_CONTACTS[business_number]))


def test_a_bulk_reservation_within_the_quota(resident: Resident, backend_url: str) -> None:
    before = quota(backend_url, "1234567890")["remaining_today"]
    resident.say("대량발급 창구 예약하고 싶습니다")
    sent = resident.say("사업자번호는 123-45-67890입니다")
    assert "등록된 담당자 휴대폰" in sent, resident.story()
    assert "인증번호" in sent, resident.story()
    assert "남았어요" not in sent  # nothing about the business before its proof
    said = prove_business(resident, "1234567890")
    assert f"{before}통 남았어요" in said, resident.story()
    resident.press('/inform{"document":"resident_abstract"}')
    confirm = resident.say("30건이요")
    assert "예약할까요" in confirm, resident.story()
    done = resident.press(YES)
    assert "예약했어요" in done, resident.story()
    assert quota(backend_url, "1234567890")["remaining_today"] == before - 30


def test_a_bulk_reservation_over_the_quota_is_refused(resident: Resident, backend_url: str) -> None:
    left = quota(backend_url, "9876543210")["remaining_today"]
    resident.say("대량 발급 예약할게요")
    resident.say("사업자번호 9876543210이요")
    prove_business(resident, "9876543210")
    resident.press('/inform{"document":"resident_copy"}')
    refused = resident.press('/inform{"copies":"%d"}' % (left + 5))  # noqa: UP031
    assert count_words(left, "copy") in refused, resident.story()
    assert "예약할 수 있어요" in refused or "이하로" in refused
    assert quota(backend_url, "9876543210")["remaining_today"] == left


def test_status_and_cancel_of_an_order(resident: Resident, backend_url: str) -> None:
    resident.say("가족관계증명서 한 통 발급하고 싶어요")
    resident.press(method_button("counter"))
    resident.press(YES)
    order_id = order_number_in(resident.confirm_identity(person("서혜진")))

    status = resident.say(f"신청번호 {order_id} 조회해 주세요")
    assert "접수" in status, resident.story()

    confirm = resident.say("아까 신청한 거 취소할게요")
    assert order_id in confirm, resident.story()  # identity still good: the last request
    cancelled = resident.press(YES)
    assert "취소했어요" in cancelled, resident.story()
    assert backend_order(backend_url, order_id)["status"] == "cancelled"


def test_the_backend_stops_and_comes_back_in_the_middle(system, backend_url: str) -> None:
    resident = Resident(system.rasa_url, backend_url)
    who = person("조태식")
    resident.say("초본 한 통 떼 주세요")
    resident.press(method_button("kiosk"))
    resident.press(YES)
    resident.say(f"{who.name}요")
    resident.say(who.spoken_birth_date())
    system.processes["backend"].stop()
    try:
        down = resident.say(who.spoken_phone())
        assert "연결되지 않아요" in down, resident.story()
        assert "그대로" in down  # nothing is lost
    finally:
        system.processes["backend"].start()
    resumed = resident.say("다시")
    assert "인증번호" in resumed, resident.story()
    done = resident.say(resident.sms_code(who.phone))
    assert backend_order(backend_url, order_number_in(done))["document"] == "resident_abstract"


def test_the_same_message_delivered_twice_at_once_makes_one_order(
    resident: Resident, backend_url: str
) -> None:
    who = person("안태식")
    resident.say("등본 한 통 떼 주세요")
    resident.press(method_button("online"))
    resident.press(YES)
    resident.say(f"{who.name}요")
    resident.say(who.spoken_birth_date())
    resident.say(who.spoken_phone())
    code = resident.sms_code(who.phone)
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(resident.say, [code, code]))
    numbers = {order_number_in(r) for r in replies if "신청번호" in r}
    assert len(numbers) == 1, resident.story()
    assert backend_order(backend_url, numbers.pop())["method"] == "online"


def test_a_question_in_the_middle_is_answered_and_the_request_goes_on(resident: Resident) -> None:
    resident.say("등본 두 통 떼 주세요")
    answer = resident.say("발급기에서 떼면 공짜예요?")
    assert "무료" in answer, resident.story()
    assert "어떻게 받으시겠어요" in answer  # the form asks its question again


def test_stop_leaves_the_request_after_confirming(resident: Resident) -> None:
    resident.say("등본 떼 주세요")
    assert "그만할까요" in resident.say("그만할래요"), resident.story()
    assert "멈췄어요" in resident.press(YES), resident.story()


def test_a_person_is_reached_and_the_bot_then_stays_silent_or_keeps_serving(
    resident: Resident,
) -> None:
    handed = resident.say("상담원 연결해 주세요")
    assert "상담원" in handed, resident.story()
    if "상담 시간" in handed and "아니라서" in handed:
        # Outside staff hours (the test runs at any hour): the resident is told when a person
        # answers, and the bot keeps serving meanwhile instead of leaving them in silence.
        assert resident.say("등본 한 통 떼 주세요") != "", resident.story()
    else:
        assert resident.say("여보세요?") == ""  # paused: staff answer from the console


def test_several_values_at_once_and_a_change_of_mind(resident: Resident, backend_url: str) -> None:
    resident.say("등본 두 통 떼 주세요")
    assert "두 통" in resident.press(method_button("kiosk")), resident.story()
    changed = resident.say("아니 세 통이요")
    assert "세 통" in changed, resident.story()
    resident.press(YES)
    who = person("김영희", 1950)
    asked = resident.say("김영희고요 50년 3월 2일생이에요")
    assert "휴대전화" in asked, resident.story()  # name and birth date taken from one message
    resident.say(who.spoken_phone())
    done = resident.say(resident.sms_code(who.phone))
    assert backend_order(backend_url, order_number_in(done))["method"] == "kiosk"


def test_two_misunderstandings_in_a_row_offer_a_person(resident: Resident) -> None:
    # The NLU's fallback intent is sent as its payload: this tests the dialogue, tests/nlu the NLU.
    first = resident.say("/nlu_fallback")
    assert "상담원" not in first, resident.story()
    assert "상담원" in resident.say("/nlu_fallback"), resident.story()


def test_a_typed_rrn_is_warned_about_and_never_stored(
    resident: Resident, rasa_url: str, rasa_token: str
) -> None:
    resident.say("등본 한 통 떼 주세요")
    warned = resident.say("제 주민번호는 900715-1234567이에요")
    assert "주민등록번호는 필요하지 않아서 저장하지 않았어요" in warned, resident.story()
    tracker = httpx.get(
        f"{rasa_url}/conversations/{resident.conversation_id}/tracker",
        headers=rasa_auth_headers(rasa_token),
        timeout=10,
    ).json()
    assert "1234567" not in str(tracker)
