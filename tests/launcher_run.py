"""A run of the launcher (``./minwon start``, bot/launcher.py) under test: console and supervisord.

The supervision tests start the embedded single process and the scale tests the balanced
topology; both read what the launcher prints and ask its supervisord for pids the same way.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.processes import ROOT


@dataclass
class LauncherRun:
    popen: subprocess.Popen[bytes]
    console: Path  # everything the launcher printed
    var_dir: Path
    log_dir: Path

    def text(self) -> str:
        return self.console.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout_s: float, after: int = 0) -> None:
        """Wait until ``pattern`` is on the console past offset ``after`` (or the launcher ends)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if re.search(pattern, self.text()[after:]):
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError(f"no {pattern!r} on the console:\n{self.text()[-6000:]}")

    def supervisorctl(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "supervisor.supervisorctl",
             "-c", str(self.var_dir / "supervisord.conf"), *args],
            capture_output=True, text=True, timeout=30, check=False, cwd=ROOT)
        return out.stdout.strip()

    def pid(self, name: str) -> int:
        """The pid of ``name`` (rasa-1 …; supervisord groups numbered ones: rasa:rasa-1)."""
        group = name.rsplit("-", 1)[0] if name[-1].isdigit() else ""
        return int(self.supervisorctl("pid", f"{group}:{name}" if group else name))
