"""A resident registration number sent to the running Rasa server leaves no trace anywhere."""

from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest

from tests.conftest import System

pytestmark = pytest.mark.e2e

# Numbers no other test sends, so a trace can only come from these messages.
RRN_FORMS = [
    ("제 주민번호는 730915-2864153 이에요", ("730915", "2864153")),
    ("주민등록번호 7309152864153 불러드릴게요", ("7309152864153",)),
    ("칠삼공구일오 이팔육사일오삼 이에요", ("칠삼공구일오", "이팔육사일오삼")),
]


@pytest.mark.parametrize(("text", "fragments"), RRN_FORMS)
def test_rrn_leaves_no_trace_in_tracker_parse_or_log(
    system: System, text: str, fragments: tuple[str, ...]
) -> None:
    sender = f"pii-{uuid.uuid4().hex[:8]}"
    reply = httpx.post(f"{system.rasa_url}/webhooks/rest/webhook",
                       json={"sender": sender, "message": text}, timeout=60)
    assert reply.status_code == 200
    replies = " ".join(m.get("text", "") for m in reply.json())
    assert "주민등록번호" in replies  # the resident is told it is not needed and was not stored

    tracker = httpx.get(f"{system.rasa_url}/conversations/rest:{sender}/tracker",
                        headers=system.rasa_headers(), timeout=30)
    assert tracker.status_code == 200
    parse = httpx.post(f"{system.rasa_url}/model/parse", headers=system.rasa_headers(),
                       json={"text": text}, timeout=30)
    assert parse.status_code == 200
    assert any(e["entity"] == "pii_rrn" for e in parse.json()["entities"])

    tracker_db = system.processes["rasa"].spec.env["MINWON_TRACKER_DB"]
    with sqlite3.connect(tracker_db) as db:
        stored = "\n".join(row[0] for row in db.execute(
            "select data from events where sender_id = ?", (f"rest:{sender}",)))
    assert stored, "the conversation was not stored"
    logs = "\n".join(p.read_text(errors="replace") for p in system.log_dir.iterdir())
    for fragment in fragments:
        assert fragment not in tracker.text
        assert fragment not in parse.text
        assert fragment not in stored
        assert fragment not in logs


def test_malformed_rest_bodies_get_400_not_500(system: System) -> None:
    url = f"{system.rasa_url}/webhooks/rest/webhook"
    for body in (b"not json", b"[1, 2]", b'{"sender": "x"}', b'{"sender": "x", "message": 5}'):
        reply = httpx.post(url, content=body, headers={"Content-Type": "application/json"},
                           timeout=30)
        assert 400 <= reply.status_code < 500, (body, reply.status_code)
