"""Channel tests: real local HTTP servers (see ``servers.py``), no Rasa model.

A channel's blueprint is mounted on a fresh Sanic app with a stub ``on_new_message`` that answers
like a dialogue would (through the turn's output channel), so the wire formats are tested end to
end over HTTP. The tests against a running Rasa server are in ``test_channels_e2e.py``.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channel_system import (
    KAKAO_SECRET,
    TG_SECRET,
    TG_TOKEN,
    Channels,
    channel_credentials,
    rasa_with_channels,
)
from fake_bot_api import fake_bot_api_in_thread
from sanic import Sanic


def _install_pii_stand_in() -> None:
    """``nlu/pii.py`` is written in parallel; until it exists, stand in with the same contract
    (length-preserving mask of RRN-shaped digits) so channel tests can run."""
    try:
        importlib.import_module("nlu.pii")
        return
    except ImportError:
        pass
    module = types.ModuleType("nlu.pii")
    pattern = re.compile(r"(?<!\d)(\d{6})[- ]?([1-8]\d{6})(?!\d)")

    def mask_rrn(text: str) -> str:
        return pattern.sub(lambda m: "*" * len(m.group(0)), text)

    module.mask_rrn = mask_rrn  # type: ignore[attr-defined]
    sys.modules["nlu.pii"] = module


_install_pii_stand_in()

# Several Sanic apps start in one test process; test mode lets sanic re-apply its method
# "touch-ups" from the originals instead of failing on the second app.
Sanic.test_mode = True


@pytest.fixture(autouse=True)
def _test_profile(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Channel tests run in the ``test`` profile (REST open, secrets optional) unless a test
    sets ``MINWON_PROFILE`` itself; the web-chat cookie key is fixed so runs are repeatable."""
    monkeypatch.setenv("MINWON_PROFILE", "test")
    monkeypatch.setenv("MINWON_SECRET_KEY", "channel-tests-secret-key-0123456789abcdef")
    return


@pytest.fixture(scope="session")
def channels(system: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    """A second Rasa server on the system's model, action server and backend, with REST, web
    chat, Kakao and Telegram (against a local fake Bot API) whatever credentials.yml enables."""
    work: Path = tmp_path_factory.mktemp("channels")
    with fake_bot_api_in_thread(TG_TOKEN) as api:
        credentials = channel_credentials(KAKAO_SECRET, TG_TOKEN, TG_SECRET, api.base_url)
        with rasa_with_channels(system.processes["rasa"].spec, credentials, work) as rasa:
            yield Channels(rasa, api, system.backend_url)
