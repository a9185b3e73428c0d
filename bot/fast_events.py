"""Rasa's events read back from their dicts without searching every event class each time.

``Event.resolve_by_type`` (Rasa 3.6) finds an event's class by walking *all* subclasses of
``Event`` recursively and asking ``inspect.isabstract`` of each, for every single event it
deserialises: about 0.65 ms per event, half of the tracker store's retrieve for a long
conversation and a share of every action-server response (issue 11). Classes are never removed,
so the class found for a type name is remembered; a type name not found yet (an unknown event, or
a class imported later) goes the original way, so errors and defaults stay Rasa's.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_ORIGINAL = Event.resolve_by_type
_FOUND: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: Any = None) -> type[Event] | None:
    """Rasa's ``Event.resolve_by_type``, with each found class remembered by its type name."""
    cls = _FOUND.get(type_name)
    if cls is not None:
        return cls
    cls = next((c for c in all_subclasses(Event) if c.type_name == type_name), None)
    if cls is not None:
        _FOUND[type_name] = cls
        return cls
    return _ORIGINAL(type_name, default)


def install() -> None:
    """Makes ``Event.resolve_by_type`` remember what it found (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def uninstall() -> None:
    Event.resolve_by_type = staticmethod(_ORIGINAL)  # type: ignore[method-assign]
