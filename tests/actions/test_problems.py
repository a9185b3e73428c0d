"""Every problem code of the backend API has words for the resident."""

from __future__ import annotations

import re

from actions.problems import PROBLEM_RESPONSES
from actions.speech import catalog
from bot.processes import ROOT


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
