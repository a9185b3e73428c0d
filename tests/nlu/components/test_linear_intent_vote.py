"""A linear classifier's opinion is averaged with DIET's, so one unlucky DIET guess is outvoted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.intent_ranking_stash import IntentRankingStash
from nlu.components.linear_intent_vote import LinearIntentVote, blend, mean_ranking, scaled

# Columns stand for featurizer columns: 0-1 say "status", 2-3 say "cancel", 4 is background.
WIDTH = 5


def _message(text: str, columns: list[int], intent: str | None = None) -> Message:
    message = Message({TEXT: text, **({INTENT: intent} if intent else {})})
    row = scipy.sparse.coo_matrix(
        (np.ones(len(columns)), ([0] * len(columns), columns)), shape=(1, WIDTH)
    )
    message.add_features(Features(row, FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return message


def _diet_said(message: Message, ranking: dict[str, float]) -> Message:
    ordered = sorted(ranking.items(), key=lambda item: -item[1])
    message.set(INTENT, {INTENT_NAME_KEY: ordered[0][0], PREDICTED_CONFIDENCE_KEY: ordered[0][1]})
    message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p}
                                     for n, p in ordered])
    return message


def _training() -> TrainingData:
    return TrainingData([
        *[_message(f"status {i}", [0, 1, 4] if i % 2 else [0], "check_status") for i in range(6)],
        *[_message(f"cancel {i}", [2, 3, 4] if i % 2 else [3], "cancel_request") for i in range(6)],
    ])


def _vote(tmp_path: Path, **config: float) -> LinearIntentVote:
    context = ExecutionContext(GraphSchema({}), node_name="vote")
    full = {**LinearIntentVote.get_default_config(), **config}
    return LinearIntentVote.create(full, LocalModelStorage(tmp_path), Resource("vote"), context)


def test_blend_is_the_weighted_mean_best_first() -> None:
    mixed = blend({"a": 0.6, "b": 0.4}, {"a": 0.2, "b": 0.7, "c": 0.1}, 0.5)
    assert [name for name, _ in mixed] == ["b", "a", "c"]
    assert dict(mixed) == {"a": 0.4, "b": 0.55, "c": 0.05}


def test_a_weak_diet_guess_is_outvoted_by_clear_words(tmp_path: Path) -> None:
    vote = _vote(tmp_path, C=10.0)
    vote.train(_training())
    message = _diet_said(_message("그거 어떻게 됐어요", [0, 1]),
                         {"cancel_request": 0.55, "check_status": 0.45})
    vote.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "check_status"
    ranking = message.get(INTENT_RANKING_KEY)
    assert [r[INTENT_NAME_KEY] for r in ranking] == ["check_status", "cancel_request"]
    assert abs(sum(r[PREDICTED_CONFIDENCE_KEY] for r in ranking) - 1.0) < 1e-6


def test_a_confident_diet_keeps_its_intent_where_the_words_are_unclear(tmp_path: Path) -> None:
    vote = _vote(tmp_path)
    vote.train(_training())
    message = _diet_said(_message("음", [4]), {"cancel_request": 0.95, "check_status": 0.05})
    vote.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "cancel_request"


def test_the_trained_weights_are_loaded_back(tmp_path: Path) -> None:
    vote = _vote(tmp_path, C=10.0)
    vote.train(_training())
    context = ExecutionContext(GraphSchema({}), node_name="vote")
    loaded = LinearIntentVote.load({**LinearIntentVote.get_default_config(), "C": 10.0},
                                   LocalModelStorage(tmp_path), Resource("vote"), context)
    first = _diet_said(_message("x", [2, 3]), {"check_status": 0.6, "cancel_request": 0.4})
    second = _diet_said(_message("x", [2, 3]), {"check_status": 0.6, "cancel_request": 0.4})
    vote.process([first])
    loaded.process([second])
    assert first.get(INTENT_RANKING_KEY) == second.get(INTENT_RANKING_KEY)
    assert second.get(INTENT)[INTENT_NAME_KEY] == "cancel_request"


def test_untrained_it_leaves_diets_intent_alone(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), node_name="vote")
    loaded = LinearIntentVote.load(LinearIntentVote.get_default_config(),
                                   LocalModelStorage(tmp_path), Resource("vote"), context)
    message = _diet_said(_message("x", [0]), {"cancel_request": 0.7, "check_status": 0.3})
    loaded.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "cancel_request"


def test_long_rows_are_scaled_to_unit_length_when_asked() -> None:
    rows = scipy.sparse.csr_matrix(np.array([[1, 1, 1, 1, 0], [1, 0, 0, 0, 0]], np.float32))
    unit = scaled(rows, "l2").toarray()
    assert np.allclose(np.linalg.norm(unit, axis=1), 1.0)
    assert np.allclose(unit[0, :4], 0.5)
    assert scaled(rows, "none") is rows


def test_unweighted_classes_and_unit_rows_still_outvote_a_weak_diet(tmp_path: Path) -> None:
    vote = _vote(tmp_path, C=50.0, class_weight=None, row_norm="l2")  # type: ignore[arg-type]
    vote.train(_training())
    message = _diet_said(_message("그거 어떻게 됐어요", [0, 1]),
                         {"cancel_request": 0.55, "check_status": 0.45})
    vote.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "check_status"
    ranking = message.get(INTENT_RANKING_KEY)
    assert abs(sum(r[PREDICTED_CONFIDENCE_KEY] for r in ranking) - 1.0) < 1e-6


def test_a_misspelt_setting_stops_the_training_instead_of_being_ignored(tmp_path: Path) -> None:
    for wrong in ({"class_weight": "balance"}, {"row_norm": "l1"}, {"diet_weight": 1.5}):
        with pytest.raises(ValueError):
            _vote(tmp_path, **wrong)  # type: ignore[arg-type]


def test_two_diets_disagreeing_are_averaged_before_the_vote(tmp_path: Path) -> None:
    vote = _vote(tmp_path, C=10.0, diet_weight=1.0)  # DIETs only: the average alone decides
    vote.train(_training())
    message = _diet_said(_message("그거요", [4]), {"cancel_request": 0.9, "check_status": 0.1})
    IntentRankingStash().process([message])
    _diet_said(message, {"cancel_request": 0.2, "check_status": 0.8})  # the second DIET
    vote.process([message])
    ranking = {r[INTENT_NAME_KEY]: r[PREDICTED_CONFIDENCE_KEY]
               for r in message.get(INTENT_RANKING_KEY)}
    assert ranking == pytest.approx({"cancel_request": 0.55, "check_status": 0.45})
    assert message.get(INTENT)[INTENT_NAME_KEY] == "cancel_request"


def test_mean_ranking_counts_an_intent_a_ranking_lacks_as_zero() -> None:
    def r(**p: float) -> list[dict[str, object]]:
        return [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: v} for n, v in p.items()]

    assert mean_ranking([r(a=0.6, b=0.4), r(a=0.2, c=0.8), []]) == pytest.approx(
        {"a": 0.4, "b": 0.2, "c": 0.4})


def test_untrained_two_diets_are_still_averaged(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), node_name="vote")
    loaded = LinearIntentVote.load(LinearIntentVote.get_default_config(),
                                   LocalModelStorage(tmp_path), Resource("vote"), context)
    message = _diet_said(_message("그거요", [4]), {"cancel_request": 0.9, "check_status": 0.1})
    IntentRankingStash().process([message])
    _diet_said(message, {"cancel_request": 0.2, "check_status": 0.8})
    loaded.process([message])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "cancel_request"
