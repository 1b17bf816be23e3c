"""What a generated receipt says (its truth) and the many ways a Costa Rican bank spells each value."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "setiembre", "octubre", "noviembre", "diciembre",
]
WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
FIRST_WOMEN = [
    "María", "Ana", "Sofía", "Lucía", "Valeria", "Gabriela", "Mariana", "Rebeca", "Natalia", "Karla", "Melissa",
    "Marielos", "Adriana", "Yorleny", "Hazel", "Fiorella",
]
FIRST_MEN = [
    "José", "Luis", "Carlos", "Andrés", "Jorge", "Daniel", "Esteban", "Pablo", "Fabián", "Óscar", "Randall",
    "Johnny", "Víctor", "Greivin", "Ignacio", "Alonso",
]
LAST = [
    "Rodríguez", "Vargas", "Jiménez", "Mora", "Rojas", "Solano", "Araya", "Quesada", "Chaves", "Castro",
    "Alfaro", "Villalobos", "Sánchez", "Brenes", "Calderón", "Ulate", "Herrera", "Zúñiga", "Céspedes",
    "Montero", "Segura", "Picado", "Salazar", "Madrigal", "Arias", "Núñez", "Camacho", "Porras",
]
COMPANY_PAYERS = ["Distribuidora La Palma S.A.", "Inversiones Montecristo S.R.L.", "Taller Hermanos Mora"]
PAYEES = [
    "Wolk Software S.A.", "Wolk Software", "Ferretería El Roble", "Servicios Médicos Aurora S.A.",
    "Soda La Esquina", "Academia Musical Allegro",
]


@dataclass(frozen=True)
class Truth:
    """What a careful person reads on the receipt; a field the receipt does not show is None."""

    amount: Decimal
    currency: str
    date: date | None
    reference: str | None
    payer_name: str | None
    payee_name: str | None
    description: str | None
    client_id: str | None
    bank: str | None
    payee_phone: str | None = None
    payer_phone: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Ground truth in `paybot ocr --json` form."""
        return {
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "date": self.date.isoformat() if self.date else None,
            "reference": self.reference,
            "payer_name": self.payer_name,
            "payee_name": self.payee_name,
            "description": self.description,
            "client_id": self.client_id,
            "bank": self.bank,
        }


@dataclass
class Content:
    """One payment's facts before anything is printed: who, how much, when, which accounts."""

    amount: Decimal
    currency: str
    moment: datetime
    reference: str
    sinpe: bool
    payer: str
    payee: str
    description: str
    client_id: str | None
    payer_phone: str
    payee_phone: str
    payer_iban: str
    payee_iban: str
    payer_id: str
    extras: dict[str, str] = field(default_factory=dict)


def plain(text: str) -> str:
    """Text without accents, as many bank systems and SMS print it."""
    kept = text.replace("ñ", "\0").replace("Ñ", "\1")
    decomposed = unicodedata.normalize("NFKD", kept)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("\0", "ñ").replace("\1", "Ñ")


def _iban(rng: random.Random, code: str) -> str:
    return f"CR{rng.randint(10, 99)}0{code}{rng.randint(0, 10**14 - 1):014d}"


def _person(rng: random.Random) -> str:
    names = FIRST_WOMEN if rng.random() < 0.5 else FIRST_MEN
    first = rng.choice(names)
    if rng.random() < 0.3:
        first = f"{first} {rng.choice([f for f in names if f != first])}"
    return f"{first} {rng.choice(LAST)} {rng.choice(LAST)}"


def make_content(rng: random.Random, payer_bank_code: str, payee_bank_code: str) -> Content:
    """Random but plausible payment facts."""
    currency = "USD" if rng.random() < 0.22 else "CRC"
    if currency == "CRC":
        whole = rng.choice([rng.randint(100, 999), rng.randint(1000, 99999), rng.randint(100000, 2500000)])
        cents = rng.choice([0, 0, 0, 50, rng.randint(1, 99)])
    else:
        whole = rng.choice([rng.randint(5, 999), rng.randint(1000, 6000)])
        cents = rng.choice([0, 0, rng.randint(1, 99)])
    amount = Decimal(whole) + Decimal(cents) / 100
    moment = datetime(2026, 1, 1, 6, 0) + timedelta(minutes=rng.randint(0, 60 * 24 * 360), seconds=rng.randint(0, 59))
    sinpe = rng.random() < 0.6
    if sinpe:
        reference = f"{moment:%Y%m%d}" + "".join(rng.choice("0123456789") for _ in range(17))
    else:
        reference = str(rng.randint(10**7, 10**12 - 1))
    payer = rng.choice(COMPANY_PAYERS) if rng.random() < 0.08 else _person(rng)
    client = str(rng.randint(1, 9999))
    forms = [
        f"Pago ID {client}", f"ID WOLK {client} mensualidad", f"id wolk #{client}", f"ID{client}",
        f"ID: {client} pago", "Pago mensual", f"Mensualidad ID {client}", f"Pago de servicio ID {client}",
        f"Cuota noviembre ID {client}", "Alquiler local", f"ID {client}", "Pago factura",
    ]
    description = rng.choice(forms)
    client_id = client if "id" in description.lower() else None
    return Content(
        amount=amount,
        currency=currency,
        moment=moment,
        reference=reference,
        sinpe=sinpe,
        payer=payer,
        payee=rng.choice(PAYEES),
        description=description,
        client_id=client_id,
        payer_phone=f"{rng.choice('678')}{rng.randint(0, 9999999):07d}",
        payee_phone=f"8{rng.randint(0, 9999999):07d}",
        payer_iban=_iban(rng, payer_bank_code),
        payee_iban=_iban(rng, payee_bank_code),
        payer_id=f"{rng.randint(1, 7)}{rng.randint(0, 9999):04d}{rng.randint(0, 9999):04d}",
    )


