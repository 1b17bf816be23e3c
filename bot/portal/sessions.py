"""Who is logged in to the portal: the signing key of the session cookie, the staff member a session names
(still active, password unchanged since), the CSRF token every form carries, and one-line notices."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db.models import StaffMember, StaffRole
from bot.intake.staff import ROLE_LABELS, shown_name

COOKIE = "paybot_portal"
KEY_FILE = "portal.key"
CSRF_FIELD = "csrf"


def signing_key(settings: Settings) -> str:
    """PAYBOT_PORTAL_SECRET, else a random key made once and kept (owner-only) beside the database."""
    if settings.portal_secret is not None:
        return settings.portal_secret.get_secret_value()
    path = settings.data_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Viewer:
    """The logged-in staff member as pages need them: who, their role, and what that role may do."""

    id: int
    name: str
    role: StaffRole
    login: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN

    @property
    def does_support(self) -> bool:
        return self.role in (StaffRole.SUPPORT, StaffRole.ADMIN)

    @property
    def does_accounting(self) -> bool:
        """Apply payments, sync them with the ERP, close cases, import files."""
        return self.role in (StaffRole.ACCOUNTING, StaffRole.ADMIN)


def viewer_of(member: StaffMember) -> Viewer:
    assert member.id is not None
    return Viewer(member.id, shown_name(member), StaffRole(member.role), member.login or "")


def start(session: dict[str, Any], member: StaffMember) -> None:
    """A fresh session for `member` (nothing of the anonymous one kept, so a planted cookie gains nothing)."""
    session.clear()
    session.update(staff=member.id, version=member.login_version, since=int(time.time()),
                   csrf=secrets.token_urlsafe(32))


def logged_in(engine: Engine, session: dict[str, Any], max_age_seconds: float) -> Viewer | None:
    """The active member the session names, if it is recent and their password has not changed since."""
    staff_id, version, since = session.get("staff"), session.get("version"), session.get("since")
    if not isinstance(staff_id, int) or not isinstance(version, int) or not isinstance(since, int):
        return None
    if time.time() - since > max_age_seconds:
        return None
    with Session(engine) as db:
        member = db.get(StaffMember, staff_id)
        if member is None or not member.active or member.login_version != version or not member.password_hash:
            return None
        return viewer_of(member)


def end_sessions(engine: Engine, staff_id: int) -> None:
    """Logging out ends every session of the member: the cookie is only signed, so a copy of it (another
    browser, a shared computer) would otherwise keep working until it expires."""
    with Session(engine) as db:
        member = db.get(StaffMember, staff_id)
        if member is not None:
            member.login_version += 1
            db.add(member)
            db.commit()


def csrf_token(session: dict[str, Any]) -> str:
    """The session's form token, made on first use (the login form has one before anyone logs in)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict[str, Any], sent: object) -> bool:
    expected = session.get("csrf")
    return isinstance(expected, str) and isinstance(sent, str) and hmac.compare_digest(expected, sent)


def notify(session: dict[str, Any], ok: bool, message: str) -> None:
    """A line to show on the next page (the result of an action)."""
    session["notice"] = [bool(ok), message[:500]]


def take_notice(session: dict[str, Any]) -> tuple[bool, str] | None:
    notice = session.pop("notice", None)
    if isinstance(notice, list) and len(notice) == 2:
        return bool(notice[0]), str(notice[1])
    return None
