"""A whole resident flow logs ids and counts, never personal data."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.log_config import JsonFormatter, RedactingFilter
from tests.conftest import KIM, ConfirmFn


def test_logs_of_a_flow_hold_no_personal_data(
    client: TestClient, confirm: ConfirmFn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = confirm(KIM)
    answer = client.post(
        "/api/v1/orders",
        headers={**headers, "Idempotency-Key": "k"},
        json={
            "conversation_id": "conv-1",
            "document": "resident_copy",
            "copies": 1,
            "method": "delivery",
        },
    )
    assert answer.status_code == 201
    formatter, redaction = JsonFormatter(), RedactingFilter()
    lines = []
    for record in caplog.records:
        redaction.filter(record)
        lines.append(formatter.format(record))
    text = "\n".join(lines)
    assert "order_created" in text
    assert answer.json()["order_id"] in text
    for secret in (
        KIM["name"],
        KIM["phone"],
        KIM["birth_date"],
        "다산로",
        headers["X-Identity-Token"],
    ):
        assert secret not in text
