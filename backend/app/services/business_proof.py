"""Proof that a business is acting before it may see its quota or reserve a bulk issuance.

Two ways: a 6-digit code texted to the business's registered contact phone (a challenge like
the identity one: hashed, 3-minute expiry, 5 tries, the same limits), or a reservation token
that counter staff issue (read out on the phone or handed over) and that the business exchanges
once in its conversation. Either yields a short-lived business token bound to the conversation.

An unknown business number, or one without a contact phone, gets the same answer as a known one
(a stored challenge nobody can answer, a stable made-up masked phone), so the answer never tells
which numbers are registered.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.adapters.sms import SmsGateway
from app.errors import BusinessProofRequired
from app.keyed_hash import keyed_hash, new_token
from app.messages import render
from app.models import Business, BusinessToken, IdentityChallenge, StaffAccount
from app.repositories.store import Store
from app.services.identity import (
    ChallengeStarted,
    IdentityPolicy,
    check_challenge_limits,
    check_code,
    client_key,
    open_challenge,
    phone_key,
)
from app.services.masking import mask_phone

logger = logging.getLogger(__name__)

# Staff tokens are read aloud and typed: no 0/O, 1/I/L. 10 characters ≈ 50 bits, one use.
_STAFF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_STAFF_TOKEN_LEN = 10


def _new_staff_code() -> str:
    """A staff code with letters and digits both: the chat tells it from a word or an SMS code
    by that mix, and about one code in twenty would otherwise be letters only."""
    while True:
        raw = "".join(secrets.choice(_STAFF_ALPHABET) for _ in range(_STAFF_TOKEN_LEN))
        if not raw.isalpha() and not raw.isdigit():
            return raw


@dataclass(frozen=True, slots=True)
class BusinessProof:
    token: str
    expires_at: datetime
    business: Business


@dataclass(frozen=True, slots=True)
class StaffReservationToken:
    token: str
    expires_at: datetime
    business: Business


def _token_hash(policy: IdentityPolicy, token: str) -> str:
    return keyed_hash(policy.secret, "business_token", token)


def _made_up_masked_phone(policy: IdentityPolicy, business_number: str) -> str:
    digits = int(keyed_hash(policy.secret, "business_fake_phone", business_number)[:8], 16)
    return mask_phone(f"010{digits % 10**8:08d}")


def start_business_challenge(
    store: Store,
    sms: SmsGateway,
    policy: IdentityPolicy,
    *,
    conversation_id: str,
    business_number: str,
    now: datetime,
    client: str | None = None,
) -> ChallengeStarted:
    """Text a code to the business's registered contact phone.

    Raises:
        IdentityLockedToday, SmsRateLimited, IdentityRateLimited, IdentityBusy.
    """
    asker = client_key(policy, client, conversation_id)
    with store.transaction():
        business = store.bulk.business(business_number)
        contact = business.contact_phone if business else None
        key = phone_key(policy, contact or f"business:{business_number}")
        check_challenge_limits(
            store, policy, phone_key_=key, conversation_id=conversation_id, client_key_=asker,
            now=now,
        )
        challenge, code = open_challenge(
            store, policy, conversation_id=conversation_id, client_key_=asker, phone_key_=key,
            now=now, purpose="business", actor="business_channel",
            owner={"business_id": business.id if business and contact else None},
        )
    if contact:
        sms.send(contact, render("sms_business_otp", code=code), now)
    masked = mask_phone(contact) if contact else _made_up_masked_phone(policy, business_number)
    logger.info("business_challenge_started", extra={"conversation_id": conversation_id})
    return ChallengeStarted(challenge.id, challenge.expires_at, masked)


def _issue(
    store: Store,
    policy: IdentityPolicy,
    business: Business,
    *,
    conversation_id: str,
    source: str,
    actor: str,
    ttl_s: int,
    now: datetime,
) -> BusinessProof:
    token = new_token()
    expires_at = now + timedelta(seconds=ttl_s)
    store.session.add(
        BusinessToken(
            token_hash=_token_hash(policy, token),
            business_id=business.id,
            conversation_id=conversation_id,
            source=source,
            issued_by=actor,
            used=False,
            created_at=now,
            expires_at=expires_at,
        )
    )
    store.session.flush()
    store.audit.record(
        actor=actor,
        action="business_confirmed",
        entity_type="business",
        entity_id=business.business_number,
        at=now,
        detail={"source": source, "conversation_id": conversation_id},
    )
    return BusinessProof(token, expires_at, business)


def verify_business_challenge(
    store: Store,
    policy: IdentityPolicy,
    *,
    challenge_id: str,
    conversation_id: str,
    code: str,
    ttl_s: int,
    now: datetime,
) -> BusinessProof:
    """Check the code; on success a business token bound to the conversation.

    Raises:
        ChallengeNotFound, OtpExpired, OtpLocked, OtpWrong.
    """

    def issue(challenge: IdentityChallenge) -> BusinessProof | None:
        business = store.session.get(Business, challenge.business_id)
        if business is None:
            return None
        return _issue(
            store,
            policy,
            business,
            conversation_id=conversation_id,
            source="sms",
            actor=f"business:{business.business_number}",
            ttl_s=ttl_s,
            now=now,
        )

    return check_code(
        store,
        policy,
        purpose="business",
        challenge_id=challenge_id,
        conversation_id=conversation_id,
        code=code,
        now=now,
        issue=issue,
    )


def normalise_staff_token(token: str) -> str:
    return "".join(c for c in token.upper() if c.isalnum())


def issue_staff_token(
    store: Store,
    policy: IdentityPolicy,
    *,
    staff: StaffAccount,
    business_number: str,
    ttl_s: int,
    now: datetime,
) -> StaffReservationToken:
    """A one-use reservation token for a business, issued by counter staff.

    Raises:
        BusinessUnknown: the number is not registered.
    """
    from app.services.bulk import business_or_unknown  # bulk imports this module

    with store.transaction():
        business = business_or_unknown(store, business_number)
        raw = _new_staff_code()
        expires_at = now + timedelta(seconds=ttl_s)
        store.session.add(
            BusinessToken(
                token_hash=_token_hash(policy, raw),
                business_id=business.id,
                conversation_id=None,
                source="staff",
                issued_by=f"staff:{staff.username}",
                used=False,
                created_at=now,
                expires_at=expires_at,
            )
        )
        store.audit.record(
            actor=f"staff:{staff.username}",
            action="business_token_issued",
            entity_type="business",
            entity_id=business.business_number,
            at=now,
        )
    shown = f"{raw[:5]}-{raw[5:]}"
    return StaffReservationToken(shown, expires_at, business)


def exchange_staff_token(
    store: Store,
    policy: IdentityPolicy,
    *,
    conversation_id: str,
    reservation_token: str,
    ttl_s: int,
    now: datetime,
) -> BusinessProof:
    """Trade a staff-issued token, once, for a business token bound to this conversation.

    The caller throttles attempts (services/lookups.py) before calling.

    Raises:
        BusinessProofRequired: unknown, used or expired token.
    """
    token_hash = _token_hash(policy, normalise_staff_token(reservation_token))
    with store.transaction():
        record = store.bulk.token_by_hash(token_hash)
        if record is None or record.used or record.source != "staff" or now >= record.expires_at:
            raise BusinessProofRequired("reservation token unknown, used or expired")
        if not store.bulk.mark_token_used(record.id):
            raise BusinessProofRequired("reservation token already used")
        business = store.session.get(Business, record.business_id)
        if business is None:
            raise BusinessProofRequired("business left the register")
        return _issue(
            store,
            policy,
            business,
            conversation_id=conversation_id,
            source="exchanged",
            actor=f"business:{business.business_number}",
            ttl_s=ttl_s,
            now=now,
        )


def business_for_token(
    store: Store,
    policy: IdentityPolicy,
    *,
    token: str | None,
    conversation_id: str | None,
    business_number: str | None,
    now: datetime,
) -> Business:
    """The business a business token proves, for this conversation (and number, when named).

    Raises:
        BusinessProofRequired: no token, unknown or expired, another conversation or business.
    """
    if not token or not conversation_id:
        raise BusinessProofRequired("business token and conversation required")
    record = store.bulk.token_by_hash(_token_hash(policy, token))
    if (
        record is None
        or record.source == "staff"  # a staff token must be exchanged first
        or now >= record.expires_at
        or record.conversation_id != conversation_id
    ):
        raise BusinessProofRequired("business token unknown, expired or of another conversation")
    business = store.session.get(Business, record.business_id)
    if business is None or (business_number and business.business_number != business_number):
        raise BusinessProofRequired("business token is for another business")
    return business
