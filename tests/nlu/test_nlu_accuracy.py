"""The trained model understands held-out Korean requests: intents and entity values >= 95 %."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.evaluate_nlu import load_eval_set, parse_all, score

MIN_INTENT_ACCURACY = 0.95
MIN_ENTITY_VALUE_ACCURACY = 0.95


@pytest.fixture(scope="module")
def report(rasa_model: Path) -> dict[str, Any]:
    cases = load_eval_set()
    parses, _ = parse_all(rasa_model, [c["text"] for c in cases])
    return score(cases, parses)


def test_intent_accuracy_on_the_held_out_set(report: dict[str, Any]) -> None:
    errors = [f"{e['gold']} -> {e['predicted']}: {e['text']}" for e in report["intent_errors"]]
    assert report["intent_accuracy"] >= MIN_INTENT_ACCURACY, "\n".join(errors)


def test_entity_value_accuracy_on_the_held_out_set(report: dict[str, Any]) -> None:
    errors = [f"{e['entity']} expected={e['expected']} got={e['got']}: {e['text']}"
              for e in report["entity_errors"]]
    assert report["entity_value_accuracy"] >= MIN_ENTITY_VALUE_ACCURACY, "\n".join(errors)


def test_every_writing_style_is_understood(report: dict[str, Any]) -> None:
    weak = {s: v for s, v in report["per_style"].items() if v["intent_accuracy"] < 0.85}
    assert not weak, weak
