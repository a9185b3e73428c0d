"""Identity confirmation: challenge, SMS code, verify, identity token bound to a conversation.

The answer to a challenge is the same whether or not the person is in the registry: an unknown
person or a mismatched phone still gets a stored challenge (with the hash of a code nobody
receives), counted against the same limits, so verify fails like a wrong code.

Challenges are limited per phone, per conversation, per client and overall in sliding windows,
and a phone, conversation or client with repeated locked challenges gets no new one until the
next Seoul day. Business-code challenges (services/business_proof.py) share the table and
limits: both send SMS codes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from app.adapters.registry import Registry
from app.adapters.sms import SmsGateway
from app.clock import SEOUL
from sqlalchemy import select

from app.errors import (
    ChallengeNotFound,
    DomainError,
    IdentityBusy,
    IdentityInvalid,
    IdentityLockedToday,
    IdentityRateLimited,
    OtpExpired,
    OtpLocked,
    OtpWrong,
    RateLimited,
    SmsRateLimited,
)
from app.keyed_hash import hashes_match, keyed_hash, new_token
from app.messages import render
from app.models import IdentityChallenge, IdentityToken, Resident
from app.repositories.store import Store
from app.services.masking import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    secret: str
    otp_ttl_s: int
    max_tries: int
    sms_rate_limit_count: int
    sms_rate_limit_window_s: int
    token_ttl_s: int
    conversation_limit_count: int = 5
    client_limit_count: int = 5
    limit_window_s: int = 600
    global_limit_count: int = 600
    global_window_s: int = 600
    daily_lock_count: int = 3


# How an identity was confirmed: an SMS code (full), or the caller's number on the voice line
# with the birth date typed or said (CALLER_ID, restricted: see may_order and docs/security.md).
SMS_CODE = "sms_code"
CALLER_ID = "caller_id"
# A caller-ID identity may order only what is handed over in person after an ID check at the door.
CALLER_ID_METHODS = frozenset({"delivery"})
CALLER_CLAIM_MAX_AGE_S = 600
_CALLER_CLAIM_PURPOSE = b"minwon voice caller claim v1"  # the same as bot/voice/caller_claim.py


class IdentityStepUpRequired(DomainError):
    """Raised when a caller-ID identity asks for more than it may (an SMS code is needed)."""

    code = "identity_step_up_required"
    status = 403
    title = "This needs the SMS code confirmation"


class CallerNotMatched(DomainError):
    """Raised when the caller's number and birth date match no single resident."""

    code = "caller_not_matched"
    status = 409
    title = "The caller could not be matched; confirm with name, phone and SMS code"


@dataclass(frozen=True, slots=True)
class ConfirmedIdentity:
    """A valid identity token's resident and the conversation it is bound to."""

    resident: Resident
    conversation_id: str
    assurance: str = SMS_CODE

    def check_may_order(self, method: str) -> None:
        """Raises: IdentityStepUpRequired when a caller-ID identity orders another way."""
        method = str(getattr(method, "value", method))
        if self.assurance == CALLER_ID and method not in CALLER_ID_METHODS:
            raise IdentityStepUpRequired(f"caller-id identity may not order by {method}")

    def require_sms_code(self) -> None:
        """Raises: IdentityStepUpRequired for a caller-ID identity (orders list, cancel)."""
        if self.assurance != SMS_CODE:
            raise IdentityStepUpRequired("needs an identity confirmed by SMS code")

    def check_conversation(self, conversation_id: str | None) -> None:
        """Raises: IdentityInvalid when another conversation presents this token."""
        if conversation_id is not None and conversation_id != self.conversation_id:
            raise IdentityInvalid("identity token bound to another conversation")

    def check_bound(self, *conversation_ids: str | None) -> None:
        """Require the call to name a conversation, and it to be the token's own.

        Raises: IdentityInvalid when none is named or another one is.
        """
        named = [c for c in conversation_ids if c]
        if not named:
            raise IdentityInvalid("identity token used without naming its conversation")
        for conversation_id in named:
            self.check_conversation(conversation_id)


