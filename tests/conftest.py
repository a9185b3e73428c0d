"""Session fixtures shared by the Rasa-side tests: a trained model and a running system.

The model is trained once per change of its inputs (cached by hash, see scripts/model_cache.py).
The system fixture starts the same processes as ``./minwon start`` (backend, action server, Rasa
server with the REST channel and the HTTP API) on free loopback ports with a throwaway var dir.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.processes import DEV_RASA_TOKEN, ManagedProcess, Ports, free_port, system_specs
from scripts.model_cache import ensure_model


class RunningProcess(ManagedProcess):
    """A system process whose start() returns once it is healthy (stopped again if not)."""

    def start(self, timeout_s: float = 240) -> None:  # type: ignore[override]
        super().start()
        try:
            self.wait(timeout_s)
        except RuntimeError:
            self.stop()
            raise


@dataclass
class System:
    rasa_url: str
    backend_url: str
    rasa_token: str
    processes: dict[str, RunningProcess]
    log_dir: Path

    def restart_backend(self) -> None:
        self.processes["backend"].stop()
        self.processes["backend"].start()


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """A model trained on the current config, domain and data (trained once per change)."""
    return ensure_model()


@pytest.fixture(scope="session")
def system(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("system")
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = system_specs(rasa_model, ports, base / "var", base / "logs", rasa_token=DEV_RASA_TOKEN)
    running = {s.name: RunningProcess(s, base / "logs" / f"{s.name}.out") for s in specs}
    started: list[RunningProcess] = []
    try:
        for proc in running.values():
            proc.start()
            started.append(proc)
        yield System(f"http://127.0.0.1:{ports.rasa}", f"http://127.0.0.1:{ports.backend}",
                     DEV_RASA_TOKEN, running, base / "logs")
    finally:
        for proc in reversed(started):
            proc.stop()


@pytest.fixture(scope="session")
def rasa_url(system: System) -> str:
    return system.rasa_url


@pytest.fixture(scope="session")
def backend_url(system: System) -> str:
    return system.backend_url


@pytest.fixture(scope="session")
def rasa_token(system: System) -> str:
    return system.rasa_token


@pytest.fixture(scope="session")
def restart_backend(system: System) -> Callable[[], None]:
    return system.restart_backend


@pytest.fixture(scope="session")
def service_token() -> str:
    return os.environ.get("MINWON_SERVICE_TOKEN", "dev-service-token")
