"""Finding the customer behind a receipt: by client ID, by the chat they wrote from, or by payer name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from rapidfuzz import fuzz, process
from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from bot.account.operations import owing_contract_ids
from bot.db.models import Contract, Customer
from bot.db.types import utcnow
from currency.text import fold, international_phone, national_phone, parse_phone

NAME_MATCH_THRESHOLD = 85.0
"""A payer name scoring below this (0..100) is not taken as any customer."""
NAME_AMBIGUITY_MARGIN = 5.0
"""Two customers within this many points of each other are ambiguous, never a silent pick."""

_LEGAL_SUFFIXES = (
    "sociedad anonima",
    "sociedad de responsabilidad limitada",
    "limitada",
    "ltda",
    "srl",
    "sa",
)
_NON_WORD = re.compile(r"[^\w\s]")


def stored_phones(customer: Customer) -> set[str]:
    """Every number stored for a customer (WhatsApp and the phone list), each in E.164."""
    numbers = {international_phone(customer.whatsapp_number or "")}
    for entry in customer.phones:
        number = entry.get("number", "")
        country = re.sub(r"\D", "", entry.get("country", ""))
        if country:
            numbers.add(international_phone(f"+{country}{number}"))
        else:
            numbers.add(international_phone(number) or international_phone(f"+{number}"))
    numbers.discard("")
    return numbers


def normalize_name(text: str) -> str:
    """Accent- and case-free, punctuation dropped and legal suffixes (S.A., Ltda.) removed."""
    words = fold(_NON_WORD.sub(lambda m: "" if m.group() == "." else " ", text))
    changed = True
    while changed and words:
        changed = False
        for suffix in _LEGAL_SUFFIXES:
            if words == suffix:
                break
            if words.endswith(" " + suffix):
                words = words[: -len(suffix) - 1].strip()
                changed = True
    return words


def name_score(left: str, right: str) -> float:
    """0..100: word order ignored, and a shorter name contained in a longer one scores a little less."""
    a, b = normalize_name(left), normalize_name(right)
    if not a or not b:
        return 0.0
    return max(fuzz.token_sort_ratio(a, b), 0.9 * fuzz.token_set_ratio(a, b))


def find_by_client_id(session: Session, client_id: str) -> Customer | None:
    """The customer whose client ID is written in a payment description (`ID 1001`, `0001001`)."""
    value = client_id.strip()
    if not value:
        return None
    found = session.exec(select(Customer).where(Customer.client_id == value)).first()
    if found is None and value.isdigit() and value != value.lstrip("0"):
        found = session.exec(select(Customer).where(Customer.client_id == value.lstrip("0"))).first()
    return found


def find_by_phone(session: Session, phone: str) -> list[Customer]:
    """Every customer with this number as WhatsApp number or any stored phone (usually one), however
    either is written (`00506 8811 2233`, `+506 8811-2233`, `88112233`)."""
    wanted = international_phone(phone)
    national = national_phone(phone)
    if not wanted or len(national) < 7:
        return []
    # A number stored by hand may be grouped (`8711-4455`): its last four digits still find it, and the
    # parsed comparison below decides.
    last_digits = f"%{national[-4:]}%"
    candidates = session.exec(
        select(Customer).where(
            or_(
                col(Customer.whatsapp_number).in_([wanted, wanted.removeprefix("+"), national]),
                col(Customer.whatsapp_number).like(last_digits),
                cast(Customer.phones, String).like(last_digits),
            )
        )
    ).all()
    return [customer for customer in candidates if wanted in stored_phones(customer)]


def find_by_identity(session: Session, channel: str, sender: str) -> Customer | None:
    """The one customer behind a chat sender; None when unknown or shared by several customers.

    `channel` is "whatsapp" (sender `+506...` or `whatsapp:+506...`), "telegram" (user id) or
    "sandbox"/"cli" (any phone form).
    """
    if channel == "telegram":
        if not sender.strip().lstrip("-").isdigit():
            return None
        found = session.exec(select(Customer).where(Customer.telegram_user_id == int(sender))).all()
        return found[0] if len(found) == 1 else None
    matches = find_by_phone(session, sender)
    return matches[0] if len(matches) == 1 else None


class NameMatchStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


@dataclass(frozen=True)
class NameCandidate:
    customer_id: int
    name: str
    score: float


@dataclass(frozen=True)
class NameLookup:
    """The outcome of a payer-name search; `candidates` are best first and scored 0..100."""

    status: NameMatchStatus
    candidates: list[NameCandidate] = field(default_factory=list)

    @property
    def best(self) -> NameCandidate | None:
        return self.candidates[0] if self.status is NameMatchStatus.FOUND else None


def find_by_payer_name(
    session: Session,
    payer_name: str,
    *,
    threshold: float = NAME_MATCH_THRESHOLD,
    margin: float = NAME_AMBIGUITY_MARGIN,
) -> NameLookup:
    """Fuzzy search over customers' names and remembered payer names; ties are reported, not picked."""
    query = normalize_name(payer_name)
    if len(query) < 3:
        return NameLookup(NameMatchStatus.NONE)
    choices: list[str] = []
    owners: list[tuple[int, str]] = []
    official: dict[int, str] = {}
    for customer_id, first, last in session.exec(
        select(Customer.id, Customer.first_names, Customer.last_names)
    ):
        full = f"{first} {last}".strip()
        official[customer_id or 0] = full
        normalized = normalize_name(full)
        if normalized and customer_id is not None:
            choices.append(normalized)
            owners.append((customer_id, full))
    remembered = session.exec(
        select(Customer.id, Customer.known_payer_names).where(
            cast(Customer.known_payer_names, String) != "[]"
        )
    )
    for customer_id, known in remembered:
        for name in known or []:
            normalized = normalize_name(name)
            if normalized and customer_id is not None:
                choices.append(normalized)
                owners.append((customer_id, official.get(customer_id, name)))
    best: dict[int, NameCandidate] = {}
    for scorer, weight in ((fuzz.token_sort_ratio, 1.0), (fuzz.token_set_ratio, 0.9)):
        for _choice, raw, index in process.extract(
            query, choices, scorer=scorer, limit=None, score_cutoff=(threshold - margin) / weight
        ):
            customer_id, full = owners[index]
            score = round(float(raw) * weight, 1)
            if customer_id not in best or best[customer_id].score < score:
                best[customer_id] = NameCandidate(customer_id, full, score)
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.customer_id))
    if not ranked or ranked[0].score < threshold:
        return NameLookup(NameMatchStatus.NONE, ranked[:5])
    if len(ranked) > 1 and ranked[0].score - ranked[1].score < margin:
        return NameLookup(NameMatchStatus.AMBIGUOUS, ranked[:5])
    return NameLookup(NameMatchStatus.FOUND, ranked[:5])


