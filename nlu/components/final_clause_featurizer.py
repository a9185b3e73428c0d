"""Features for the words of a message's last clause, where Korean puts the main request.

A long message gives its background first and its request last ("... 이사를 해서 그러는데요 ...
신청한 거 취소해 주세요"). DIET without transformer layers classifies the intent from bag-of-words
sentence features only, so the background words weigh as much as the request. This featurizer adds
a second, separate bag: the morpheme lemmas of the final clause (the last `words` space-separated
words of the last sentence), so "취소 + 하 + 어 주" at the end of a message is a feature of its own.
Short messages are their own final clause.
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
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

VOCABULARY_FILE = "final_clause_vocabulary.json"
_SENTENCE_END = re.compile(r"[.?!。\n]+")
_WORD = re.compile(r"\S+")


def final_clause_start(text: str, words: int) -> int:
    """Offset where the last `words` words of the last sentence of `text` begin."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if text[m.end() :].strip()]
    sentence_start = ends[-1] if ends else 0
    starts = [m.start() for m in _WORD.finditer(text, sentence_start)]
    if not starts:
        return sentence_start
    return starts[-words] if len(starts) >= words else starts[0]


def final_clause_lemmas(text: str, tokens: list[Token], words: int) -> list[tuple[int, str]]:
    """(token index, lemma) of every token in the final clause."""
    start = final_clause_start(text, words)
    return [
        (i, str(t.lemma or t.text).lower())
        for i, t in enumerate(tokens)
        if t.start >= start and (t.lemma or t.text).strip()
    ]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True
)
class FinalClauseFeaturizer(SparseFeaturizer, GraphComponent):
    """Sparse features: which lemmas occur in the final clause (sequence and sentence level)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "words": 4, "min_count": 2}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("words", 0)) < 1 or int(config.get("min_count", 0)) < 1:
            raise ValueError("FinalClauseFeaturizer needs words >= 1 and min_count >= 1")

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
        self._words = int(config["words"])
        self._min_count = int(config["min_count"])
        self.vocabulary: dict[str, int] = vocabulary or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FinalClauseFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FinalClauseFeaturizer:
        try:
            with model_storage.read_from(resource) as path:
                vocabulary = read_json_file(path / VOCABULARY_FILE)
        except ValueError:  # not trained (no examples): the component adds nothing
            vocabulary = {}
        return cls(config, model_storage, resource, execution_context, vocabulary)

    def _lemmas(self, message: Message) -> list[tuple[int, str]]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return final_clause_lemmas(message.get(TEXT) or "", tokens, self._words)

    def train(self, training_data: TrainingData) -> Resource:
        counts: dict[str, int] = {}
        for message in training_data.training_examples:
            if not message.get(TEXT):
                continue
            for lemma in {lemma for _, lemma in self._lemmas(message)}:
                counts[lemma] = counts.get(lemma, 0) + 1
        kept = sorted(lemma for lemma, n in counts.items() if n >= self._min_count)
        self.vocabulary = {lemma: i for i, lemma in enumerate(kept)}
        with self._model_storage.write_to(self._resource) as path:
            dump_obj_as_json_to_file(path / VOCABULARY_FILE, self.vocabulary)
        return self._resource

    def _featurize(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens or not self.vocabulary:
            return
        size = len(self.vocabulary)
        rows, cols = [], []
        for index, lemma in self._lemmas(message):
            column = self.vocabulary.get(lemma)
            if column is not None:
                rows.append(index)
                cols.append(column)
        data = np.ones(len(rows), dtype=np.float32)
        sequence = scipy.sparse.coo_matrix((data, (rows, cols)), shape=(len(tokens), size))
        sentence = scipy.sparse.coo_matrix(
            (np.ones(len(set(cols)), dtype=np.float32), ([0] * len(set(cols)), sorted(set(cols)))),
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