@dataclass(frozen=True, slots=True)
class ChallengeStarted:
    challenge_id: str
    expires_at: datetime
    masked_phone: str


@dataclass(frozen=True, slots=True)
class IdentityConfirmed:
    identity_token: str
    expires_at: datetime
    resident: Resident


def code_hash(policy: IdentityPolicy, challenge_id: str, code: str) -> str:
    return keyed_hash(policy.secret, "otp", f"{challenge_id}:{code}")


def phone_key(policy: IdentityPolicy, phone: str) -> str:
    return keyed_hash(policy.secret, "phone", phone)


def client_key(policy: IdentityPolicy, client: str | None, conversation_id: str) -> str:
    """The client that asks: the channel's client key, else the conversation itself."""
    value = f"client:{client}" if client else f"conversation:{conversation_id}"
    return keyed_hash(policy.secret, "client", value)


def next_seoul_midnight(now: datetime) -> datetime:
    day = now.astimezone(SEOUL).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=SEOUL)


def _wait_s(oldest: datetime | None, window_s: int, now: datetime) -> int:
    retry_at = (oldest or now) + timedelta(seconds=window_s)
    return max(1, int((retry_at - now).total_seconds()) + 1)


def check_challenge_limits(
    store: Store,
    policy: IdentityPolicy,
    *,
    phone_key_: str,
    conversation_id: str,
    client_key_: str,
    now: datetime,
) -> None:
    """Lock the challenge counters of this phone, conversation and client, then check them.

    Call inside the transaction that adds the challenge: the locks (PostgreSQL advisory locks;
    SQLite serialises writers) hold until it commits, so concurrent requests cannot pass a
    limit together.

    Raises:
        IdentityLockedToday, SmsRateLimited, IdentityRateLimited, IdentityBusy.
    """
    store.limits.lock(
        [
            f"challenge:phone:{phone_key_}",
            f"challenge:conversation:{keyed_hash(policy.secret, 'conv', conversation_id)}",
            f"challenge:client:{client_key_}",
            "challenge:global",
        ]
    )
    repo = store.identity
    day_start = next_seoul_midnight(now) - timedelta(days=1)
    subjects: list[dict[str, str]] = [
        {"phone_key": phone_key_},
        {"conversation_id": conversation_id},
        {"client_key": client_key_},
    ]
    for subject in subjects:
        locked, _ = repo.count_challenges(since=day_start, status="locked", **subject)
        if locked >= policy.daily_lock_count:
            wait = int((next_seoul_midnight(now) - now).total_seconds()) + 1
            raise IdentityLockedToday(wait, f"{locked} locked challenges today")
    checks: list[tuple[dict[str, str], int, int, type[RateLimited]]] = [
        (subjects[0], policy.sms_rate_limit_count, policy.sms_rate_limit_window_s, SmsRateLimited),
        (subjects[1], policy.conversation_limit_count, policy.limit_window_s, IdentityRateLimited),
        (subjects[2], policy.client_limit_count, policy.limit_window_s, IdentityRateLimited),
        ({}, policy.global_limit_count, policy.global_window_s, IdentityBusy),
    ]
    for subject, limit, window_s, refusal in checks:
        count, oldest = repo.count_challenges(
            since=now - timedelta(seconds=window_s), **subject
        )
        if count >= limit:
            raise refusal(_wait_s(oldest, window_s, now))


