"""The delivery board in Debian's chromium against the running system (issue 12).

A resident's home-delivery order comes from a web chat conversation (ordered through the
backend's API for that conversation, as the action server does: the dialogue itself is tested
elsewhere). A courier of another dong can neither see nor move it, in the page or by calling the
API directly; the dong's courier logs in, moves it to delivered with the ID check and a welfare
note, and the resident's open web chat page shows each step. Screenshots of the delivery board,
the bulk counter and the supervisor view go to docs/screenshots/.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.processes import BACKEND_PY, ROOT
from bot.webchat.session import COOKIE_NAME
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import System

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
# A load resident eligible for delivery (registered disability) whom no other test uses.
RESIDENT = {"name": "이은주", "birth_date": "1969-09-27", "phone": "01090055876"}
DONG, OTHER_DONG = "광희동", "명동"

_ADD_STAFF = """
import json, sys
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from app.keyed_hash import hash_password
from app.models import StaffAccount
engine = create_engine(sys.argv[1])
with Session(engine) as s, s.begin():
    have = set(s.scalars(select(StaffAccount.username)))
    for row in json.loads(sys.stdin.read()):
        if row["username"] not in have:
            password = row.pop("password")
            s.add(StaffAccount(**row, password_hash=hash_password(password), active=True))
engine.dispose()
"""


def add_staff(system: System, rows: list[dict[str, str]]) -> None:
    """Staff accounts in the running backend's database (the test profile seeds none)."""
    url = system.processes["backend"].spec.env["MINWON_DATABASE_URL"]
    subprocess.run(
        [str(BACKEND_PY), "-c", _ADD_STAFF, url],
        input=json.dumps(rows),
        text=True,
        check=True,
        cwd=ROOT / "backend",
        env={"PYTHONPATH": str(ROOT / "backend"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


@pytest.fixture(scope="module")
def staff(system: System) -> dict[str, str]:
    """username -> password of a courier of each dong, a counter clerk and a supervisor."""
    tag = uuid.uuid4().hex[:6]
    rows = [
        {
            "username": f"courier-gwanghui-{tag}",
            "display_name": f"{DONG} 배달 담당",
            "role": "dong_courier",
            "dong": DONG,
        },
        {
            "username": f"courier-myeong-{tag}",
            "display_name": f"{OTHER_DONG} 배달 담당",
            "role": "dong_courier",
            "dong": OTHER_DONG,
        },
        {"username": f"counter-{tag}", "display_name": "대량 발급 창구", "role": "counter"},
        {
            "username": f"supervisor-{tag}",
            "display_name": "민원여권과 관리자",
            "role": "supervisor",
        },
    ]
    passwords = {r["username"]: secrets.token_urlsafe(12) for r in rows}
    add_staff(system, [{**r, "password": passwords[r["username"]]} for r in rows])
    return passwords


def by_role(staff: dict[str, str], prefix: str) -> tuple[str, str]:
    name = next(u for u in staff if u.startswith(prefix))
    return name, staff[name]


def service(system: System) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.service_token}"}


def last_code(system: System, phone: str) -> str:
    sent = httpx.get(f"{system.backend_url}/dev/sms-outbox", params={"phone": phone}).json()
    return re.findall(r"\d{6}", sent[-1]["text"])[0]


def order_delivery(system: System, conversation_id: str) -> str:
    """What the action server does once the resident confirmed who they are."""
    base = system.backend_url
    started = httpx.post(
        f"{base}/api/v1/identity/challenges",
        headers=service(system),
        json={"conversation_id": conversation_id, **RESIDENT},
    )
    assert started.status_code == 201, started.text
    verified = httpx.post(
        f"{base}/api/v1/identity/challenges/{started.json()['challenge_id']}/verify",
        headers=service(system),
        json={"conversation_id": conversation_id, "code": last_code(system, RESIDENT["phone"])},
    )
    assert verified.status_code == 200, verified.text
    ordered = httpx.post(
        f"{base}/api/v1/orders",
        headers={
            **service(system),
            "X-Identity-Token": verified.json()["identity_token"],
            "X-Conversation-Id": conversation_id,
            "Idempotency-Key": uuid.uuid4().hex,
        },
        json={
            "conversation_id": conversation_id,
            "document": "resident_copy",
            "copies": 1,
            "method": "delivery",
        },
    )
    assert ordered.status_code == 201, ordered.text
    return str(ordered.json()["order_id"])


def bulk_reservation(system: System, counter: tuple[str, str]) -> None:
    """A business reserves through a staff-issued token (no SMS to its contact phone)."""
    base = system.backend_url
    token = httpx.post(
        f"{base}/api/v1/staff/login", json={"username": counter[0], "password": counter[1]}
    ).json()["token"]
    issued = httpx.post(
        f"{base}/api/v1/staff/bulk/reservation-tokens",
        headers={"Authorization": f"Bearer {token}"},
        json={"business_number": "1234567890"},
    )
    assert issued.status_code == 201, issued.text
    conversation = f"telegram:{uuid.uuid4().hex[:10]}"
    proof = httpx.post(
        f"{base}/api/v1/bulk/tokens/exchange",
        headers=service(system),
        json={
            "conversation_id": conversation,
            "reservation_token": issued.json()["reservation_token"],
        },
    )
    assert proof.status_code == 200, proof.text
    reserved = httpx.post(
        f"{base}/api/v1/bulk/reservations",
        headers={
            **service(system),
            "X-Business-Token": proof.json()["business_token"],
            "X-Conversation-Id": conversation,
            "Idempotency-Key": uuid.uuid4().hex,
        },
        json={
            "conversation_id": conversation,
            "business_number": "1234567890",
            "document": "resident_abstract",
            "count": 12,
        },
    )
    assert reserved.status_code in (201, 409), reserved.text  # 409: quota used up this session


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), "Debian chromium is missing (scripts/setup.sh installs it)"
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def console_login(
    browser: Any, system: System, username: str, password: str, **context: Any
) -> Any:
    page = browser.new_context(**context).new_page()
    page.goto(f"{system.backend_url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/(?!login)"))
    return page


