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
    assert answer["dong_count"] == 15
    assert answer["kiosk_hours"] == "24시간"
    assert "주민등록표 등본" in answer["free_documents"]


async def test_fee_answer_for_a_document_lists_each_way(backend: str) -> None:
    answer = await ask("ask_fee", {"document": "family_relation"})
    assert answer["utter_action"] == "utter_fee_document"
    assert answer["fee_lines"] == "주민센터 창구 1,000원, 무인발급기 무료, 정부24 무료"


async def test_fee_answer_without_a_document_asks_for_one(backend: str) -> None:
    assert (await ask("ask_fee"))["utter_action"] == "utter_fee_general"


async def test_hours_answer_gives_counter_lunch_and_kiosk(backend: str) -> None:
    answer = await ask("ask_hours")
    assert answer["utter_action"] == "utter_hours_info"
    assert answer["counter_hours"] == "09:00~18:00"
    assert answer["lunch_hours"] == "12:00~13:00"


async def test_online_answer_links_gov24_and_names_what_is_not_online(backend: str) -> None:
    answer = await ask("ask_online")
    assert answer["online_url"] == "https://www.gov.kr"
    assert answer["not_online_documents"] == "인감증명서"


async def test_delivery_eligibility_comes_from_the_district(backend: str) -> None:
    answer = await ask("ask_delivery_eligibility")
    assert answer["eligible_groups"] == "등록 장애인, 70세 이상 어르신, 임산부"
    assert answer["deliver_within_hours"] == 3


async def test_answers_still_work_when_the_backend_is_down(backend_down: str) -> None:
    answer = await ask("ask_kiosk")
    assert answer["utter_action"] == "utter_kiosk_info"
    assert answer["dong_count"] == 15


async def test_rrn_warning_comes_with_the_answer(backend: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(
        dispatcher, plain_turn("ask_requirements", {"pii_rrn": "masked"}), DOMAIN
    )
    assert [m["utter_action"] for m in dispatcher.messages] == [
        "utter_pii_warning",
        "utter_requirements",
    ]
