"""Synthetic Costa Rican bank receipts with ground truth, so the reader is tested on real pixels."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype"
FONTS = {
    "dejavu": (f"{FONT_DIR}/dejavu/DejaVuSans.ttf", f"{FONT_DIR}/dejavu/DejaVuSans-Bold.ttf"),
    "noto": (f"{FONT_DIR}/noto/NotoSans-Regular.ttf", f"{FONT_DIR}/noto/NotoSans-Bold.ttf"),
    "liberation": (
        f"{FONT_DIR}/liberation/LiberationSans-Regular.ttf",
        f"{FONT_DIR}/liberation/LiberationSans-Bold.ttf",
    ),
}
SYMBOL_FONT = f"{FONT_DIR}/dejavu/DejaVuSans.ttf"

MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
FIRST = [
    "María",
    "José",
    "Ana",
    "Luis",
    "Carlos",
    "Sofía",
    "Andrés",
    "Lucía",
    "Jorge",
    "Valeria",
    "Daniel",
    "Gabriela",
    "Esteban",
    "Mariana",
    "Pablo",
    "Rebeca",
    "Fabián",
    "Natalia",
]
LAST = [
    "Rodríguez",
    "Vargas",
    "Jiménez",
    "Mora",
    "Rojas",
    "Solano",
    "Araya",
    "Quesada",
    "Chaves",
    "Castro",
    "Alfaro",
    "Villalobos",
    "Sánchez",
    "Brenes",
    "Calderón",
    "Ulate",
    "Herrera",
]
PAYEES = ["Wolk Software S.A.", "Wolk Software", "Ferretería El Roble", "Servicios Médicos Aurora S.A."]


@dataclass(frozen=True)
class BankStyle:
    """How one bank prints its receipt: header, label wording per field, colours."""

    bank: str
    header: str
    titles: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]
    accent: tuple[int, int, int]


def _labels(**kw: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    base = {
        "amount": ("Monto", "Monto transferido"),
        "date": ("Fecha", "Fecha y hora"),
        "reference": ("Referencia", "Número de referencia"),
        "payer_name": ("Origen", "Cliente origen"),
        "payee_name": ("Destino", "Beneficiario"),
        "description": ("Descripción", "Motivo", "Detalle"),
        "payee_phone": ("Teléfono destino",),
        "payer_phone": ("Teléfono origen",),
    }
    base.update(kw)
    return base


STYLES = [
    BankStyle(
        "BCR",
        "Banco de Costa Rica",
        ("Comprobante de transferencia", "SINPE Móvil"),
        _labels(
            payer_name=("Cuenta origen", "Nombre del ordenante"), payee_name=("Nombre del beneficiario", "Destino")
        ),
        (0, 70, 140),
    ),
    BankStyle(
        "Banco Nacional",
        "Banco Nacional",
        ("BN SINPE Móvil", "Transferencia exitosa"),
        _labels(reference=("Número de comprobante", "Referencia"), description=("Descripción", "Concepto")),
        (0, 110, 60),
    ),
    BankStyle(
        "BAC Credomatic",
        "BAC Credomatic",
        ("Transferencia realizada", "SINPE Móvil enviado"),
        _labels(
            amount=("Monto", "Monto debitado"),
            payee_name=("Para", "Beneficiario"),
            payer_name=("De", "Cuenta de origen"),
            description=("Detalle", "Motivo"),
        ),
        (200, 20, 30),
    ),
    BankStyle(
        "Davivienda",
        "Davivienda",
        ("Comprobante de pago",),
        _labels(reference=("Número de aprobación", "Referencia")),
        (220, 30, 30),
    ),
    BankStyle(
        "Promerica",
        "Banco Promerica",
        ("Transferencia SINPE", "Comprobante"),
        _labels(payee_name=("Cuenta destino a nombre de", "Beneficiario")),
        (0, 120, 70),
    ),
    BankStyle(
        "Banco Popular",
        "Banco Popular",
        ("Comprobante de transacción",),
        _labels(amount=("Monto", "Monto de la transferencia")),
        (200, 120, 0),
    ),
    BankStyle(
        "Scotiabank",
        "Scotiabank",
        ("Confirmación de transferencia",),
        _labels(reference=("Número de confirmación", "Referencia")),
        (200, 0, 20),
    ),
    BankStyle("Coopenae", "Coopenae", ("Comprobante SINPE Móvil",), _labels(), (0, 90, 160)),
    BankStyle("Mucap", "Mucap", ("Comprobante de transferencia",), _labels(), (0, 100, 170)),
    BankStyle("Mutual", "Grupo Mutual", ("Transferencia exitosa",), _labels(), (230, 90, 0)),
    BankStyle(
        "",
        "Comprobante de pago",
        ("Transferencia",),
        _labels(amount=("Monto", "Importe"), payee_name=("Beneficiario", "Cuenta destino")),
        (60, 60, 60),
    ),
]


@dataclass(frozen=True)
class Truth:
    """What a perfect reader returns for a generated receipt."""

    amount: Decimal
    currency: str
    date: date
    reference: str
    payer_name: str
    payee_name: str
    description: str
    client_id: str | None
    bank: str | None
    payee_phone: str | None = None
    payer_phone: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Ground truth in `paybot ocr --json` form."""
        return {
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "date": self.date.isoformat(),
            "reference": self.reference,
            "payer_name": self.payer_name,
            "payee_name": self.payee_name,
            "description": self.description,
            "client_id": self.client_id,
            "bank": self.bank,
        }


