"""Voice line tests: unit tests with a scripted Rasa, the TwiML webhook on a local Sanic app, and
whole calls through the shared running system (test_*_e2e.py)."""

from __future__ import annotations

from sanic import Sanic

# Several Sanic apps start in one test process (as in tests/bot/conftest.py): test mode lets
# sanic re-apply its method touch-ups instead of failing on the second app.
Sanic.test_mode = True