def remember_payer(
    session: Session,
    customer: Customer,
    payer_name: str | None,
    phone: str | None,
    *,
    telegram_user_id: int | None = None,
) -> Customer:
    """Learn who pays for `customer` (an agent confirmed it) so the next receipt matches on its own."""
    changed = False
    if payer_name and payer_name.strip():
        known = list(customer.known_payer_names or [])
        normalized = normalize_name(payer_name)
        official = normalize_name(customer.full_name)
        if normalized and normalized != official and normalized not in {normalize_name(n) for n in known}:
            customer.known_payer_names = [*known, payer_name.strip()]
            changed = True
    number = parse_phone(phone) if phone else None
    if phone and number is not None and len(str(number.national_number)) >= 7:
        international = international_phone(phone)
        if international not in stored_phones(customer):
            entry = {"country": str(number.country_code), "number": str(number.national_number), "source": "payer"}
            customer.phones = [*customer.phones, entry]
            changed = True
        if not customer.whatsapp_number and phone.strip().startswith(("+", "whatsapp:")):
            customer.whatsapp_number = international
            changed = True
    if telegram_user_id is not None and customer.telegram_user_id != telegram_user_id:
        customer.telegram_user_id = telegram_user_id
        changed = True
    if changed:
        customer.updated_at = utcnow()
        session.add(customer)
        session.flush()
    return customer


def customer_contracts(session: Session, customer_id: int) -> list[Contract]:
    return list(
        session.exec(
            select(Contract)
            .where(Contract.customer_id == customer_id)
            .order_by(col(Contract.payment_code), col(Contract.installment))
        ).all()
    )


def order_named(session: Session, customer_id: int, code: str, installment: int | None = None) -> Contract | None:
    """The customer's order a payment code names (case aside): the cuota given, else the earliest cuota still
    owing, else the latest one."""
    wanted = code.strip().casefold()
    matches = [c for c in customer_contracts(session, customer_id) if c.payment_code.casefold() == wanted]
    if installment is not None:
        return next((c for c in matches if c.installment == installment), None)
    if not matches:
        return None
    open_ids = owing_contract_ids(session, customer_id)
    owing = [c for c in matches if c.id in open_ids]
    if owing:
        return min(owing, key=lambda c: (c.due_date or date.max, c.installment))
    return max(matches, key=lambda c: (c.due_date or date.min, c.installment))


def select_contract(session: Session, customer_id: int, on_date: date) -> Contract | None:
    """The contract a payment most likely settles: the earliest one still owing, else the newest."""
    contracts = customer_contracts(session, customer_id)
    if not contracts:
        return None
    open_orders = owing_contract_ids(session, customer_id)
    owing = [c for c in contracts if c.id in open_orders]
    if owing:
        return min(owing, key=lambda c: (c.due_date or date.max, c.installment, c.id or 0))
    running = [c for c in contracts if c.end_date is None or c.end_date >= on_date]
    pool = running or contracts
    return max(pool, key=lambda c: (c.end_date or date.max, c.due_date or date.min, c.id or 0))
