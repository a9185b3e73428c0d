"""Every rule and form path in tests/stories is predicted exactly by the trained model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_test_stories_pass_with_no_prediction_errors(rasa_model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--stories", "tests/stories",
         "--model", str(rasa_model), "--endpoints", str(tmp_path / "none.yml"),
         "--out", str(tmp_path / "results"), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=900, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    failed = tmp_path / "results" / "failed_test_stories.yml"
    assert not failed.exists() or "none of the test stories failed" in failed.read_text().lower(), (
        failed.read_text()[-4000:])
