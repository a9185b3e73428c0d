"""Rasa tokenizer backed by a Korean morphological analyser (Kiwi by default).

Config ``analyser``: ``kiwi`` (default: best accuracy and speed on our data, see README),
``mecab`` (python-mecab-ko), ``okt`` or ``komoran`` (KoNLPy, needs a Java runtime).
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

from nlu.tokenize.analysers import AnalyserUnavailable, get_analyser


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

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(m.surface, m.start, m.end, lemma=m.lemma) for m in self._analyse(text)
        ]
        return self._apply_token_pattern(tokens)
