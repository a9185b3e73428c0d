"""Scores an NLU config by stratified k-fold cross-validation over the training data (issue 10).

The development set has 448 sentences and the held-out set is scored by the coordinator only, so a
variant that moves one or two sentences cannot be told from DIET's seed. This harness predicts
every training example once from a model that never saw it (k folds, stratified by intent) and
the development set from each fold's model, so a variant is compared on ~3,800 + k x 448
predictions per seed.

Cost: DIET is the only expensive part. Each fold trains ``rasa train nlu`` in-process with the
pipeline up to DIETClassifier (the steps after it only judge DIET's output), then records for
every sentence DIET's intent ranking and the binary sparse sentence row that
LinearIntentVote reads. Those are cached under var/crossval/, keyed by the config's pipeline up
to DIET, the data, the seed and the fold. Everything after DIET — the logistic regression (C,
class weight), the blend weight, FallbackClassifier's thresholds and ScopeCues — is then
replayed offline in seconds, as the pipeline does it, so those settings are compared on the same
DIET outputs. A change to the featurizers, DIET or the training data needs new folds.

The folds split the intent examples only; synonyms, lookup tables and regexes stay in every fold.
Never reads the held-out set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
import yaml

from scripts.model_cache import ROOT

DEV_FILE = ROOT / "tests" / "nlu" / "eval" / "utterances.yml"
NLU_DATA = ROOT / "data" / "nlu"
CACHE = ROOT / "var" / "crossval"
DIET = "DIETClassifier"
VOTE = "LinearIntentVote"
FALLBACK = "nlu_fallback"
# Components that only run after DIET: their code does not change what a fold's DIET says.
AFTER_DIET = frozenset({"linear_intent_vote.py", "scope_cues.py", "entity_normaliser.py"})


@dataclass(frozen=True)
class Replay:
    """The settings of the steps after DIET that are replayed offline."""

    C: float = 2.0
    diet_weight: float = 0.5
    class_weight: str | None = "balanced"
    threshold: float = 0.2
    ambiguity: float = 0.01
    row_norm: str = "none"

    def label(self) -> str:
        norm = f" row_norm={self.row_norm}" if self.row_norm != "none" else ""
        return (f"C={self.C:g} w={self.diet_weight:g} cw={self.class_weight or 'none'} "
                f"fb={self.threshold:g}/{self.ambiguity:g}{norm}")


@dataclass
class FoldOutput:
    """What one fold's DIET saw and said: rows for its training, test and development texts."""

    train_rows: scipy.sparse.csr_matrix
    train_intents: list[str]
    test_index: list[int]
    test_rows: scipy.sparse.csr_matrix
    test_diet: list[dict[str, float]]
    dev_rows: scipy.sparse.csr_matrix
    dev_diet: list[dict[str, float]]


def stratified_folds(intents: list[str], k: int, split_seed: int = 0) -> list[list[int]]:
    """k disjoint test index lists, each intent spread evenly over them (deterministic)."""
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, intent in enumerate(intents):
        by_intent[intent].append(index)
    rng = np.random.default_rng(split_seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for intent in sorted(by_intent):
        indices = list(by_intent[intent])
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            folds[(position + offset) % k].append(index)
        offset += len(indices)  # small intents do not all start in fold 0
    return [sorted(f) for f in folds]


def pipeline_up_to_diet(config: dict[str, Any], seed: int, epochs: int | None) -> dict[str, Any]:
    """The config's NLU pipeline cut after DIETClassifier, with DIET's seed (and epochs) set."""
    steps: list[dict[str, Any]] = []
    for step in config["pipeline"]:
        step = dict(step)
        if step["name"] == DIET:
            step["random_seed"] = seed
            if epochs is not None:
                step["epochs"] = epochs
            steps.append(step)
            break
        steps.append(step)
    else:
        raise ValueError("the config has no DIETClassifier")
    return {"recipe": config.get("recipe", "default.v1"), "language": config["language"],
            "assistant_id": "crossval", "pipeline": steps}


def replay_settings(config: dict[str, Any]) -> Replay:
    """The config's own settings for the steps after DIET."""
    replay = Replay()
    for step in config["pipeline"]:
        if step["name"].endswith(VOTE):
            replay = Replay(C=float(step.get("C", 2.0)),
                            diet_weight=float(step.get("diet_weight", 0.5)),
                            class_weight=step.get("class_weight", "balanced"),
                            threshold=replay.threshold, ambiguity=replay.ambiguity,
                            row_norm=str(step.get("row_norm", "none")))
        if step["name"] == "FallbackClassifier":
            replay = Replay(C=replay.C, diet_weight=replay.diet_weight,
                            class_weight=replay.class_weight,
                            threshold=float(step.get("threshold", 0.3)),
                            ambiguity=float(step.get("ambiguity_threshold", 0.1)),
                            row_norm=replay.row_norm)
    return replay


def fallback(ranking: list[tuple[str, float]], threshold: float, ambiguity: float) -> str:
    """FallbackClassifier's decision on a ranking, best first."""
    if not ranking:
        return FALLBACK
    top = ranking[0][1]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return FALLBACK
    return ranking[0][0]


def decide(text: str, ranking: list[tuple[str, float]], replay: Replay) -> str:
    """The pipeline's intent after the vote's ranking: fallback, then ScopeCues."""
    from nlu.components.scope_cues import BULK_INTENT, UNPLACED, names_bulk_issuance

    intent = fallback(ranking, replay.threshold, replay.ambiguity)
    if intent in UNPLACED and names_bulk_issuance(text):
        return BULK_INTENT
    return intent


def load_training(train_only: list[Path] = []) -> tuple[Any, list[Any], list[Any]]:
    """All NLU data, the examples the folds split, and those always trained (never scored).

    Examples of the ``train_only`` files (in data/nlu/ or, for a variant not yet added, anywhere)
    are trained in every fold, so a data variant is scored on the same examples in the same
    folds as the data without it.
    """
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_DATA), language="ko")
    extra = [load_data(str(path), language="ko") for path in train_only]
    outside = [e for e, path in zip(extra, train_only)
               if NLU_DATA.resolve() not in path.resolve().parents]
    data = data.merge(*outside) if outside else data
    fixed = {(m.get("text"), m.get("intent")) for e in extra for m in e.intent_examples}
    examples = [m for m in data.intent_examples if m.get("text") and m.get("intent")]
    always = [m for m in examples if (m.get("text"), m.get("intent")) in fixed]
    return data, [m for m in examples if (m.get("text"), m.get("intent")) not in fixed], always


