"""How many cores and machines a peak load needs, from the CPU one turn costs each process.

The throughput benchmark (bench/throughput.py) measures, per process kind (Rasa, action server,
backend, PostgreSQL, Redis, HAProxy), the CPU milliseconds one conversation turn costs. This
turns those figures and a district's own assumptions about its traffic into cores per process
kind and a machine count:

    peak turns/s = contacts a day x turns per contact x peak-hour share x burst / 3600
    cores(kind)  = peak turns/s x CPU ms per turn(kind) / 1000 / target utilisation

A target utilisation under 1 leaves the headroom that keeps queueing (and so p95 latency) low;
one machine more than the sum is kept so that losing one keeps the service up.

Every default below is an assumption, printed with the result; a district replaces them with
its own figures (``.venvs/rasa/bin/python -m bench.sizing --help``).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "throughput.json"

# Processes of the scaled topology, in the order the table prints them.
KINDS = ("rasa", "actions", "backend", "database", "redis", "balancer")


@dataclass(frozen=True)
class Traffic:
    """A district's (or a city's) traffic assumptions."""

    contacts_per_day: float
    turns_per_contact: float
    peak_hour_share: float
    burst: float

    @property
    def peak_turns_per_s(self) -> float:
        return (
            self.contacts_per_day * self.turns_per_contact * self.peak_hour_share * self.burst
            / 3600
        )


@dataclass(frozen=True)
class Sizing:
    peak_turns_per_s: float
    cpu_ms_per_turn: dict[str, float]
    cores: dict[str, float]
    machines: int

    @property
    def total_cores(self) -> float:
        return sum(self.cores.values())


def cpu_per_turn(result: dict[str, Any], mix: str = "full") -> dict[str, float]:
    """The CPU ms per turn of each process kind, from the run with the most Rasa processes.

    The median over the run's levels: one level's figure moves with what else ran. The paced
    levels (residents who pause) when the result has them: a turn costs more there than when
    every conversation sends the moment it is answered (fewer turns share each wake-up), and
    that is the load a district sees.
    """
    paced = result.get("paced")
    if paced and paced.get("mix") == mix and paced.get("levels"):
        run = paced
    else:
        runs = [r for r in result["runs"] if r["system"] == "minwon" and r["mix"] == mix]
        if not runs:
            raise ValueError(f"no minwon {mix}-mix run in the benchmark result")
        run = max(runs, key=lambda r: r["rasa_processes"])
    kinds = {k for level in run["levels"] for k in level["cpu_ms_per_turn"]}
    return {
        kind: statistics.median(
            level["cpu_ms_per_turn"].get(kind, 0.0) for level in run["levels"]
        )
        for kind in sorted(kinds, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
    }


def size(
    traffic: Traffic,
    cpu_ms: dict[str, float],
    utilisation: float,
    cores_per_machine: int,
    spare_machines: int = 1,
) -> Sizing:
    """Cores per process kind and machines for the traffic's peak."""
    if not 0 < utilisation <= 1:
        raise ValueError("utilisation must be in (0, 1]")
    peak = traffic.peak_turns_per_s
    cores = {kind: peak * ms / 1000 / utilisation for kind, ms in cpu_ms.items()}
    machines = math.ceil(sum(cores.values()) / cores_per_machine) + spare_machines
    return Sizing(peak, cpu_ms, cores, machines)


def report(sizing: Sizing, traffic: Traffic, utilisation: float, cores_per_machine: int) -> str:
    lines = [
        f"assumed: {traffic.contacts_per_day:,.0f} contacts a day, "
        f"{traffic.turns_per_contact:g} turns each, {traffic.peak_hour_share:.0%} of them in the "
        f"peak hour, peak minute {traffic.burst:g}x the peak hour's mean",
        f"peak: {sizing.peak_turns_per_s:.1f} turns/s; target CPU utilisation "
        f"{utilisation:.0%}",
        "",
        "| process | CPU ms per turn | cores at the peak |",
        "| --- | --- | --- |",
    ]
    for kind, ms in sizing.cpu_ms_per_turn.items():
        lines.append(f"| {kind} | {ms:.1f} | {sizing.cores[kind]:.2f} |")
    lines.append(
        f"| all | {sum(sizing.cpu_ms_per_turn.values()):.1f} | {sizing.total_cores:.2f} |"
    )
    lines += [
        "",
        f"machines of {cores_per_machine} cores: {sizing.machines} "
        f"(the peak's cores rounded up, plus one so that losing a machine keeps the service up)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--result", type=Path, default=RESULTS,
                        help="bench/throughput.py's JSON result")
    parser.add_argument("--mix", choices=("full", "chat"), default="full")
    parser.add_argument("--contacts-per-day", type=float, default=40_000,
                        help="conversations a day (assumption: the order of magnitude of "
                             "Seoul's 120 call centre's daily contacts)")
    parser.add_argument("--turns-per-contact", type=float, default=10,
                        help="messages a resident sends per conversation (a whole certificate "
                             "order with identity is about 9-14, a question 1-3)")
    parser.add_argument("--peak-hour-share", type=float, default=0.15,
                        help="share of a day's contacts in its busiest hour")
    parser.add_argument("--burst", type=float, default=2.0,
                        help="busiest minute's rate over the busiest hour's mean")
    parser.add_argument("--utilisation", type=float, default=0.5,
                        help="target CPU utilisation at the peak (headroom keeps p95 low)")
    parser.add_argument("--cores-per-machine", type=int, default=4)
    args = parser.parse_args()

    result = json.loads(args.result.read_text(encoding="utf-8"))
    traffic = Traffic(args.contacts_per_day, args.turns_per_contact, args.peak_hour_share,
                      args.burst)
    cpu_ms = cpu_per_turn(result, args.mix)
    sizing = size(traffic, cpu_ms, args.utilisation, args.cores_per_machine)
    machine = result.get("machine", {})
    print(f"CPU per turn from {args.result.name}, measured {result.get('measured_at', '?')} on "
          f"{machine.get('cpu_count', '?')} cores ({machine.get('cpu_model', '?')})")
    print(report(sizing, traffic, args.utilisation, args.cores_per_machine))


if __name__ == "__main__":
    main()
