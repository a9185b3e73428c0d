"""Fixtures: every API test runs on a fresh SQLite file and on a real PostgreSQL database.

PostgreSQL is required (MINWON_REQUIRE_PG=1 by default): without it the tests fail, they do
not skip. Each test gets a database cloned from a migrated and seeded template.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.clock import SEOUL
from app.main import create_app, prepare_database
from app.runtime import Runtime, build_runtime
from app.settings import Settings
from app.testing.pg_cluster import PgCluster, PostgresNotFound, start_cluster

SERVICE = {"Authorization": "Bearer dev-service-token"}
# A Wednesday, 10:00 in Seoul: inside service hours.
DEFAULT_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SEOUL)
_counter = itertools.count()


class MutableClock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)


def _settings(url: str, **overrides: object) -> Settings:
    return Settings(database_url=url, profile="dev", **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | None]:
    try:
        cluster = start_cluster()
    except PostgresNotFound as e:
        if os.environ.get("MINWON_REQUIRE_PG", "1") != "0":
            pytest.fail(f"PostgreSQL is required for the backend tests: {e}")
        yield None
        return
    try:
        engine = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE minwon_template"))
        engine.dispose()
        _prepare(cluster.url("minwon_template"))
        yield cluster
    finally:
        cluster.stop()


def _prepare(url: str) -> None:
    runtime = build_runtime(_settings(url))
    prepare_database(runtime)
    runtime.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "backend.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PgCluster | None = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip("PostgreSQL explicitly disabled with MINWON_REQUIRE_PG=0")
    name = f"t_{os.getpid()}_{next(_counter)}"
    admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE minwon_template'))
    yield cluster.url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(DEFAULT_NOW)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {}


@pytest.fixture
def app(
    db_url: str, clock: MutableClock, settings_overrides: dict[str, object]
) -> Iterator[FastAPI]:
    application = create_app(
        _settings(db_url, **settings_overrides), clock=clock, configure_logs=False
    )
    yield application
    application.state.runtime.engine.dispose()


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


ConfirmFn = Callable[..., dict[str, str]]

KIM = {"name": "김영희", "birth_date": "1950-03-02", "phone": "01012345678"}  # 76, delivery
LEE = {"name": "이민준", "birth_date": "1990-07-15", "phone": "01023456789"}  # not eligible
PARK = {"name": "박서연", "birth_date": "1994-11-30", "phone": "01034567890"}  # pregnant


def last_code(client: TestClient, phone: str) -> str:
    messages = client.get("/dev/sms-outbox", params={"phone": phone}).json()
    codes = re.findall(r"\d{6}", messages[-1]["text"])
    assert len(codes) == 1
    return codes[0]


@pytest.fixture
def confirm(client: TestClient) -> ConfirmFn:
    """Confirm a resident's identity; returns headers for resident endpoints."""

    def _confirm(person: dict[str, str] = KIM, conversation_id: str = "conv-1") -> dict[str, str]:
        started = client.post(
            "/api/v1/identity/challenges",
            headers=SERVICE,
            json={"conversation_id": conversation_id, **person},
        )
        assert started.status_code == 201, started.text
        code = last_code(client, person["phone"])
        verified = client.post(
            f"/api/v1/identity/challenges/{started.json()['challenge_id']}/verify",
            headers=SERVICE,
            json={"conversation_id": conversation_id, "code": code},
        )
        assert verified.status_code == 200, verified.text
        return {
            **SERVICE,
            "X-Identity-Token": verified.json()["identity_token"],
            "X-Conversation-Id": conversation_id,
        }

    return _confirm


BUSINESS_CONTACTS = {"1234567890": "01077770001", "9876543210": "01077770002"}


def prove_business(
    client: TestClient, business_number: str, conversation_id: str = "biz-1"
) -> dict[str, str]:
    """Prove a business by the code sent to its contact phone; headers for bulk endpoints."""
    started = client.post(
        "/api/v1/bulk/challenges",
        headers=SERVICE,
        json={"conversation_id": conversation_id, "business_number": business_number},
    )
    assert started.status_code == 201, started.text
    code = last_code(client, BUSINESS_CONTACTS[business_number])
    verified = client.post(
        f"/api/v1/bulk/challenges/{started.json()['challenge_id']}/verify",
        headers=SERVICE,
        json={"conversation_id": conversation_id, "code": code},
    )
    assert verified.status_code == 200, verified.text
    return {
        **SERVICE,
        "X-Business-Token": verified.json()["business_token"],
        "X-Conversation-Id": conversation_id,
    }
