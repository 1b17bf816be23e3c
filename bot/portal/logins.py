"""Portal logins: each try is recorded, and a user (or an address) that failed too often in the window is
refused without checking the password, whichever process serves the try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.config import Settings
from bot.db.models import LoginAttempt, StaffMember
from bot.portal.passwords import hash_password, needs_rehash, verify_password

ADDRESS_FACTOR = 4
"""An address may fail this many times more than one user: an office shares one address."""


class LoginOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LIMITED = "limited"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    member: StaffMember | None = None


def attempt_login(engine: Engine, settings: Settings, login: str, password: str, address: str,
                  now: datetime) -> LoginResult:
    """Check one try and record it; too many recent failures refuse it before the password is looked at."""
    login = login.strip().lower()[:60]
    address = address[:64]
    since = now - timedelta(minutes=settings.portal_login_window_minutes)
    with Session(engine, expire_on_commit=False) as session:
        if _failures(session, since, LoginAttempt.login == login) >= settings.portal_login_attempts or _failures(
            session, since, LoginAttempt.address == address
        ) >= settings.portal_login_attempts * ADDRESS_FACTOR:
            session.add(LoginAttempt(login=login, address=address, succeeded=False, created_at=now))
            session.commit()
            return LoginResult(LoginOutcome.LIMITED)
        member = session.exec(select(StaffMember).where(StaffMember.login == login)).first() if login else None
        stored = member.password_hash if member is not None and member.active else None
        ok = verify_password(stored, password)
        session.add(LoginAttempt(login=login, address=address, succeeded=ok, created_at=now))
        if ok and member is not None and stored is not None and needs_rehash(stored):
            member.password_hash = hash_password(password)
            session.add(member)
        session.commit()
        return LoginResult(LoginOutcome.OK, member) if ok else LoginResult(LoginOutcome.WRONG)


def _failures(session: Session, since: datetime, which: object) -> int:
    return int(session.exec(
        select(func.count()).select_from(LoginAttempt).where(which)  # type: ignore[arg-type]
        .where(col(LoginAttempt.succeeded).is_(False)).where(col(LoginAttempt.created_at) >= since)
    ).one())
