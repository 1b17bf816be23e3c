"""Tags on customers (seed 002: "etiquetar a clientes con impagos"), which the delinquent list filters by."""

from __future__ import annotations

from sqlmodel import Session

from bot.db.models import Customer
from bot.db.types import utcnow
from currency.text import fold

MAX_TAG = 40


class TagRefused(Exception):
    """The tag cannot be added or removed; the message says why, in Spanish."""


def clean_tag(text: str) -> str:
    """A tag as stored: lower case, no accents, words joined by hyphens (`Llamar Lunes` -> `llamar-lunes`)."""
    tag = "-".join(fold(text).replace("_", " ").split())
    if not tag:
        raise TagRefused("la etiqueta está vacía")
    if len(tag) > MAX_TAG:
        raise TagRefused(f"la etiqueta tiene más de {MAX_TAG} caracteres")
    return tag


def add_tag(session: Session, customer: Customer, text: str) -> bool:
    """Tag the customer; False when they had it already."""
    tag = clean_tag(text)
    if tag in customer.tags:
        return False
    customer.tags = [*customer.tags, tag]
    customer.updated_at = utcnow()
    session.add(customer)
    return True


def remove_tag(session: Session, customer: Customer, text: str) -> bool:
    """Take the tag off; False when they did not have it."""
    tag = clean_tag(text)
    if tag not in customer.tags:
        return False
    customer.tags = [t for t in customer.tags if t != tag]
    customer.updated_at = utcnow()
    session.add(customer)
    return True
