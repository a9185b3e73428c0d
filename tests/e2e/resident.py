"""A resident talking to the running system through the REST channel, as a chat window would."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import yaml

from bot.processes import ROOT
from tests.system_secrets import SERVICE_TOKEN as TEST_SERVICE_TOKEN

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{8})(?!\d)")
SERVICE_TOKEN = TEST_SERVICE_TOKEN  # the system fixture's (profile test) random token


@dataclass(frozen=True)
class Person:
    name: str
    birth_date: date
    phone: str
    delivery_eligible: bool

    def spoken_birth_date(self) -> str:
        d = self.birth_date
        return f"{d.year}년 {d.month}월 {d.day}일생이에요"

    def spoken_phone(self) -> str:
        p = self.phone
        return f"{p[:3]}-{p[3:7]}-{p[7:]}이에요"


def registry() -> list[Person]:
    """The synthetic people the backend seeds (demo and load residents)."""
    people = []
    for name in ("demo-residents.yml", "load-residents.yml"):
        raw = yaml.safe_load((ROOT / "data" / "district" / name).read_text(encoding="utf-8"))
        for r in raw["residents"]:
            born = r["birth_date"]
            born = born if isinstance(born, date) else date.fromisoformat(str(born))
            age = date.today().year - born.year
            eligible = bool(r["disability"] or r["pregnant"] or age >= 71)
            people.append(Person(r["name"], born, str(r["phone"]), eligible))
    return people


def person(name: str, birth_year: int | None = None) -> Person:
    return next(
        p
        for p in registry()
        if p.name == name and (birth_year is None or p.birth_date.year == birth_year)
    )


@dataclass
class Resident:
    """One conversation (one sender id) with the bot."""

    rasa_url: str
    backend_url: str
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def conversation_id(self) -> str:
        """The id Rasa keeps this conversation under: the REST channel namespaces its senders."""
        return f"rest:{self.sender}"

    def say(self, text: str, timeout_s: float = 60) -> str:
        """Send one message; return the bot's replies joined by newlines."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=timeout_s,
        )
        response.raise_for_status()
        replies = [m.get("text", "") for m in response.json()]
        self.transcript.append((text, replies))
        return "\n".join(replies)

    def press(self, payload: str) -> str:
        """Press a button: its payload is sent as the message."""
        return self.say(payload)

    def sms_code(self, phone: str) -> str:
        sent = httpx.get(
            f"{self.backend_url}/dev/sms-outbox", params={"phone": phone}, timeout=10
        ).json()
        match = re.search(r"(?<!\d)\d{6}(?!\d)", sent[-1]["text"])
        assert match, "no code in the last SMS"
        return match.group()

    def confirm_identity(self, who: Person) -> str:
        """Answer name, birth date and phone, then type the SMS code; return the last reply."""
        self.say(f"{who.name}요")
        self.say(who.spoken_birth_date())
        reply = self.say(who.spoken_phone())
        assert "인증번호" in reply, self.story()
        return self.say(self.sms_code(who.phone))

    def story(self) -> str:
        """The conversation so far, for assertion messages."""
        return "\n".join(
            f"> {said}\n< " + "\n< ".join(replies) for said, replies in self.transcript
        )


def backend_order(backend_url: str, order_id: str) -> dict[str, Any]:
    """The order as the backend has it (public view, service token; a look-up names the
    conversation that asks, here the test's own)."""
    response = httpx.get(
        f"{backend_url}/api/v1/orders/{order_id}",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Conversation-Id": "e2e-check"},
        timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())


def order_number_in(text: str) -> str:
    match = ORDER_NUMBER.search(text.split("신청번호", 1)[-1])
    assert match, text
    return match.group(1)