def load_dev() -> list[dict[str, Any]]:
    return list(yaml.safe_load(DEV_FILE.read_text(encoding="utf-8"))["utterances"])


def cache_key(
    pipeline: dict[str, Any], k: int, split_seed: int, train_only: list[Path] = []
) -> str:
    digest = hashlib.sha256(json.dumps(pipeline, sort_keys=True).encode())
    digest.update(f"{k}/{split_seed}".encode())
    code = [p for p in sorted((ROOT / "nlu").rglob("*.py")) if p.name not in AFTER_DIET]
    for path in sorted(NLU_DATA.glob("*.yml")) + train_only + code:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_fold(
    data: Any, examples: list[Any], always: list[Any], test_index: list[int],
    dev: list[dict[str, Any]], pipeline: dict[str, Any],
) -> FoldOutput:
    """Trains the pipeline up to DIET without the fold's test examples and reads its outputs."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from nlu.components.linear_intent_vote import sentence_row

    held = set(test_index)
    train = [m for i, m in enumerate(examples) if i not in held] + always
    fold_data = TrainingData(
        training_examples=train, entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features, lookup_tables=data.lookup_tables,
    )
    with tempfile.TemporaryDirectory(prefix="minwon-crossval-") as tmp:
        work = Path(tmp)
        (work / "nlu.yml").write_text(fold_data.nlu_as_yaml(), encoding="utf-8")
        (work / "config.yml").write_text(yaml.safe_dump(pipeline, allow_unicode=True),
                                         encoding="utf-8")
        os.environ["RASA_CACHE_DIRECTORY"] = str(work / "rasa-cache")
        model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "out"),
                          fixed_model_name="fold")
        assert model, "rasa train nlu produced no model"
        agent = Agent.load(model)
    processor = agent.processor
    assert processor is not None
    node = next(n for n in processor.model_metadata.predict_schema.nodes if DIET in n)

    def parse(texts: list[str]) -> tuple[scipy.sparse.csr_matrix, list[dict[str, float]]]:
        rows, rankings = [], []
        for start in range(0, len(texts), 256):
            batch = [UserMessage(t) for t in texts[start:start + 256]]
            messages = processor.graph_runner.run(
                inputs={PLACEHOLDER_MESSAGE: batch}, targets=[node])[node]
            for message in messages:
                rows.append(sentence_row(message))
                rankings.append({r["name"]: float(r["confidence"])
                                 for r in message.get("intent_ranking") or []})
        width = max(r.shape[1] for r in rows)
        return scipy.sparse.vstack([_widen(r, width) for r in rows]).tocsr(), rankings

    train_rows, _ = parse([m.get("text") for m in train])
    test_rows, test_diet = parse([examples[i].get("text") for i in test_index])
    dev_rows, dev_diet = parse([c["text"] for c in dev])
    return FoldOutput(train_rows, [m.get("intent") for m in train], list(test_index),
                      test_rows, test_diet, dev_rows, dev_diet)


def _widen(row: scipy.sparse.csr_matrix, width: int) -> scipy.sparse.csr_matrix:
    if row.shape[1] == width:
        return row
    return scipy.sparse.csr_matrix((row.data, row.indices, row.indptr), shape=(1, width))


def collect(
    config_path: Path, seeds: list[int], k: int, split_seed: int, epochs: int | None,
    only_folds: int | None = None, train_only: list[Path] = [],
) -> dict[int, list[FoldOutput]]:
    """Every seed's fold outputs, trained now or read from the cache."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data, examples, always = load_training(train_only)
    dev = load_dev()
    folds = stratified_folds([m.get("intent") for m in examples], k, split_seed)
    outputs: dict[int, list[FoldOutput]] = {}
    for seed in seeds:
        pipeline = pipeline_up_to_diet(config, seed, epochs)
        key = cache_key(pipeline, k, split_seed, train_only)
        outputs[seed] = []
        for number, test_index in enumerate(folds[:only_folds]):
            cached = CACHE / f"{key}-seed{seed}-fold{number}of{k}.pkl"
            if not cached.exists():
                output = run_fold(data, examples, always, test_index, dev, pipeline)
                CACHE.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(pickle.dumps(output))
                print(f"  trained seed {seed} fold {number + 1}/{k} -> {cached.name}", flush=True)
            outputs[seed].append(pickle.loads(cached.read_bytes()))
    return outputs


