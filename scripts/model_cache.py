"""Trains the Rasa model only when its inputs changed; models are cached by their inputs' hash.

The hash covers everything that changes what the model does: config, domain, training data, the
custom NLU components and the locked package versions. ``./minwon train`` and the test suite both
go through :func:`ensure_model`, so the suite trains once per change, not once per run.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("MINWON_CACHE", Path.home() / ".cache" / "minwon"))


def model_inputs(root: Path = ROOT, config: Path | None = None) -> list[Path]:
    config = config or root / "config.yml"
    files = [config, root / "domain.yml", root / "requirements" / "rasa.lock"]
    files += sorted((root / "data").rglob("*.yml"))
    files += sorted((root / "nlu").rglob("*.py"))
    return [f for f in files if f.is_file()]


def inputs_hash(root: Path = ROOT, config: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in model_inputs(root, config):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train(out: Path, name: str, config: Path, nlu_only: bool = False) -> float:
    """Runs ``rasa train`` in a subprocess; returns the wall-clock training time in seconds."""
    cmd = [sys.executable, "-m", "rasa", "train"]
    if nlu_only:
        cmd += ["nlu", "--nlu", str(ROOT / "data")]
    else:
        cmd += ["--data", str(ROOT / "data"), "--domain", str(ROOT / "domain.yml")]
    cmd += ["--config", str(config), "--out", str(out), "--fixed-model-name", name]
    # A fresh component cache per run: Rasa's cache in .rasa/cache would hand back components
    # trained for an identical fingerprint, and the recorded time would not be a training time.
    with tempfile.TemporaryDirectory(prefix="minwon-rasa-cache-") as rasa_cache:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_CACHE_DIRECTORY": rasa_cache,
        }
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
        return time.perf_counter() - started


def ensure_model(config: Path | None = None, nlu_only: bool = False) -> Path:
    """Returns the path of a trained model for the current inputs, training it if needed."""
    config = config or ROOT / "config.yml"
    kind = "nlu" if nlu_only else "full"
    name = f"minwon-{kind}-{config.stem}-{inputs_hash(ROOT, config)}"
    cached = CACHE / "models" / f"{name}.tar.gz"
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (the launcher, test sessions, benchmarks) may ask for the same model at
    # once: one trains, the others wait for it instead of training it again.
    with (cached.parent / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cached.exists():
            tmp = cached.parent / f".{name}.training"
            shutil.rmtree(tmp, ignore_errors=True)
            seconds = train(tmp, name, config, nlu_only=nlu_only)
            (tmp / f"{name}.tar.gz").replace(cached)
            (cached.parent / f"{name}.train_seconds").write_text(f"{seconds:.1f}\n")
            shutil.rmtree(tmp, ignore_errors=True)
    local = ROOT / "models" / cached.name
    local.parent.mkdir(exist_ok=True)
    if not local.exists():
        shutil.copy2(cached, local)
    return local


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--nlu-only", action="store_true")
    args = parser.parse_args()
    print(ensure_model(args.config, nlu_only=args.nlu_only))


if __name__ == "__main__":
    main()
