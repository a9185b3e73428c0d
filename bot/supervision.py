"""Supervision of the system's processes by supervisord (the ``supervisor`` package).

The launcher writes ``supervisord.conf`` into the var dir and runs supervisord in the foreground:
a process that exits is started again (supervisor's backoff: one more second per failed start),
the others keep running, Ctrl-C stops everything. Each process's output goes to ``logs/<name>.out``
and, through the event listener (``python -m bot.supervision``), to the console with a prefix per
process, together with lines such as ``[minwon] rasa stopped unexpectedly; restarting``.

The config is written with mode 0600: it holds each process's own secrets (supervisord itself runs
with none, so a process inherits only what its ``environment=`` line gives it).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bot.processes import ProcessSpec

CONFIG_NAME = "supervisord.conf"
LISTENER = "minwon_console"
# A process that stays up this long counts as started; one that exits sooner is retried with
# supervisor's backoff (1 s, 2 s, 3 s …) up to START_RETRIES times, then left FATAL.
START_SECS = 10
START_RETRIES = 10
STOP_WAIT_SECS = 20


class SupervisionConfigError(ValueError):
    """A value cannot be written into supervisord's config safely."""


def _escape(value: str, what: str) -> str:
    # supervisord %-expands commands and environments, and parses `environment=` with a
    # non-POSIX lexer that cannot escape a double quote and strips quotes at either end.
    if '"' in value or "\n" in value or "\r" in value or value[:1] == "'" or value[-1:] == "'":
        raise SupervisionConfigError(
            f"{what} contains a double quote, a line break or a leading/trailing single quote")
    return value.replace("%", "%%")


def _environment(additions: Mapping[str, str]) -> str:
    return ",".join(
        f'{name}="{_escape(value, name)}"' for name, value in sorted(additions.items())
    )


def program_section(spec: ProcessSpec, base_env: Mapping[str, str], log_dir: Path) -> str:
    additions = {k: v for k, v in spec.env.items() if base_env.get(k) != v}
    lines = [
        f"[program:{spec.name}]",
        f"command={_escape(shlex.join(spec.argv), spec.name + ' command')}",
        f"directory={_escape(str(spec.cwd), 'directory')}",
        f"environment={_environment(additions)}",
        f"priority={spec.priority}",
        "autostart=true",
        "autorestart=true",
        f"startsecs={START_SECS}",
        f"startretries={START_RETRIES}",
        f"stopsignal={spec.stop_signal}",
        f"stopwaitsecs={STOP_WAIT_SECS}",
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={_escape(str(log_dir / (spec.name + '.out')), 'log dir')}",
        "stdout_logfile_maxbytes=10MB",
        "stdout_logfile_backups=3",
        "stdout_events_enabled=true",
    ]
    return "\n".join(lines) + "\n"


def group_sections(specs: Sequence[ProcessSpec]) -> list[str]:
    """``[group:…]`` for specs that share a group (rasa-1 … rasa-N): supervisord stops a group's
    processes at the same time, and groups one after the other, so N Rasa processes that each
    take a while to stop cost the stop of one. supervisorctl names them ``rasa:rasa-1``."""
    groups: dict[str, list[ProcessSpec]] = {}
    for spec in specs:
        if spec.group:
            groups.setdefault(spec.group, []).append(spec)
    return [f"[group:{name}]\nprograms={','.join(s.name for s in members)}\n"
            f"priority={members[0].priority}\n" for name, members in groups.items()]