def test_courier_delivers_with_the_welfare_note_and_the_resident_is_told(
    system: System, staff: dict[str, str], browser: Any
) -> None:
    resident = browser.new_context().new_page()
    resident.goto(f"{system.rasa_url}/webhooks/webchat/")
    cookie = next(c for c in resident.context.cookies() if c["name"] == COOKIE_NAME)
    conversation_id = "web:" + cookie["value"].split(".")[0]
    number = order_delivery(system, conversation_id)

    # A courier of another dong: not on their board, refused in the page and by the API.
    other_name, other_password = by_role(staff, "courier-myeong")
    other = console_login(browser, system, other_name, other_password)
    other.goto(f"{system.backend_url}/console/deliveries")
    assert number not in other.content()
    peek = other.goto(f"{system.backend_url}/console/deliveries?dong={DONG}")
    assert peek is not None
    assert peek.status == 403
    csrf = other.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = other.request.post(
        f"{system.backend_url}/console/deliveries/{number}/status",
        headers={
            "X-CSRF-Token": csrf or "",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        data=json.dumps({"status": "issued"}),
    )
    assert forged.status == 403
    token = httpx.post(
        f"{system.backend_url}/api/v1/staff/login",
        json={"username": other_name, "password": other_password},
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    api_move = httpx.post(
        f"{system.backend_url}/api/v1/staff/deliveries/{number}/status",
        headers=bearer,
        json={"status": "issued"},
    )
    assert (api_move.status_code, api_move.json()["code"]) == (403, "wrong_dong")
    api_list = httpx.get(
        f"{system.backend_url}/api/v1/staff/deliveries", headers=bearer, params={"dong": DONG}
    )
    assert api_list.status_code == 403

    # The dong's courier, on a phone-sized screen.
    courier = console_login(
        browser,
        system,
        *by_role(staff, "courier-gwanghui"),
        viewport={"width": 412, "height": 915},
        device_scale_factor=1,
    )
    courier.goto(f"{system.backend_url}/console/deliveries")
    card = courier.locator(f'article[data-order="{number}"]')
    assert "주민등록표 등본" in card.inner_text()  # the order is still accepted: untouched
    card.get_by_role("button", name="발급 완료").click()
    courier.get_by_text("발급 완료로 표시했어요. 주민에게 알렸어요.").wait_for()
    courier.locator(f'article[data-order="{number}"]').get_by_role(
        "button", name="배달 출발"
    ).click()
    courier.get_by_text("배달 출발로 표시했어요. 주민에게 알렸어요.").wait_for()
    card = courier.locator(f'article[data-order="{number}"]')
    assert re.search(r"\d+분 \d+초 남음", card.locator(".ops-countdown").inner_text())
    done = card.locator("form.ops-done")
    done.locator("input[name=id_checked]").check()
    note = "혼자 사시고 거동이 불편하세요. 난방 확인 필요"
    done.locator("textarea[name=welfare_note]").fill(note)
    done.locator("input[name=welfare_alert]").check()
    SHOTS.mkdir(parents=True, exist_ok=True)
    courier.screenshot(path=str(SHOTS / "console-deliveries.png"), full_page=True)
    done.get_by_role("button", name="배달 완료").click()
    courier.get_by_text("배달 완료로 표시했어요. 주민에게 알렸어요.").wait_for()
    assert number not in courier.locator("main").inner_text()  # off the open board

    # The resident's open web chat shows every step (the page polls its pending box).
    for words in ("발급됐어요", "출발했어요", "배달을 마쳤어요"):
        resident.get_by_text(re.compile(words)).first.wait_for(timeout=15000)
    assert "난방" not in resident.locator("body").inner_text()

    # The supervisor sees the care case and today's figures; the counter sees its queue.
    counter = by_role(staff, "counter-")
    bulk_reservation(system, counter)
    clerk = console_login(browser, system, *counter, viewport={"width": 1280, "height": 900})
    clerk.goto(f"{system.backend_url}/console/bulk")
    clerk.get_by_text("한빛신용정보").first.wait_for()
    clerk.screenshot(path=str(SHOTS / "console-bulk.png"), full_page=True)
    assert clerk.goto(f"{system.backend_url}/console/supervisor").status == 403
    boss = console_login(
        browser, system, *by_role(staff, "supervisor-"), viewport={"width": 1280, "height": 900}
    )
    boss.goto(f"{system.backend_url}/console/supervisor")
    assert boss.locator("svg.mw-chart").count() == 3
    assert number in boss.locator("main").inner_text()  # on the care-services list
    boss.screenshot(path=str(SHOTS / "console-supervisor.png"), full_page=True)
