"""Order-creation throughput and latency of the backend at 20 concurrent clients.

Starts a real backend (`python -m app`, profile `bench`) on SQLite and on a throwaway
PostgreSQL cluster, confirms the identities of the 200 synthetic load residents (codes read
from the SMS outbox table), then lets 20 clients create orders as fast as the server answers.
Prints the numbers, writes bench/results/backend_orders.json and backend_orders.png.

Run with the backend's environment:
    /root/.cache/minwon/venv-backend-dev/bin/python bench/backend_orders.py [--orders 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, select, text

REPO = Path(__file__).resolve().parents[1]
BACKEND = REPO / "backend"
RESULTS = REPO / "bench" / "results"
sys.path.insert(0, str(BACKEND))

from app.models import SmsOutbox
from app.testing.pg_cluster import PgCluster, free_port, start_cluster

CLIENTS = 20
SERVICE_TOKEN = "bench-" + secrets.token_hex(16)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def start_server(database_url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MINWON_PROFILE": "bench",
        "MINWON_DATABASE_URL": database_url,
        "MINWON_PORT": str(port),
        "MINWON_SERVICE_TOKEN": SERVICE_TOKEN,
        "MINWON_SECRET_KEY": secrets.token_hex(16),
        "MINWON_LOG_LEVEL": "WARNING",
    }
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app"], cwd=BACKEND, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"backend exited; see {log_path}")
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("backend did not become healthy")


async def confirm_all(
    client: httpx.AsyncClient, database_url: str, residents: list[dict[str, Any]]
) -> list[tuple[str, str, bool]]:
    """Confirm every load resident; returns (conversation_id, identity token, eligible)."""
    engine = create_engine(database_url)
    confirmed: list[tuple[str, str, bool]] = []
    semaphore = asyncio.Semaphore(CLIENTS)

    async def one(i: int, person: dict[str, Any]) -> None:
        conversation = f"bench-{i}-{secrets.token_hex(4)}"
        async with semaphore:
            started = await client.post(
                "/api/v1/identity/challenges",
                json={
                    "conversation_id": conversation,
                    "name": person["name"],
                    "birth_date": str(person["birth_date"]),
                    "phone": person["phone"],
                },
            )
            started.raise_for_status()
            with engine.connect() as conn:  # the bench profile has no /dev/sms-outbox
                message = conn.execute(
                    select(SmsOutbox.text)
                    .where(SmsOutbox.to_phone == person["phone"])
                    .order_by(SmsOutbox.id.desc())
                    .limit(1)
                ).scalar_one()
            code = re.findall(r"\d{6}", message)[0]
            verified = await client.post(
                f"/api/v1/identity/challenges/{started.json()['challenge_id']}/verify",
                json={"conversation_id": conversation, "code": code},
            )
            verified.raise_for_status()
            body = verified.json()
            confirmed.append(
                (conversation, body["identity_token"], body["resident"]["delivery_eligible"])
            )

    await asyncio.gather(*(one(i, p) for i, p in enumerate(residents)))
    engine.dispose()
    return confirmed


async def create_orders(
    client: httpx.AsyncClient, identities: list[tuple[str, str, bool]], total: int, run: str
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counter = iter(range(total))
    methods = ["kiosk", "counter", "online", "delivery"]

    async def worker() -> None:
        for i in counter:
            conversation, token, eligible = identities[i % len(identities)]
            method = methods[i % 4] if eligible else methods[i % 3]
            started = time.perf_counter()
            answer = await client.post(
                "/api/v1/orders",
                headers={"X-Identity-Token": token, "Idempotency-Key": f"{run}-{i}"},
                json={
                    "conversation_id": conversation,
                    "document": "resident_copy",
                    "copies": 1 + i % 3,
                    "method": method,
                },
            )
            latencies.append(time.perf_counter() - started)
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - began
    ms = [x * 1000 for x in latencies]
    return {
        "orders": total,
        "clients": CLIENTS,
        "elapsed_s": round(elapsed, 3),
        "throughput_per_s": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "statuses": statuses,
        "latencies_ms": [round(x, 2) for x in ms],
    }


async def run_backend(name: str, database_url: str, total: int, workdir: Path) -> dict[str, Any]:
    port = free_port()
    server = start_server(database_url, port, workdir / f"{name}-server.log")
    try:
        residents = yaml.safe_load(
            (REPO / "data/district/load-residents.yml").read_text(encoding="utf-8")
        )["residents"]
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            limits=limits,
            timeout=60,
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        ) as c:
            began = time.perf_counter()
            identities = await confirm_all(c, database_url, residents)
            confirm_s = time.perf_counter() - began
            # Warm-up outside the measurement (connections, caches).
            await create_orders(c, identities, min(100, total), run="warmup")
            result = await create_orders(c, identities, total, run="measured")
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["backend"] = name
    result["identities_confirmed"] = len(identities)
    result["identity_confirm_s"] = round(confirm_s, 2)
    return result


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = [r["backend"] for r in results]
    left.bar(names, [r["throughput_per_s"] for r in results], color=["#4c72b0", "#dd8452"])
    left.set_ylabel("orders / s")
    left.set_title(f"Order creation throughput ({CLIENTS} clients)")
    for i, r in enumerate(results):
        left.text(i, r["throughput_per_s"], f"{r['throughput_per_s']}", ha="center", va="bottom")
    for r in results:
        right.hist(
            r["latencies_ms"],
            bins=60,
            alpha=0.6,
            label=f"{r['backend']} (p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms)",
        )
    right.set_xlabel("latency (ms)")
    right.set_ylabel("requests")
    right.set_title("POST /api/v1/orders latency")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = round(os.getloadavg()[0], 2)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="minwon-bench-") as tmp:
        workdir = Path(tmp)
        for name in args.backends.split(","):
            cluster: PgCluster | None = None
            if name == "sqlite":
                url = f"sqlite:///{workdir / 'bench.db'}"
            else:
                cluster = start_cluster()
                admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text("CREATE DATABASE minwon_bench"))
                admin.dispose()
                url = cluster.url("minwon_bench")
            try:
                results.append(asyncio.run(run_backend(name, url, args.orders, workdir)))
            finally:
                if cluster is not None:
                    cluster.stop()
    summary = [{k: v for k, v in r.items() if k != "latencies_ms"} for r in results]
    for r in summary:
        print(
            f"{r['backend']:>10}: {r['throughput_per_s']:7.1f} orders/s  "
            f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
            f"statuses {r['statuses']}  ({r['identities_confirmed']} identities confirmed in "
            f"{r['identity_confirm_s']} s)"
        )
    meta = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            # The machine may be shared: the 1-minute load average says how busy it was.
            "load_average_1m": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
        },
        "server": "python -m app (uvicorn, 1 process), profile bench, 127.0.0.1",
        "note": "PostgreSQL cluster runs with fsync=off (throwaway test cluster)",
        "results": summary,
    }
    (RESULTS / "backend_orders.json").write_text(
        json.dumps(meta, indent=2) + "\n", encoding="utf-8"
    )
    plot(results, RESULTS / "backend_orders.png")
    print(f"wrote {RESULTS / 'backend_orders.json'} and backend_orders.png")


if __name__ == "__main__":
    main()
