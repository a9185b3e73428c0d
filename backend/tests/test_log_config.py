"""JSON logs with a redaction net for phone- and RRN-shaped digits."""

from __future__ import annotations

import json
import logging

from app.log_config import JsonFormatter, RedactingFilter, redact


def test_redact_masks_phones_and_rrns_keeping_length() -> None:
    assert redact("call 010-1234-5678 now") == "call ************* now"
    assert redact("rrn 500302-1234567") == "rrn **************"
    assert redact("order 17487735") == "order 17487735"


def test_json_formatter_writes_event_and_fields_redacted() -> None:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "order_created", None, None)
    record.order_id = "17487735"
    record.note = "phone 01012345678"
    RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "order_created"
    assert entry["order_id"] == "17487735"
    assert entry["note"] == "phone ***********"
