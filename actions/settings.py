"""Action-server settings, read once from the environment into a frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class ActionSettings:
    """Where the backend is and how long the action server waits for it."""

    backend_url: str
    service_token: str
    connect_timeout_s: float
    read_timeout_s: float
    retries: int
    district_file: Path
    district_cache_s: float
    # The backend's own settings, read from the same variables: what the resident is told
    # (copies per order, the SMS code's lifetime) is what the backend enforces.
    operations_file: Path = _REPO_ROOT / "backend" / "data" / "jung-gu-operations.yml"
    otp_ttl_s: int = 180

    @classmethod
    def from_env(cls) -> ActionSettings:
        """Build settings from `MINWON_*` variables; the defaults are the dev profile."""
        return cls(
            backend_url=os.environ.get("MINWON_BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=os.environ.get("MINWON_SERVICE_TOKEN", "dev-service-token"),
            connect_timeout_s=float(os.environ.get("MINWON_BACKEND_CONNECT_TIMEOUT_S", "2")),
            # Rasa waits for the action server; a slow backend must be reported, not waited out.
            read_timeout_s=float(os.environ.get("MINWON_BACKEND_READ_TIMEOUT_S", "5")),
            retries=int(os.environ.get("MINWON_BACKEND_RETRIES", "2")),
            district_file=Path(
                os.environ.get(
                    "MINWON_DISTRICT_FILE", str(_REPO_ROOT / "data" / "district" / "jung-gu.yml")
                )
            ),
            district_cache_s=float(os.environ.get("MINWON_DISTRICT_CACHE_S", "300")),
            operations_file=Path(
                os.environ.get(
                    "MINWON_OPERATIONS_FILE",
                    str(_REPO_ROOT / "backend" / "data" / "jung-gu-operations.yml"),
                )
            ),
            otp_ttl_s=int(os.environ.get("MINWON_OTP_TTL_S", "180")),
        )


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    """Return the process-wide settings (read on first use)."""
    return ActionSettings.from_env()
