"""Every Kakao webhook delivered twice, to two Rasa instances, for N residents at once.

Runs ``tests/scale/test_channels_two_instances.py``'s double-delivery test with N conversations
(default 50, the issue's acceptance figure; CI runs 3): two Rasa servers over one PostgreSQL
tracker store and one Redis (locks and channel state); each resident orders a certificate with
every request sent to both instances at the same moment. It passes when there is no duplicate
order, no lost or doubled turn, and every reply answers the request just sent.

    .venvs/rasa/bin/python bench/kakao_twice.py [--conversations 50]

Writes ``bench/results/kakao_twice.json`` (conversations, turns, seconds, passed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/scale/test_channels_two_instances.py"
SUMMARY = re.compile(r"(\d+) conversations, (\d+) turns each delivered twice, ([\d.]+) s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    args = parser.parse_args()
    env = {**os.environ, "MINWON_TWICE_CONVERSATIONS": str(args.conversations),
           "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST,
         "-k", "every_webhook_arrives_twice"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    found = SUMMARY.search(run.stdout)
    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "conversations": args.conversations,
        "turns": int(found.group(2)) if found else None,
        "seconds_for_the_conversations": float(found.group(3)) if found else None,
        "seconds_with_start": round(time.monotonic() - started, 1),
        "passed": run.returncode == 0,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if run.returncode != 0:
        print(run.stdout[-4000:], run.stderr[-2000:], sep="\n")
    out = ROOT / "bench" / "results" / "kakao_twice.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