def amount_text(amount: Decimal, currency: str, rng: random.Random) -> str:
    """One of the amount spellings Costa Rican receipts use: sign, code or word; dots, commas or spaces."""
    whole, cents = f"{amount:.2f}".split(".")
    commas = f"{int(whole):,}"
    dots = commas.replace(",", ".")
    spaces = commas.replace(",", " ")
    if currency == "CRC":
        forms = [
            f"₡{dots},{cents}", f"₡ {commas}.{cents}", f"CRC {spaces},{cents}", f"{dots},{cents} colones",
            f"{commas}.{cents} CRC", f"₡{commas}.{cents}", f"¢{dots},{cents}", f"₡ {spaces},{cents}",
            f"{spaces},{cents} colones", f"CRC {dots},{cents}", f"{commas}.{cents} Colones", f"₡{dots},{cents}",
        ]
        if cents == "00" and len(whole) > 3:
            forms += [f"₡{dots}", f"{dots} colones"]
    else:
        forms = [
            f"$ {commas}.{cents}", f"US$ {dots},{cents}", f"USD {commas}.{cents}", f"{commas}.{cents} USD",
            f"${commas}.{cents}", f"{dots},{cents} dólares", f"USD {spaces},{cents}", f"US${commas}.{cents}",
        ]
        if cents == "00":
            forms.append(f"USD {commas}")
    return rng.choice(forms)


def date_text(moment: datetime, rng: random.Random, *, with_time: bool = True) -> str:
    """One of the day-first Spanish date spellings, numeric or in words, with or without the weekday."""
    mon = MONTHS[moment.month - 1]
    day = WEEKDAYS[moment.weekday()]
    hour12 = moment.hour % 12 or 12
    ampm = rng.choice(["a. m.", "a.m.", "AM"]) if moment.hour < 12 else rng.choice(["p. m.", "p.m.", "PM"])
    clock = rng.choice([f"{moment:%H:%M}", f"{hour12}:{moment:%M} {ampm}", f"{moment:%H:%M:%S}"])
    dated = [
        f"{moment:%d/%m/%Y}", f"{moment:%d-%m-%Y}", f"{moment.day} {mon[:3]}. {moment.year}",
        f"{day}, {moment.day} de {mon} de {moment.year}", f"{moment.day:02d}/{mon[:3].upper()}/{moment.year}",
        f"{day.capitalize()} {moment.day} de {mon} de {moment.year}", f"{moment.day} de {mon} de {moment.year}",
        f"{moment:%d.%m.%Y}", f"{moment:%d/%m/%y}", f"{moment.day:02d} {mon[:3].upper()} {moment.year}",
        f"{day[:3]}. {moment.day} {mon[:3]}. {moment.year}", f"{moment:%Y-%m-%d}",
    ]
    text = rng.choice(dated)
    if with_time and rng.random() < 0.6:
        text = rng.choice([f"{text} {clock}", f"{text} - {clock}", f"{text}, {clock}", f"{text} a las {clock}"])
    return text


def date_words(moment: datetime, rng: random.Random) -> str:
    """A date in words as notifications write it, sometimes with the weekday and time."""
    mon = MONTHS[moment.month - 1]
    day = WEEKDAYS[moment.weekday()]
    forms = [
        f"{moment.day} de {mon} de {moment.year}", f"{day} {moment.day} de {mon} de {moment.year}",
        f"{day}, {moment.day} de {mon} de {moment.year}", f"{moment.day} de {mon} del {moment.year}",
        f"{moment:%d/%m/%Y}", f"{moment.day} {mon[:3]} {moment.year}",
    ]
    text = rng.choice(forms)
    if rng.random() < 0.4:
        text += f" a las {moment:%H:%M}"
    return text


def phone_text(phone: str, rng: random.Random) -> str:
    """A Costa Rican number as apps print it."""
    head, tail = phone[:4], phone[4:]
    return rng.choice([phone, f"{head}-{tail}", f"+506 {head} {tail}", f"(506) {head}-{tail}"])


def iban_text(iban: str, rng: random.Random) -> str:
    """An IBAN grouped by four, or run together."""
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return rng.choice([grouped, iban, grouped])


def masked_iban(iban: str, rng: random.Random) -> str:
    """An account shown with most digits hidden, as many receipts do."""
    return rng.choice([f"CR**{iban[-4:]}", f"****{iban[-4:]}", f"CR{iban[2:4]} **** **** {iban[-4:]}"])


def person_spelling(name: str, rng: random.Random, *, upper: float = 0.2) -> str:
    """The holder's name as printed: as written, in capitals without accents, or surnames first."""
    roll = rng.random()
    if roll < upper:
        return plain(name).upper()
    if roll < upper + 0.05 and " S." not in name and len(name.split()) >= 3:
        parts = name.split()
        return plain(" ".join([*parts[-2:], *parts[:-2]])).upper()
    return name
