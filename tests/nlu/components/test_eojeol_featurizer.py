"""Dialect and elderly endings across morpheme boundaries ("줘유", "주소") become features."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.eojeol_featurizer import EojeolNgramFeaturizer, eojeol_ngrams


def test_ngrams_span_the_whole_word_with_its_edges() -> None:
    grams = eojeol_ngrams("떼줘유!", 2, 3)
    assert {" 떼", "줘유", "유 ", "떼줘유", "줘유 "} <= grams
    assert all(g.strip() for g in grams)
    assert "!" not in "".join(grams)


def _message(text: str, morphemes: list[tuple[str, int]]) -> Message:
    """Morpheme tokens as a Korean analyser gives them: spans inside the words."""
    message = Message({TEXT: text})
    message.set(TOKENS_NAMES[TEXT], [Token(t, start, lemma=t) for t, start in morphemes])
    return message


def _featurizer(tmp_path: Path) -> EojeolNgramFeaturizer:
    config = {**EojeolNgramFeaturizer.get_default_config(), "min_ngram": 2, "max_ngram": 2,
              "min_count": 2}
    context = ExecutionContext(GraphSchema({}), node_name="eojeol")
    return EojeolNgramFeaturizer.create(config, LocalModelStorage(tmp_path), Resource("e"), context)


def test_an_ending_seen_in_training_is_a_feature_of_every_token_of_its_word(
    tmp_path: Path,
) -> None:
    featurizer = _featurizer(tmp_path)
    training = [
        _message("등본 떼줘유", [("등본", 0), ("떼", 3), ("줘유", 4)]),
        _message("초본 보내줘유", [("초본", 0), ("보내", 3), ("줘유", 5)]),
    ]
    featurizer.train(TrainingData(training))
    assert "줘유" in featurizer.vocabulary and "유 " in featurizer.vocabulary
    assert "등본" not in featurizer.vocabulary  # seen once only

    message = _message("서류 갖다줘유", [("서류", 0), ("갖다", 3), ("줘유", 5)])
    featurizer.process([message])
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sequence is not None and sequence.type == FEATURE_TYPE_SEQUENCE
    assert sentence is not None and sentence.type == FEATURE_TYPE_SENTENCE
    rows = sorted(set(sequence.features.tocoo().row.tolist()))
    assert rows == [1, 2]  # both morphemes of "갖다줘유"; "서류" has no known n-gram
    assert sentence.features.sum() == len({"줘유", "유 "} & set(featurizer.vocabulary))


def test_a_trained_vocabulary_is_loaded_back(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path)
    featurizer.train(TrainingData([_message("떼줘유", [("떼줘유", 0)]),
                                   _message("떼줘유 빨리", [("떼줘유", 0), ("빨리", 4)])]))
    loaded = EojeolNgramFeaturizer.load(
        {**EojeolNgramFeaturizer.get_default_config(), "min_ngram": 2, "max_ngram": 2,
         "min_count": 2},
        LocalModelStorage(tmp_path), Resource("e"),
        ExecutionContext(GraphSchema({}), node_name="eojeol"),
    )
    assert loaded.vocabulary == featurizer.vocabulary
    assert set(loaded.vocabulary) == {" 떼", "떼줘", "줘유", "유 "}
