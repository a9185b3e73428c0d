"""Staff accounts from the command line: the district's way to give staff a console login.

    python -m app.console.accounts add <username> --role counter --name "민원여권과 김민원"
    python -m app.console.accounts add <username> --role dong_courier --dong 신당동 --name "…"
    python -m app.console.accounts disable <username>

The password is read from standard input (or asked for without echo on a terminal), never from
the command line, and stored as a scrypt hash. It runs against the database of the environment's
settings (`MINWON_DATABASE_URL`, `MINWON_PROFILE`, as the backend itself). Adding an existing
username sets its password, role, name and dong and switches it on again.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select

from app.db import writing
from app.keyed_hash import hash_password
from app.main import prepare_database
from app.models import StaffAccount
from app.runtime import build_runtime
from app.services.staff import ROLES
from app.settings import Settings

MIN_PASSWORD_CHARS = 12


def _say(text: str, *, error: bool = False) -> None:
    (sys.stderr if error else sys.stdout).write(text + "\n")


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("비밀번호: ")
        if getpass.getpass("비밀번호 확인: ") != first:
            raise SystemExit("두 비밀번호가 달라요.")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.console.accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add or update an account (password from stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", required=True, help="display name shown in the console")
    add.add_argument("--dong", help="the dong of a dong courier")
    off = sub.add_parser("disable", help="switch an account off (its sessions stop working)")
    off.add_argument("username")
    args = parser.parse_args(argv)

    runtime = build_runtime(Settings())
    prepare_database(runtime)
    try:
        if args.command == "disable":
            with runtime.sessions() as session, writing(), session.begin():
                account = session.scalars(
                    select(StaffAccount).where(StaffAccount.username == args.username)
                ).first()
                if account is None:
                    _say(f"no account {args.username}", error=True)
                    return 1
                account.active = False
            _say(f"disabled {args.username}")
            return 0
        if args.role == "dong_courier" and args.dong not in runtime.district.dongs:
            dongs = " ".join(runtime.district.dongs)
            _say(f"a dong courier needs --dong, one of: {dongs}", error=True)
            return 2
        password = _password()
        if len(password) < MIN_PASSWORD_CHARS:
            _say(f"the password needs at least {MIN_PASSWORD_CHARS} characters", error=True)
            return 2
        with runtime.sessions() as session, writing(), session.begin():
            account = session.scalars(
                select(StaffAccount).where(StaffAccount.username == args.username)
            ).first()
            if account is None:
                account = StaffAccount(username=args.username, password_hash="")
                session.add(account)
            account.display_name = args.name
            account.password_hash = hash_password(password)
            account.role = args.role
            account.dong = args.dong if args.role == "dong_courier" else None
            account.active = True
        _say(f"saved {args.username} ({args.role})")
        return 0
    finally:
        runtime.engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
