"""Staff accounts and their login tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import StaffAccount, StaffToken


class StaffRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> StaffAccount | None:
        stmt = select(StaffAccount).where(StaffAccount.username == username)
        return self.session.scalars(stmt).first()

    def get(self, staff_id: int) -> StaffAccount | None:
        return self.session.get(StaffAccount, staff_id)

    def add(self, account: StaffAccount) -> None:
        self.session.add(account)
        self.session.flush()

    def add_token(self, token: StaffToken) -> None:
        self.session.add(token)
        self.session.flush()

    def find_token(self, token_hash: str) -> StaffToken | None:
        return self.session.scalars(
            select(StaffToken).where(StaffToken.token_hash == token_hash)
        ).first()