def write_config(
    specs: Sequence[ProcessSpec], run_dir: Path, log_dir: Path, base_env: Mapping[str, str],
    python: str = sys.executable,
) -> Path:
    """``run_dir/supervisord.conf`` (mode 0600) for ``specs`` and the console listener."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    here = lambda p: _escape(str(p), "var dir")  # noqa: E731
    listener_argv = [python, "-m", "bot.supervision", str(log_dir)]
    sections = [
        "[supervisord]\n"
        "nodaemon=true\n"
        f"logfile={here(log_dir / 'supervisord.log')}\n"
        "logfile_maxbytes=5MB\n"
        "logfile_backups=2\n"
        f"pidfile={here(run_dir / 'supervisord.pid')}\n"
        f"childlogdir={here(log_dir)}\n"
        "loglevel=info\n"
        "silent=true\n",
        # supervisorctl -c var/supervisord.conf status|restart rasa (a socket only its owner opens)
        f"[unix_http_server]\nfile={here(run_dir / 'supervisor.sock')}\nchmod=0700\n",
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface\n",
        f"[supervisorctl]\nserverurl=unix://{here(run_dir / 'supervisor.sock')}\n",
        f"[eventlistener:{LISTENER}]\n"
        f"command={_escape(shlex.join(listener_argv), 'python')}\n"
        f"directory={here(Path(__file__).resolve().parent.parent)}\n"
        "events=PROCESS_STATE,PROCESS_LOG\n"
        "buffer_size=1024\n"
        "autorestart=true\n"
        # the listener's stdout is supervisor's protocol; what it prints goes to its stderr,
        # which is supervisord's own console
        "stderr_logfile=/dev/stderr\n"
        "stderr_logfile_maxbytes=0\n"
        "stdout_logfile=NONE\n",
        *(program_section(spec, base_env, log_dir) for spec in specs),
        *group_sections(specs),
    ]
    path = run_dir / CONFIG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# Written by ./minwon start (bot/supervision.py); rewritten at every start.\n")
        out.write("\n".join(sections))
    os.chmod(path, 0o600)
    return path


# --- the console listener ----------------------------------------------------------------------


class ConsoleListener:
    """Supervisor's events as console lines: output with a prefix, state changes in words."""

    def __init__(self, out: TextIO, width: int = 8, log_dir: str = "logs") -> None:
        self.out = out
        self.log_dir = log_dir
        self.width = width
        self.partial: dict[str, str] = {}
        self.started_once: set[str] = set()

    def say(self, text: str) -> None:
        self.out.write(f"[minwon] {text}\n")
        self.out.flush()

    def handle(self, event: str, headers: Mapping[str, str], data: str) -> None:
        name = headers.get("processname", "?")
        if event.startswith("PROCESS_LOG"):
            text = self.partial.pop(name, "") + data
            *lines, rest = text.split("\n")
            if rest:
                self.partial[name] = rest
            for line in lines:
                self.out.write(f"{name:<{self.width}} | {line}\n")
            self.out.flush()
            return
        if name == LISTENER:
            return
        if event == "PROCESS_STATE_EXITED" and headers.get("expected") == "0":
            self.say(f"{name} stopped unexpectedly; restarting (the other processes keep "
                     f"running; see {self.log_dir}/{name}.out)")
        elif event == "PROCESS_STATE_BACKOFF":
            self.say(f"{name} exited while starting; trying again shortly")
        elif event == "PROCESS_STATE_FATAL":
            group = headers.get("groupname", name)
            target = name if group == name else f"{group}:{name}"
            self.say(f"{name} could not be started after {START_RETRIES} tries; the other "
                     f"processes keep running; see {self.log_dir}/{name}.out, then "
                     f"`supervisorctl -c var/{CONFIG_NAME} start {target}`")
        elif event == "PROCESS_STATE_RUNNING":
            if name in self.started_once:
                self.say(f"{name} restarted (pid {headers.get('pid', '?')})")
            self.started_once.add(name)


def listen(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
           console: TextIO = sys.stderr, log_dir: str = "logs") -> None:
    """supervisor's event listener protocol, forever (supervisord stops it)."""
    from supervisor import childutils

    console_listener = ConsoleListener(console, log_dir=log_dir)
    while True:
        headers, payload = childutils.listener.wait(stdin, stdout)
        event = headers.get("eventname", "")
        if event.startswith("PROCESS_LOG"):
            event_headers, data = childutils.eventdata(payload)
        else:
            event_headers, data = childutils.get_headers(payload), ""
        try:
            console_listener.handle(event, event_headers, data)
        finally:
            childutils.listener.ok(stdout)


if __name__ == "__main__":
    listen(log_dir=sys.argv[1] if len(sys.argv) > 1 else "logs")
