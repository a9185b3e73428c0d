"""Session fixtures shared by the Rasa-side tests: a trained model and a running system.

The model is trained once per change of its inputs (cached by hash, see scripts/model_cache.py).
The system fixture starts the same processes as ``./minwon start`` (backend, action server, Rasa
server with the REST channel and the HTTP API) on free loopback ports with a throwaway var dir, in
the ``test`` profile (REST channel and SMS outbox on, secrets checked) with this session's random
secrets (tests/system_secrets.py). Rasa's HTTP API takes ``system.rasa_headers()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.processes import ManagedProcess, Ports, free_port, system_specs
from bot.rasa_auth import rasa_auth_headers
from scripts.model_cache import ensure_model
from tests.system_secrets import TEST_SECRETS


class RunningProcess(ManagedProcess):
    """A system process whose start() returns once it is healthy (stopped again if not)."""

    # Loading the model takes ~60 s on a quiet 2-core machine but several minutes under load
    # (measured: > 240 s at load average 14-27); a slow start is not a failure of the system.
    def start(self, timeout_s: float = 600) -> None:  # type: ignore[override]
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
    rasa_token: str  # the JWT signing secret; never sent itself (use rasa_headers())
    processes: dict[str, RunningProcess]
    log_dir: Path
    service_token: str = TEST_SECRETS["MINWON_SERVICE_TOKEN"]

    def rasa_headers(self) -> dict[str, str]:
        """``Authorization: Bearer <jwt>`` for Rasa's HTTP API (admin, valid a few minutes)."""
        return rasa_auth_headers(self.rasa_token)

    def restart_backend(self) -> None:
        self.processes["backend"].stop()
        self.processes["backend"].start()


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """A model trained on the current config, domain and data (trained once per change)."""
    return ensure_model()


# Every scripted resident of the shared system talks to the REST channel from 127.0.0.1, so the
# backend sees them all as one client and would refuse identity challenges after five in ten
# minutes, which a resident on their own phone never meets; the tests' own order look-ups
# (resident.backend_order) share one conversation the same way. Only this system's backend gets
# the raised limits: the limits themselves are tested against backends of their own
# (backend/tests/api/test_rate_limits.py, tests/actions/test_problems.py). Per-phone and
# per-conversation challenge limits stay as configured: each conversation uses its own resident.
SHARED_CLIENT_LIMITS = {
    "MINWON_CHALLENGE_CLIENT_LIMIT_COUNT": "1000",
    "MINWON_ORDER_LOOKUP_CLIENT_LIMIT_COUNT": "1000",
    "MINWON_ORDER_LOOKUP_CONVERSATION_LIMIT_COUNT": "1000",
}


@pytest.fixture(scope="session")
def system(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("system")
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = system_specs(rasa_model, ports, base / "var", base / "logs", "test", TEST_SECRETS)
    for spec in specs:
        if spec.name == "backend":
            spec.env.update(SHARED_CLIENT_LIMITS)
        if spec.name == "rasa":  # the FastAGI voice line (tests/voice/test_fastagi*)
            spec.env.update({
                "MINWON_AGI_PORT": str(free_port()),
                "MINWON_AGI_RECOGNISER": "vosk",
                "MINWON_AGI_RECORDINGS": str(base / "agi-recordings"),
            })
    running = {s.name: RunningProcess(s, base / "logs" / f"{s.name}.out") for s in specs}
    started: list[RunningProcess] = []
    try:
        for proc in running.values():
            proc.start()
            started.append(proc)
        yield System(f"http://127.0.0.1:{ports.rasa}", f"http://127.0.0.1:{ports.backend}",
                     TEST_SECRETS["MINWON_RASA_TOKEN"], running, base / "logs")
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
    """The secret Rasa's API tokens are signed with (``bot.rasa_auth.rasa_auth_headers``)."""
    return system.rasa_token


@pytest.fixture
def rasa_headers(system: System) -> dict[str, str]:
    """Headers for one test's calls to Rasa's HTTP API."""
    return system.rasa_headers()


@pytest.fixture(scope="session")
def restart_backend(system: System) -> Callable[[], None]:
    return system.restart_backend


@pytest.fixture(scope="session")
def service_token() -> str:
    """The action server's token for the system fixture's backend."""
    return TEST_SECRETS["MINWON_SERVICE_TOKEN"]
