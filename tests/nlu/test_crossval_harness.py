"""The cross-validation harness (scripts/nlu_crossval.py) scores what the pipeline would decide.

No training here: the folds, the cut pipeline and the offline replay of the steps after DIET
(regression vote, FallbackClassifier, ScopeCues) are checked on small inputs.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse

from scripts.nlu_crossval import (
    FALLBACK,
    FoldOutput,
    Replay,
    decide,
    parse_replays,
    pipeline_up_to_diet,
    replay_settings,
    score,
    stratified_folds,
)

CONFIG = {
    "language": "ko",
    "pipeline": [
        {"name": "nlu.components.korean_tokenizer.KoreanTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "DIETClassifier", "epochs": 25, "random_seed": 42},
        {"name": "nlu.components.linear_intent_vote.LinearIntentVote", "C": 1.0,
         "diet_weight": 0.4, "class_weight": None},
        {"name": "FallbackClassifier", "threshold": 0.2, "ambiguity_threshold": 0.01},
        {"name": "nlu.components.scope_cues.ScopeCues"},
    ],
}


def test_every_example_is_tested_once_and_each_intent_is_spread_over_the_folds() -> None:
    intents = ["check_status"] * 10 + ["ask_fee"] * 5 + ["otp_not_received"] * 3
    folds = stratified_folds(intents, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(len(intents)))
    for fold in folds:
        counts = Counter(intents[i] for i in fold)
        assert counts["check_status"] == 2 and counts["ask_fee"] == 1
    assert stratified_folds(intents, 5) == folds  # the same folds for every variant


def test_the_folds_train_the_pipeline_up_to_diet_with_the_seed_asked_for() -> None:
    cut = pipeline_up_to_diet(CONFIG, seed=7, epochs=10)
    assert [s["name"] for s in cut["pipeline"]][-1] == "DIETClassifier"
    assert cut["pipeline"][-1]["random_seed"] == 7 and cut["pipeline"][-1]["epochs"] == 10
    assert CONFIG["pipeline"][2]["random_seed"] == 42  # the config itself is left alone


def test_the_replay_reads_the_configs_own_settings_and_overrides_them() -> None:
    base = replay_settings(CONFIG)
    assert base == Replay(C=1.0, diet_weight=0.4, class_weight=None, threshold=0.2,
                          ambiguity=0.01)
    replays = parse_replays(["C=4,class_weight=balanced", "diet_weight=0.4"], base)
    assert replays == [base, Replay(C=4.0, diet_weight=0.4, class_weight="balanced",
                                    threshold=0.2, ambiguity=0.01)]


def test_a_weak_or_tied_best_intent_falls_back_and_a_named_bulk_counter_is_cued() -> None:
    replay = Replay(threshold=0.2, ambiguity=0.01)
    assert decide("뭐요", [("inform", 0.15), ("deny", 0.1)], replay) == FALLBACK
    assert decide("뭐요", [("inform", 0.40), ("deny", 0.395)], replay) == FALLBACK
    assert decide("대량 발급 예약할게요", [("out_of_scope", 0.6)], replay) == \
        "request_bulk_issuance"
    assert decide("대량 발급 예약 어떻게 됐어요", [("check_status", 0.6)], replay) == \
        "check_status"


def test_a_fold_is_scored_on_its_unseen_examples_with_diet_and_the_regression_averaged() -> None:
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    def rows(columns: list[list[int]]) -> scipy.sparse.csr_matrix:
        dense = np.zeros((len(columns), 4), dtype=np.float32)
        for row, cols in enumerate(columns):
            dense[row, cols] = 1.0
        return scipy.sparse.csr_matrix(dense)

    examples = [Message({TEXT: "조회요", INTENT: "check_status"}),
                Message({TEXT: "취소요", INTENT: "cancel_request"})]
    fold = FoldOutput(
        train_rows=rows([[0], [0, 3], [1], [1, 3]] * 3),
        train_intents=["check_status", "check_status", "cancel_request", "cancel_request"] * 3,
        test_index=[0, 1],
        test_rows=rows([[0], [1]]),
        # DIET is unsure of the first and wrong on the second; the regression is clear on both
        test_diet=[{"check_status": 0.5, "cancel_request": 0.5},
                   {"check_status": 0.55, "cancel_request": 0.45}],
        dev_rows=rows([[0]]),
        dev_diet=[{"check_status": 0.9, "cancel_request": 0.1}],
    )
    dev = [{"text": "접수한 거 어떻게 됐어요", "intent": "check_status"}]
    diet_only, voted = Replay(diet_weight=1.0, C=10.0), Replay(diet_weight=0.3, C=10.0)
    tallies = score([fold], examples, dev, [diet_only, voted])
    cv, dev_tally = tallies[diet_only]
    assert cv.misses() == 2  # a 0.5/0.5 tie falls back; the second is DIET's wrong guess
    assert cv.macro() == 0.0
    cv, dev_tally = tallies[voted]
    assert cv.misses() == 0 and cv.accuracy() == 1.0 and cv.macro() == 1.0
    assert dev_tally.accuracy("check_status") == 1.0
    # weighted by the development set's mix (check_status only), the regression's cv is perfect
    assert cv.weighted(dev_tally.total) == 1.0
    assert tallies[diet_only][0].weighted(Counter({"check_status": 3, "cancel_request": 1})) == 0.0
