"""The secrets of this test session's system (profile ``test``): random, generated once per run.

The test profile refuses published and dev values like production does, so the fixtures never use
the strings written in this repository. Tests that call the backend or Rasa's HTTP API take them
from here (or from the ``system`` fixture).
"""

from __future__ import annotations

import secrets

TEST_SECRETS: dict[str, str] = {
    name: secrets.token_urlsafe(32)
    for name in ("MINWON_SERVICE_TOKEN", "MINWON_SECRET_KEY", "MINWON_RASA_TOKEN",
                 "MINWON_KAKAO_SECRET")
}
SERVICE_TOKEN = TEST_SECRETS["MINWON_SERVICE_TOKEN"]
RASA_TOKEN = TEST_SECRETS["MINWON_RASA_TOKEN"]