def linear_model(rows: scipy.sparse.csr_matrix, intents: list[str], replay: Replay) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=replay.C, max_iter=1000,
                              class_weight=replay.class_weight).fit(normed(rows, replay), intents)


def normed(rows: scipy.sparse.csr_matrix, replay: Replay) -> scipy.sparse.csr_matrix:
    """The rows as LinearIntentVote's regression reads them."""
    from nlu.components.linear_intent_vote import scaled

    return scaled(rows, replay.row_norm)


def vote(
    diet: list[dict[str, float]], model: Any, rows: scipy.sparse.csr_matrix, weight: float
) -> list[list[tuple[str, float]]]:
    from nlu.components.linear_intent_vote import blend

    probabilities = model.predict_proba(rows)
    classes = [str(c) for c in model.classes_]
    return [blend(d, dict(zip(classes, p)), weight) for d, p in zip(diet, probabilities)]


@dataclass
class Tally:
    correct: Counter[str]
    total: Counter[str]
    confusions: Counter[tuple[str, str]]

    @classmethod
    def empty(cls) -> Tally:
        return cls(Counter(), Counter(), Counter())

    def add(self, gold: str, predicted: str) -> None:
        self.total[gold] += 1
        if gold == predicted:
            self.correct[gold] += 1
        else:
            self.confusions[(gold, predicted)] += 1

    def accuracy(self, intent: str | None = None) -> float:
        if intent is None:
            return sum(self.correct.values()) / max(1, sum(self.total.values()))
        return self.correct[intent] / max(1, self.total[intent])

    def macro(self) -> float:
        """Mean of the per-intent accuracies: every intent counts alike, however many examples."""
        return float(np.mean([self.accuracy(i) for i in self.total])) if self.total else 0.0

    def weighted(self, mix: Counter[str]) -> float:
        """Per-intent accuracies weighted by another set's intent mix (the development set's)."""
        shared = [i for i in mix if self.total[i]]
        total = sum(mix[i] for i in shared)
        return sum(self.accuracy(i) * mix[i] for i in shared) / total if total else 0.0

    def misses(self) -> int:
        return sum(self.total.values()) - sum(self.correct.values())


def score(
    outputs: list[FoldOutput], examples: list[Any], dev: list[dict[str, Any]],
    replays: list[Replay],
) -> dict[Replay, tuple[Tally, Tally]]:
    """Cross-validation and development tallies of one seed's folds for each replay setting.

    One regression is fitted per fold and (C, class weight); blend weights and fallback
    thresholds reuse it.
    """
    results = {r: (Tally.empty(), Tally.empty()) for r in replays}
    fits: dict[tuple[float, str | None, str], list[Any]] = {}
    for replay in replays:
        fit_key = (replay.C, replay.class_weight, replay.row_norm)
        if fit_key not in fits:
            fits[fit_key] = [linear_model(o.train_rows, o.train_intents, replay) for o in outputs]
        cv, dev_tally = results[replay]
        for output, model in zip(outputs, fits[fit_key]):
            width = model.coef_.shape[1]
            test_rankings = vote(output.test_diet, model,
                                 normed(_cut(output.test_rows, width), replay), replay.diet_weight)
            for index, ranking in zip(output.test_index, test_rankings):
                example = examples[index]
                cv.add(example.get("intent"), decide(example.get("text"), ranking, replay))
            dev_rankings = vote(output.dev_diet, model,
                                normed(_cut(output.dev_rows, width), replay), replay.diet_weight)
            for case, ranking in zip(dev, dev_rankings):
                dev_tally.add(case["intent"], decide(case["text"], ranking, replay))
    return results


