"""Action-server responses validated with a schema compiled once, not once per call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every
response of the action server. ``validate`` first checks the *schema* against its metaschema and
builds a new validator, every call: about 19 ms for a form's response on this project's machine,
40 % of the Rasa process's time under load (issue 11). The schema never changes, so here the
validator is built once and each response is only checked against it.

Behaviour kept exactly: the same validator class ``jsonschema.validate`` would pick for the
schema, the same error (``best_match`` of the response's errors) with the same message suffix,
raised the same way; a valid response returns ``True``.

``MINWON_ACTION_VALIDATION`` chooses (read when the patch is installed):

- ``compiled`` (default): every response checked, with the compiled validator;
- ``off``: no check, for a trusted action server on the same machine (ours is started next to
  Rasa by ``./minwon start``); a malformed response then fails later, when its events are read;
- ``rasa``: Rasa's own per-call ``jsonschema.validate`` (to compare, or if in doubt).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

VALIDATION_ENV = "MINWON_ACTION_VALIDATION"
MODES = ("compiled", "off", "rasa")
DEFAULT_MODE = "compiled"
logger = logging.getLogger(__name__)

_RASA_VALIDATE = RemoteAction._validate_action_result
_SUFFIX = (
    f". Failed to validate Action server response from API, "
    f"make sure your response from the Action endpoint is valid. "
    f"For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


class ActionValidationConfigError(ValueError):
    """``MINWON_ACTION_VALIDATION`` holds a value that is not one of ``MODES``."""


def _compiled_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


_VALIDATOR = _compiled_validator()


class EventwiseCheck:
    """The same yes or no as the whole schema, each event checked against its own type's branch.

    Rasa's schema says an event is valid when exactly one of about 20 branches (``oneOf``, one per
    event type, each naming its type as ``event: {const: ...}``) accepts it. jsonschema tries
    every branch and builds an error for each that refuses, for every event: most of the check's
    time (8 % of the Rasa process under load, py-spy). A branch whose type is not the event's
    refuses it for that reason alone, so the only branch that can accept an event is the one of
    its type, and "exactly one accepts" is "that branch accepts". The response is checked without
    the ``oneOf`` and each event against its type's branch. Only a yes is taken from here: for a
    no, the whole schema is asked again, so the error raised is still Rasa's ``best_match``.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        cls = validator_for(schema)
        items = schema["properties"]["events"]["items"]
        branches = items["oneOf"]
        types = [b.get("properties", {}).get("event", {}).get("const") for b in branches]
        if any(not isinstance(t, str) for t in types) or len(set(types)) != len(types):
            raise ValueError("an event branch without a type of its own: check the whole schema")
        without = {**items}
        del without["oneOf"]
        base = {**schema, "properties": {**schema["properties"],
                                          "events": {**schema["properties"]["events"],
                                                     "items": without}}}
        self._base = cls(base)
        self._branches = {t: cls(b) for t, b in zip(types, branches)}

    def accepts(self, result: Any) -> bool:
        if not self._base.is_valid(result):
            return False
        for event in result.get("events") or ():
            branch = self._branches.get(event["event"])
            if branch is None or not branch.is_valid(event):
                return False
        return True


def _eventwise() -> EventwiseCheck | None:
    try:
        return EventwiseCheck(RemoteAction.action_response_format_spec())
    except (KeyError, TypeError, ValueError):  # another Rasa's schema: the whole check only
        logger.warning("Action-server responses are checked against the whole schema.")
        return None


_EVENTWISE = _eventwise()


def validate_compiled(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of one action-server response, against the validator built at import."""
    if _EVENTWISE is not None and _EVENTWISE.accepts(result):
        return True
    error = best_match(_VALIDATOR.iter_errors(result))
    if error is not None:
        error.message += _SUFFIX
        raise error
    return True


def validate_nothing(_action: RemoteAction, _result: dict[str, Any]) -> bool:
    """No check: the action server is trusted (ours, on this machine)."""
    return True


def mode_from_env(env: Mapping[str, str] = os.environ) -> str:
    mode = (env.get(VALIDATION_ENV) or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        raise ActionValidationConfigError(
            f"{VALIDATION_ENV}={mode!r}: give one of {', '.join(MODES)}")
    return mode


def install(env: Mapping[str, str] = os.environ) -> str:
    """Replaces Rasa's per-call validation as ``MINWON_ACTION_VALIDATION`` says; returns the mode."""
    mode = mode_from_env(env)
    chosen = {"compiled": validate_compiled, "off": validate_nothing, "rasa": _RASA_VALIDATE}
    RemoteAction._validate_action_result = chosen[mode]  # type: ignore[method-assign]
    if mode == "off":
        logger.info("Action-server responses are not validated (%s=off).", VALIDATION_ENV)
    return mode


__all__ = [
    "ActionValidationConfigError", "ValidationError", "install", "mode_from_env",
    "validate_compiled", "validate_nothing",
]
