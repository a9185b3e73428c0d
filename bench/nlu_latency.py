"""NLU benchmark: training time, model load time, parse latency p50/p95/p99 and throughput.

Run with ``./minwon bench`` (or ``.venvs/rasa/bin/python -m bench.nlu_latency``). Parses every
held-out utterance several times in one process, as the Rasa server does, after a warm-up.
Writes bench/results/nlu_latency.json and bench/results/nlu_latency.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from scripts.evaluate_nlu import RESULTS, load_eval_set, variant_config
from scripts.model_cache import CACHE, ROOT, ensure_model, inputs_hash, train


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def machine() -> dict[str, Any]:
    return {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "system": platform.platform()}


def measure(variant: str, texts: list[str], rounds: int, retrain: bool) -> dict[str, Any]:
    from rasa.core.agent import Agent

    config = variant_config(variant)
    if retrain:
        out = CACHE / "bench-train"
        train_s = train(out, "bench", config, nlu_only=True)
        model = out / "bench.tar.gz"
    else:
        model = ensure_model(config, nlu_only=True)
        seconds = CACHE / "models" / (model.name.removesuffix(".tar.gz") + ".train_seconds")
        train_s = float(seconds.read_text()) if seconds.exists() else float("nan")
    started = time.perf_counter()
    agent = Agent.load(str(model))
    load_s = time.perf_counter() - started

    async def run() -> tuple[list[float], float]:
        for t in texts[:20]:  # warm-up: first calls build TF graphs
            await agent.parse_message(t)
        latencies: list[float] = []
        began = time.perf_counter()
        for _ in range(rounds):
            for t in texts:
                t0 = time.perf_counter()
                await agent.parse_message(t)
                latencies.append((time.perf_counter() - t0) * 1000)
        return latencies, time.perf_counter() - began

    latencies, total_s = asyncio.run(run())
    return {
        "variant": variant, "model_inputs_hash": inputs_hash(ROOT, config),
        "train_s": round(train_s, 1), "model_load_s": round(load_s, 2),
        "parses": len(latencies), "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2), "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "throughput_per_s": round(len(latencies) / total_s, 1), "latencies_ms": latencies,
    }


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for r in results:
        xs = sorted(r["latencies_ms"])
        ys = [i / len(xs) for i in range(1, len(xs) + 1)]
        ax.plot(xs, ys, label=f"{r['variant']} (p95 {r['p95_ms']} ms)")
    ax.set_xlabel("parse latency (ms)")
    ax.set_ylabel("fraction of parses")
    ax.set_title("minwon NLU parse latency (CDF)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", nargs="*", default=["default"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--retrain", action="store_true", help="time a fresh training run")
    args = parser.parse_args()
    texts = [c["text"] for c in load_eval_set()]
    results = [measure(v, texts, args.rounds, args.retrain) for v in args.variants]
    RESULTS.mkdir(parents=True, exist_ok=True)
    plot(results, RESULTS / "nlu_latency.png")
    summary = {"machine": machine(), "measured_at": time.strftime("%Y-%m-%d %H:%M %Z"),
               "results": [{k: v for k, v in r.items() if k != "latencies_ms"} for r in results]}
    (RESULTS / "nlu_latency.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
