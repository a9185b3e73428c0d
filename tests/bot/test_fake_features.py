"""bot/fake_features.py: DIET's stand-ins for absent attributes are what Rasa's deep copies were.

The parse as a whole is compared with Rasa's own in tests/nlu/test_nlu_accuracy.py (200
development sentences, same ranking and entities); here the stand-ins themselves, and the model
data DIET builds from a message with and without them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow import model_data_utils

from bot import fake_features


def _features() -> list[Features]:
    sparse = scipy.sparse.coo_matrix(np.array([[0, 1, 0, 2], [3, 0, 0, 0]], dtype=np.float32))
    return [
        Features(sparse, "sequence", "text", ["CountVectorsFeaturizer", "RegexFeaturizer"]),
        Features(np.ones((1, 6), dtype=np.float32), "sentence", "text", "LexicalFeaturizer"),
    ]


def test_the_stand_ins_match_rasas_deep_copies() -> None:
    examples = [[None, _features()]]
    ours = fake_features.create_fake_features(examples)  # type: ignore[arg-type]
    rasas = fake_features._ORIGINAL(examples)
    assert len(ours) == len(rasas) == 2
    for mine, theirs in zip(ours, rasas):
        assert (mine.type, mine.attribute, mine.origin) == (theirs.type, theirs.attribute,
                                                           theirs.origin)
        assert mine.is_sparse() == theirs.is_sparse()
        assert mine.features.shape == theirs.features.shape
        assert mine.features.dtype == theirs.features.dtype
        assert mine.fingerprint() == theirs.fingerprint()
    assert ours[0].origin is not examples[0][1][0].origin  # a list of its own, as a copy has


def test_model_data_built_with_them_is_the_same() -> None:
    message = [{"text": _features()}, {"text": _features()}]
    expected, _ = model_data_utils.convert_to_data_format(message,
                                                          consider_dialogue_dimension=False)
    fake_features.install()
    try:
        got, _ = model_data_utils.convert_to_data_format(message,
                                                         consider_dialogue_dimension=False)
    finally:
        fake_features.uninstall()
    assert model_data_utils._create_fake_features is fake_features._ORIGINAL
    assert expected.keys() == got.keys()
    for attribute in expected:
        assert expected[attribute].keys() == got[attribute].keys()
        for kind in expected[attribute]:
            for a, b in zip(expected[attribute][kind], got[attribute][kind]):
                for x, y in zip(a, b):
                    left = x.toarray() if scipy.sparse.issparse(x) else np.asarray(x)
                    right = y.toarray() if scipy.sparse.issparse(y) else np.asarray(y)
                    assert np.array_equal(left, right)
