"""Logging set-up: no secret and no whole phone number ever reaches a log line, ours or a library's; lines as
text or JSON, each naming the intake it concerns."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

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


_current_intake: ContextVar[int | None] = ContextVar("paybot_intake", default=None)


@contextmanager
def about_intake(intake_id: int | None) -> Iterator[None]:
    """Every line logged inside (in this task, and the threads it starts with `asyncio.to_thread`) names
    `intake_id`."""
    token = _current_intake.set(intake_id)
    try:
        yield
    finally:
        _current_intake.reset(token)


class IntakeTag(logging.Filter):
    """Gives each record the intake it concerns (`intake_id`, None when none): set by `about_intake`, or
    passed as `extra={"intake_id": ...}`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "intake_id", None) is None:
            record.intake_id = _current_intake.get()
        return True


class TextFormatter(logging.Formatter):
    """The classic line, with `[intake N]` after the logger's name when it concerns one."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        intake_id = getattr(record, "intake_id", None)
        if intake_id is None:
            return line
        head, separator, message = line.partition(f"{record.name}: ")
        return f"{head}{record.name} [intake {intake_id}]: {message}" if separator else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, intake_id when it concerns
    one, and the traceback as text (already redacted by the filter)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        intake_id = getattr(record, "intake_id", None)
        if intake_id is not None:
            line["intake_id"] = intake_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter_for(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.log_format == "json" else TextFormatter()


def configure_logging(settings: Settings) -> RedactingFilter:
    """One handler on the root logger for paybot, uvicorn and every library (they all propagate to it), in
    the configured format, with the intake tag and the redacting filter on every root handler."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    root.setLevel(settings.log_level.upper())
    for handler in root.handlers:
        handler.setFormatter(formatter_for(settings))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redactor = RedactingFilter(secrets_of(settings))
    install(redactor)
    return redactor


def install(redactor: RedactingFilter) -> None:
    """Put the intake tag and `redactor` on every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, IntakeTag) for existing in handler.filters):
            handler.addFilter(IntakeTag())
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(redactor)
