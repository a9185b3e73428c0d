"""A tracker's slots copied field by field, not through ``copy.copy``'s reduce protocol.

Every ``DialogueStateTracker`` Rasa 3.6 makes copies each of the domain's slots with
``copy.copy`` (40 in minwon's domain), and Rasa makes trackers all the time: one per prior state
when a policy reads the conversation's past states, one for each tracker copy around an action.
``copy.copy`` of a plain object goes through ``__reduce_ex__``, ``copyreg.__newobj__`` and
``copy._reconstruct``: 78 µs per tracker here, 5 % of a Rasa process under Kakao load (py-spy,
issue 11). For a class that changes none of that protocol (no ``__copy__``, ``__reduce__``,
``__reduce_ex__``, ``__setstate__``, ``__slots__``, no ``copyreg`` entry; Rasa's slot classes
are such classes) the result is exactly a new instance with the same attribute dict, which is
what is made here: 17 µs per tracker. Any other class goes ``copy.copy``'s way.
"""

from __future__ import annotations

import copy
import copyreg
import types
from typing import Any, TypeVar

from rasa.shared.core import trackers

T = TypeVar("T")

_ORIGINAL = trackers.__dict__["copy"]  # the copy module, as trackers.py imported it
_PLAIN: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    """Whether ``copy.copy`` of a ``cls`` instance is a new instance with the same ``__dict__``."""
    known = _PLAIN.get(cls)
    if known is None:
        known = (
            cls in copyreg.dispatch_table
            or getattr(cls, "__copy__", None) is not None
            or getattr(cls, "__setstate__", None) is not None
            or getattr(cls, "__getstate__", None) is not None
            or cls.__reduce_ex__ is not object.__reduce_ex__  # type: ignore[comparison-overlap]
            or cls.__reduce__ is not object.__reduce__  # type: ignore[comparison-overlap]
            or any("__slots__" in vars(c) for c in cls.__mro__)
        ) is False
        _PLAIN[cls] = known
    return known


def shallow_copy(value: T) -> T:
    """``copy.copy(value)``, without the reduce protocol for plain instances."""
    cls = type(value)
    if _is_plain(cls) and hasattr(value, "__dict__"):
        new: Any = cls.__new__(cls)
        new.__dict__.update(value.__dict__)
        return new  # type: ignore[no-any-return]
    return copy.copy(value)


_FAST_COPY = types.SimpleNamespace(copy=shallow_copy, deepcopy=copy.deepcopy)


def install() -> None:
    """Trackers copy their slots with :func:`shallow_copy` (idempotent)."""
    trackers.copy = _FAST_COPY  # type: ignore[attr-defined]


def uninstall() -> None:
    trackers.copy = _ORIGINAL  # type: ignore[attr-defined]
