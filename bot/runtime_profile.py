"""The deployment profile the Rasa process runs in (``MINWON_PROFILE``), as channels see it.

Unset means ``production``: a convenience must be asked for, never left on by accident. Only the
``dev`` and ``test`` profiles open the REST channel and accept Kakao and Telegram without secrets.
"""

from __future__ import annotations

import os

PRODUCTION = "production"
RELAXED_PROFILES = frozenset({"dev", "test"})


def current_profile() -> str:
    return (os.environ.get("MINWON_PROFILE") or PRODUCTION).strip().lower()


def is_dev_or_test() -> bool:
    """``True`` in the ``dev`` and ``test`` profiles, where conveniences are allowed."""
    return current_profile() in RELAXED_PROFILES
