"""Information answers are built from the district's data, with or without the backend."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerQuestion
from tests.actions.trackers import DOMAIN, plain_turn


async def ask(intent: str, entities: dict[str, str] | None = None) -> dict:
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(dispatcher, plain_turn(intent, entities), DOMAIN)
    return dispatcher.messages[-1]


async def test_kiosk_answer_names_the_free_documents_and_24_hours(backend: str) -> None:
    answer = await ask("ask_kiosk")
    assert answer["utter_action"] == "utter_kiosk_info"
    assert "15개 동" in answer["text"]
    assert "24시간 이용할 수 있어요" in answer["text"]
    # seven free documents, named in three groups so they can be followed by ear
    assert "주민등록표 등·초본, 가족관계등록부 증명서" in answer["text"]
    assert "제적 등·초본(옛 호적 기록)이 무료예요" in answer["text"]


async def test_fee_answer_for_a_document_lists_each_way(backend: str) -> None:
    answer = await ask("ask_fee", {"document": "family_relation"})
    assert answer["utter_action"] == "utter_fee_document"
    # delivery is quoted by the backend (it costs what the counter charges)
    assert answer["fee_lines"] == (
        "주민센터 창구 1,000원, 무인민원발급기 무료, 정부24 무료, 집으로 배달 1,000원"
    )
    assert answer["text"].endswith("집으로 배달 1,000원이에요.")


async def test_fee_answer_for_a_document_not_delivered_has_no_delivery_line(backend: str) -> None:
    answer = await ask("ask_fee", {"document": "seal_certificate"})
    assert answer["fee_lines"] == "주민센터 창구 600원, 무인민원발급기 600원"
    assert "인감증명서 한 통의 수수료는" in answer["text"]


async def test_fee_answer_without_a_document_asks_for_one(backend: str) -> None:
    assert (await ask("ask_fee"))["utter_action"] == "utter_fee_general"


async def test_hours_answer_gives_counter_lunch_and_kiosk(backend: str) -> None:
    answer = await ask("ask_hours")
    assert answer["utter_action"] == "utter_hours_info"
    assert "평일 오전 아홉 시부터 오후 여섯 시까지" in answer["text"]
    assert "점심시간(낮 열두 시부터 오후 한 시까지)에도" in answer["text"]
    assert "09:00" not in answer["text"]


async def test_online_answer_links_gov24_and_names_what_is_not_online(backend: str) -> None:
    answer = await ask("ask_online")
    assert "정부24(https://www.gov.kr)에" in answer["text"]
    assert answer["not_online_documents"] == "인감증명서"
    assert "인감증명서는 인터넷으로 뗄 수 없어요" in answer["text"]


async def test_delivery_eligibility_comes_from_the_district(backend: str) -> None:
    answer = await ask("ask_delivery_eligibility")
    assert "장애인, 만 70세 이상 어르신, 임산부가 받으실 수 있어요" in answer["text"]
    assert "평일 근무시간 기준 세 시간 안에" in answer["text"]


async def test_answers_still_work_when_the_backend_is_down(backend_down: str) -> None:
    answer = await ask("ask_kiosk")
    assert answer["utter_action"] == "utter_kiosk_info"
    assert "15개 동" in answer["text"]


async def test_rrn_warning_comes_with_the_answer(backend: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(
        dispatcher, plain_turn("ask_requirements", {"pii_rrn": "masked"}), DOMAIN
    )
    assert [m["utter_action"] for m in dispatcher.messages] == [
        "utter_pii_warning",
        "utter_requirements",
    ]
