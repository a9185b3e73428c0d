"""Settings: profiles, refused placeholder secrets."""

from __future__ import annotations

import pytest

from app.settings import BENCH_SMS_RATE_LIMIT_COUNT, ConfigurationError, Settings


def test_dev_profile_runs_with_dev_defaults() -> None:
    Settings(profile="dev").check_secrets()


@pytest.mark.parametrize("profile", ["prod", "bench"])
def test_placeholder_service_token_stops_startup_outside_dev(profile: str) -> None:
    with pytest.raises(ConfigurationError):
        Settings(profile=profile).check_secrets()  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Settings(profile=profile, service_token="long-enough-token-1234").check_secrets()  # type: ignore[arg-type]
    Settings(
        profile=profile,
        service_token="long-enough-token-1234",  # type: ignore[arg-type]
        secret_key="another-long-secret-5678",
    ).check_secrets()


def test_bench_profile_raises_the_sms_rate_limit_unless_set() -> None:
    assert Settings(profile="bench").sms_rate_limit_count == BENCH_SMS_RATE_LIMIT_COUNT
    assert Settings(profile="bench", sms_rate_limit_count=7).sms_rate_limit_count == 7
    assert Settings(profile="dev").sms_rate_limit_count == 5


def test_settings_read_the_minwon_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINWON_PORT", "8123")
    monkeypatch.setenv("MINWON_PROFILE", "prod")
    settings = Settings()
    assert (settings.port, settings.profile) == (8123, "prod")
