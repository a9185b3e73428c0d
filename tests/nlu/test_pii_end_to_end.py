"""A resident registration number sent to the running Rasa server leaves no trace anywhere."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.processes import ManagedProcess, Ports, ProcessSpec, free_port, system_specs
from bot.tracker_store import cipher_from_env
from tests.conftest import System
from tests.system_secrets import TEST_SECRETS

pytestmark = pytest.mark.e2e

# Numbers no other test sends, so a trace can only come from these messages.
RRN_FORMS = [
    ("제 주민번호는 730915-2864153 이에요", ("730915", "2864153")),
    ("주민등록번호 7309152864153 불러드릴게요", ("7309152864153",)),
    ("칠삼공구일오 이팔육사일오삼 이에요", ("칠삼공구일오", "이팔육사일오삼")),
]


@pytest.mark.parametrize(("text", "fragments"), RRN_FORMS)
def test_rrn_leaves_no_trace_in_tracker_parse_or_log(
    system: System, text: str, fragments: tuple[str, ...]
) -> None:
    sender = f"pii-{uuid.uuid4().hex[:8]}"
    reply = httpx.post(f"{system.rasa_url}/webhooks/rest/webhook",
                       json={"sender": sender, "message": text}, timeout=60)
    assert reply.status_code == 200
    replies = " ".join(m.get("text", "") for m in reply.json())
    assert "주민등록번호" in replies  # the resident is told it is not needed and was not stored

    tracker = httpx.get(f"{system.rasa_url}/conversations/rest:{sender}/tracker",
                        headers=system.rasa_headers(), timeout=30)
    assert tracker.status_code == 200
    parse = httpx.post(f"{system.rasa_url}/model/parse", headers=system.rasa_headers(),
                       json={"text": text}, timeout=30)
    assert parse.status_code == 200
    assert any(e["entity"] == "pii_rrn" for e in parse.json()["entities"])

    tracker_db = system.processes["rasa"].spec.env["MINWON_TRACKER_DB"]
    with sqlite3.connect(tracker_db) as db:
        cipher = cipher_from_env(system.processes["rasa"].spec.env)  # encrypted at rest
        stored = "\n".join(
            json.dumps(json.loads(cipher.decrypt(json.loads(row[0])["encrypted"].encode())),
                       ensure_ascii=False)
            for row in db.execute(
                "select data from events where sender_id = ?", (f"rest:{sender}",)))
    assert stored, "the conversation was not stored"
    logs = "\n".join(p.read_text(errors="replace") for p in system.log_dir.iterdir())
    for fragment in fragments:
        assert fragment not in tracker.text
        assert fragment not in parse.text
        assert fragment not in stored
        assert fragment not in logs


def test_malformed_rest_bodies_get_400_not_500(system: System) -> None:
    url = f"{system.rasa_url}/webhooks/rest/webhook"
    for body in (b"not json", b"[1, 2]", b'{"sender": "x"}', b'{"sender": "x", "message": 5}'):
        reply = httpx.post(url, content=body, headers={"Content-Type": "application/json"},
                           timeout=30)
        assert 400 <= reply.status_code < 500, (body, reply.status_code)


# --- issue 9: every separator class, two messages, a Rasa and an action server at DEBUG ---


@dataclass
class DebugRasa:
    """A Rasa server and an action server logging at DEBUG, with their log files."""

    url: str
    env: dict[str, str]
    logs: list[Path]

    def rows(self, sender: str) -> list[dict[str, object]]:
        """The decrypted events stored for the REST conversation `sender`, in order."""
        cipher = cipher_from_env(self.env)
        with sqlite3.connect(self.env["MINWON_TRACKER_DB"]) as db:
            stored = [row[0] for row in db.execute(
                "select data from events where sender_id in (?, ?) order by id",
                (sender, f"rest:{sender}"))]
        return [json.loads(cipher.decrypt(json.loads(d)["encrypted"].encode())) for d in stored]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def _at_debug(spec: ProcessSpec) -> ProcessSpec:
    return dataclasses.replace(spec, argv=[*spec.argv, "--debug"])


@pytest.fixture(scope="module")
def debug_rasa(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebugRasa]:
    """Its own backend, action server and Rasa server (test profile), the last two at DEBUG."""
    base = tmp_path_factory.mktemp("debug-rasa")
    ports = Ports(backend=free_port(), actions=free_port(), rasa=free_port())
    specs = system_specs(rasa_model, ports, base / "var", base / "logs", "test", TEST_SECRETS)
    processes = [ManagedProcess(s if s.name == "backend" else _at_debug(s),
                                base / "logs" / f"{s.name}.out") for s in specs]
    started: list[ManagedProcess] = []
    try:
        for process in processes:
            process.start()
            started.append(process)
            process.wait(900)  # a loaded machine takes minutes to load the model
        rasa = next(p for p in processes if p.spec.name == "rasa")
        yield DebugRasa(f"http://127.0.0.1:{ports.rasa}", dict(rasa.spec.env),
                        sorted((base / "logs").iterdir()))
    finally:
        for process in reversed(started):
            process.stop()


def _rrn_halves(seed: str) -> tuple[str, str]:
    """A YYMMDD and a back half that no other test sends (derived from the case's name)."""
    rng = random.Random(seed)
    front = f"{rng.randint(40, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    back = f"{rng.choice('1234')}{rng.randint(0, 999_999):06d}"
    return front, back


_SPOKEN = "공일이삼사오육칠팔구"
_FULL_WIDTH = {str(n): chr(0xFF10 + n) for n in range(10)}

# One case per separator class, with the spellings of the digits people use.
SEPARATOR_CASES = {
    "line break": ("{f}\n{b}", "typed"),
    "comma": ("{f}, {b}", "typed"),
    "colon": ("{f}:{b}", "typed"),
    "dot": ("{f}.{b}", "typed"),
    "slash": ("{f}/{b}", "typed"),
    "tab": ("{f}\t{b}", "typed"),
    "several spaces": ("{f}     {b}", "typed"),
    "zero-width space": ("{f}\u200b-{b}", "typed"),
    "word joiner inside": ("{f3}\u2060{f_3}{b}", "typed"),
    "full-width": ("{f}－{b}", "full-width"),
    "spoken 다시": ("{f} 다시 {b}", "spoken"),
    "spoken 에 이어서": ("{f}에 이어서 {b}", "spoken"),
    "spoken 그리고": ("{f} 그리고 {b}", "spoken"),
    "spoken 하고": ("{f} 하고 {b}", "spoken"),
    "spoken 다음": ("{f} 다음 {b}", "spoken"),
    "spoken 뒤에": ("{f} 뒤에 {b}", "spoken"),
    "spoken 대시": ("{f} 대시 {b}", "spoken"),
    "spoken 빼기": ("{f} 빼기 {b}", "spoken"),
    "spoken 하이픈": ("{f} 하이픈 {b}", "spoken"),
}


def _spell(digits: str, how: str) -> str:
    if how == "spoken":
        return "".join(_SPOKEN[int(d)] for d in digits)
    if how == "full-width":
        return "".join(_FULL_WIDTH[d] for d in digits)
    return digits


def _traces(front: str, back: str) -> list[str]:
    """Every way the halves could show up: as sent, in ASCII, as the 13 digits together, and
    each of these escaped as in JSON."""
    forms = {how: (_spell(front, how), _spell(back, how)) for how in ("typed", "spoken",
                                                                       "full-width")}
    traces = {x for pair in forms.values() for x in pair} | {front + back}
    return sorted(traces | {json.dumps(t)[1:-1] for t in traces})  # as JSON logs escape them


def _say(url: str, sender: str, text: str) -> str:
    reply = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                       timeout=90)
    assert reply.status_code == 200, reply.text
    return " ".join(m.get("text", "") for m in reply.json())


