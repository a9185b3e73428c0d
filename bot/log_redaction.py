"""Masks resident registration numbers, phones, birth dates and codes in every log record.

Rasa and rasa_sdk print what residents wrote at DEBUG ("Received user message '…'", parse data,
whole trackers) and some of it at INFO. minwon masks RRNs where messages enter, but a log line
can also carry an RRN split over two messages, a phone number, a birth date or an SMS code. So
every record of the process is passed through ``nlu.pii.redact_for_logs`` when it is created: the
message (after %-formatting) and any traceback text. Hooking record creation rather than one
handler covers the handlers Rasa and Sanic add later (console, ``--log-file``) as well.

How it is installed:
- Rasa server: ``bot.tracker_store.PrivateSQLTrackerStore`` calls :func:`install` when Rasa
  creates it at start-up, before the first message; ``--logging-config-file bot/logging.yml``
  does the same earlier, before Rasa logs anything.
- Action server: ``--logging-config-file bot/logging.yml`` (rasa_sdk applies it first). rasa_sdk
  then skips its own ``--log-file`` handler, so :func:`install_from_logging_config` adds it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import Any

from nlu.pii import redact_for_logs

_INSTALLED_MARK = "_minwon_redacting"
_SDK_FORMAT = "%(asctime)s [%(levelname)-5.5s]  %(name)s  -  %(message)s"


# Rasa 3.6 logs through structlog as JSON with ASCII escapes, so Korean arrives as "\uc77c\uc774":
# spoken digits would hide from the redaction. Hangul and full-width forms are written out.
_JSON_ESCAPE = re.compile(r"(?<!\\)\\u([0-9a-fA-F]{4})")


def _readable(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    if 0xAC00 <= code <= 0xD7A3 or 0x3130 <= code <= 0x318F or 0xFF00 <= code <= 0xFFEF:
        return chr(code)
    return match.group()


def redact_record(record: logging.LogRecord) -> None:
    """Replaces the record's message and traceback text by their redacted forms, in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's own error to report
        return
    if "\\u" in message:
        message = _JSON_ESCAPE.sub(_readable, message)
    redacted = redact_for_logs(message)
    if redacted != record.msg or record.args:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_for_logs(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact_for_logs(record.stack_info)


def install() -> None:
    """Redacts every log record this process creates from now on (idempotent)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, _INSTALLED_MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    setattr(factory, _INSTALLED_MARK, True)
    logging.setLogRecordFactory(factory)


class RedactingFilter(logging.Filter):
    """The same redaction as a handler filter, for logging configurations that want one."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _running_rasa_sdk() -> bool:
    return sys.argv[0].replace("\\", "/").endswith("rasa_sdk/__main__.py")


def _add_sdk_log_file() -> None:
    """The file handler rasa_sdk would add for ``--log-file`` had no config file been given."""
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser

    args, _ = create_argument_parser().parse_known_args(sys.argv[1:])
    if not args.log_file:
        return
    level = args.loglevel or logging.INFO
    handler = logging.FileHandler(args.log_file, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_SDK_FORMAT))
    sdk_logger = logging.getLogger(APPLICATION_ROOT_LOGGER_NAME)
    sdk_logger.setLevel(level)
    sdk_logger.addHandler(handler)


def install_from_logging_config() -> RedactingFilter:
    """Factory named in ``bot/logging.yml``: installs the redaction when the config is applied."""
    install()
    if _running_rasa_sdk():
        _add_sdk_log_file()
    return RedactingFilter()
