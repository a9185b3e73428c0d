"""End-to-end conversations share one client address; the backend limits requests per client.

Every scripted resident talks to the REST channel from 127.0.0.1, so the backend sees them all
as one client (bot/client_key.py) and would refuse identity challenges after five in ten minutes
(`challenge_client_limit_count`), which a real resident on their own phone never meets; the
tests' own order look-ups (resident.backend_order) meet the order look-up limits the same way.
The limits themselves are tested in backend/tests/api/test_rate_limits.py; here they are raised
for the system the tests start (set while pytest collects, before the session's system fixture
starts its processes, which inherit the environment). Per-phone and per-conversation challenge
limits stay as configured: each conversation here uses its own resident.
"""

from __future__ import annotations

import os

for limit in (
    "MINWON_CHALLENGE_CLIENT_LIMIT_COUNT",
    "MINWON_ORDER_LOOKUP_CLIENT_LIMIT_COUNT",
    "MINWON_ORDER_LOOKUP_CONVERSATION_LIMIT_COUNT",
):
    os.environ.setdefault(limit, "1000")
