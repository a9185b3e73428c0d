"""Challenges and identity tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from app.models import IdentityChallenge, IdentityToken


class IdentityRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_challenge(self, challenge: IdentityChallenge) -> None:
        self.session.add(challenge)
        self.session.flush()

    def count_challenges(
        self,
        *,
        since: datetime,
        phone_key: str | None = None,
        conversation_id: str | None = None,
        client_key: str | None = None,
        status: str | None = None,
    ) -> tuple[int, datetime | None]:
        """Count challenges created after `since` (all, or of one phone, conversation or client,
        optionally in one status); also the oldest one's time."""
        stmt = select(func.count(), func.min(IdentityChallenge.created_at)).where(
            IdentityChallenge.created_at > since
        )
        if phone_key is not None:
            stmt = stmt.where(IdentityChallenge.phone_key == phone_key)
        if conversation_id is not None:
            stmt = stmt.where(IdentityChallenge.conversation_id == conversation_id)
        if client_key is not None:
            stmt = stmt.where(IdentityChallenge.client_key == client_key)
        if status is not None:
            stmt = stmt.where(IdentityChallenge.status == status)
        count, oldest = self.session.execute(stmt).one()
        return int(count), oldest

    def get_challenge(self, challenge_id: str) -> IdentityChallenge | None:
        return self.session.get(IdentityChallenge, challenge_id)

    def count_failed_try(self, challenge_id: str, *, max_tries: int) -> int | None:
        """Atomically add one failed try below the limit; return the new count or None if full."""
        stmt = (
            update(IdentityChallenge)
            .where(IdentityChallenge.id == challenge_id, IdentityChallenge.failed_tries < max_tries)
            .values(failed_tries=IdentityChallenge.failed_tries + 1)
            .returning(IdentityChallenge.failed_tries)
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def set_status_if(self, challenge_id: str, *, expected: str, new: str) -> bool:
        stmt = (
            update(IdentityChallenge)
            .where(IdentityChallenge.id == challenge_id, IdentityChallenge.status == expected)
            .values(status=new)
        )
        result = cast(CursorResult[Any], self.session.execute(stmt))
        return result.rowcount == 1

    def add_token(self, token: IdentityToken) -> None:
        self.session.add(token)
        self.session.flush()

    def find_token(self, token_hash: str) -> IdentityToken | None:
        return self.session.scalars(
            select(IdentityToken).where(IdentityToken.token_hash == token_hash)
        ).first()
