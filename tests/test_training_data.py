"""Rasa's own validator accepts the domain and training data without a single warning.

Responses no rule names live in actions/responses.yml (see actions/speech.py), so the
validator's "utterance not used in any story or rule" check (RasaHQ/rasa#11843) has nothing to
report; tests/actions/test_domain_responses.py checks what it cannot see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_rasa_data_validate_passes_with_no_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
         "--domain", "domain.yml", "--data", "data", "--config", "config.yml"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line for line in output.splitlines()
                if "UserWarning" in line or " WARNING " in line or line.startswith("WARNING")]
    assert warnings == [], "\n".join(warnings[:40])
