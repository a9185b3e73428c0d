"""Identity rules under concurrency, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from app.errors import OtpLocked, OtpWrong, SmsRateLimited
from app.repositories.store import Store
from app.runtime import Runtime
from app.services.identity import start_challenge, verify_challenge
from tests.conftest import DEFAULT_NOW


def test_concurrent_sends_never_pass_the_rate_limit(runtime: Runtime) -> None:
    requests = 12
    barrier = threading.Barrier(requests)

    def one(i: int) -> str:
        with runtime.sessions() as session:
            barrier.wait()
            try:
                start_challenge(
                    Store(session),
                    runtime.registry,
                    runtime.sms,
                    runtime.identity_policy,
                    conversation_id=f"c{i}",
                    name="김영희",
                    birth_date=date(1950, 3, 2),
                    phone="01012345678",
                    now=DEFAULT_NOW,
                )
            except SmsRateLimited:
                return "limited"
            return "sent"

    with ThreadPoolExecutor(max_workers=requests) as pool:
        outcomes = list(pool.map(one, range(requests)))
    assert outcomes.count("sent") == runtime.settings.sms_rate_limit_count == 5
    assert outcomes.count("limited") == requests - 5


def test_concurrent_wrong_codes_lock_after_exactly_five(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        started = start_challenge(
            Store(session),
            runtime.registry,
            runtime.sms,
            runtime.identity_policy,
            conversation_id="c",
            name="김영희",
            birth_date=date(1950, 3, 2),
            phone="01012345678",
            now=DEFAULT_NOW,
        )
    requests = 10
    barrier = threading.Barrier(requests)

    def one(_: int) -> str:
        with runtime.sessions() as session:
            barrier.wait()
            try:
                verify_challenge(
                    Store(session),
                    runtime.registry,
                    runtime.identity_policy,
                    challenge_id=started.challenge_id,
                    conversation_id="c",
                    code="not-a-code",
                    now=DEFAULT_NOW,
                )
            except OtpWrong:
                return "wrong"
            except OtpLocked:
                return "locked"
            return "confirmed"

    with ThreadPoolExecutor(max_workers=requests) as pool:
        outcomes = list(pool.map(one, range(requests)))
    assert outcomes.count("wrong") == 4
    assert outcomes.count("locked") == 6
