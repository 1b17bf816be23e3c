"""Payment facts and value spellings for the wider tuned generator: more names, companies, amounts and dates."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from tests.ocr.generator.content import LAST, MONTHS, PAYEES, WEEKDAYS, Content, plain

FIRST = [
    "María", "Ana", "Sofía", "Lucía", "Valeria", "Gabriela", "Mariana", "Rebeca", "Natalia", "Karla", "Melissa",
    "Marielos", "Adriana", "Yorleny", "Hazel", "Fiorella", "Daniela", "Priscilla", "Tatiana", "Wendy", "Silvia",
    "José", "Luis", "Carlos", "Andrés", "Jorge", "Daniel", "Esteban", "Pablo", "Fabián", "Óscar", "Randall",
    "Johnny", "Víctor", "Greivin", "Ignacio", "Alonso", "Mauricio", "Rodolfo", "Minor", "Geovanny", "Álvaro",
]
COMPOUND_FIRST = [
    "María José", "José Pablo", "Ana Lucía", "Juan Carlos", "Luis Diego", "María Fernanda", "José Alberto",
    "Carlos Andrés", "Ana Gabriela", "José María", "Luis Fernando", "María Paula", "Juan José", "Marco Antonio",
    "María de los Ángeles",
]
MORE_LAST = [
    *LAST, "Bonilla", "Cordero", "Fallas", "Gamboa", "Guzmán", "Hidalgo", "Leiva", "Méndez", "Navarro", "Obando",
    "Pérez", "Ramírez", "Soto", "Torres", "Valverde", "Vega", "Zamora", "Badilla", "Campos", "Esquivel",
    "Barquero", "Elizondo", "Cubero", "Quirós", "Ureña", "Solís", "Acuña", "Murillo", "Chacón", "Sibaja",
]
COMPANIES = [
    "Inversiones Pura Vida S.A.", "Comercializadora del Valle S.R.L.", "Servicios Técnicos Herrera Ltda.",
    "Constructora Monteverde S.A.", "Agrícola Los Santos S.A.", "Distribuidora Tica Ltda.",
    "Soluciones Digitales CR S.R.L.", "Importadora Central S.A.", "Transportes Zúñiga e Hijos S.A.",
    "Panadería La Espiga", "Consultores Asociados Arias y Mora S.R.L.", "Veterinaria San Francisco Ltda.",
]
WIDE_PAYEES = [*PAYEES, "WOLK SOFTWARE S.A.", "Wolk Software Ltda.", "Wolk Software Sociedad Anónima", *COMPANIES[:4]]


def _person(rng: random.Random) -> str:
    first = rng.choice(COMPOUND_FIRST) if rng.random() < 0.35 else rng.choice(FIRST)
    surnames = rng.sample(MORE_LAST, 2) if rng.random() < 0.9 else [rng.choice(MORE_LAST)]
    return " ".join([first, *surnames])


def _iban(rng: random.Random, code: str) -> str:
    return f"CR{rng.randint(10, 99)}0{code}{rng.randint(0, 10**14 - 1):014d}"


def wide_content(rng: random.Random, payer_code: str, payee_code: str) -> Content:
    """Random but plausible payment facts, with more kinds of people, companies and descriptions."""
    currency = "USD" if rng.random() < 0.25 else "CRC"
    if currency == "CRC":
        whole = rng.choice([rng.randint(100, 999), rng.randint(1000, 99999), rng.randint(100000, 3500000)])
        cents = rng.choice([0, 0, 0, 50, rng.randint(1, 99)])
    else:
        whole = rng.choice([rng.randint(1, 999), rng.randint(1000, 9000)])
        cents = rng.choice([0, 0, rng.randint(1, 99)])
    amount = Decimal(whole) + Decimal(cents) / 100
    moment = datetime(2026, 1, 1, 0, 0) + timedelta(minutes=rng.randint(0, 60 * 24 * 360), seconds=rng.randint(0, 59))
    sinpe = rng.random() < 0.6
    if sinpe:
        reference = f"{moment:%Y%m%d}" + "".join(rng.choice("0123456789") for _ in range(rng.choice([17, 17, 12])))
    else:
        reference = str(rng.randint(10**6, 10**14 - 1))
    payer = rng.choice(COMPANIES) if rng.random() < 0.15 else _person(rng)
    payee = _person(rng) if rng.random() < 0.2 else rng.choice(WIDE_PAYEES)
    client = str(rng.randint(1, 99999))
    month = MONTHS[moment.month - 1]
    forms = [
        f"Pago ID {client}", f"ID WOLK {client}", f"pago id {client} {month}", f"Mensualidad {month} ID {client}",
        f"Factura 10{client[-2:]} - ID {client}", f"ID {client} cuota", f"Abono ID {client}", f"SINPE ID {client}",
        f"PAGO ID {client}", f"ID:{client}", f"Suscripción ID #{client}", f"Cliente ID-{client} {month}",
        "Transferencia", "Pago de servicios", "Pago Wolk", "cuota mensual", "Pago", f"Pago {month}",
        f"Cuota No. {client[-1]} ID {client}", f"Alquiler apto. 4 ID {client}",
        f"Fact. No. 10{client[-2:]} ID {client}", f"Pago Cta. {client}", f"Abono préstamo Núm. {client[-2:]}",
        f"Servicios {month} Wolk S.A. ID {client}",
        f"Pago de mensualidad de servicios profesionales de {month} ID {client}",
    ]
    description = rng.choice(forms)
    return Content(
        amount=amount, currency=currency, moment=moment, reference=reference, sinpe=sinpe, payer=payer,
        payee=payee, description=description, client_id=client if "id" in description.lower() else None,
        payer_phone=f"{rng.choice('5678')}{rng.randint(0, 9999999):07d}",
        payee_phone=f"{rng.choice('678')}{rng.randint(0, 9999999):07d}",
        payer_iban=_iban(rng, payer_code), payee_iban=_iban(rng, payee_code),
        payer_id=(f"3-101-{rng.randint(100000, 999999)}" if payer.endswith(("S.A.", "S.R.L.", "Ltda."))
                  else f"{rng.randint(1, 9)}-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"),
    )


def _groups(whole: str, sep: str) -> str:
    return f"{int(whole):,}".replace(",", sep)


def wide_amount(amount: Decimal, currency: str, rng: random.Random) -> str:
    """An amount as Costa Rican receipts print it: sign, code or word, before or after; dots, commas or spaces."""
    whole, cents = f"{amount:.2f}".split(".")
    european = [f"{_groups(whole, '.')},{cents}", f"{_groups(whole, ' ')},{cents}", f"{whole},{cents}"]
    english = [f"{_groups(whole, ',')}.{cents}", f"{whole}.{cents}"]
    number = rng.choice([*european, *english, european[0], english[0]])
    if cents == "00" and rng.random() < 0.2:
        number = whole if len(whole) <= 3 else rng.choice([_groups(whole, sep) for sep in ".  ,"])
    if currency == "CRC":
        pattern = rng.choice(["₡{}", "₡ {}", "CRC {}", "{} CRC", "{} colones", "¢{}", "₡{}", "CRC{}", "{} Colones",
                              "{} COLONES", "₡ {}"])
    else:
        pattern = rng.choice(["${}", "$ {}", "USD {}", "{} USD", "US$ {}", "US${}", "{} dólares", "{} Dólares",
                              "USD{}", "{} DÓLARES", "$ {} USD"])
    return pattern.format(number)


def wide_date(moment: datetime, rng: random.Random, *, with_time: float = 0.5) -> str:
    """A day-first Spanish date, numeric or in words (maybe with the weekday), maybe with a 12 h or 24 h time."""
    mon = MONTHS[moment.month - 1]
    day = WEEKDAYS[moment.weekday()]
    forms = [
        f"{moment:%d/%m/%Y}", f"{moment:%d-%m-%Y}", f"{moment.day}/{moment.month}/{moment.year}",
        f"{moment:%d.%m.%Y}", f"{moment.day:02d}-{mon[:3]}-{moment.year}",
        f"{moment.day:02d} {mon[:3].upper()} {moment.year}",
        f"{day}, {moment.day} de {mon} de {moment.year}", f"{day.capitalize()} {moment.day} de {mon} del {moment.year}",
        f"{moment.day} de {mon}, {moment.year}", f"{day[:3].capitalize()} {moment.day} {mon[:3]} {moment.year}",
        f"{moment.day} {mon.capitalize()} {moment.year}", f"{moment:%Y-%m-%d}", f"{moment:%Y/%m/%d}",
        f"{plain(day).upper()} {moment.day:02d}/{moment.month:02d}/{moment.year}",
    ]
    text = rng.choice(forms)
    if rng.random() < with_time:
        text = rng.choice(["{} {}", "{} - {}", "{}, {}", "{} a las {}", "{} | {}"]).format(text, wide_time(moment, rng))
    return text


def wide_time(moment: datetime, rng: random.Random) -> str:
    """A clock time in 12 h (a. m./p. m.) or 24 h, with or without seconds."""
    hour12 = moment.hour % 12 or 12
    if moment.hour == 12 and moment.minute == 0:
        suffix = rng.choice(["m. d.", "p. m."])
    else:
        suffix = (rng.choice(["a. m.", "a.m.", "AM", "am"]) if moment.hour < 12
                  else rng.choice(["p. m.", "p.m.", "PM", "pm"]))
    return rng.choice([
        f"{moment:%H:%M}", f"{moment:%H:%M:%S}", f"{hour12}:{moment:%M} {suffix}",
        f"{hour12:02d}:{moment:%M}:{moment:%S} {suffix}",
        f"{moment:%H:%M} h", f"{moment:%H:%M} hrs",
    ])


def wide_phone(phone: str, rng: random.Random) -> str:
    """A Costa Rican number as apps and SMS print it."""
    head, tail = phone[:4], phone[4:]
    return rng.choice([phone, f"{head}-{tail}", f"{head} {tail}", f"+506 {head} {tail}", f"(506) {head}-{tail}",
                       f"+506{phone}", f"506-{head}-{tail}"])


def wide_account(iban: str, rng: random.Random) -> str:
    """An account as printed: IBAN grouped or not, the 17-digit cuenta cliente, or masked."""
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    client = iban[5:]
    return rng.choice([
        grouped, iban, grouped, client, f"****{iban[-4:]}", f"CR** **** **** {iban[-4:]}", f"XXXX-XXXX-{iban[-4:]}",
        f"***{iban[-3:]}", f"{iban[:4]} **** **** **** {iban[-4:]}",
    ])


def wide_name(name: str, rng: random.Random) -> str:
    """A holder's name as printed: as written, in capitals (maybe without accents), or surnames first."""
    roll = rng.random()
    if roll < 0.15:
        return plain(name).upper()
    if roll < 0.25:
        return name.upper()
    words = name.split()
    company = name.endswith(("S.A.", "S.R.L.", "Ltda.", "Anónima"))
    if roll < 0.3 and not company and len(words) >= 3 and " de " not in name:
        return plain(" ".join([*words[-2:], *words[:-2]])).upper()
    return name
