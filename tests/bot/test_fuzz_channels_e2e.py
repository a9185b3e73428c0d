"""1,000 seeded hostile payloads across REST, web chat, Kakao and Telegram of a running system:
no 5xx, every process alive, and the next real conversation is answered normally.

The generator is ``bench/fuzz_channels.py`` (10,000 payloads there, results in bench/results).
"""

from __future__ import annotations

import pytest
from channel_system import KAKAO_SECRET, TG_SECRET, Channels

from bench.fuzz_channels import Secrets, run_against

pytestmark = pytest.mark.e2e

SEED = 20261204
N = 1000


def test_a_thousand_hostile_payloads_break_nothing(system: object, channels: Channels) -> None:
    processes = system.processes  # type: ignore[attr-defined]

    def alive() -> dict[str, bool]:
        states = {name: proc.is_alive() for name, proc in processes.items()}
        return {**states, "rasa_with_channels": bool(channels.rasa.is_alive())}

    report = run_against(
        channels.rasa.url, Secrets(KAKAO_SECRET, TG_SECRET), N, SEED, alive, concurrency=6
    )
    summary = report.as_dict()
    assert report.server_errors == [], summary
    assert report.transport_errors == [], summary
    assert all(report.alive.values()), summary
    assert report.conversation_after["answered"], summary
    assert sum(report.by_status.values()) == N
    # what the fuzz reached: real turns were answered, malformed input refused without a crash
    assert report.by_status["200"] > N // 4, summary
    assert report.by_status["400"] > 0, summary
    assert report.by_status["413"] > 0, summary
