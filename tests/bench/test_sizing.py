"""A district's IT team sizes its machines from the measured CPU per turn (bench/sizing.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sizing import Traffic, cpu_per_turn, size

ROOT = Path(__file__).resolve().parents[2]


def _result(levels: list[dict[str, float]], processes: int = 2) -> dict:
    return {"runs": [
        {"system": "minwon", "mix": "full", "rasa_processes": 1,
         "levels": [{"cpu_ms_per_turn": {"rasa": 999.0}}]},
        {"system": "minwon", "mix": "full", "rasa_processes": processes,
         "levels": [{"cpu_ms_per_turn": cpu} for cpu in levels]},
    ]}


def test_peak_turns_follow_the_stated_assumptions() -> None:
    # 36,000 contacts x 10 turns, a tenth in the peak hour, no burst: 10 turns a second.
    assert Traffic(36_000, 10, 0.1, 1.0).peak_turns_per_s == pytest.approx(10.0)


def test_cpu_per_turn_is_the_median_of_the_scaled_run() -> None:
    result = _result([{"rasa": 30.0, "backend": 4.0}, {"rasa": 40.0, "backend": 2.0},
                      {"rasa": 35.0, "backend": 3.0}])
    assert cpu_per_turn(result) == {"rasa": 35.0, "backend": 3.0}


def test_the_load_of_residents_who_pause_is_preferred_when_measured() -> None:
    result = _result([{"rasa": 20.0}])
    result["paced"] = {"mix": "full", "rasa_processes": 2, "levels": [
        {"cpu_ms_per_turn": {"rasa": 26.0}}, {"cpu_ms_per_turn": {"rasa": 25.0}},
        {"cpu_ms_per_turn": {"rasa": 24.0}}]}
    assert cpu_per_turn(result) == {"rasa": 25.0}


def test_cores_and_machines_include_headroom_and_one_spare() -> None:
    sizing = size(Traffic(36_000, 10, 0.1, 1.0), {"rasa": 40.0, "backend": 10.0},
                  utilisation=0.5, cores_per_machine=4)
    # 10 turns/s x 50 ms = 0.5 core busy; at 50 % utilisation 1 core; one 4-core machine + 1.
    assert sizing.cores == {"rasa": pytest.approx(0.8), "backend": pytest.approx(0.2)}
    assert sizing.machines == 2
    with pytest.raises(ValueError):
        size(Traffic(1, 1, 1, 1), {"rasa": 1.0}, utilisation=0, cores_per_machine=4)


def test_the_command_prints_its_assumptions_and_a_machine_count(tmp_path: Path) -> None:
    path = tmp_path / "throughput.json"
    path.write_text(json.dumps(_result([{"rasa": 30.0, "actions": 4.0}])), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bench.sizing", "--result", str(path),
         "--contacts-per-day", "72000", "--turns-per-contact", "5", "--peak-hour-share", "0.1",
         "--burst", "1", "--utilisation", "1", "--cores-per-machine", "2"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert "72,000 contacts a day" in out
    assert "peak: 10.0 turns/s" in out
    assert "| all | 34.0 | 0.34 |" in out
    assert "machines of 2 cores: 2" in out