@dataclass
class Receipt:
    """A generated receipt: encoded file bytes, its truth, and how it was made."""

    data: bytes
    truth: Truth
    dark: bool
    photographed: bool
    notes: dict[str, str] = field(default_factory=dict)


def format_amount(amount: Decimal, currency: str, style: int) -> str:
    """One of the amount spellings Costa Rican receipts use."""
    whole, cents = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}"
    dots = groups.replace(",", ".")
    spaces = groups.replace(",", " ")
    if currency == "CRC":
        forms = [
            f"₡{dots},{cents}",
            f"₡ {groups}.{cents}",
            f"CRC {spaces},{cents}",
            f"{dots},{cents} colones",
            f"{groups}.{cents} CRC",
            f"₡{dots},{cents}",
        ]
    else:
        forms = [f"$ {groups}.{cents}", f"US$ {dots},{cents}", f"USD {groups}.{cents}", f"{groups}.{cents} USD"]
        if cents == "00":
            forms.append(f"USD {groups}")
    return forms[style % len(forms)]


def format_date(moment: datetime, style: int) -> str:
    """One of the day-first Spanish date spellings."""
    mon = MONTHS[moment.month - 1]
    hour12 = moment.hour % 12 or 12
    ampm = "a. m." if moment.hour < 12 else "p. m."
    forms = [
        f"{moment:%d/%m/%Y %H:%M}",
        f"{moment:%d-%m-%Y} {hour12}:{moment:%M} {ampm}",
        f"{moment.day} {mon[:3]}. {moment.year}",
        f"{WEEKDAYS[moment.weekday()]}, {moment.day} de {mon} de {moment.year}",
        f"{moment.day:02d}/{mon[:3].upper()}/{moment.year}",
        f"{moment:%d/%m/%Y}",
    ]
    return forms[style % len(forms)]


