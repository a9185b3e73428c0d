"""Character n-grams of whole space-separated words (eojeol), across morpheme boundaries.

The tokenizer cuts "떼줘유" into 떼 + 어 + 주 + 어유, and the char n-gram featurizer counts
n-grams inside each morpheme only, so the dialect or elderly ending as a whole ("줘유", "주소",
"하오", "랑께") is never a feature. Rasa's stock pipeline (whitespace tokens) has exactly those
n-grams, and it reads elderly speech and dialect better (issue 10). This featurizer adds them:
the n-grams of every eojeol padded with spaces, as sentence features (what DIET without
transformer layers classifies the intent from) and, per token, the n-grams of its eojeol.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

VOCABULARY_FILE = "eojeol_ngram_vocabulary.json"
_WORD = re.compile(r"\S+")
_PUNCTUATION = re.compile(r"[.,!?~…·\"'()\[\]]+")


def eojeol_ngrams(word: str, low: int, high: int) -> set[str]:
    """Character n-grams of one word padded with spaces ("줘유" -> " 줘", "줘유", "유 " …)."""
    padded = f" {_PUNCTUATION.sub('', word.lower())} "
    return {
        padded[i : i + n]
        for n in range(low, high + 1)
        for i in range(len(padded) - n + 1)
        if padded[i : i + n].strip()
    }


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class EojeolNgramFeaturizer(SparseFeaturizer, GraphComponent):
    """Sparse features: char n-grams of space-separated words seen in `min_count` examples."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "min_ngram": 2, "max_ngram": 4,
                "min_count": 2}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        low, high = int(config.get("min_ngram", 0)), int(config.get("max_ngram", 0))
        if not 1 <= low <= high or int(config.get("min_count", 0)) < 1:
            raise ValueError(
                "EojeolNgramFeaturizer needs 1 <= min_ngram <= max_ngram and min_count >= 1"
            )

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabulary: dict[str, int] | None = None,
    ) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._low = int(config["min_ngram"])
        self._high = int(config["max_ngram"])
        self._min_count = int(config["min_count"])
        self.vocabulary: dict[str, int] = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EojeolNgramFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EojeolNgramFeaturizer:
        try:
            with model_storage.read_from(resource) as path:
                vocabulary = read_json_file(path / VOCABULARY_FILE)
        except ValueError:  # not trained (no examples): the component adds nothing
            vocabulary = {}
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def _words(self, text: str) -> list[tuple[int, int, set[str]]]:
        return [(m.start(), m.end(), eojeol_ngrams(m.group(), self._low, self._high))
                for m in _WORD.finditer(text)]

    def train(self, training_data: TrainingData) -> Resource:
        counts: dict[str, int] = {}
        for message in training_data.training_examples:
            text = message.get(TEXT)
            if not text:
                continue
            for gram in set().union(*(grams for _, _, grams in self._words(text))):
                counts[gram] = counts.get(gram, 0) + 1
        kept = sorted(gram for gram, n in counts.items() if n >= self._min_count)
        self.vocabulary = {gram: i for i, gram in enumerate(kept)}
        with self._model_storage.write_to(self._resource) as path:
            dump_obj_as_json_to_file(path / VOCABULARY_FILE, self.vocabulary)
        return self._resource

    def _featurize(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        text = message.get(TEXT) or ""
        if not tokens or not self.vocabulary:
            return
        words = [(s, e, sorted(c for g in grams if (c := self.vocabulary.get(g)) is not None))
                 for s, e, grams in self._words(text)]
        rows: list[int] = []
        cols: list[int] = []
        for index, token in enumerate(tokens):
            columns = next((c for s, e, c in words if s <= token.start < e), [])
            rows += [index] * len(columns)
            cols += columns
        size = len(self.vocabulary)
        sequence = scipy.sparse.coo_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(tokens), size)
        )
        present = sorted({c for _, _, columns in words for c in columns})
        sentence = scipy.sparse.coo_matrix(
            (np.ones(len(present), dtype=np.float32), ([0] * len(present), present)),
            shape=(1, size),
        )
        self.add_features_to_message(sequence, sentence, TEXT, message)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
