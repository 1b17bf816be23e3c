"""Portal passwords: hashed with argon2id (argon2-cffi's recommended parameters), never stored or logged as
typed; a hash made with older parameters is replaced the next time its owner logs in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("paybot-no-such-user-password")


class WeakPassword(ValueError):
    """A password the portal refuses; the message says why, in Spanish."""


def check_strength(password: str, login: str = "") -> None:
    """Refuse passwords too short, too long, or that are the login itself."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"la contraseña debe tener al menos {MIN_LENGTH} caracteres")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"la contraseña no puede pasar de {MAX_LENGTH} caracteres")
    if login and password.strip().lower() == login.strip().lower():
        raise WeakPassword("la contraseña no puede ser el mismo usuario")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash the work is done anyway, so timing does not
    tell which logins exist."""
    try:
        return _HASHER.verify(stored or _DUMMY, password[:MAX_LENGTH]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
