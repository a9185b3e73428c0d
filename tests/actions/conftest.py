"""Fixtures for action tests: the real backend on a free port (or a port where nothing listens).

Actions are run the way Rasa runs them: a `Tracker` (events, slots, latest message) and the
domain dict go in (see trackers.py); a `CollectingDispatcher` collects the messages and the
events come out.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import backend_client, district, settings
from bot.processes import BACKEND_PY, Ports, free_port, system_specs, wait_healthy


def _backend_python() -> str:
    """The backend's interpreter: the project's venv, or MINWON_BACKEND_PYTHON if set."""
    return os.environ.get("MINWON_BACKEND_PYTHON", str(BACKEND_PY))


@pytest.fixture(scope="session")
def live_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real backend (dev profile, fresh SQLite, demo registry) on a free port."""
    if not Path(_backend_python()).exists():
        pytest.skip("backend environment not set up (run the setup, or set MINWON_BACKEND_PYTHON)")
    base = tmp_path_factory.mktemp("backend")
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    spec = system_specs(Path("unused"), ports, base / "var", base / "logs")[0]
    log = (base / "backend.out").open("ab")
    proc = subprocess.Popen(
        [_backend_python(), *spec.argv[1:]],
        cwd=spec.cwd,
        env=spec.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(spec.health_url, 60, is_alive=lambda: proc.poll() is None)
        yield f"http://127.0.0.1:{ports.backend}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _point_actions_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINWON_BACKEND_URL", url)
    monkeypatch.setenv("MINWON_BACKEND_RETRIES", "0")
    settings.get_settings.cache_clear()
    backend_client.reset_client()
    district.clear_cache()


@pytest.fixture
def backend(live_backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Actions talk to the live backend."""
    _point_actions_at(live_backend, monkeypatch)
    yield live_backend
    settings.get_settings.cache_clear()
    backend_client.reset_client()


@pytest.fixture
def backend_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Actions talk to a port where nothing listens (a backend that is down)."""
    url = f"http://127.0.0.1:{free_port()}"
    _point_actions_at(url, monkeypatch)
    yield url
    settings.get_settings.cache_clear()
    backend_client.reset_client()
