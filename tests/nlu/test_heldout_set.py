"""The held-out set stays held out: no sentence of it, or a near copy, anywhere the NLU learns from.

tests/nlu/heldout/utterances.yml is written by a separate author who never sees the training
data, the rules or the tests. These tests fail when one of its sentences (or a near copy: the
same text once spaces and punctuation are dropped, or >= 0.9 similar, the method of
tests/nlu/eval/test_eval_set.py) appears in the training data (data/nlu/), in the rules (nlu/) or
in any test (tests/, apart from the held-out set's own folder). Sentences shorter than eight
letters and digits ("네 맞아요") are not checked. A failure names the sentence's index in the set
and the file it was found in, never the sentence: reading it would end its use.
A missing held-out set fails too.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from scripts.evaluate_nlu import HELDOUT_FILE, load_eval_set
from tests.nlu.eval.test_eval_set import (
    ENTITIES,
    INTENTS,
    NEAR_COPY_RATIO,
    STYLES,
    squash,
    training_texts,
)

ROOT = Path(__file__).resolve().parents[2]
MIN_UTTERANCES = 400
# Short conversation moves ("안녕하세요", "네 맞아요", "감사합니다") have only so many spellings:
# a sentence this short (squashed) is the same wherever two people write it, so it is not checked.
MIN_CHECKED_CHARS = 8
# A held-out sentence inside a longer string counts as copied once it is this long (squashed);
# shorter ones ("네", "등본이요") are inside countless ordinary strings.
MIN_CONTAINED_CHARS = 10
SEARCHED = ("data/nlu", "nlu", "tests")
SUFFIXES = {".py", ".yml", ".yaml", ".json", ".md", ".txt"}


class Sealed(list[str]):
    """The held-out sentences; its repr (in a failure report) shows only how many there are."""

    def __repr__(self) -> str:
        return f"<held-out set: {len(self)} sentences>"


@pytest.fixture(scope="module")
def heldout() -> Sealed:
    if not HELDOUT_FILE.exists():
        pytest.fail(f"the held-out set {HELDOUT_FILE} does not exist yet", pytrace=False)
    try:
        return Sealed(squash(str(case["text"])) for case in load_eval_set(HELDOUT_FILE))
    except Exception as error:
        raise RuntimeError(f"the held-out set cannot be read: {type(error).__name__}") from None


def heldout_counts() -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """(utterances, intents, styles, entities) of the held-out set: counts only."""
    try:
        cases = load_eval_set(HELDOUT_FILE)
        return (
            len(cases),
            Counter(str(c["intent"]) for c in cases),
            Counter(str(c.get("style")) for c in cases),
            Counter(str(e) for c in cases for e in (c.get("entities") or {})),
        )
    except Exception as error:
        raise RuntimeError(f"the held-out set cannot be read: {type(error).__name__}") from None


def _strings_in_python(source: str) -> Iterator[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        yield source
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
    yield from (m.group(1) for m in re.finditer(r"#(.*)$", source, re.MULTILINE))


def _strings_in_data(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        yield from value.splitlines()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in_data(key)
            yield from _strings_in_data(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in_data(item)


def _strings_in_file(path: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        yield from _strings_in_python(text)
    elif path.suffix in {".yml", ".yaml"}:
        try:
            yield from _strings_in_data(yaml.safe_load(text))
        except yaml.YAMLError:
            pass
    elif path.suffix == ".json":
        try:
            yield from _strings_in_data(json.loads(text))
        except json.JSONDecodeError:
            pass
    yield from text.splitlines()


def searched_files() -> list[Path]:
    files = []
    for folder in SEARCHED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            # The held-out set's own folder (its file, and any note its author keeps there).
            if path.resolve().is_relative_to(HELDOUT_FILE.parent.resolve()):
                continue
            if "__pycache__" in path.parts:
                continue
            files.append(path)
    return files


def _is_near_copy(probe: str, candidate: str, matcher: SequenceMatcher) -> bool:
    if abs(len(candidate) - len(probe)) > max(3, len(probe) // 5):
        return False
    matcher.set_seq1(candidate)
    return (matcher.real_quick_ratio() >= NEAR_COPY_RATIO
            and matcher.quick_ratio() >= NEAR_COPY_RATIO
            and matcher.ratio() >= NEAR_COPY_RATIO)


def find_leaks(
    heldout: list[str], files: list[Path], *, training: bool = True
) -> list[tuple[int, str]]:
    """(index in the held-out set, file) for every held-out sentence found in `files`."""
    where: dict[str, str] = {}
    for path in files:
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        for string in _strings_in_file(path):
            key = squash(string)
            if key:
                where.setdefault(key, name)
    if training:  # training examples as Rasa reads them (annotations dropped)
        for text in training_texts():
            where.setdefault(squash(text), "data/nlu (training examples)")
    by_length: dict[int, list[str]] = {}
    for key in where:
        by_length.setdefault(len(key), []).append(key)
    long_strings = [k for k in where if len(k) >= MIN_CONTAINED_CHARS]
    leaks: list[tuple[int, str]] = []
    for index, probe in enumerate(heldout):
        if len(probe) < MIN_CHECKED_CHARS:
            continue
        if probe in where:
            leaks.append((index, where[probe]))
            continue
        matcher = SequenceMatcher(None, probe, autojunk=False)
        slack = max(3, len(probe) // 5)
        near = next((k for n in range(len(probe) - slack, len(probe) + slack + 1)
                     for k in by_length.get(n, []) if _is_near_copy(probe, k, matcher)), None)
        if near is None and len(probe) >= MIN_CONTAINED_CHARS:
            near = next((k for k in long_strings if len(k) > len(probe) and probe in k), None)
        if near is not None:
            leaks.append((index, where[near]))
    return leaks


def test_no_held_out_sentence_or_near_copy_is_in_training_data_rules_or_tests(
    heldout: Sealed,
) -> None:
    leaks = find_leaks(heldout, searched_files())
    assert not leaks, (
        f"{len(leaks)} held-out sentences (by index) are copied or nearly copied in: "
        + ", ".join(f"#{index} in {path}" for index, path in leaks[:30])
    )


def test_the_leak_search_finds_a_copy_a_near_copy_and_a_contained_copy(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'CASES = ["등본 두 통 떼 주세요!", "발급기에서 인감도 떼지나요"]\n'
        "# 무인민원발급기 위치를 알려 주세요 그리고 몇 시까지 하나요\n",
        encoding="utf-8",
    )
    probes = [squash(t) for t in ("등본 두통 떼주세요", "발급기에서 인감도 떼지나요?",
                                  "무인민원발급기 위치를 알려 주세요", "전혀 다른 문장입니다",
                                  "네")]
    found = {index for index, _ in find_leaks(probes, [source], training=False)}
    assert found == {0, 1, 2}


def test_the_held_out_set_covers_every_intent_style_and_entity(heldout: Sealed) -> None:
    utterances, intents, styles, entities = heldout_counts()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    known_intents = set(domain["intents"])
    assert utterances >= MIN_UTTERANCES, utterances
    assert INTENTS <= set(intents), sorted(INTENTS - set(intents))
    assert set(intents) <= known_intents, sorted(set(intents) - known_intents)
    assert set(styles) == STYLES, sorted(set(styles) ^ STYLES)
    assert set(entities) <= ENTITIES | {"method"}, sorted(set(entities) - ENTITIES - {"method"})
    assert "method" in entities