@pytest.mark.parametrize("case", list(SEPARATOR_CASES))
def test_every_separator_class_leaves_no_trace_at_debug(debug_rasa: DebugRasa, case: str) -> None:
    template, how = SEPARATOR_CASES[case]
    front, back = _rrn_halves(case)
    f, b = _spell(front, how), _spell(back, how)
    text = "제 주민번호는 " + template.format(f=f, b=b, f3=f[:3], f_3=f[3:]) + " 이에요"
    sender = f"pii9-{uuid.uuid4().hex[:8]}"
    replies = _say(debug_rasa.url, sender, text)
    assert "주민등록번호" in replies  # told that it is not needed and was not stored

    rows = json.dumps(debug_rasa.rows(sender), ensure_ascii=False)
    assert '"event": "user"' in rows, "the conversation was not stored"
    logs = debug_rasa.log_text()
    assert "DEBUG" in logs  # the servers really log at DEBUG
    for trace in _traces(front, back):
        assert trace not in rows, (case, trace)
        assert trace not in logs, (case, trace)
        assert trace not in replies, (case, trace)


def test_an_rrn_sent_in_two_messages_keeps_no_back_half(debug_rasa: DebugRasa) -> None:
    front, back = _rrn_halves("two messages")
    sender = f"pii9-{uuid.uuid4().hex[:8]}"
    replies = [_say(debug_rasa.url, sender, front), _say(debug_rasa.url, sender, back)]
    said = [e["text"] for e in debug_rasa.rows(sender) if e.get("event") == "user"]
    assert said == [front, "*******"]  # the front half alone is a birth date (docs/privacy.md)
    rows = json.dumps(debug_rasa.rows(sender), ensure_ascii=False)
    logs = debug_rasa.log_text()
    assert back not in rows
    for trace in (back, front + back):
        assert trace not in logs
        assert all(trace not in r for r in replies)
    assert front not in logs  # a birth-date-shaped number is masked in logs too