def open_challenge(
    store: Store,
    policy: IdentityPolicy,
    *,
    conversation_id: str,
    client_key_: str,
    phone_key_: str,
    now: datetime,
    purpose: str,
    actor: str,
    owner: dict[str, Any],
) -> tuple[IdentityChallenge, str]:
    """Record a new open code challenge and its audit row; return it and the clear code.

    Shared by resident identity and business proof, so both store the code hashed, expire it
    after the same time and audit it the same way. `owner` names who the code proves
    (`resident_id` or `business_id`, None when nobody matched).
    """
    challenge_id = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = IdentityChallenge(
        id=challenge_id,
        conversation_id=conversation_id,
        client_key=client_key_,
        purpose=purpose,
        phone_key=phone_key_,
        code_hash=code_hash(policy, challenge_id, code),
        failed_tries=0,
        status="open",
        created_at=now,
        expires_at=now + timedelta(seconds=policy.otp_ttl_s),
        **owner,
    )
    store.identity.add_challenge(challenge)
    store.audit.record(
        actor=actor,
        action=f"{purpose}_challenge_started",
        entity_type="identity_challenge",
        entity_id=challenge_id,
        at=now,
        detail={"conversation_id": conversation_id},
    )
    return challenge, code


def start_challenge(
    store: Store,
    registry: Registry,
    sms: SmsGateway,
    policy: IdentityPolicy,
    *,
    conversation_id: str,
    name: str,
    birth_date: date,
    phone: str,
    now: datetime,
    client: str | None = None,
) -> ChallengeStarted:
    """Open a challenge and text a 6-digit code to the phone on record (if the person matches).

    Raises:
        IdentityLockedToday, SmsRateLimited, IdentityRateLimited, IdentityBusy (see
        check_challenge_limits).
    """
    key = phone_key(policy, phone)
    asker = client_key(policy, client, conversation_id)
    with store.transaction():
        check_challenge_limits(
            store, policy, phone_key_=key, conversation_id=conversation_id, client_key_=asker,
            now=now,
        )
        resident = registry.find(store.session, name=name, birth_date=birth_date, phone=phone)
        # The same row whether or not the person matched: the audit log must not tell either.
        challenge, code = open_challenge(
            store, policy, conversation_id=conversation_id, client_key_=asker, phone_key_=key,
            now=now, purpose="identity", actor="resident_channel",
            owner={"resident_id": resident.id if resident else None},
        )
    # Sent after the commit: the code is verifiable before it can arrive. Only the phone on
    # record ever receives a code.
    if resident is not None:
        sms.send(resident.phone, render("sms_otp", code=code), now)
    logger.info("identity_challenge_started", extra={"conversation_id": conversation_id})
    return ChallengeStarted(challenge.id, challenge.expires_at, mask_phone(phone))


T = TypeVar("T")


def check_code(
    store: Store,
    policy: IdentityPolicy,
    *,
    purpose: str,
    challenge_id: str,
    conversation_id: str,
    code: str,
    now: datetime,
    issue: Callable[[IdentityChallenge], T | None],
) -> T:
    """Check a challenge's code; on a match `issue` makes the proof inside the transaction.

    `issue` returns None when the challenge matched nobody (an unknown person or business): that
    is answered like a wrong code.

    Raises:
        ChallengeNotFound, OtpExpired, OtpLocked, OtpWrong.
    """
    refusal: Exception | None = None
    issued: T | None = None
    with store.transaction():
        challenge = store.identity.get_challenge(challenge_id)
        if (
            challenge is None
            or challenge.conversation_id != conversation_id
            or challenge.purpose != purpose
        ):
            raise ChallengeNotFound("no such challenge in this conversation")
        if challenge.status == "locked":
            raise OtpLocked("challenge locked")
        if challenge.status != "open":
            raise ChallengeNotFound("challenge already used")
        if now >= challenge.expires_at:
            raise OtpExpired("code expired")
        matches = hashes_match(code_hash(policy, challenge.id, code), challenge.code_hash)
        if matches and (challenge.resident_id is not None or challenge.business_id is not None):
            if not store.identity.set_status_if(challenge.id, expected="open", new="verified"):
                raise ChallengeNotFound("challenge already used")
            issued = issue(challenge)
            if issued is None:
                raise ChallengeNotFound("the challenge's subject left the registry")
        else:
            # The failed try is committed before we answer, so a retry storm cannot reset it.
            failed = store.identity.count_failed_try(challenge.id, max_tries=policy.max_tries)
            if failed is None or failed >= policy.max_tries:
                store.identity.set_status_if(challenge.id, expected="open", new="locked")
                store.audit.record(
                    actor="system",
                    action="identity_challenge_locked",
                    entity_type="identity_challenge",
                    entity_id=challenge.id,
                    at=now,
                )
                refusal = OtpLocked("too many wrong codes")
            else:
                store.audit.record(
                    actor="resident_channel",
                    action="identity_code_wrong",
                    entity_type="identity_challenge",
                    entity_id=challenge.id,
                    at=now,
                    detail={"failed_tries": failed, "conversation_id": conversation_id},
                )
                refusal = OtpWrong(tries_left=policy.max_tries - failed)
    if refusal is not None:
        logger.info(
            "identity_verify_refused",
            extra={"conversation_id": conversation_id, "code": getattr(refusal, "code", "")},
        )
        raise refusal
    assert issued is not None  # noqa: S101 - one of the two branches always sets or raises
    return issued


