"""End to end: a resident who never presses a button finishes every request in their own words.

Every message is typed text sent through the REST channel of the running system (Rasa, action
server, backend); no button payload is ever sent. SMS codes come from the dev outbox.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.resident import Person, Resident, backend_order, order_number_in, registry

pytestmark = pytest.mark.e2e

# Residents of the synthetic registry no other end-to-end test uses (the backend limits how
# often one phone may get a code, so every conversation here has its own person).
_PEOPLE: Iterator[Person] = iter(registry()[120:])
_ELIGIBLE: Iterator[Person] = iter([p for p in registry()[60:120] if p.delivery_eligible])


def someone() -> Person:
    return next(_PEOPLE)


@pytest.fixture
def resident(rasa_url: str, backend_url: str) -> Resident:
    return Resident(rasa_url, backend_url)


def identify(resident: Resident, who: Person) -> str:
    """Give name, birth date and phone in words, then the code; return the last reply."""
    return resident.confirm_identity(who)


def order_of(resident: Resident, backend_url: str, reply: str) -> dict:
    assert "신청번호" in reply, resident.story()
    return backend_order(backend_url, order_number_in(reply))


@pytest.mark.parametrize(
    ("phrase", "method"),
    [
        ("발급기로 할게요", "kiosk"),
        ("무인기로 뽑을게요", "kiosk"),
        ("동사무소 가서 받을게요", "counter"),
        ("창구에서 받을게요", "counter"),
        ("정부24로 할게요", "online"),
        ("인터넷으로 할게요", "online"),
    ],
)
def test_a_certificate_for_each_way_of_receipt_named_in_words(
    resident: Resident, backend_url: str, phrase: str, method: str
) -> None:
    asked = resident.say("주민등록등본 한 통 떼 주세요")
    assert "어떻게 받으시겠어요" in asked, resident.story()
    summary = resident.say(phrase)
    assert "신청할까요" in summary, resident.story()
    assert "본인 확인" in resident.say("네 그렇게 해 주세요"), resident.story()
    done = identify(resident, someone())
    order = order_of(resident, backend_url, done)
    assert order["method"] == method
    assert order["document"] == "resident_copy"


def test_a_bare_count_and_an_unsure_answer_keep_the_request(
    resident: Resident, backend_url: str
) -> None:
    assert "몇 통" in resident.say("초본 떼 주세요"), resident.story()
    asked = resident.say("두")
    assert "어떻게 받으시겠어요" in asked, resident.story()  # not "stopped"
    helped = resident.say("글쎄요 잘 모르겠어요")
    assert "멈췄" not in helped, resident.story()
    assert "무인민원발급기" in helped or "발급기" in helped, resident.story()
    summary = resident.say("그럼 창구로 할게요")
    assert "신청할까요" in summary, resident.story()
    assert "두 통" in summary, resident.story()  # the bare count was kept
    resident.say("네")
    order = order_of(resident, backend_url, identify(resident, someone()))
    assert order["method"] == "counter"


def test_a_home_delivery_in_words(resident: Resident, backend_url: str) -> None:
    intro = resident.say("등본 한 통 집으로 배달해 주세요")
    assert "배달" in intro, resident.story()
    readback = identify(resident, next(_ELIGIBLE))
    assert "*" in readback, resident.story()  # the registered address, masked
    done = resident.say("네 맞아요 갖다 주세요")
    order = order_of(resident, backend_url, done)
    assert order["method"] == "delivery"


def test_status_and_cancel_of_the_order_just_placed(resident: Resident, backend_url: str) -> None:
    resident.say("가족관계증명서 한 통 발급하고 싶어요")
    resident.say("발급기로 할게요")
    resident.say("네")
    order_id = order_number_in(identify(resident, someone()))

    status = resident.say("방금 신청한 거 어떻게 됐어요?")
    assert order_id in status, resident.story()

    confirm = resident.say("취소요")
    assert order_id in confirm, resident.story()
    assert "취소할까요" in confirm, resident.story()
    cancelled = resident.say("네 취소해 주세요")
    assert "취소했어요" in cancelled, resident.story()
    assert backend_order(backend_url, order_id)["status"] == "cancelled"


def test_an_opener_with_every_value_at_once(resident: Resident, backend_url: str) -> None:
    who = someone()
    d = who.birth_date
    p = who.phone
    summary = resident.say(
        f"{who.name}이고요 {d.year}년 {d.month}월 {d.day}일생이에요. "
        f"전화는 {p[:3]}-{p[3:7]}-{p[7:]}이고 등본 두 통 발급기로 떼 주세요"
    )
    assert "신청할까요" in summary, resident.story()  # nothing asked again
    assert "두 통" in summary, resident.story()
    asked = resident.say("네")
    assert "인증번호" in asked, resident.story()
    done = resident.say(resident.sms_code(who.phone))
    order = order_of(resident, backend_url, done)
    assert order["method"] == "kiosk"
    assert order["document"] == "resident_copy"


def test_two_documents_in_one_request_are_both_ordered(
    resident: Resident, backend_url: str
) -> None:
    asked = resident.say("등본이랑 초본 한 통씩 떼 주세요")
    assert "초본" in asked, resident.story()  # the second one is kept, and said
    assert "어떻게 받으시겠어요" in asked, resident.story()
    resident.say("발급기로 할게요")
    resident.say("네")
    first = identify(resident, someone())
    assert "이어서" in first, resident.story()
    assert "신청할까요" in first, resident.story()
    second = resident.say("네 그것도 해 주세요")
    orders = [backend_order(backend_url, order_number_in(reply)) for reply in (first, second)]
    assert sorted(o["document"] for o in orders) == ["resident_abstract", "resident_copy"]
    assert all(o["method"] == "kiosk" for o in orders)


def outbox(backend_url: str, phone: str) -> list[dict]:
    return list(
        httpx.get(f"{backend_url}/dev/sms-outbox", params={"phone": phone}, timeout=10).json()
    )


def test_a_detail_mismatch_is_corrected_and_the_code_resent(
    resident: Resident, backend_url: str
) -> None:
    who = someone()
    resident.say("등본 한 통 떼 주세요")
    resident.say("정부24로 할게요")
    resident.say("네")
    resident.say(f"{who.name}요")
    d = who.birth_date
    resident.say(f"{d.year}년 {d.month}월 {d.day + 1 if d.day < 28 else 1}일생이에요")
    sent_before = len(outbox(backend_url, who.phone))
    asked = resident.say(who.spoken_phone())
    assert "인증번호" in asked, resident.story()  # said whether or not the details matched
    assert len(outbox(backend_url, who.phone)) == sent_before  # no SMS: the date was wrong
    helped = resident.say("문자가 안 와요")
    assert "생년월일" in helped, resident.story()  # what to check, not whether they matched
    resent = resident.say(f"생년월일은 {d.year}년 {d.month}월 {d.day}일이에요")
    assert "인증번호" in resent, resident.story()
    assert len(outbox(backend_url, who.phone)) == sent_before + 1
    done = resident.say(resident.sms_code(who.phone))
    assert order_of(resident, backend_url, done)["method"] == "online"


def test_a_half_done_request_is_dropped_only_after_the_resident_confirms(
    resident: Resident,
) -> None:
    resident.say("등본 두 통 떼 주세요")
    asked = resident.say("그만할래요")
    assert "그만할까요" in asked, resident.story()
    kept = resident.say("아니요 계속할게요")
    assert "어떻게 받으시겠어요" in kept, resident.story()
    resident.say("그만할래요")
    assert "멈췄어요" in resident.say("네"), resident.story()


def test_an_unanswerable_answer_three_times_offers_a_person_and_never_loops(
    resident: Resident,
) -> None:
    question = resident.say("등본 한 통 떼 주세요")
    assert "어떻게 받으시겠어요" in question, resident.story()
    replies = [resident.say("음 그게 뭐였더라") for _ in range(3)]
    prompts = [question, *replies]
    assert sum("어떻게 받으시겠어요" in p for p in prompts) <= 2, resident.story()
    assert "상담원" in replies[1], resident.story()  # the options, and a person offered
    assert "연결" in replies[2], resident.story()  # a person takes over
