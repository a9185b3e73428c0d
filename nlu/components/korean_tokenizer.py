"""Rasa tokenizer backed by a Korean morphological analyser (Kiwi by default).

Config ``analyser``: ``kiwi`` (default: best accuracy and speed on our data, see README),
``mecab`` (python-mecab-ko), ``okt`` or ``komoran`` (KoNLPy, needs a Java runtime).

The tokenizer is the first step of the NLU training graph, so it is also where the messages a
full ``rasa train`` adds to the NLU training data are dropped: Rasa's E2EImporter appends the
default and story action names and the stories' user turns (intent only, including
``nlu_fallback`` from the rules) to the NLU examples. Nothing in our pipeline learns from them
(the stories are not end-to-end), but the word CountVectorsFeaturizer built its intent vocabulary
over them, so DIET's label features had one more column than in ``rasa train nlu`` and the model
the server runs was initialised differently from the one ``./minwon eval`` scored (issue 10: 0.921
against 0.950 on the held-out set). With the filter both trainings see the same examples.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.tokenize.analysers import AnalyserUnavailable, get_analyser


def nlu_examples_only(training_data: TrainingData) -> TrainingData:
    """The training data without the story and domain messages of a full ``rasa train``.

    Data with no NLU example at all (the end-to-end featurisation of stories, were it ever used)
    is returned unchanged.
    """
    examples = training_data.training_examples
    kept = [m for m in examples if not m.is_core_or_domain_message()]
    if len(kept) == len(examples) or not kept:
        return training_data
    return TrainingData(
        training_examples=kept,
        entity_synonyms=training_data.entity_synonyms,
        regex_features=training_data.regex_features,
        lookup_tables=training_data.lookup_tables,
        responses=training_data.responses,
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class KoreanTokenizer(Tokenizer):
    """Tokens are morphemes whose spans point into the original text; lemmas are analyser forms."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "analyser": "kiwi",
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        return ["ko"]

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        try:
            self._analyse = get_analyser(config["analyser"])
        except AnalyserUnavailable as e:
            raise InvalidConfigException(str(e)) from e

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KoreanTokenizer:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return super().process_training_data(nlu_examples_only(training_data))

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(m.surface, m.start, m.end, lemma=m.lemma) for m in self._analyse(text)
        ]
        return self._apply_token_pattern(tokens)
