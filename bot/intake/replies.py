"""Renders the reply scripts and staff cards from Jinja2 templates an operator may override."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Undefined,
    UndefinedError,
)

from bot.vocabulary import ReplyKind, StaffMessage
from currency.money import Money, format_money

CUSTOMER_TEMPLATES = tuple(kind.template for kind in ReplyKind if kind.template is not None)
STAFF_TEMPLATES = tuple(message.template for message in StaffMessage)


def _money(value: Any) -> str:
    if isinstance(value, Undefined):
        raise UndefinedError(f"money value missing: {value._undefined_name}")
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, Mapping):
        return format_money(Money(Decimal(str(value["amount"])), str(value["currency"])))
    if isinstance(value, Decimal | int | str):
        return format_money(Money(Decimal(str(value)), "CRC"))
    raise TypeError(f"cannot show {value!r} as money")


def _fecha(value: Any) -> str:
    if isinstance(value, Undefined):
        raise UndefinedError(f"date value missing: {value._undefined_name}")
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    raise TypeError(f"cannot show {value!r} as a date")


class Replies:
    """The template set: packaged defaults, overridden file by file from `override_dir`."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[Any] = []
        if override_dir is not None:
            loaders.append(FileSystemLoader(str(override_dir)))
        loaders.append(PackageLoader("bot", "scripts_templates"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        self.env.filters["money"] = _money
        self.env.filters["fecha"] = _fecha

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render template `name` (without `.j2`); a missing variable raises instead of leaving a gap."""
        text = self.env.get_template(f"{name}.j2").render(**context)
        return "\n".join(line.rstrip() for line in text.strip().splitlines())

    def html_email(self, subject: str, text: str, company: str) -> str:
        """The HTML part of an e-mail whose text part is `text` (a rendered script): the same words, escaped,
        one paragraph per line, WhatsApp's *bold* as bold."""
        paragraphs = [_BOLD.sub(r"<strong>\1</strong>", html.escape(line))
                      for line in text.splitlines() if line.strip()]
        return self.render("email.html", {"subject": html.escape(subject), "paragraphs": paragraphs,
                                          "company_name": html.escape(company)})


_BOLD = re.compile(r"\*([^*\n]+)\*")
