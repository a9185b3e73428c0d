"""The trained model understands Korean requests it was not trained on.

Two sets (scripts/evaluate_nlu.py): the development set (tests/nlu/eval/, readable, tuned against)
and the held-out set (tests/nlu/heldout/utterances.yml, written by a separate author; only
aggregate figures of it are ever shown). Issue 10 sets the bar at intent accuracy >= 0.97 and no
writing style below 0.93, and both are asserted here on the model the server runs (the full
``rasa train`` model, whose NLU is the NLU-only model's). A missing held-out set is a failure, not a skip:
CI must not pass without the honest measurement. The parse is the server's
(``bot/fast_inference.py``); the last test shows it reads sentences exactly as Rasa's own does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import fast_inference
from scripts.evaluate_nlu import (
    DEV_FILE,
    HELDOUT_FILE,
    aggregates,
    load_eval_set,
    load_parser,
    score,
)

MIN_DEV_INTENT_ACCURACY = 0.95
MIN_DEV_ENTITY_VALUE_ACCURACY = 0.95
MIN_DEV_STYLE_ACCURACY = 0.85
# The bar. Measured 2026-12-05 with two DIET seeds averaged in LinearIntentVote: intent
# 0.975 (544 of 558), weakest styles dialect 0.938, long 0.972, casual 0.972. Training is seeded
# and gave the same figures on every run on this machine.
MIN_HELDOUT_INTENT_ACCURACY = 0.97
MIN_HELDOUT_STYLE_ACCURACY = 0.93


@pytest.fixture(scope="module")
def parse(rasa_model: Path) -> Callable[[list[str]], list[dict[str, Any]]]:
    """The model, loaded once for both sets (a load is the slow part)."""
    return load_parser(rasa_model)


@pytest.fixture(scope="module")
def dev_report(parse: Callable[[list[str]], list[dict[str, Any]]]) -> dict[str, Any]:
    cases = load_eval_set(DEV_FILE)
    return score(cases, parse([c["text"] for c in cases]))


def _heldout_aggregates(parse: Callable[[list[str]], list[dict[str, Any]]]) -> dict[str, Any]:
    """Figures of the held-out set only; nothing that could show one of its sentences."""
    try:
        cases = load_eval_set(HELDOUT_FILE)
        return aggregates(score(cases, parse([c["text"] for c in cases])))
    except Exception as error:  # a traceback with locals would print the sentences
        raise RuntimeError(f"scoring the held-out set failed: {type(error).__name__}") from None


@pytest.fixture(scope="module")
def heldout_report(parse: Callable[[list[str]], list[dict[str, Any]]]) -> dict[str, Any]:
    if not HELDOUT_FILE.exists():
        pytest.fail(
            f"the held-out set {HELDOUT_FILE} does not exist yet: the NLU cannot be shown to meet "
            "the bar on text it never saw (issue 10 asks a separate author to write it)",
            pytrace=False,
        )
    return _heldout_aggregates(parse)


def test_intent_accuracy_on_the_development_set(dev_report: dict[str, Any]) -> None:
    errors = [f"{e['gold']} -> {e['predicted']}: {e['text']}" for e in dev_report["intent_errors"]]
    assert dev_report["intent_accuracy"] >= MIN_DEV_INTENT_ACCURACY, "\n".join(errors)


def test_entity_value_accuracy_on_the_development_set(dev_report: dict[str, Any]) -> None:
    errors = [f"{e['entity']} expected={e['expected']} got={e['got']}: {e['text']}"
              for e in dev_report["entity_errors"]]
    assert dev_report["entity_value_accuracy"] >= MIN_DEV_ENTITY_VALUE_ACCURACY, "\n".join(errors)


def test_every_writing_style_of_the_development_set_is_understood(
    dev_report: dict[str, Any],
) -> None:
    weak = {s: v for s, v in dev_report["per_style"].items()
            if v["intent_accuracy"] < MIN_DEV_STYLE_ACCURACY}
    assert not weak, weak


def test_intent_accuracy_on_the_held_out_set(heldout_report: dict[str, Any]) -> None:
    accuracy = heldout_report["intent_accuracy"]
    per_intent = {k: v["accuracy"] for k, v in heldout_report["per_intent"].items()}
    assert accuracy >= MIN_HELDOUT_INTENT_ACCURACY, (
        f"held-out intent accuracy {accuracy:.3f} < {MIN_HELDOUT_INTENT_ACCURACY}; "
        f"per intent {per_intent}"
    )


def test_no_writing_style_of_the_held_out_set_falls_below_the_bar(
    heldout_report: dict[str, Any],
) -> None:
    weak = {s: v["intent_accuracy"] for s, v in heldout_report["per_style"].items()
            if v["intent_accuracy"] < MIN_HELDOUT_STYLE_ACCURACY}
    assert not weak, f"styles below {MIN_HELDOUT_STYLE_ACCURACY} on the held-out set: {weak}"


def test_the_servers_faster_parse_reads_every_sentence_as_rasas_own(
    parse: Callable[[list[str]], list[dict[str, Any]]],
) -> None:
    texts = [c["text"] for c in load_eval_set(DEV_FILE)][:200]
    fast_inference.uninstall()
    try:
        rasas = parse(texts)
    finally:
        fast_inference.install()
    ours = parse(texts)
    for text, mine, theirs in zip(texts, ours, rasas):
        assert mine["intent"]["name"] == theirs["intent"]["name"], text
        assert [r["name"] for r in mine["intent_ranking"]] == [
            r["name"] for r in theirs["intent_ranking"]], text
        assert [r["confidence"] for r in mine["intent_ranking"]] == pytest.approx(
            [r["confidence"] for r in theirs["intent_ranking"]], abs=1e-6), text
        assert mine["entities"] == theirs["entities"], text
