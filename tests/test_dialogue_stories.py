"""Every rule and form path in tests/stories is predicted exactly by the trained model.

Rasa runs with the changes the server installs (bot/rasa_server.py: the parse and graph runner,
the rule index, the slot copies, the event lookup), so the stories check the code that serves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `rasa ...` as the server runs it: with minwon's runtime changes installed first
RASA_AS_SERVED = (
    "import sys; from bot import fast_events, fast_inference, fast_slots; "
    "fast_events.install(); fast_slots.install(); fast_inference.install(); "
    "import rasa.__main__; sys.argv = ['rasa', *sys.argv[1:]]; rasa.__main__.main()"
)


def test_test_stories_pass_with_no_prediction_errors(rasa_model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RASA_AS_SERVED, "test", "core", "--stories", "tests/stories",
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
