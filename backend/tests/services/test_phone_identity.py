"""Identity on the phone: the caller's number, vouched for by the voice line, and the birth date.

The claim is made with the voice line's own signer (bot/voice/caller_claim.py, loaded by path:
it uses the standard library only), so these tests also prove the two sides agree on the format.
A caller-ID identity may order home delivery only (the courier checks the ID card at the door);
anything else needs the SMS code. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from fastapi.testclient import TestClient

from app.runtime import Runtime
from tests.conftest import KIM, LEE, SERVICE, ConfirmFn, MutableClock

CHECKS = "/api/v1/identity/caller-checks"
ORDERS = "/api/v1/orders"
CONVERSATION = "voice:0f3a9c"
_SIGNER = Path(__file__).resolve().parents[3] / "bot" / "voice" / "caller_claim.py"


def _signer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("caller_claim", _SIGNER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


caller_claim = _signer()


def claim(runtime: Runtime, clock: MutableClock, number: str, conversation: str = CONVERSATION,
          secret: str | None = None) -> str:
    signed = caller_claim.sign(
        conversation, number, secret=secret or runtime.identity_policy.secret,
        now=clock.now.timestamp(),
    )
    assert signed
    return str(signed)


def check(client: TestClient, caller_claim_: str, birth_date: str,
          conversation: str = CONVERSATION):  # type: ignore[no-untyped-def]
    return client.post(
        CHECKS,
        headers=SERVICE,
        json={"conversation_id": conversation, "birth_date": birth_date,
              "caller_claim": caller_claim_},
    )


def order(client: TestClient, token: str, method: str, key: str,
          conversation: str = CONVERSATION):  # type: ignore[no-untyped-def]
    return client.post(
        ORDERS,
        headers={**SERVICE, "X-Identity-Token": token, "X-Conversation-Id": conversation,
                 "Idempotency-Key": key},
        json={"conversation_id": conversation, "document": "resident_copy", "copies": 1,
              "method": method},
    )


def test_a_registered_caller_orders_a_delivery_and_nothing_else_without_the_code(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    confirmed = check(client, claim(runtime, clock, KIM["phone"]), KIM["birth_date"])
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert body["assurance"] == "caller_id" and body["may_order"] == ["delivery"]
    assert body["identity_token"].startswith("caller:")  # the dialogue can tell its kind
    assert body["resident"]["name"] == KIM["name"]
    token = body["identity_token"]

    delivered = order(client, token, "delivery", "k1")
    assert delivered.status_code == 201, delivered.text
    for method in ("counter", "kiosk", "online"):
        refused = order(client, token, method, f"k-{method}")
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "identity_step_up_required"
    headers = {**SERVICE, "X-Identity-Token": token, "X-Conversation-Id": CONVERSATION}
    listed = client.get(ORDERS, headers=headers)
    assert listed.status_code == 403 and listed.json()["code"] == "identity_step_up_required"
    cancel = client.post(f"{ORDERS}/{delivered.json()['order_id']}/cancel", headers=headers,
                         json={"conversation_id": CONVERSATION})
    assert cancel.status_code == 403 and cancel.json()["code"] == "identity_step_up_required"
    # the same token without its prefix is no token at all
    bare = order(client, token.removeprefix("caller:"), "delivery", "k2")
    assert bare.status_code == 401 and bare.json()["code"] == "identity_invalid"
    # no code went out (the caller's number and birth date were the proof); the one SMS is the
    # order number, to the registered phone, because a caller cannot write down what they heard
    sent = client.get("/dev/sms-outbox", params={"phone": KIM["phone"]}).json()
    assert [m["text"] for m in sent] == [
        "[중구청 민원] 전화로 하신 신청을 접수했어요. "
        f"신청번호: {delivered.json()['order_id']} (조회하거나 취소하실 때 필요해요)"
    ]


def test_an_sms_confirmed_resident_keeps_every_right(
    client: TestClient, confirm: ConfirmFn
) -> None:
    headers = confirm(KIM, conversation_id="voice:sms-path")
    counter = client.post(
        ORDERS, headers={**headers, "Idempotency-Key": "s1"},
        json={"conversation_id": "voice:sms-path", "document": "resident_copy", "copies": 1,
              "method": "counter"},
    )
    assert counter.status_code == 201, counter.text
    assert client.get(ORDERS, headers=headers).status_code == 200


def test_a_wrong_birth_date_or_an_unregistered_number_is_not_matched(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    wrong_date = check(client, claim(runtime, clock, KIM["phone"]), "1950-03-03")
    assert wrong_date.status_code == 409 and wrong_date.json()["code"] == "caller_not_matched"
    unknown = check(client, claim(runtime, clock, "01099990000"), KIM["birth_date"])
    assert unknown.status_code == 409 and unknown.json()["code"] == "caller_not_matched"
    # the other resident's birth date with Kim's number is no match either
    assert check(client, claim(runtime, clock, KIM["phone"]), LEE["birth_date"]).status_code == 409


def test_only_the_voice_lines_own_fresh_claim_for_this_conversation_counts(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    secret = runtime.identity_policy.secret
    now = clock.now.timestamp()
    refused_claims = {
        "forged": (claim(runtime, clock, KIM["phone"], secret="x" * 40), CONVERSATION),
        "other conversation": (
            claim(runtime, clock, KIM["phone"], conversation="voice:someone-else"), CONVERSATION
        ),
        # signed for a voice id, presented by a REST conversation
        "not voice": (claim(runtime, clock, KIM["phone"], conversation="voice:x"), "rest:x"),
        "from the future": (
            caller_claim.sign(CONVERSATION, KIM["phone"], secret=secret, now=now + 3600),
            CONVERSATION,
        ),
        "garbage": (f"v1.{int(now)}.{KIM['phone']}.not-a-signature", CONVERSATION),
    }
    stale = claim(runtime, clock, KIM["phone"])
    clock.advance(minutes=11)
    refused_claims["stale"] = (stale, CONVERSATION)
    for case, (made, conversation) in refused_claims.items():
        refused = check(client, made, KIM["birth_date"], conversation=conversation)
        assert refused.status_code == 401, (case, refused.text)
        assert refused.json()["code"] == "identity_invalid", case


def test_the_signer_makes_no_claim_for_other_channels_or_without_a_key() -> None:
    assert caller_claim.sign("rest:x", KIM["phone"], secret="s" * 40) is None
    assert caller_claim.sign(CONVERSATION, KIM["phone"], secret="") is None


def test_birth_dates_cannot_be_tried_one_after_another(
    client: TestClient, runtime: Runtime, clock: MutableClock
) -> None:
    """Caller checks count against the per-phone limit of code challenges."""
    limit = runtime.settings.sms_rate_limit_count
    for day in range(1, limit + 1):
        tried = check(client, claim(runtime, clock, KIM["phone"], f"voice:try-{day}"),
                      f"1950-01-{day:02d}", conversation=f"voice:try-{day}")
        assert tried.status_code == 409, tried.text
    last = check(client, claim(runtime, clock, KIM["phone"], "voice:try-last"),
                 KIM["birth_date"], conversation="voice:try-last")
    assert last.status_code == 429, last.text
