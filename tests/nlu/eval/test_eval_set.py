"""The held-out evaluation set is well-formed, covers the contract, and is apart from training."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
EVAL = yaml.safe_load((ROOT / "tests/nlu/eval/utterances.yml").read_text(encoding="utf-8"))
CASES = EVAL["utterances"]
INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "help", "request_certificate",
    "request_delivery", "request_bulk_issuance", "check_status", "cancel_request", "ask_kiosk",
    "ask_fee", "ask_hours", "ask_online", "ask_delivery_eligibility", "ask_requirements",
    "human_handoff", "inform", "out_of_scope",
}
ENTITIES = {"document", "copies", "dong", "order_id", "phone_number", "birth_date", "otp_code",
            "person_name", "business_number"}
STYLES = {"polite", "casual", "elderly", "voice", "typo", "dialect", "long"}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")
NEAR_COPY_RATIO = 0.9


def squash(text: str) -> str:
    """Lower-cased text without spaces or punctuation: what a near-copy keeps."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def training_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu", []):
            if "intent" not in item:
                continue
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.append(ANNOTATION.sub(r"\1", line.strip()[2:]))
    return texts


def test_the_eval_set_has_at_least_250_utterances() -> None:
    assert len(CASES) >= 250


def test_every_case_uses_contract_names_and_string_values() -> None:
    for case in CASES:
        assert case["intent"] in INTENTS, case
        assert case["style"] in STYLES, case
        for name, value in (case.get("entities") or {}).items():
            assert name in ENTITIES, case
            assert isinstance(value, str), case


def test_every_intent_entity_and_style_is_covered() -> None:
    intents = Counter(c["intent"] for c in CASES)
    entities = Counter(e for c in CASES for e in (c.get("entities") or {}))
    styles = Counter(c["style"] for c in CASES)
    assert set(intents) == INTENTS
    assert set(entities) == ENTITIES
    assert set(styles) == STYLES
    assert min(intents.values()) >= 10


def test_no_eval_sentence_or_near_copy_is_in_the_training_data() -> None:
    train = {squash(t) for t in training_texts()}
    assert len(train) > 500, "training data not found"
    train_list = sorted(train)
    leaks: list[tuple[str, str]] = []
    for case in CASES:
        probe = squash(case["text"])
        if probe in train:
            leaks.append((case["text"], "(exact)"))
            continue
        matcher = SequenceMatcher(None, probe, autojunk=False)
        for candidate in train_list:
            if abs(len(candidate) - len(probe)) > max(3, len(probe) // 5):
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < NEAR_COPY_RATIO or matcher.quick_ratio() < NEAR_COPY_RATIO:
                continue
            if matcher.ratio() >= NEAR_COPY_RATIO:
                leaks.append((case["text"], candidate))
                break
    assert not leaks, f"{len(leaks)} eval sentences are (near) copies of training data: {leaks[:10]}"


@pytest.mark.parametrize(("a", "b"), [("등본 두 통 떼 주세요!", "등본 두통 떼주세요"),
                                      ("안녕하세요.", "안녕 하세요")])
def test_squash_treats_spacing_and_punctuation_variants_as_copies(a: str, b: str) -> None:
    assert squash(a) == squash(b)
