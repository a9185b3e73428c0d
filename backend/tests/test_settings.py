"""Settings: production by default, dev on request, refused missing/short/published secrets."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import BENCH_SMS_RATE_LIMIT_COUNT, ConfigurationError, Settings

GOOD = {
    "service_token": secrets.token_urlsafe(32),
    "secret_key": secrets.token_urlsafe(32),
    "rasa_token": secrets.token_urlsafe(32),
}
VARIABLES = {
    "service_token": "MINWON_SERVICE_TOKEN",
    "secret_key": "MINWON_SECRET_KEY",
    "rasa_token": "MINWON_RASA_TOKEN",
}
BAD_VALUES = {
    "missing": "",
    "short": "x" * 31,
    "published": "dev-service-token",
    "dev-generated": "dev-" + "a" * 43,
    "placeholder": "change-me",
}


def test_the_default_profile_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINWON_PROFILE", raising=False)
    assert Settings().profile == "production"
    with pytest.raises(ConfigurationError, match="MINWON_SERVICE_TOKEN is not set"):
        Settings().check_secrets()


def test_dev_profile_runs_with_dev_defaults() -> None:
    Settings(profile="dev").check_secrets()


# A benchmark runs the backend alone, without Rasa: bench needs no Rasa token (tested below).
CHECKED_SECRETS = [
    (profile, field)
    for profile in ("production", "test", "bench")
    for field in sorted(VARIABLES)
    if not (profile == "bench" and field == "rasa_token")
]


@pytest.mark.parametrize(("profile", "field"), CHECKED_SECRETS)
@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
def test_a_bad_secret_stops_startup_naming_the_variable(
    profile: str, field: str, kind: str
) -> None:
    settings = Settings(profile=profile, **{**GOOD, field: BAD_VALUES[kind]})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=VARIABLES[field]) as refused:
        settings.check_secrets()
    assert "profile" in str(refused.value)
    # the refusal never repeats the value it refused
    if BAD_VALUES[kind]:
        assert BAD_VALUES[kind] not in str(refused.value)


def test_a_benchmark_needs_no_rasa_token() -> None:
    Settings(profile="bench", **{**GOOD, "rasa_token": ""}).check_secrets()  # type: ignore[arg-type]


def test_a_complete_config_passes_in_every_profile() -> None:
    for profile in ("production", "test", "bench"):
        Settings(profile=profile, **GOOD).check_secrets()  # type: ignore[arg-type]


def test_prod_is_read_as_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINWON_PORT", "8123")
    monkeypatch.setenv("MINWON_PROFILE", "prod")
    settings = Settings()
    assert (settings.port, settings.profile) == (8123, "production")


def test_bench_profile_raises_the_sms_rate_limit_unless_set() -> None:
    assert Settings(profile="bench").sms_rate_limit_count == BENCH_SMS_RATE_LIMIT_COUNT
    assert Settings(profile="bench", sms_rate_limit_count=7).sms_rate_limit_count == 7
    assert Settings(profile="dev").sms_rate_limit_count == 5


def _client(db_url: str, profile: str) -> TestClient:
    settings = Settings(database_url=db_url, profile=profile, **GOOD)  # type: ignore[arg-type]
    return TestClient(create_app(settings, configure_logs=False))


DEV_LOGIN = {"username": "counter1", "password": "counter-dev-pass"}


def test_production_has_no_outbox_route_and_no_dev_accounts(db_url: str) -> None:
    client = _client(db_url, "production")
    assert client.get("/health").status_code == 200
    assert client.get("/dev/sms-outbox", params={"phone": "01012345678"}).status_code == 404
    assert client.post("/api/v1/staff/login", json=DEV_LOGIN).status_code == 401
    client.app.state.runtime.engine.dispose()  # type: ignore[attr-defined]


def test_test_profile_has_the_outbox_route_but_no_dev_accounts(db_url: str) -> None:
    client = _client(db_url, "test")
    assert client.get("/dev/sms-outbox", params={"phone": "01012345678"}).status_code == 200
    assert client.post("/api/v1/staff/login", json=DEV_LOGIN).status_code == 401
    client.app.state.runtime.engine.dispose()  # type: ignore[attr-defined]


def test_dev_accounts_of_an_earlier_dev_run_are_switched_off_in_production(db_url: str) -> None:
    dev = TestClient(create_app(Settings(database_url=db_url, profile="dev"), configure_logs=False))
    assert dev.post("/api/v1/staff/login", json=DEV_LOGIN).status_code == 200
    dev.app.state.runtime.engine.dispose()  # type: ignore[attr-defined]
    client = _client(db_url, "production")
    assert client.post("/api/v1/staff/login", json=DEV_LOGIN).status_code == 401
    client.app.state.runtime.engine.dispose()  # type: ignore[attr-defined]
