"""ScopeCues: the bulk counter named in words is a bulk request, but only where DIET gave up."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.components.scope_cues import ScopeCues


def classified(text: str, intent: str, confidence: float = 0.6) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "request_bulk_issuance", "confidence": 0.1}])
    return message


@pytest.mark.parametrize("text", ["대량 발급 예약할게요", "대량발급 예약 잡아 주세요",
                                  "법인인데 초본 대량으로 떼야 돼요", "대량 민원 창구로 접수하려고요"])
@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback"])
def test_the_bulk_counter_named_in_words_is_a_bulk_request(text: str, intent: str) -> None:
    (message,) = ScopeCues().process([classified(text, intent)])
    assert message.get("intent")["name"] == "request_bulk_issuance"
    ranking = [r["name"] for r in message.get("intent_ranking")]
    assert ranking[0] == "request_bulk_issuance"
    assert ranking.count("request_bulk_issuance") == 1


@pytest.mark.parametrize(("text", "intent"), [
    ("대량 발급 예약한 거 취소해 주세요", "cancel_request"),
    ("대량 발급 예약 처리됐나요", "check_status"),
    ("병원 예약해 줘", "out_of_scope"),
    ("대량으로 사 두면 싸요?", "out_of_scope"),
])
def test_everything_else_keeps_its_intent(text: str, intent: str) -> None:
    (message,) = ScopeCues().process([classified(text, intent)])
    assert message.get("intent")["name"] == intent
