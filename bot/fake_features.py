"""DIET's stand-in features for an absent attribute, built without deep-copying real ones.

For every message it classifies, DIET 3.6 converts the message's features into its input format
without the stand-ins it made in training, so ``model_data_utils.convert_to_data_format`` makes
them again: for each attribute, a deep copy of the message's own first features (the sparse
matrix included) whose matrix is then replaced by an empty one of the same width. The copy was
2.5 % of a Rasa process under Kakao load, all of it thrown away. Here each stand-in is a new
``Features`` with the same type, attribute and origin and that empty matrix: what the deep copy
ended as, and what ``_extract_features`` reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.tensorflow import model_data_utils

_ORIGINAL = model_data_utils.__dict__["_create_fake_features"]


def _empty_like(features: Features) -> Features:
    width = features.features.shape[-1]
    if features.is_sparse():
        matrix: Any = scipy.sparse.coo_matrix((0, width), features.features.dtype)
    else:
        matrix = np.zeros((0, width), features.features.dtype)
    origin = list(features.origin) if isinstance(features.origin, list) else features.origin
    return Features(matrix, features.type, features.attribute, origin)


def create_fake_features(all_features: list[list[list[Features] | None]]) -> list[Features]:
    """``model_data_utils._create_fake_features``: empty features shaped like the first ones."""
    example = next(features for per_example in all_features for features in per_example
                   if features is not None)
    return [_empty_like(features) for features in example]


def install() -> None:
    model_data_utils._create_fake_features = create_fake_features  # type: ignore[assignment]


def uninstall() -> None:
    model_data_utils._create_fake_features = _ORIGINAL
