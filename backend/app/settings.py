"""One settings object for the backend, read from `MINWON_*` environment variables.

The defaults are the dev profile (SQLite file, SMS outbox, dev tokens). Outside the dev profile a
missing or placeholder secret stops startup, as in the FastAPI full-stack template.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKEND_ROOT = Path(__file__).resolve().parents[1]

DEV_SERVICE_TOKEN = "dev-service-token"  # noqa: S105 - the documented dev default
DEV_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105 - refused outside the dev profile

Profile = Literal["dev", "bench", "prod"]

# What a benchmark run raises, unless set explicitly: many synthetic residents confirm identities
# from one machine, and the per-phone limit would otherwise throttle the run itself.
BENCH_SMS_RATE_LIMIT_COUNT = 10_000


class ConfigurationError(RuntimeError):
    """Raised at startup when a setting is missing or unsafe for the chosen profile."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINWON_", extra="ignore")

    profile: Profile = "dev"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None  # default: SQLite file var/backend.db under the repo root
    district_dir: Path = REPO_ROOT / "data" / "district"
    district_file: str = "jung-gu.yml"
    operations_file: Path = BACKEND_ROOT / "data" / "jung-gu-operations.yml"

    service_token: SecretStr = SecretStr(DEV_SERVICE_TOKEN)
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)  # HMAC key for codes, tokens, phone keys

    otp_ttl_s: int = 180
    otp_max_tries: int = 5
    sms_rate_limit_count: int = 5
    sms_rate_limit_window_s: int = 600
    identity_token_ttl_s: int = 1800
    staff_token_ttl_s: int = 8 * 3600

    sms_gateway: Literal["outbox", "http"] = "outbox"
    sms_http_url: str | None = None
    sms_http_key: SecretStr | None = None
    sms_http_sender: str = "0222600114"
    sms_http_timeout_s: float = 5.0

    log_level: str = "INFO"
    log_file: Path | None = None

    @model_validator(mode="after")
    def _apply_profile(self) -> Settings:
        if self.profile == "bench" and "sms_rate_limit_count" not in self.model_fields_set:
            self.sms_rate_limit_count = BENCH_SMS_RATE_LIMIT_COUNT
        return self

    def check_secrets(self) -> None:
        """Refuse placeholder secrets outside the dev profile.

        Raises:
            ConfigurationError: a secret is missing or still the dev placeholder.
        """
        if self.profile == "dev":
            return
        token = self.service_token.get_secret_value()
        if not token or token == DEV_SERVICE_TOKEN or len(token) < 16:
            raise ConfigurationError("MINWON_SERVICE_TOKEN must be set (16+ chars) outside dev")
        key = self.secret_key.get_secret_value()
        if not key or key == DEV_SECRET_KEY or len(key) < 16:
            raise ConfigurationError("MINWON_SECRET_KEY must be set (16+ chars) outside dev")
        if self.sms_gateway == "http" and not (self.sms_http_url and self.sms_http_key):
            raise ConfigurationError("the http SMS gateway needs MINWON_SMS_HTTP_URL and _KEY")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        var_dir = REPO_ROOT / "var"
        var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{var_dir / 'backend.db'}"

    @property
    def seeds_load_residents(self) -> bool:
        return self.profile in ("dev", "bench")

    @property
    def is_dev(self) -> bool:
        return self.profile == "dev"
