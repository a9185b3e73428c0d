"""The last clause of a message, where its main request is, gets features of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.final_clause_featurizer import FinalClauseFeaturizer, final_clause_start


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("등본 떼 주세요", "등본 떼 주세요"),
        (
            "어제 신청했는데요. 회사에서 필요 없다고 해서 그거 취소해 주세요",
            "해서 그거 취소해 주세요",
        ),
        ("이사를 했어요! 그래서요 등본 한 통 떼 주세요.", "한 통 떼 주세요."),
        ("", ""),
    ],
)
def test_the_final_clause_is_the_last_words_of_the_last_sentence(text: str, clause: str) -> None:
    assert text[final_clause_start(text, 4) :] == clause


def _message(text: str) -> Message:
    """Whitespace tokens stand in for morphemes: the featurizer only reads spans and lemmas."""
    message = Message({TEXT: text})
    tokens = []
    offset = 0
    for word in text.split():
        start = text.index(word, offset)
        tokens.append(Token(word, start, lemma=word))
        offset = start + len(word)
    message.set(TOKENS_NAMES[TEXT], tokens)
    return message


def _featurizer(tmp_path: Path) -> FinalClauseFeaturizer:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="final_clause")
    config = {**FinalClauseFeaturizer.get_default_config(), "words": 2, "min_count": 2}
    return FinalClauseFeaturizer.create(config, storage, Resource("final_clause"), context)


def test_words_of_the_final_clause_are_features_and_the_background_is_not(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path)
    training = [
        _message("어제 신청한 거 취소 해줘"),
        _message("등본 필요 없어져서 취소 해줘"),
        _message("등본 한 통 떼 줘"),
        _message("초본 한 통 떼 줘"),
    ]
    featurizer.train(TrainingData(training))
    assert set(featurizer.vocabulary) == {"취소", "해줘", "떼", "줘"}

    message = _message("등본 신청했는데 취소 해줘")
    featurizer.process([message])
    sequence = message.get_sparse_features(TEXT)[0]
    sentence = message.get_sparse_features(TEXT)[1]
    assert sequence is not None and sequence.type == FEATURE_TYPE_SEQUENCE
    assert sentence is not None and sentence.type == FEATURE_TYPE_SENTENCE
    rows = sequence.features.tocoo().row.tolist()
    assert rows == [2, 3]  # "취소", "해줘"; "등본" and "신청했는데" are background
    assert sentence.features.sum() == 2


def test_a_trained_vocabulary_is_loaded_back(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path)
    featurizer.train(TrainingData([_message("취소 해줘"), _message("취소 해줘요")]))
    context = ExecutionContext(GraphSchema({}), node_name="final_clause")
    loaded = FinalClauseFeaturizer.load(
        {**FinalClauseFeaturizer.get_default_config(), "words": 2, "min_count": 2},
        LocalModelStorage(tmp_path),
        Resource("final_clause"),
        context,
    )
    assert loaded.vocabulary == featurizer.vocabulary == {"취소": 0}
