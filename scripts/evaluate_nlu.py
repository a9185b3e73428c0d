"""Trains the NLU and scores it on the development set and on the held-out set.

Two labelled sets, same format (see tests/nlu/eval/README.md):
- development (tests/nlu/eval/utterances.yml): may be read and tuned against; its misses are
  printed with ``-v``;
- held-out (tests/nlu/heldout/utterances.yml): written by a separate author who never saw the
  training data, the rules or the tests. Only aggregate figures are ever printed or written for it
  (accuracy per intent, style and entity): never a sentence, never a miss.

Prints intent accuracy, macro F1, entity value accuracy (per entity type), accuracy per writing
style and per intent and the worst confusions per set; writes bench/results/nlu_eval.json.
``--compare`` also trains and scores every tokenizer candidate and Rasa's stock
WhitespaceTokenizer pipeline on the same sets.

Entity value accuracy is strict: correct values / (expected values + spurious contract entities),
so a parser that sprays entities is not rewarded. `method` is scored only on a set that labels it
(the development set predates the entity).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from scripts.model_cache import ROOT, ensure_model

EVAL_FILE = ROOT / "tests" / "nlu" / "eval" / "utterances.yml"
DEV_FILE = EVAL_FILE
HELDOUT_FILE = ROOT / "tests" / "nlu" / "heldout" / "utterances.yml"
SETS = {"dev": DEV_FILE, "heldout": HELDOUT_FILE}
RESULTS = ROOT / "bench" / "results"
VARIANT_DIR = ROOT / "var" / "eval-configs"
CONTRACT_ENTITIES = frozenset({
    "document", "copies", "dong", "order_id", "phone_number", "birth_date", "otp_code",
    "person_name", "business_number", "method",
})
STOCK_PIPELINE = [  # Rasa's default pipeline for a language without a tokenizer of its own
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 60, "constrain_similarities": True, "random_seed": 42},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.05},
]


def load_eval_set(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["utterances"])


def scored_entities(cases: list[dict[str, Any]]) -> frozenset[str]:
    """The contract entities a set is scored on: `method` only where the set labels it."""
    labelled = {name for case in cases for name in (case.get("entities") or {})}
    return CONTRACT_ENTITIES if "method" in labelled else CONTRACT_ENTITIES - {"method"}


def variant_config(variant: str) -> Path:
    """Writes config.yml with another tokenizer (or Rasa's stock pipeline); returns its path.

    A variant that names an existing YAML file is used as it is (for experiments).
    """
    if variant == "default":
        return ROOT / "config.yml"
    if variant.endswith((".yml", ".yaml")) and Path(variant).is_file():
        return Path(variant).resolve()
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    if variant == "whitespace":
        config["pipeline"] = STOCK_PIPELINE
    else:
        for step in config["pipeline"]:
            if step["name"].endswith("KoreanTokenizer"):
                step["analyser"] = variant
    VARIANT_DIR.mkdir(parents=True, exist_ok=True)
    path = VARIANT_DIR / f"config-{variant}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def load_parser(model: Path) -> Callable[[list[str]], list[dict[str, Any]]]:
    """Load the model once; the returned function parses a list of texts with it."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug log prints every parsed text: the held-out set's sentences must never show.
    logging.getLogger().setLevel(logging.ERROR)
    configure_structlog(logging.ERROR)
    from bot import fast_inference

    fast_inference.install()  # the server's parse (bot/rasa_server.py): its accuracy counts
    agent = Agent.load(str(model))

    def parse(texts: list[str]) -> list[dict[str, Any]]:
        async def run() -> list[dict[str, Any]]:
            return [await agent.parse_message(t) for t in texts]

        return asyncio.run(run())

    return parse


def parse_all(model: Path, texts: list[str]) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    parse = load_parser(model)
    load_s = time.perf_counter() - started
    return parse(texts), load_s


def score(
    cases: list[dict[str, Any]],
    parses: list[dict[str, Any]],
    entities: frozenset[str] | None = None,
) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    entities = scored_entities(cases) if entities is None else entities
    gold = [c["intent"] for c in cases]
    predicted = [p["intent"]["name"] for p in parses]
    before_fallback = [
        next((r["name"] for r in p.get("intent_ranking", []) if r["name"] != "nlu_fallback"),
             p["intent"]["name"])
        for p in parses
    ]
    per_entity: dict[str, Counter[str]] = defaultdict(Counter)
    per_style: dict[str, Counter[str]] = defaultdict(Counter)
    per_intent: dict[str, Counter[str]] = defaultdict(Counter)
    confusions: Counter[tuple[str, str]] = Counter()
    entity_errors: list[dict[str, Any]] = []
    for case, parse, intent in zip(cases, parses, predicted):
        expected = {k: str(v) for k, v in (case.get("entities") or {}).items() if k in entities}
        got: dict[str, set[str]] = defaultdict(set)
        for e in parse.get("entities", []):
            if e["entity"] in entities:
                got[e["entity"]].add(str(e.get("value")))
        style = case.get("style", "unknown")
        for kind, value in expected.items():
            ok = value in got.get(kind, set())
            per_entity[kind]["correct" if ok else "wrong"] += 1
            per_style[style]["entity_correct" if ok else "entity_wrong"] += 1
            if not ok:
                entity_errors.append({"text": case["text"], "entity": kind, "expected": value,
                                      "got": sorted(got.get(kind, set()))})
        for kind, values in got.items():
            spurious = len(values - ({expected[kind]} if kind in expected else set()))
            if spurious:
                per_entity[kind]["spurious"] += spurious
                per_style[style]["entity_wrong"] += spurious
                entity_errors.append({"text": case["text"], "entity": kind, "expected": None,
                                      "got": sorted(values)})
        per_style[style]["intent_correct" if intent == case["intent"] else "intent_wrong"] += 1
        per_intent[case["intent"]]["intent_correct" if intent == case["intent"] else
                                   "intent_wrong"] += 1
        if intent != case["intent"]:
            confusions[(case["intent"], intent)] += 1

    def ratio(c: Counter[str], good: str, *bad: str) -> float:
        total = c[good] + sum(c[b] for b in bad)
        return round(c[good] / total, 4) if total else 1.0

    all_entities: Counter[str] = sum(per_entity.values(), Counter())
    return {
        "utterances": len(cases),
        "intent_accuracy": round(sum(g == p for g, p in zip(gold, predicted)) / len(gold), 4),
        "intent_accuracy_before_fallback": round(
            sum(g == p for g, p in zip(gold, before_fallback)) / len(gold), 4),
        "intent_macro_f1": round(float(f1_score(gold, predicted, average="macro",
                                                zero_division=0)), 4),
        "entity_value_accuracy": ratio(all_entities, "correct", "wrong", "spurious"),
        "entity_value_recall": ratio(all_entities, "correct", "wrong"),
        "per_entity": {k: {"accuracy": ratio(c, "correct", "wrong", "spurious"), **c}
                       for k, c in sorted(per_entity.items())},
        "per_style": {k: {"intent_accuracy": ratio(c, "intent_correct", "intent_wrong"),
                          "entity_accuracy": ratio(c, "entity_correct", "entity_wrong"),
                          "n": c["intent_correct"] + c["intent_wrong"]}
                      for k, c in sorted(per_style.items())},
        "per_intent": {k: {"accuracy": ratio(c, "intent_correct", "intent_wrong"),
                           "n": c["intent_correct"] + c["intent_wrong"]}
                       for k, c in sorted(per_intent.items())},
        "worst_confusions": [{"gold": g, "predicted": p, "count": n}
                             for (g, p), n in confusions.most_common(10)],
        "intent_errors": [{"text": c["text"], "gold": c["intent"], "predicted": p}
                          for c, p in zip(cases, predicted) if c["intent"] != p],
        "entity_errors": entity_errors,
    }


def evaluate(
    variant: str, sets: dict[str, list[dict[str, Any]]], nlu_only: bool = False
) -> list[dict[str, Any]]:
    """Scores one pipeline variant on every given set; one result per set.

    The default config is scored on the full model (``rasa train``: what the server runs and
    tests/nlu/test_nlu_accuracy.py scores); the other variants, and the default with
    ``nlu_only``, on a faster ``rasa train nlu`` model of the same pipeline.
    """
    config = variant_config(variant)
    model = ensure_model(config, nlu_only=nlu_only or variant != "default")
    seconds_file = Path(str(model).replace(str(ROOT / "models"), str(
        Path(os.environ.get("MINWON_CACHE", Path.home() / ".cache" / "minwon")) / "models")
    ).removesuffix(".tar.gz") + ".train_seconds")
    results = []
    for name, cases in sets.items():
        parses, load_s = parse_all(model, [c["text"] for c in cases])
        result = score(cases, parses)
        result["variant"] = variant
        result["model"] = "nlu-only" if "-nlu-" in model.name else "full"
        result["set"] = name
        result["model_load_s"] = round(load_s, 2)
        if seconds_file.exists():
            result["train_s"] = float(seconds_file.read_text())
        results.append(result)
    return results


def print_report(r: dict[str, Any], verbose: bool) -> None:
    """Aggregates for every set; the misses only for the development set and only with -v."""
    print(f"\n=== {r['variant']} ({r.get('model', 'nlu-only')} model) on the "
          f"{r.get('set', 'dev')} set: {r['utterances']} utterances")
    print(f"intent accuracy        {r['intent_accuracy']:.3f}"
          f"  (before fallback {r['intent_accuracy_before_fallback']:.3f})")
    print(f"intent macro F1        {r['intent_macro_f1']:.3f}")
    print(f"entity value accuracy  {r['entity_value_accuracy']:.3f}"
          f"  (recall {r['entity_value_recall']:.3f})")
    for kind, c in r["per_entity"].items():
        print(f"  {kind:16s} {c['accuracy']:.3f}  correct={c.get('correct', 0)} "
              f"wrong={c.get('wrong', 0)} spurious={c.get('spurious', 0)}")
    print("per style (intent / entity accuracy):")
    for style, c in r["per_style"].items():
        print(f"  {style:10s} n={c['n']:3d}  "
              f"{c['intent_accuracy']:.3f} / {c['entity_accuracy']:.3f}")
    print("per intent (intent accuracy):")
    for intent, c in r["per_intent"].items():
        print(f"  {intent:26s} n={c['n']:3d}  {c['accuracy']:.3f}")
    print("worst confusions:")
    for c in r["worst_confusions"]:
        print(f"  {c['gold']} -> {c['predicted']}: {c['count']}")
    if verbose and r.get("set", "dev") == "dev":
        for e in r["intent_errors"]:
            print(f"  INTENT {e['gold']} -> {e['predicted']}: {e['text']}")
        for e in r["entity_errors"]:
            print(f"  ENTITY {e['entity']} expected={e['expected']} got={e['got']}: {e['text']}")


def aggregates(r: dict[str, Any]) -> dict[str, Any]:
    """What may be written down for any set: no sentence, no miss."""
    return {k: v for k, v in r.items() if k not in ("intent_errors", "entity_errors")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare", action="store_true",
                        help="also score mecab, okt, komoran and Rasa's stock whitespace pipeline")
    parser.add_argument("--variants", nargs="*", help="explicit list, e.g. default okt")
    parser.add_argument("--sets", nargs="*", choices=sorted(SETS), default=sorted(SETS),
                        help="which sets to score (default: dev and heldout)")
    parser.add_argument("--nlu-only", action="store_true",
                        help="score an NLU-only model of the default config (faster to train; "
                             "the server runs the full model)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every error of the development set (never of the held-out set)")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    variants = args.variants or (
        ["default", "mecab", "okt", "komoran", "whitespace"] if args.compare else ["default"])
    sets: dict[str, list[dict[str, Any]]] = {}
    for name in args.sets:
        if SETS[name].exists():
            sets[name] = load_eval_set(SETS[name])
        else:
            print(f"note: {SETS[name].relative_to(ROOT)} does not exist yet; {name} not scored")
    results = [r for v in variants for r in evaluate(v, sets, args.nlu_only)]
    for r in results:
        print_report(r, args.verbose)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "nlu_eval.json"
    out.write_text(json.dumps([aggregates(r) for r in results], ensure_ascii=False, indent=2),
                   encoding="utf-8")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