def _cut(rows: scipy.sparse.csr_matrix, width: int) -> scipy.sparse.csr_matrix:
    """Rows as wide as the regression's training rows (a featurizer's width is fixed per fold)."""
    if rows.shape[1] == width:
        return rows
    rows = rows.tocsc()[:, :width] if rows.shape[1] > width else scipy.sparse.hstack(
        [rows, scipy.sparse.csr_matrix((rows.shape[0], width - rows.shape[1]))])
    return rows.tocsr()


def parse_replays(specs: list[str], base: Replay) -> list[Replay]:
    """``C=1,diet_weight=0.4`` style overrides of the config's own settings; base comes first."""
    replays = [base]
    for spec in specs:
        values: dict[str, Any] = dict(base.__dict__)
        for part in spec.split(","):
            name, _, raw = part.partition("=")
            if name == "class_weight":
                values[name] = None if raw in ("none", "") else raw
            elif name == "row_norm":
                values[name] = raw
            else:
                values[name] = float(raw)
        replays.append(Replay(**values))
    return list(dict.fromkeys(replays))


def report(label: str, per_seed: dict[int, tuple[Tally, Tally]], detail: bool) -> None:
    seeds = sorted(per_seed)
    cv = " ".join(f"{per_seed[s][0].accuracy():.4f}({per_seed[s][0].misses()})" for s in seeds)
    dev = " ".join(f"{per_seed[s][1].accuracy():.4f}" for s in seeds)
    mean_cv = np.mean([per_seed[s][0].accuracy() for s in seeds])
    mean_dev = np.mean([per_seed[s][1].accuracy() for s in seeds])
    macro = np.mean([per_seed[s][0].macro() for s in seeds])
    # the cross-validation as if its intents came in the development set's mix
    as_dev = np.mean([per_seed[s][0].weighted(per_seed[s][1].total) for s in seeds])
    print(f"{label:48s} cv {mean_cv:.4f} [{cv}] macro {macro:.4f} dev-mix {as_dev:.4f}"
          f"  dev {mean_dev:.4f} [{dev}]")
    if not detail:
        return
    total_cv, total_dev = Tally.empty(), Tally.empty()
    for s in seeds:
        for tally, into in ((per_seed[s][0], total_cv), (per_seed[s][1], total_dev)):
            into.correct.update(tally.correct)
            into.total.update(tally.total)
            into.confusions.update(tally.confusions)
    print("  per intent (cv / dev, all seeds):")
    for intent in sorted(total_cv.total):
        print(f"    {intent:26s} n={total_cv.total[intent]:5d} {total_cv.accuracy(intent):.3f}"
              f"  dev n={total_dev.total[intent]:4d} {total_dev.accuracy(intent):.3f}")
    print("  confusions, gold -> predicted (cv + dev, all seeds):")
    both = total_cv.confusions + total_dev.confusions
    for (gold, predicted), count in both.most_common(20):
        print(f"    {gold} -> {predicted}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only-folds", type=int, help="train and score the first N folds only")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, help="override DIET's epochs")
    parser.add_argument("--replay", nargs="*", default=[],
                        help="extra settings after DIET, e.g. C=1 diet_weight=0.4,C=4 "
                             "class_weight=none threshold=0.2 C=32,row_norm=l2")
    parser.add_argument("--train-only", type=Path, nargs="*", default=[],
                        help="data files trained in every fold and never scored (data variants)")
    parser.add_argument("--detail", action="store_true", help="per intent and confusions")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    outputs = collect(args.config, args.seeds, args.folds, args.split_seed, args.epochs,
                      args.only_folds, args.train_only)
    _, examples, _ = load_training(args.train_only)
    dev = load_dev()
    replays = parse_replays(args.replay, replay_settings(config))
    per_replay: dict[Replay, dict[int, tuple[Tally, Tally]]] = defaultdict(dict)
    for seed, fold_outputs in outputs.items():
        for replay, tallies in score(fold_outputs, examples, dev, replays).items():
            per_replay[replay][seed] = tallies
    epochs = f", epochs {args.epochs}" if args.epochs else ""
    print(f"\n{args.config.name}: {args.folds} folds{epochs}; accuracy (misses) per seed "
          f"{args.seeds}")
    for index, replay in enumerate(replays):
        report(("* " if index == 0 else "  ") + replay.label(), per_replay[replay],
               args.detail and index == 0)


if __name__ == "__main__":
    main()
