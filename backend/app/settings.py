"""One settings object for the backend, read from `MINWON_*` environment variables.

The default profile is `production`: a convenience must be asked for (`MINWON_PROFILE=dev`, which
`./minwon start` sets explicitly). Outside the dev profile a missing, short (< 32 characters) or
published secret stops startup, naming the variable (docs/security.md).

| profile | SMS outbox route | dev staff accounts | load residents | secrets checked |
| --- | --- | --- | --- | --- |
| dev | yes (`/dev/sms-outbox`) | yes | yes | no |
| test | yes | no | yes | yes |
| bench | no | no | yes | yes (not the Rasa token: a bench runs the backend alone) |
| production | no | switched off if still present | no | yes |
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKEND_ROOT = Path(__file__).resolve().parents[1]

DEV_SERVICE_TOKEN = "dev-service-token"  # noqa: S105 - the documented dev default
DEV_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105 - refused outside the dev profile
MIN_SECRET_CHARS = 32
# Values written anywhere in this repository: refused outside dev. `./minwon start` generates its
# dev secrets with the `dev-` prefix, so those are refused too.
PUBLISHED_SECRETS = frozenset(
    {
        DEV_SERVICE_TOKEN,
        DEV_SECRET_KEY,
        "dev-rasa-token",
        "change-me",
        "changeme",
        "secret",
        "password",
        "token",
    }
)
DEV_SECRET_PREFIX = "dev-"  # noqa: S105 - a prefix, refused

Profile = Literal["dev", "test", "bench", "production"]

# What a benchmark run raises, unless set explicitly: many synthetic residents confirm identities
# from one machine, and the per-phone limit would otherwise throttle the run itself.
BENCH_SMS_RATE_LIMIT_COUNT = 10_000
# The same for the other limits a benchmark run would hit from one machine.
BENCH_RAISED_LIMITS = (
    "challenge_conversation_limit_count",
    "challenge_client_limit_count",
    "challenge_global_limit_count",
    "order_lookup_conversation_limit_count",
    "order_lookup_client_limit_count",
)


class ConfigurationError(RuntimeError):
    """Raised at startup when a setting is missing or unsafe for the chosen profile."""


def secret_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be the secret `name` outside dev, or None when it can."""
    value = value.strip()
    if not value:
        return f"{name} is not set"
    if value.lower() in PUBLISHED_SECRETS or value.startswith(DEV_SECRET_PREFIX):
        return f"{name} is a published or dev value"
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} is {len(value)} characters long (at least {MIN_SECRET_CHARS})"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINWON_", extra="ignore")

    profile: Profile = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None  # default: SQLite file var/backend.db under the repo root
    district_dir: Path = REPO_ROOT / "data" / "district"
    district_file: str = "jung-gu.yml"
    operations_file: Path = BACKEND_ROOT / "data" / "jung-gu-operations.yml"

    service_token: SecretStr = SecretStr(DEV_SERVICE_TOKEN)
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)  # HMAC key for codes, tokens, phone keys
    # The Rasa HTTP API (handoff transcripts, staff replies): its JWT signing secret, never sent.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr | None = None
    rasa_timeout_s: float = 5.0
    rasa_token_ttl_s: int = 60  # each call signs its own conversation-scoped token

    # The staff console (docs/console.md): cookie sessions, server side.
    console_session_ttl_s: int = 8 * 3600  # a working day, then log in again
    console_idle_timeout_s: int = 30 * 60  # a PC left alone ends its session
    # Secure cookies: None follows the request (https, or X-Forwarded-Proto from the proxy).
    console_secure_cookies: bool | None = None
    # A waiting ticket nobody took within this time is raised to the supervisors.
    handoff_escalate_after_s: int = 10 * 60

    otp_ttl_s: int = 180
    otp_max_tries: int = 5
    sms_rate_limit_count: int = 5
    sms_rate_limit_window_s: int = 600
    identity_token_ttl_s: int = 1800
    staff_token_ttl_s: int = 8 * 3600

    # Rate limits (issue 9; docs/backend-api.md "Rate limits"). Challenges count business-code
    # challenges too. A "client" is the channel's `client_key` (X-Minwon-Client), else the
    # conversation.
    challenge_conversation_limit_count: int = 5
    challenge_client_limit_count: int = 5
    challenge_limit_window_s: int = 600
    challenge_global_limit_count: int = 600
    challenge_global_window_s: int = 600
    challenge_daily_lock_count: int = 3  # locked challenges per phone/conversation/client/day
    staff_login_account_limit_count: int = 5  # failed logins per account per window
    staff_login_client_limit_count: int = 20  # failed logins per client address per window
    staff_login_window_s: int = 900
    staff_login_hash_concurrency: int = 2  # password hashes computed at once (scrypt, 16 MB)
    order_lookup_conversation_limit_count: int = 10
    order_lookup_client_limit_count: int = 30
    order_lookup_window_s: int = 600
    business_token_ttl_s: int = 1800  # proof of a business, bound to its conversation
    staff_business_token_ttl_s: int = 24 * 3600  # staff-issued, until exchanged once

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
        if self.profile == "bench":
            for name in BENCH_RAISED_LIMITS:
                if name not in self.model_fields_set:
                    setattr(self, name, BENCH_SMS_RATE_LIMIT_COUNT)
        return self

    @field_validator("profile", mode="before")
    @classmethod
    def _prod_means_production(cls, value: object) -> object:
        return "production" if isinstance(value, str) and value.strip() == "prod" else value

    def check_secrets(self) -> None:
        """Refuse missing, short or published secrets outside the dev profile.

        Raises:
            ConfigurationError: naming every variable that is missing, short or published.
        """
        if self.profile == "dev":
            return
        fields = ["service_token", "secret_key"]
        if self.profile != "bench":  # a benchmark runs the backend alone, without Rasa
            fields.append("rasa_token")
        problems = []
        for field in fields:
            secret: SecretStr | None = getattr(self, field)
            # a dev default left in place is reported as what it is: not set
            given = secret.get_secret_value() if secret and field in self.model_fields_set else ""
            if problem := secret_problem(f"MINWON_{field.upper()}", given):
                problems.append(problem)
        if problems:
            raise ConfigurationError(
                f"the backend refuses to start in the {self.profile} profile: "
                + "; ".join(problems)
                + " (generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
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
        return self.profile in ("dev", "test", "bench")

    @property
    def exposes_sms_outbox(self) -> bool:
        """`GET /dev/sms-outbox` (no authentication): dev, and the test fixtures that read codes."""
        return self.profile in ("dev", "test")

    @property
    def seeds_dev_staff(self) -> bool:
        return self.profile == "dev"

    @property
    def is_dev(self) -> bool:
        return self.profile == "dev"