def make_truth(rng: random.Random, style: BankStyle) -> tuple[Truth, dict[str, str]]:
    """Random but plausible receipt contents for a bank."""
    currency = "USD" if rng.random() < 0.25 else "CRC"
    if currency == "CRC":
        amount = Decimal(rng.choice([rng.randint(1, 999), rng.randint(1000, 99999), rng.randint(100000, 2500000)]))
        cents = rng.choice([0, 0, 50, rng.randint(1, 99)])
    else:
        amount = Decimal(rng.randint(5, 4000))
        cents = rng.choice([0, 0, rng.randint(1, 99)])
    amount = amount + Decimal(cents) / 100
    moment = datetime(2026, 1, 1, 6, 0) + timedelta(minutes=rng.randint(0, 60 * 24 * 360))
    sinpe = rng.random() < 0.6
    if sinpe:
        reference = f"{moment:%Y%m%d}" + "".join(rng.choice("0123456789") for _ in range(17))
    else:
        reference = str(rng.randint(10**7, 10**12))
    payer = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
    payee = rng.choice(PAYEES)
    client = str(rng.randint(1, 9999))
    desc_forms = [
        f"Pago ID {client}",
        f"ID WOLK {client} mensualidad",
        f"id wolk #{client}",
        f"ID{client}",
        f"ID: {client} pago",
        "Pago mensual",
        f"Mensualidad ID {client}",
    ]
    description = rng.choice(desc_forms)
    client_id = client if "ID" in description.upper() else None
    truth = Truth(
        amount=amount,
        currency=currency,
        date=moment.date(),
        reference=reference,
        payer_name=payer,
        payee_name=payee,
        description=description,
        client_id=client_id,
        bank=style.bank or None,
        payee_phone=f"8{rng.randint(0, 9999999):07d}" if sinpe else None,
        payer_phone=f"{rng.choice('678')}{rng.randint(0, 9999999):07d}" if sinpe else None,
    )
    notes = {
        "amount_text": format_amount(amount, currency, rng.randrange(6)),
        "date_text": format_date(moment, rng.randrange(6)),
    }
    return truth, notes


def _phone_text(phone: str, rng: random.Random) -> str:
    return rng.choice([phone, f"{phone[:4]}-{phone[4:]}", f"+506 {phone[:4]} {phone[4:]}"])


def _draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont,
    fill: tuple[int, int, int],
    anchor: str = "la",
) -> None:
    if "₡" not in text or font.getmask("₡").getbbox() != font.getmask("\uffff").getbbox():
        draw.text(xy, text, font=font, fill=fill, anchor=anchor)
        return
    symbol = ImageFont.truetype(SYMBOL_FONT, font.size)
    parts = text.split("₡")
    widths = [font.getlength(p) for p in parts]
    total = sum(widths) + symbol.getlength("₡") * (len(parts) - 1)
    x = xy[0] - (total if anchor.startswith("r") else 0)
    for i, part in enumerate(parts):
        if i:
            draw.text((x, xy[1]), "₡", font=symbol, fill=fill, anchor="l" + anchor[1])
            x += symbol.getlength("₡")
        draw.text((x, xy[1]), part, font=font, fill=fill, anchor="l" + anchor[1])
        x += widths[i]


