"""bot/log_redaction.py: every log record of a process is redacted once it is installed, by
bot/logging.yml in both Rasa's and rasa_sdk's start-up (run here in fresh interpreters)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot import log_redaction

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "bot" / "logging.yml"
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}


def test_a_record_is_redacted_with_its_arguments_and_traceback() -> None:
    record = logging.LogRecord("rasa.core.processor", logging.DEBUG, __file__, 1,
                               "Received user message '%s' from %s", ("850302\n1234567",
                                                                      "010-1234-5678"), None)
    log_redaction.redact_record(record)
    assert record.getMessage() == "Received user message '******\n*******' from ***-****-****"
    try:
        raise ValueError("text 850302 대시 1234567")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    log_redaction.redact_record(failed)
    assert failed.exc_text is not None
    assert "1234567" not in failed.exc_text and "****** 대시 *******" in failed.exc_text


def test_the_rasa_server_logging_config_redacts_every_handler(tmp_path: Path) -> None:
    log_file = tmp_path / "rasa.log"
    script = f"""
import logging
from rasa.utils.common import configure_logging_from_file
configure_logging_from_file({str(CONFIG)!r})
handler = logging.FileHandler({str(log_file)!r})  # added later, as rasa run --log-file does
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)
logging.getLogger("rasa.core.processor").debug("Received user message %r", "850302, 1234567")
"""
    subprocess.run([sys.executable, "-c", script], check=True, env=ENV, cwd=ROOT, timeout=120)
    text = log_file.read_text(encoding="utf-8")
    assert "Received user message '******, *******'" in text
    assert "1234567" not in text


def test_the_action_server_keeps_its_log_file_and_redacts_it(tmp_path: Path) -> None:
    log_file = tmp_path / "actions.log"
    script = f"""
import logging, sys
sys.argv = ["/x/rasa_sdk/__main__.py", "--actions", "actions", "--log-file", {str(log_file)!r},
            "--logging-config_file", {str(CONFIG)!r}, "--debug"]
from rasa_sdk import utils
utils.configure_file_logging(logging.getLogger("rasa_sdk"), {str(log_file)!r}, logging.DEBUG,
                             {str(CONFIG)!r})
logging.getLogger("rasa_sdk.executor").debug("tracker %s", {{"text": "팔오공삼공이 다시 일이삼사오육칠"}})
"""
    subprocess.run([sys.executable, "-c", script], check=True, env=ENV, cwd=ROOT, timeout=120)
    text = log_file.read_text(encoding="utf-8")
    assert "tracker {'text': '****** 다시 *******'}" in text
    assert "[DEBUG]" in text


@pytest.mark.parametrize("installs", [1, 3])
def test_installing_twice_redacts_once(installs: int) -> None:
    original = logging.getLogRecordFactory()
    try:
        for _ in range(installs):
            log_redaction.install()
        record = logging.getLogRecordFactory()("x", logging.INFO, "f", 1, "%s", ("850302-1234567",),
                                               None)
        assert record.getMessage() == "******-*******"
    finally:
        logging.setLogRecordFactory(original)


def test_korean_escaped_in_rasa_json_logs_is_written_out_and_redacted() -> None:
    escaped = '{"text": "\\ud314\\uc624\\uacf5\\uc0bc\\uacf5\\uc774 \\ub2e4\\uc2dc '
    escaped += '\\uc77c\\uc774\\uc0bc\\uc0ac\\uc624\\uc721\\uce60", "x": "\\ud800"}'
    record = logging.LogRecord("rasa.core.processor", logging.DEBUG, __file__, 1, escaped, None,
                               None)
    log_redaction.redact_record(record)
    assert record.getMessage() == '{"text": "****** 다시 *******", "x": "\\ud800"}'
