"""Identity confirmation: challenge, SMS code, verify, identity token bound to a conversation.

The answer to a challenge is the same whether or not the person is in the registry: an unknown
person or a mismatched phone still gets a stored challenge (with the hash of a code nobody
receives), counted against the same per-phone rate limit, so verify fails like a wrong code.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.adapters.registry import Registry
from app.adapters.sms import SmsGateway
from app.errors import (
    ChallengeNotFound,
    IdentityInvalid,
    OtpExpired,
    OtpLocked,
    OtpWrong,
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


@dataclass(frozen=True, slots=True)
class ConfirmedIdentity:
    """A valid identity token's resident and the conversation it is bound to."""

    resident: Resident
    conversation_id: str

    def check_conversation(self, conversation_id: str | None) -> None:
        """Raises: IdentityInvalid when another conversation presents this token."""
        if conversation_id is not None and conversation_id != self.conversation_id:
            raise IdentityInvalid("identity token bound to another conversation")


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


def _code_hash(policy: IdentityPolicy, challenge_id: str, code: str) -> str:
    return keyed_hash(policy.secret, "otp", f"{challenge_id}:{code}")


def phone_key(policy: IdentityPolicy, phone: str) -> str:
    return keyed_hash(policy.secret, "phone", phone)


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
) -> ChallengeStarted:
    """Open a challenge and text a 6-digit code to the phone on record (if the person matches).

    Raises:
        SmsRateLimited: too many challenges for this phone in the window.
    """
    key = phone_key(policy, phone)
    window_start = now - timedelta(seconds=policy.sms_rate_limit_window_s)
    with store.transaction():
        store.identity.lock_phone_key(key)
        count, oldest = store.identity.challenges_since(phone_key=key, since=window_start)
        if count >= policy.sms_rate_limit_count:
            retry_at = (oldest or now) + timedelta(seconds=policy.sms_rate_limit_window_s)
            raise SmsRateLimited(max(1, int((retry_at - now).total_seconds()) + 1))
        resident = registry.find(store.session, name=name, birth_date=birth_date, phone=phone)
        challenge_id = secrets.token_urlsafe(24)
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = IdentityChallenge(
            id=challenge_id,
            conversation_id=conversation_id,
            resident_id=resident.id if resident else None,
            phone_key=key,
            code_hash=_code_hash(policy, challenge_id, code),
            failed_tries=0,
            status="open",
            created_at=now,
            expires_at=now + timedelta(seconds=policy.otp_ttl_s),
        )
        store.identity.add_challenge(challenge)
        # The same row whether or not the person matched: the audit log must not tell either.
        store.audit.record(
            actor="resident_channel",
            action="identity_challenge_started",
            entity_type="identity_challenge",
            entity_id=challenge_id,
            at=now,
            detail={"conversation_id": conversation_id},
        )
    # Sent after the commit: the code is verifiable before it can arrive. Only the phone on
    # record ever receives a code.
    if resident is not None:
        sms.send(resident.phone, render("sms_otp", code=code), now)
    logger.info("identity_challenge_started", extra={"conversation_id": conversation_id})
    return ChallengeStarted(challenge_id, challenge.expires_at, mask_phone(phone))


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
    refusal: Exception | None = None
    confirmed: IdentityConfirmed | None = None
    with store.transaction():
        challenge = store.identity.get_challenge(challenge_id)
        if challenge is None or challenge.conversation_id != conversation_id:
            raise ChallengeNotFound("no such challenge in this conversation")
        if challenge.status == "locked":
            raise OtpLocked("challenge locked")
        if challenge.status != "open":
            raise ChallengeNotFound("challenge already used")
        if now >= challenge.expires_at:
            raise OtpExpired("code expired")
        matches = hashes_match(_code_hash(policy, challenge.id, code), challenge.code_hash)
        if matches and challenge.resident_id is not None:
            if not store.identity.set_status_if(challenge.id, expected="open", new="verified"):
                raise ChallengeNotFound("challenge already used")
            resident = registry.get(store.session, challenge.resident_id)
            if resident is None:
                raise ChallengeNotFound("resident left the registry")
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
            confirmed = IdentityConfirmed(token, expires_at, resident)
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
    assert confirmed is not None  # noqa: S101 - one of the two branches always sets it
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
    record = store.identity.find_token(keyed_hash(policy.secret, "identity_token", token))
    if record is None or now >= record.expires_at:
        raise IdentityInvalid("identity token unknown or expired")
    resident = registry.get(store.session, record.resident_id)
    if resident is None:
        raise IdentityInvalid("resident left the registry")
    identity = ConfirmedIdentity(resident, record.conversation_id)
    identity.check_conversation(conversation_id)
    return identity