def render_screenshot(
    truth: Truth, notes: dict[str, str], style: BankStyle, rng: random.Random, dark: bool
) -> Image.Image:
    """A phone screenshot of the receipt (1080 wide), light or dark mode."""
    family = rng.choice(list(FONTS))
    regular, bold = FONTS[family]
    size = rng.choice([34, 38, 42])
    font = ImageFont.truetype(regular, size)
    bfont = ImageFont.truetype(bold, size)
    big = ImageFont.truetype(bold, int(size * 1.6))
    width = 1080
    bg, fg, muted = (
        ((18, 18, 20), (235, 235, 235), (160, 160, 165)) if dark else ((255, 255, 255), (25, 25, 25), (105, 105, 110))
    )
    stacked = rng.random() < 0.4
    rows: list[tuple[str, str]] = []
    wording = {k: rng.choice(v) for k, v in style.labels.items()}
    rows.append((wording["date"], notes["date_text"]))
    rows.append((wording["reference"], truth.reference))
    rows.append((wording["payer_name"], truth.payer_name))
    if truth.payer_phone:
        rows.append((wording["payer_phone"], _phone_text(truth.payer_phone, rng)))
    rows.append((wording["payee_name"], truth.payee_name))
    if truth.payee_phone:
        rows.append((wording["payee_phone"], _phone_text(truth.payee_phone, rng)))
    rows.append((wording["description"], truth.description))
    rng.shuffle(rows)
    amount_row = (wording["amount"], notes["amount_text"])
    line = int(size * 1.5)
    height = 330 + line * 3 + len(rows) * line * (2.3 if stacked else 1.5) + 220
    image = Image.new("RGB", (width, int(height)), bg)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 110), fill=style.accent)
    draw.text((60, 55), "9:41", font=font, fill=(255, 255, 255), anchor="lm")
    draw.text((width // 2, 55), style.header, font=bfont, fill=(255, 255, 255), anchor="mm")
    y = 170
    draw.text((width // 2, y), rng.choice(style.titles), font=bfont, fill=fg, anchor="mt")
    y += line + 30
    hero = rng.random() < 0.5
    if hero:
        _draw_text(draw, (width // 2, y), notes["amount_text"], big, fg, "mt")
        y += int(size * 1.6) + 50
    else:
        rows.insert(0, amount_row)
    for label, value in rows:
        if stacked:
            draw.text((70, y), label, font=font, fill=muted)
            y += line - 4
            _draw_text(draw, (70, y), value, bfont, fg)
            y += int(line * 1.3)
        else:
            draw.text((70, y), label, font=font, fill=muted)
            if font.getlength(label) + bfont.getlength(value) + 40 > width - 140:
                # Apps never print a value over its label: a long one wraps to the line below.
                y += line - 4
            _draw_text(draw, (width - 70, y), value, bfont, fg, "ra")
            y += int(line * 1.5)
    if hero:
        draw.text((70, y), wording["amount"], font=font, fill=muted)
        _draw_text(draw, (width - 70, y), notes["amount_text"], bfont, fg, "ra")
        y += line
    draw.line((70, y + 40, width - 70, y + 40), fill=muted, width=2)
    draw.text((width // 2, y + 80), "Gracias por utilizar nuestros servicios", font=font, fill=muted, anchor="mt")
    return image


def photograph(image: Image.Image, rng: random.Random) -> Image.Image:
    """The same receipt as a phone photo: margin, rotation, blur, uneven light, downscaled JPEG source."""
    w, h = image.size
    margin = rng.randint(60, 200)
    tone = rng.randint(70, 150)
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), (tone, tone - 10, tone - 25))
    noise = Image.effect_noise(canvas.size, 18).convert("RGB")
    canvas = Image.blend(canvas, noise, 0.12)
    canvas.paste(image, (margin, margin))
    angle = rng.uniform(-5, 5)
    canvas = canvas.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(tone, tone - 10, tone - 25)
    )
    light = Image.linear_gradient("L").resize(canvas.size).rotate(rng.choice([0, 90, 180, 270]))
    light = light.point(lambda v: 255 - int(v * rng.uniform(0.25, 0.45)))
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (0, 0, 0)), light)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.3)))
    return canvas


def encode(image: Image.Image, fmt: str, quality: int = 85) -> bytes:
    """Bytes of the image in PNG, JPEG or WEBP."""
    out = io.BytesIO()
    if fmt == "PNG":
        image.save(out, "PNG", compress_level=1)
    else:
        image.save(out, fmt, quality=quality)
    return out.getvalue()


def generate(
    seed: int, *, photographed: bool | None = None, dark: bool | None = None, bank: str | None = None
) -> Receipt:
    """A reproducible receipt for `seed`; the keyword arguments pin a variant."""
    rng = random.Random(seed)
    candidates = [s for s in STYLES if bank is None or s.bank == bank]
    style = rng.choice(candidates)
    truth, notes = make_truth(rng, style)
    is_dark = rng.random() < 0.3 if dark is None else dark
    is_photo = rng.random() < 0.25 if photographed is None else photographed
    image = render_screenshot(truth, notes, style, rng, is_dark)
    if is_photo:
        data = encode(photograph(image, rng), "JPEG", rng.randint(60, 85))
    else:
        data = encode(image, rng.choice(["PNG", "PNG", "JPEG", "WEBP"]), 90)
    return Receipt(data=data, truth=truth, dark=is_dark, photographed=is_photo, notes=notes)
