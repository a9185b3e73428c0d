"""Every problem code of the backend API has words for the resident."""

from __future__ import annotations

import re
import uuid

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendRefused, bind_conversation, get_client
from actions.problems import PROBLEM_RESPONSES, utter_problem
from actions.speech import catalog
from bot.processes import ROOT
from tests.actions.trackers import plain_turn


def api_codes() -> set[str]:
    text = (ROOT / "docs" / "backend-api.md").read_text(encoding="utf-8")
    errors = text.split("## Errors", 1)[1].split("## Endpoints", 1)[0]
    codes = set(re.findall(r"`([a-z_]+)`", errors)) - {
        "code",
        "type",
        "title",
        "status",
        "detail",
        "tries_left",
        "retry_after_s",
        "remaining",
    }
    return codes


def test_every_code_in_the_api_document_has_a_response() -> None:
    codes = api_codes()
    assert len(codes) >= 20  # the parse found the list
    assert sorted(codes - PROBLEM_RESPONSES.keys()) == []


def test_every_problem_response_exists_in_the_catalog() -> None:
    assert sorted(set(PROBLEM_RESPONSES.values()) - catalog().keys()) == []


# --- the polite refusals of the limits, from the real backend (issue 9) ------------------------


async def _challenge(conversation_id: str, phone: str) -> None:
    await get_client().create_challenge(
        conversation_id=conversation_id, name="홍길동", birth_date="1980-01-01", phone=phone
    )


def _said(problem: BackendRefused) -> list[str]:
    dispatcher = CollectingDispatcher()
    utter_problem(dispatcher, plain_turn("inform"), problem)
    return [m["text"] for m in dispatcher.messages]


async def test_the_sixth_code_for_one_conversation_is_refused_politely(backend: str) -> None:
    conversation = f"telegram:{uuid.uuid4().hex[:8]}"
    bind_conversation(conversation)
    for _ in range(5):
        await _challenge(conversation, f"0108{uuid.uuid4().int % 10**7:07d}")
    with pytest.raises(BackendRefused) as refused:
        await _challenge(conversation, "01080000000")
    assert refused.value.code == "identity_rate_limited"
    assert refused.value.status == 429
    assert _said(refused.value) == [
        "보안을 위해 인증번호 요청이 잠시 제한됐어요. 10분 뒤에 다시 해 주세요."
    ]


async def test_the_sixth_code_for_one_client_is_refused_politely(backend: str) -> None:
    client_key = f"browser-{uuid.uuid4().hex[:8]}"
    for i in range(5):
        bind_conversation(f"web:{uuid.uuid4().hex[:8]}", client_key)
        await _challenge(f"web:{i}-{client_key}", f"0108{uuid.uuid4().int % 10**7:07d}")
    bind_conversation(f"web:{uuid.uuid4().hex[:8]}", client_key)
    with pytest.raises(BackendRefused) as refused:
        await _challenge(f"web:6-{client_key}", "01080000001")
    assert refused.value.code == "identity_rate_limited"
    assert "10분 뒤에 다시 해 주세요" in _said(refused.value)[0]


def test_every_limit_says_when_to_try_again_without_blaming() -> None:
    for code, seconds, expected in [
        ("identity_busy", 61, "2분 뒤에"),
        ("lookup_rate_limited", 600, "10분 뒤에"),
        ("identity_locked_today", 40_000, "내일 다시"),
    ]:
        said = _said(BackendRefused(code, 429, {"retry_after_s": seconds}))[0]
        assert expected in said
        assert "잘못" not in said
