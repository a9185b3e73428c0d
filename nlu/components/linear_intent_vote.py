"""A second, linear opinion on the intent, averaged with DIET's.

One DIET training varies by several points of held-out accuracy with its random initialisation
(README "Korean NLU"): its misses on text it never saw are partly chance. A logistic regression on
the same sparse sentence features (every featurizer's columns, as present/absent) is trained to
its optimum, so it is the same every time, and it errs on other sentences than DIET does. This
component, placed right after DIETClassifier, fits that regression and replaces the message's
intent and ranking by the weighted mean of the two probability distributions (`diet_weight` for
DIET's). DIET's entities are untouched. FallbackClassifier then judges the averaged confidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.intent_ranking_stash import stashed_rankings

WEIGHTS_FILE = "linear_intent_vote.npz"


def sentence_row(message: Message, width: int | None = None) -> scipy.sparse.csr_matrix:
    """The message's sparse sentence features as one binary row (present / absent)."""
    features = message.get_sparse_features(TEXT)[1]
    if features is None:
        return scipy.sparse.csr_matrix((1, width or 0), dtype=np.float32)
    row = scipy.sparse.csr_matrix(features.features, dtype=np.float32)
    row.data[:] = 1.0
    return row


def scaled(rows: scipy.sparse.csr_matrix, row_norm: str) -> scipy.sparse.csr_matrix:
    """The binary rows as the regression reads them: as they are, or each of unit length.

    With ``l2`` a long message's many present features weigh no more in total than a short
    one's, so a long message is not read as confidently as its length alone would make it.
    """
    if row_norm == "l2":
        from sklearn.preprocessing import normalize

        return normalize(rows, norm="l2")
    return rows


def blend(
    diet: dict[str, float], linear: dict[str, float], diet_weight: float
) -> list[tuple[str, float]]:
    """Weighted mean of two intent distributions, best first (an intent one lacks counts 0)."""
    names = set(diet) | set(linear)
    mixed = {n: diet_weight * diet.get(n, 0.0) + (1 - diet_weight) * linear.get(n, 0.0)
             for n in names}
    return sorted(mixed.items(), key=lambda item: -item[1])


def mean_ranking(rankings: list[list[dict[str, Any]]]) -> dict[str, float]:
    """Each intent's mean confidence over the rankings (an intent a ranking lacks counts 0)."""
    rankings = [r for r in rankings if r]
    total: dict[str, float] = {}
    for ranking in rankings:
        for r in ranking:
            name = r[INTENT_NAME_KEY]
            total[name] = total.get(name, 0.0) + float(r[PREDICTED_CONFIDENCE_KEY])
    return {name: value / len(rankings) for name, value in total.items()}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentVote(IntentClassifier, GraphComponent):
    """Logistic regression on binary sentence features, averaged with the intent before it."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 2.0, "diet_weight": 0.5, "max_iter": 1000, "ranking_length": 10,
                "class_weight": "balanced", "row_norm": "none"}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not 0.0 <= float(config.get("diet_weight", 0.5)) <= 1.0:
            raise ValueError("LinearIntentVote needs 0 <= diet_weight <= 1")
        if config.get("class_weight", "balanced") not in ("balanced", None):
            raise ValueError("LinearIntentVote's class_weight is balanced or null")
        if config.get("row_norm", "none") not in ("none", "l2"):
            raise ValueError("LinearIntentVote's row_norm is none or l2")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentVote:
        cls.validate_config(config)
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentVote:
        try:
            with model_storage.read_from(resource) as path:
                with np.load(path / WEIGHTS_FILE, allow_pickle=False) as stored:
                    weights = {k: stored[k] for k in stored.files}
        except (ValueError, FileNotFoundError):  # not trained: the intent stays DIET's
            weights = None
        return cls(config, model_storage, resource, weights)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource
        x = scipy.sparse.vstack([sentence_row(e) for e in examples]).tocsr()
        y = [e.get(INTENT) for e in examples]
        model = LogisticRegression(
            C=float(self._config["C"]), max_iter=int(self._config["max_iter"]),
            class_weight=self._config["class_weight"],
        ).fit(scaled(x, str(self._config["row_norm"])), y)
        self._weights = {
            "coef": model.coef_.astype(np.float32),
            "intercept": model.intercept_.astype(np.float32),
            "classes": np.array([str(c) for c in model.classes_]),
        }
        with self._model_storage.write_to(self._resource) as path:
            np.savez(path / WEIGHTS_FILE, **self._weights)
        return self._resource

    def _linear(self, message: Message) -> dict[str, float]:
        assert self._weights is not None
        coef, intercept = self._weights["coef"], self._weights["intercept"]
        row = sentence_row(message, coef.shape[1])
        if row.shape[1] != coef.shape[1]:
            return {}
        row = scaled(row, str(self._config["row_norm"]))
        scores = np.asarray(row @ coef.T).ravel() + intercept
        if scores.size == 1:  # two intents: one logit, for the second class (as sklearn does)
            scores = np.array([0.0, scores[0]])
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {str(c): float(p) for c, p in zip(self._weights["classes"], scores)}

    def process(self, messages: list[Message]) -> list[Message]:
        weight = float(self._config["diet_weight"])
        length = int(self._config["ranking_length"])
        for message in messages:
            if not message.get(TEXT):
                continue
            diet = mean_ranking([*stashed_rankings(message), message.get(INTENT_RANKING_KEY) or []])
            # without a regression to ask (untrained, or features of another width) the DIETs'
            # mean alone decides, rather than the last DIET's ranking
            linear = self._linear(message) if self._weights is not None else {}
            mixed = blend(diet, linear, weight) if linear else blend(diet, {}, 1.0)
            if not mixed:
                continue
            ranking = [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p} for n, p in mixed]
            if length > 0:
                ranking = ranking[:length]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