def verify_challenge(
    store: Store,
    registry: Registry,
    policy: IdentityPolicy,
    *,
    challenge_id: str,
    conversation_id: str,
    code: str,
    now: datetime,
) -> IdentityConfirmed:
    """Check the code; on success issue an identity token bound to the conversation.

    Raises:
        ChallengeNotFound, OtpExpired, OtpLocked, OtpWrong.
    """

    def issue(challenge: IdentityChallenge) -> IdentityConfirmed | None:
        resident = (
            registry.get(store.session, challenge.resident_id) if challenge.resident_id else None
        )
        if resident is None:
            return None
        token = new_token()
        expires_at = now + timedelta(seconds=policy.token_ttl_s)
        store.identity.add_token(
            IdentityToken(
                token_hash=keyed_hash(policy.secret, "identity_token", token),
                conversation_id=conversation_id,
                resident_id=resident.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        store.audit.record(
            actor=f"resident:{resident.id}",
            action="identity_confirmed",
            entity_type="identity_challenge",
            entity_id=challenge.id,
            at=now,
        )
        return IdentityConfirmed(token, expires_at, resident)

    confirmed = check_code(
        store,
        policy,
        purpose="identity",
        challenge_id=challenge_id,
        conversation_id=conversation_id,
        code=code,
        now=now,
        issue=issue,
    )
    logger.info("identity_confirmed", extra={"conversation_id": conversation_id})
    return confirmed


def identity_for_token(
    store: Store,
    registry: Registry,
    policy: IdentityPolicy,
    *,
    token: str | None,
    conversation_id: str | None,
    now: datetime,
) -> ConfirmedIdentity:
    """Return the resident an identity token stands for, with its conversation.

    Raises:
        IdentityInvalid: unknown or expired token, or another conversation's token.
    """
    if not token:
        raise IdentityInvalid("no identity token")
    # Caller-ID tokens say so ("caller:…") and are stored under their own hash purpose: one
    # table, no new column, and a token can never be read as the other kind.
    caller = token.startswith(CALLER_TOKEN_PREFIX)
    assurance = CALLER_ID if caller else SMS_CODE
    purpose = CALLER_TOKEN_PURPOSE if caller else "identity_token"
    record = store.identity.find_token(keyed_hash(policy.secret, purpose, token))
    if record is None or now >= record.expires_at:
        raise IdentityInvalid("identity token unknown or expired")
    resident = registry.get(store.session, record.resident_id)
    if resident is None:
        raise IdentityInvalid("resident left the registry")
    identity = ConfirmedIdentity(resident, record.conversation_id, assurance)
    identity.check_conversation(conversation_id)
    return identity


CALLER_TOKEN_PURPOSE = "caller_identity_token"
CALLER_TOKEN_PREFIX = "caller:"


def verify_caller_claim(
    policy: IdentityPolicy, claim: str, *, conversation_id: str, now: datetime
) -> str:
    """Return the caller's number a voice channel signed for this conversation.

    The claim (bot/voice/caller_claim.py) is ``v1.<unix time>.<number>.<HMAC>`` keyed by a key
    derived from the secret key the Rasa server and the backend share; the action server only
    relays it. It is good for a ``voice:`` conversation, the one asking, for 10 minutes.

    Raises:
        IdentityInvalid: malformed, forged, stale, or for another (or a non-voice) conversation.
    """
    parts = claim.split(".")
    if len(parts) != 4 or parts[0] != "v1" or not parts[1].isdigit() or not parts[2].isdigit():
        raise IdentityInvalid("malformed caller claim")
    if not conversation_id.startswith("voice:"):
        raise IdentityInvalid("caller claims come from the voice line only")
    issued, number, signature = int(parts[1]), parts[2], parts[3]
    key = hmac.new(policy.secret.encode("utf-8"), _CALLER_CLAIM_PURPOSE, hashlib.sha256).digest()
    material = f"v1|{conversation_id}|{number}|{issued}".encode("utf-8")
    expected = hmac.new(key, material, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise IdentityInvalid("caller claim signature wrong")
    age = now.timestamp() - issued
    if age > CALLER_CLAIM_MAX_AGE_S or age < -60:
        raise IdentityInvalid("caller claim stale")
    return number


def confirm_by_caller(
    store: Store,
    registry: Registry,
    policy: IdentityPolicy,
    *,
    conversation_id: str,
    birth_date: date,
    caller_claim: str,
    now: datetime,
    client: str | None = None,
) -> IdentityConfirmed:
    """Confirm a resident by the caller's number (signed by the voice line) and birth date.

    Counted like a code challenge against the per-phone, per-conversation, per-client and
    overall limits (a recorded challenge of purpose ``caller_id``), so birth dates cannot be
    tried one after another. The token it issues is a CALLER_ID one (ConfirmedIdentity.
    check_may_order).

    Raises:
        IdentityInvalid (bad claim), CallerNotMatched, and the limits of check_challenge_limits.
    """
    phone = verify_caller_claim(policy, caller_claim, conversation_id=conversation_id, now=now)
    key = phone_key(policy, phone)
    asker = client_key(policy, client, conversation_id)
    confirmed: IdentityConfirmed | None = None
    with store.transaction():
        check_challenge_limits(
            store, policy, phone_key_=key, conversation_id=conversation_id, client_key_=asker,
            now=now,
        )
        matches = list(
            store.session.scalars(
                select(Resident).where(Resident.phone == phone, Resident.birth_date == birth_date)
            ).all()
        )
        resident = matches[0] if len(matches) == 1 else None
        challenge, _ = open_challenge(
            store, policy, conversation_id=conversation_id, client_key_=asker, phone_key_=key,
            now=now, purpose="caller_id", actor="voice_channel",
            owner={"resident_id": resident.id if resident else None},
        )
        if resident is None:
            store.identity.set_status_if(challenge.id, expected="open", new="failed")
        else:
            store.identity.set_status_if(challenge.id, expected="open", new="verified")
            token = CALLER_TOKEN_PREFIX + new_token()
            expires_at = now + timedelta(seconds=policy.token_ttl_s)
            store.identity.add_token(
                IdentityToken(
                    token_hash=keyed_hash(policy.secret, CALLER_TOKEN_PURPOSE, token),
                    conversation_id=conversation_id,
                    resident_id=resident.id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            store.audit.record(
                actor=f"resident:{resident.id}",
                action="identity_confirmed_by_caller",
                entity_type="identity_challenge",
                entity_id=challenge.id,
                at=now,
            )
            confirmed = IdentityConfirmed(token, expires_at, resident)
    if confirmed is None:
        logger.info("caller_not_matched", extra={"conversation_id": conversation_id})
        raise CallerNotMatched("no single resident with this number and birth date")
    logger.info("identity_confirmed_by_caller", extra={"conversation_id": conversation_id})
    return confirmed
