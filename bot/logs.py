"""Logging set-up: no secret and no whole phone number ever reaches a log line, ours or a library's."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.config import Settings

REDACTED = "<redacted>"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_BOT_TOKEN_IN_URL = re.compile(r"(/(?:file/)?bot)\d+:[A-Za-z0-9_-]+")
"""A Telegram token in a Bot API URL (`.../bot123:ABC/getMe`), whatever token it is."""
_PHONE = re.compile(r"(?<![\d*])(\+|%2B)(\d{3,11})(\d{4})(?!\d)")
"""An international number (`+50688112233`, url-encoded `%2B50688112233`): all but the last 4 digits go."""


def mask_phone(number: str) -> str:
    """`+50688112233` as `+*******2233`: enough to tell customers apart in a log, not to call them."""
    digits = sum(char.isdigit() for char in number)
    if digits <= 4:
        return number
    kept = 0
    masked = []
    for char in reversed(number):
        if char.isdigit():
            kept += 1
            masked.append(char if kept <= 4 else "*")
        else:
            masked.append(char)
    return "".join(reversed(masked))


def _mask_match(match: re.Match[str]) -> str:
    return f"{match.group(1)}{'*' * len(match.group(2))}{match.group(3)}"


class RedactingFilter(logging.Filter):
    """Rewrites each record's final text: known secrets and Bot API tokens redacted, phone numbers masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({secret for secret in secrets if len(secret) >= 4}, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _BOT_TOKEN_IN_URL.sub(rf"\1{REDACTED}", text)
        return _PHONE.sub(_mask_match, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string: keep what can be shown
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in the settings (tokens, auth tokens, webhook secrets, a database password)."""
    from pydantic import SecretStr
    from sqlalchemy.engine import make_url

    values = [value.get_secret_value() for value in (getattr(settings, name) for name in type(settings).model_fields)
              if isinstance(value, SecretStr)]
    try:
        password = make_url(settings.database_url).password
    except Exception:
        password = None
    if password:
        values.append(str(password))
    return [value for value in values if value]


def configure_logging(settings: Settings) -> RedactingFilter:
    """One handler on the root logger, with the redacting filter on every root handler."""
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redactor = RedactingFilter(secrets_of(settings))
    install(redactor)
    return redactor


def install(redactor: RedactingFilter) -> None:
    """Put `redactor` on every handler of the root logger (once)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(redactor)
