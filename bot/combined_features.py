"""A message's features combined once per parse, in one step, instead of pairwise per reader.

Rasa 3.6's ``Message._combine_features`` deep-copies the first featurizer's sparse matrix and
then widens it with one ``scipy.sparse.hstack`` per further featurizer. minwon's pipeline has six
sparse featurizers, and three components read the combined text features of every message (the
two DIETs and ``LinearIntentVote``), each for the sequence and the sentence: about 30 hstacks and
6 deep copies of scipy matrices per parse, 12 % of the Rasa process's CPU under load (py-spy,
issue 11). Here all of one kind are stacked in one step (``_hstack``: the same COO matrix, columns,
dtypes and index dtype Rasa's hstacks build), and the result is kept on the message until its
features change, so the second and third reader get it without any work.

The kept result is handed out as a fresh ``Features`` around the same matrix, not a copy: Rasa's
readers only convert it (``tocoo``, ``tocsr``), they never write into it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

_MEMO = "_minwon_combined_features"


def combine(features: list[Features], featurizers: list[str]) -> Features | None:
    """What Rasa's ``_combine_features`` returns, built with one stack instead of pairwise."""
    if not features:
        return None
    first = features[0]
    if len(features) == 1:
        combined = copy.deepcopy(first)
        combined.origin = featurizers
        return combined
    if first.is_sparse():
        if not all(f.is_sparse() for f in features):
            raise ValueError("Cannot combine sparse and dense features.")
        rows = {f.features.shape[0] for f in features}
        if len(rows) != 1:
            raise ValueError(
                f"Cannot combine sparse features as sequence dimensions do not match: {rows}.")
        matrix: Any = _hstack([f.features for f in features])
    else:
        if any(f.is_sparse() for f in features):
            raise ValueError("Cannot combine sparse and dense features.")
        matrix = np.concatenate([f.features for f in features], axis=-1)
    return Features(matrix, first.type, first.attribute, featurizers)


def _hstack(blocks: list[Any]) -> scipy.sparse.coo_matrix:
    """``scipy.sparse.hstack(blocks)`` of one-row-set blocks: the same COO matrix, built in one
    step instead of through ``bmat``, which checks and converts every block several times (a
    sixth of the time: 37 against 221 microseconds for the pipeline's six blocks)."""
    coos = [b if b.format == "coo" else b.tocoo() for b in blocks]
    shape = (coos[0].shape[0], sum(b.shape[1] for b in coos))
    index = np.int32 if max(shape) <= np.iinfo(np.int32).max else np.int64  # as bmat picks it
    offsets = np.cumsum([0] + [b.shape[1] for b in coos[:-1]])
    row = np.concatenate([b.row for b in coos]).astype(index, copy=False)
    col = np.concatenate([b.col.astype(index) + o for b, o in zip(coos, offsets)]).astype(
        index, copy=False)
    data = np.concatenate([b.data for b in coos])
    return scipy.sparse.coo_matrix((data, (row, col)), shape=shape)


def _remembered(message: Message, kind: str, attribute: str,
                featurizers: list[str] | None) -> tuple[Features | None, Features | None]:
    """(sequence, sentence) for one attribute, kept on the message while its features stand."""
    memo: dict[Any, Any] = message.__dict__.setdefault(_MEMO, {})
    key = (kind, attribute, tuple(featurizers or ()))
    # features are only ever appended to (Message.add_features); a new count means new features
    stamp = (len(message.features), id(message.features[-1]) if message.features else 0)
    kept = memo.get(key)
    if kept is None or kept[0] != stamp:
        if kind == "sparse":
            sequence, sentence = message._filter_sparse_features(attribute, featurizers or [])
        else:
            sequence, sentence = message._filter_dense_features(attribute, featurizers or [])
        kept = (stamp, combine(sequence, featurizers or []), combine(sentence, featurizers or []))
        memo[key] = kept
    return _fresh(kept[1]), _fresh(kept[2])


def _fresh(features: Features | None) -> Features | None:
    """A new ``Features`` around the kept matrix: callers may change its attributes, not ours."""
    if features is None:
        return None
    return Features(features.features, features.type, features.attribute, list(features.origin))


def get_sparse_features(self: Message, attribute: str,
                        featurizers: list[str] | None = None
                        ) -> tuple[Features | None, Features | None]:
    return _remembered(self, "sparse", attribute, featurizers)


def get_dense_features(self: Message, attribute: str,
                       featurizers: list[str] | None = None
                       ) -> tuple[Features | None, Features | None]:
    return _remembered(self, "dense", attribute, featurizers)


_ORIGINALS = {name: Message.__dict__[name]
              for name in ("get_sparse_features", "get_dense_features")}


def install() -> None:
    """Combines each message's features once, in one stack (idempotent)."""
    Message.get_sparse_features = get_sparse_features  # type: ignore[method-assign]
    Message.get_dense_features = get_dense_features  # type: ignore[method-assign]


def uninstall() -> None:
    for name, original in _ORIGINALS.items():
        setattr(Message, name, original)
