"""bot/combined_features.py: a message's features are combined as Rasa combines them, once.

The parse itself is checked against Rasa's own on the development set in
tests/nlu/test_nlu_accuracy.py; here the combination alone, on features like the pipeline's.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot import combined_features

ORIGINS = ["RegexFeaturizer", "CountVectorsFeaturizer", "EojeolNgramFeaturizer"]


@pytest.fixture
def installed() -> Iterator[None]:
    combined_features.install()
    yield
    combined_features.uninstall()


def _message(tokens: int = 4, seed: int = 0) -> Message:
    rng = np.random.default_rng(seed)
    message = Message({TEXT: "등본 한 통 떼 주세요"})
    # formats and dtypes as the pipeline's featurizers make them: COO float32, CSR float64
    for width, origin, fmt, dtype in zip((3, 40, 17), ORIGINS, ("coo", "csr", "coo"),
                                         (np.float32, np.float64, np.float32)):
        for kind, rows in (("sequence", tokens), ("sentence", 1)):
            dense = rng.integers(0, 2, size=(rows, width)).astype(dtype)
            matrix = scipy.sparse.coo_matrix(dense).asformat(fmt)
            message.add_features(Features(matrix, kind, TEXT, origin))
    message.add_features(Features(rng.random((1, 5)), "sentence", TEXT, "DenseOne"))
    message.add_features(Features(rng.random((1, 3)), "sentence", TEXT, "DenseTwo"))
    return message


def _same(ours: Features | None, rasas: Features | None) -> None:
    assert (ours is None) == (rasas is None)
    if ours is None or rasas is None:
        return
    assert (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, rasas.origin)
    if rasas.is_sparse():
        assert ours.features.format == rasas.features.format
        assert ours.features.shape == rasas.features.shape
        assert ours.features.dtype == rasas.features.dtype
        if rasas.features.format == "coo":
            assert ours.features.row.dtype == rasas.features.row.dtype
            assert ours.features.col.dtype == rasas.features.col.dtype
        assert (ours.features != rasas.features).nnz == 0
    else:
        np.testing.assert_array_equal(ours.features, rasas.features)


@pytest.mark.parametrize("featurizers", [None, ORIGINS, ORIGINS[1:], ["CountVectorsFeaturizer"],
                                         ["NotThere"], ["DenseTwo", "DenseOne"]])
def test_every_selection_of_featurizers_combines_as_rasa_combines_it(
    featurizers: list[str] | None, installed: None,
) -> None:
    message = _message()
    for getter in ("get_sparse_features", "get_dense_features"):
        ours = getattr(message, getter)(TEXT, featurizers)
        rasas = combined_features._ORIGINALS[getter](_message(), TEXT, featurizers)
        for mine, theirs in zip(ours, rasas):
            _same(mine, theirs)


def test_a_second_reader_gets_the_same_features_without_another_stack(
    installed: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _message()
    first = message.get_sparse_features(TEXT, [])
    stacks: list[int] = []
    original = combined_features.combine
    monkeypatch.setattr(combined_features, "combine",
                        lambda *a: stacks.append(1) or original(*a))
    second = message.get_sparse_features(TEXT, [])
    assert stacks == []
    for mine, theirs in zip(second, first):
        _same(mine, theirs)
    second[1].origin = "changed by a reader"  # a reader's change stays its own
    assert message.get_sparse_features(TEXT, [])[1].origin == []


def test_features_added_after_a_read_are_in_the_next_read(installed: None) -> None:
    message = _message()
    _, before = message.get_sparse_features(TEXT, [])
    assert before is not None
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((1, 2))), "sentence", TEXT,
                                  "LateFeaturizer"))
    _, after = message.get_sparse_features(TEXT, [])
    assert after is not None
    assert after.features.shape[1] == before.features.shape[1] + 2


def test_features_that_cannot_be_combined_are_refused_as_rasa_refuses_them(
    installed: None,
) -> None:
    message = Message({TEXT: "등본"})
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((2, 3))), "sequence", TEXT, "A"))
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, 3))), "sequence", TEXT, "B"))
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        message.get_sparse_features(TEXT, [])


def test_uninstall_gives_rasa_its_own_methods_back() -> None:
    combined_features.install()
    combined_features.uninstall()
    for name, original in combined_features._ORIGINALS.items():
        assert Message.__dict__[name] is original
