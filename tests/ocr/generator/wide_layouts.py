"""Tuned layout families of the ninth round (issue 12): arrangements the reader was not shaped on, drawn only when
asked for by name (`generate(seed, family="w-leaders")`, `bench/ocr_accuracy.py --tuned-only --family ...`).

Dotted leaders in a proportional face, a form whose labels are right-aligned against a gutter in small light type
beside large values, grids of header cells over value cells, holder blocks under section headings with generic
labels (or the holder's name alone beside its account), the same blocks side by side, and an e-mail whose own
headers (`De:`, `Para:`, `Asunto:`) name the mail's sender and reader, not the payment's. Descriptions sometimes
carry their own punctuation or wrap to a second line. A few more label wordings are drawn here, never one a
held-out group prints (`held_keys`). Seeds drawn from the tuned set without a family never come here, so every
earlier tuned receipt is unchanged.
"""

from __future__ import annotations

import random
from dataclasses import replace

from PIL import Image, ImageDraw

from tests.ocr.generator.cards import Pair
from tests.ocr.generator.content import MONTHS, Content, Truth, plain
from tests.ocr.generator.draw import Look, crop_height, make_look, put, status_bar, wrap
from tests.ocr.generator.families import Family
from tests.ocr.generator.photo import encode
from tests.ocr.generator.vocab import Bank
from tests.ocr.generator.wide_cards import WidePair, compose_wide, truth_value
from tests.ocr.generator.wide_content import wide_account, wide_content, wide_phone
from tests.ocr.generator.wide_photo import encode_photo, photograph_wide
from tests.ocr.generator.wide_vocab import WIDE_BANKS, held_keys, wide_labeller, wide_vary, wording_key

LAYOUT_SALT = 9_000_000_000
LAYOUT_FAMILIES: tuple[Family, ...] = (
    Family("w-leaders", "card", "leaders"),
    Family("w-form", "card", "form"),
    Family("w-grid", "card", "grid"),
    Family("w-holder-blocks", "card", "holder-blocks"),
    Family("w-mail-headers", "card", "mail-headers"),
    Family("w-side-blocks", "card", "side-blocks"),
)
LAYOUT_NAMES = frozenset(f.name for f in LAYOUT_FAMILIES)

MORE_WORDINGS: dict[str, tuple[str, ...]] = {
    "amount": ("Monto aplicado", "Suma", "Total transferido", "Monto neto", "Importe enviado", "Valor enviado"),
    "reference": ("Número de movimiento", "Comprobante N.º", "Documento N.º", "Código de transacción",
                  "Número de orden", "Id. de transacción", "Boleta"),
    "payer_name": ("Emisor", "Pagador", "Titular que envía", "Cliente que envía", "Nombre en cuenta origen",
                   "Envía"),
    "payee_name": ("Receptor", "Titular que recibe", "Cliente receptor", "Recibe", "Nombre en cuenta destino",
                   "Comercio"),
    "description": ("Descripción de la transferencia", "Detalle del pago", "Motivo de pago", "Comentario del pago",
                    "Descripción adicional", "Razón"),
}
"""Wordings beyond the wider vocabulary, some without a keyword the reader knows (`Emisor`, `Recibe`, `Boleta`)."""
HEADINGS = {
    "payer": ("Datos del ordenante", "Cuenta debitada", "Información del remitente", "ORIGEN DE LOS FONDOS",
              "Quien envía", "Datos de origen"),
    "payee": ("Datos del beneficiario", "Cuenta acreditada", "Información del destinatario", "DESTINO DE LOS FONDOS",
              "Quien recibe", "Datos de destino"),
}
GENERIC = {"name": ("Nombre", "Titular", "Nombre del titular", "A nombre de"),
           "account": ("Cuenta", "Cuenta IBAN", "IBAN", "Número de cuenta"),
           "phone": ("Teléfono", "Celular", "Número SINPE"),
           "id": ("Cédula", "Identificación")}
TAILS = ("{}, {}", "{} / {}", "{} ({})", "{}; {}", "{} - {}")


def _more(key: str) -> tuple[str, ...]:
    held = held_keys()
    return tuple(w for w in MORE_WORDINGS.get(key, ()) if wording_key(w) not in held)


def layout_labeller(bank: Bank, rng: random.Random) -> dict[str, str]:
    """The wider group's wordings, with a third of the read fields worded from `MORE_WORDINGS` instead."""
    chosen = wide_labeller(bank, rng)
    for key in MORE_WORDINGS:
        options = _more(key)
        if options and rng.random() < 0.35:
            wording = rng.choice(options)
            varied = wide_vary(wording, rng)
            chosen[key] = wording if wording_key(varied) in held_keys() else varied
    return chosen


def _punctuated(content: Content, rng: random.Random) -> Content:
    """A description with punctuation of its own (`Pago ID 4411, noviembre`, `Abono ID 12 (cuota 3)`)."""
    if rng.random() >= 0.35:
        return content
    month = MONTHS[content.moment.month - 1]
    extra = rng.choice([month, "cuota 3", "saldo pendiente", "casa 14", f"mes de {month}", "segundo pago"])
    form = rng.choice(TAILS)
    return replace(content, description=form.format(content.description, extra))


def _page(width: int, look: Look) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width, 4200), look.bg)
    return image, ImageDraw.Draw(image)


def _head(draw: ImageDraw.ImageDraw, width: int, look: Look, bank: Bank, rng: random.Random) -> tuple[int, bool]:
    """A bank's name (usually) and a title; returns where the fields start."""
    y = 60
    named = rng.random() < 0.85
    if named:
        draw.text((width // 2, y), rng.choice(bank.headers), font=look.face(1.1, bold=True), fill=bank.accent,
                  anchor="mt")
        y += int(look.size * 1.8)
    title = rng.choice([*bank.titles, "Comprobante de transferencia", "Detalle del movimiento", "Constancia"])
    draw.text((width // 2, y), title, font=look.face(1.0, bold=True), fill=look.fg, anchor="mt")
    return y + int(look.size * 2.2), named


def _value_lines(pair: Pair, face: object, room: float, rng: random.Random) -> list[str]:
    """A value's printed lines: a description sometimes wrapped early, onto a second line."""
    lines = []
    for text in pair.lines:
        narrow = pair.key == "description" and len(text.split()) >= 3 and rng.random() < 0.4
        lines += wrap(text, face, room * (0.5 if narrow else 1.0))  # type: ignore[arg-type]
    return lines


def render_leaders(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random) -> tuple[Image.Image, bool]:
    """Label at the left, a dotted leader, the value right-aligned at the right margin, in a proportional face."""
    width = rng.choice([1000, 1080, 1200])
    image, draw = _page(width, look)
    y, named = _head(draw, width, look, bank, rng)
    face = look.face(rng.choice([0.8, 0.9]))
    label_face = look.face(face.size / look.size, bold=rng.random() < 0.4)
    dot = rng.choice([".", ".", "·", "-"])
    for pair in pairs:
        label = pair.label.rstrip(":") + (":" if rng.random() < 0.3 else "")
        draw.text((60, y), label, font=label_face, fill=look.fg)
        start = 60 + label_face.getlength(label) + 12
        lines = _value_lines(pair, face, width - 120 - (start - 60) - 40, rng)
        first = lines[0]
        end = width - 60 - face.getlength(first) - 12
        if end - start > face.getlength(dot * 3):
            dots = dot * int((end - start) / face.getlength(dot + " " if dot != "." else dot))
            draw.text((start, y), dots if dot == "." else " ".join(dots), font=face, fill=look.muted)
        for line in lines:
            put(draw, (width - 60, y), line, face, look.fg, "ra")
            y += int(face.size * 1.35)
        y += int(face.size * 0.5)
    return crop_height(image, y), named


def render_form(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random) -> tuple[Image.Image, bool]:
    """Labels right-aligned against a gutter in small light type, values left of the gutter's other side in large
    (often bold) type; a colon only sometimes."""
    width = 1080
    image, draw = _page(width, look)
    y, named = _head(draw, width, look, bank, rng)
    label_face = look.face(rng.choice([0.62, 0.7]))
    value_face = look.face(rng.choice([0.95, 1.05]), bold=rng.random() < 0.6)
    gutter = int(min(width * 0.45, 80 + max(label_face.getlength(p.label) for p in pairs)))
    colon = rng.random() < 0.3
    for pair in pairs:
        label = pair.label.rstrip(":") + (":" if colon else "")
        lines = _value_lines(pair, value_face, width - gutter - 100, rng)
        draw.text((gutter, y + int(value_face.size * 0.2)), label, font=label_face, fill=look.muted, anchor="ra")
        for line in lines:
            put(draw, (gutter + 30, y), line, value_face, look.fg)
            y += int(value_face.size * 1.3)
        y += int(value_face.size * 0.45)
    return crop_height(image, y), named


def render_grid(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random) -> tuple[Image.Image, bool]:
    """Fields in a grid of two or three cells a row: a small header cell (shaded or bold) over its value cell."""
    width = 1400
    image, draw = _page(width, look)
    y, named = _head(draw, width, look, bank, rng)
    columns = rng.choice([2, 3])
    cell = (width - 120) // columns
    head_face = look.face(0.66, bold=rng.random() < 0.5)
    face = look.face(0.82)
    shade = rng.random() < 0.5
    band = (60, 64, 72) if not look.dark else (70, 70, 78)
    row: list[Pair] = []
    rest = list(pairs)
    while rest:
        wide_one = rest[0].key in ("description", "payer_name", "payee_name") and (
            len(rest[0].lines) > 1 or face.getlength(rest[0].value) > cell - 40)
        take = 1 if wide_one else columns
        row, rest = rest[:take], rest[take:]
        span = (width - 120) // len(row)
        head_h = int(head_face.size * 1.7)
        if shade:
            draw.rectangle((60, y, width - 60, y + head_h), fill=band)
        for k, pair in enumerate(row):
            draw.text((80 + k * span, y + head_h // 2), pair.label.rstrip(":"), font=head_face,
                      fill=(255, 255, 255) if shade else look.muted, anchor="lm")
        y += head_h + 10
        bottom = y
        for k, pair in enumerate(row):
            yy = y
            for line in _value_lines(pair, face, span - 40, rng):
                put(draw, (80 + k * span, yy), line, face, look.fg)
                yy += int(face.size * 1.3)
            bottom = max(bottom, yy)
        y = bottom + 10
        draw.line((60, y, width - 60, y), fill=(210, 210, 214), width=2)
        y += 24
    return crop_height(image, y), named


def _holder_block(pairs: list[Pair], side: str, content: Content, rng: random.Random) -> list[tuple[str, str, str]]:
    """(key, label or "", value) lines of one side's block: generic labels, or the name alone beside its account."""
    name = next((p for p in pairs if p.key == f"{side}_name"), None)
    iban = content.payer_iban if side == "payer" else content.payee_iban
    phone = content.payer_phone if side == "payer" else content.payee_phone
    lines: list[tuple[str, str, str]] = []
    bare = rng.random() < 0.4
    if name is not None:
        lines.append((f"{side}_name", "" if bare else rng.choice(GENERIC["name"]), truth_value(name)))
    contact = [("account", rng.choice(GENERIC["account"]), wide_account(iban, rng))]
    if content.sinpe and rng.random() < 0.5:
        contact.append(("phone", rng.choice(GENERIC["phone"]), wide_phone(phone, rng)))
    if side == "payer" and rng.random() < 0.3:
        contact.append(("id", rng.choice(GENERIC["id"]), content.payer_id))
    rows = [(f"{side}_{what}", "" if bare and what == "account" else label, value) for what, label, value in contact]
    return rows + lines if bare and rng.random() < 0.5 else lines + rows


def _side_blocks(draw: ImageDraw.ImageDraw, y: int, width: int, look: Look, pairs: list[Pair], content: Content,
                 rng: random.Random, sides: list[str], colon: bool, shown: dict[str, str]) -> int:
    """The two holders' blocks side by side, each under its heading, labels above their values."""
    heading_face, label_face, value_face = look.face(0.85, bold=True), look.face(0.68), look.face(0.85)
    column = (width - 160) // 2
    bottom = y
    for c, side in enumerate(sides):
        x, yy = 60 + c * (column + 40), y
        heading = rng.choice(HEADINGS[side])
        draw.text((x, yy), heading.upper() if rng.random() < 0.3 else heading, font=heading_face, fill=look.accent)
        yy += int(heading_face.size * 1.4)
        draw.line((x, yy, x + column, yy), fill=look.accent, width=2)
        yy += 14
        for key, label, value in _holder_block(pairs, side, content, rng):
            if key.endswith("_name"):
                shown[key] = value
            if label:
                draw.text((x + 10, yy), f"{label}:" if colon else label, font=label_face, fill=look.muted)
                yy += int(label_face.size * 1.3)
            for line in wrap(value, value_face, column - 20):
                put(draw, (x + 10, yy), line, value_face, look.fg)
                yy += int(value_face.size * 1.3)
            yy += int(value_face.size * 0.4)
        bottom = max(bottom, yy)
    return bottom + int(value_face.size * 0.8)


def render_holder_blocks(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, content: Content,
                         side_by_side: bool = False) -> tuple[Image.Image, bool, dict[str, str]]:
    """A `comprobante` with section headings: each holder's block under a heading that names its side, with
    generic labels (`Nombre`, `Cuenta`) or the name alone by its account (`side_by_side`: the two blocks in two
    columns); then the payment's own rows."""
    width = 1400 if side_by_side else 1080
    image, draw = _page(width, look)
    y, named = _head(draw, width, look, bank, rng)
    heading_face, label_face, value_face = look.face(0.9, bold=True), look.face(0.75), look.face(0.9)
    colon = rng.random() < 0.6
    shown: dict[str, str] = {}
    sides = ["payer", "payee"] if rng.random() < 0.8 else ["payee", "payer"]
    if side_by_side:
        y = _side_blocks(draw, y, width, look, pairs, content, rng, sides, colon, shown)
        sides = []
    for side in sides:
        heading = rng.choice(HEADINGS[side])
        draw.text((60, y), heading.upper() if rng.random() < 0.3 else heading, font=heading_face, fill=look.accent)
        y += int(heading_face.size * 1.4)
        draw.line((60, y, width - 60, y), fill=look.accent, width=2)
        y += 14
        for key, label, value in _holder_block(pairs, side, content, rng):
            if key.endswith("_name"):
                shown[key] = value
            if label:
                text = f"{label}:" if colon else label
                draw.text((80, y), text, font=label_face, fill=look.muted)
                put(draw, (80 + max(300, int(label_face.getlength(text)) + 30), y), value, value_face, look.fg)
            else:
                put(draw, (80, y), value, value_face, look.fg)
            y += int(value_face.size * 1.45)
        y += int(value_face.size * 0.6)
    heading = rng.choice(["Detalle de la transacción", "Datos de la operación", "DETALLE"])
    draw.text((60, y), heading, font=heading_face, fill=look.accent)
    y += int(heading_face.size * 1.4)
    draw.line((60, y, width - 60, y), fill=look.accent, width=2)
    y += 14
    for pair in pairs:
        if pair.key.startswith(("payer", "payee")):
            continue
        text = f"{pair.label.rstrip(':')}:" if colon else pair.label.rstrip(":")
        draw.text((80, y), text, font=label_face, fill=look.muted)
        x = 80 + max(300, int(label_face.getlength(text)) + 30)
        for line in _value_lines(pair, value_face, width - x - 60, rng):
            put(draw, (x, y), line, value_face, look.fg)
            y += int(value_face.size * 1.35)
        y += int(value_face.size * 0.3)
    return crop_height(image, y), named, shown


def render_mail_headers(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, content: Content,
                        ) -> tuple[Image.Image, bool]:
    """An e-mail as a mail app shows it: its own headers (`De:` the bank's mail box, `Para:` the customer,
    `Asunto:`), a greeting, then the payment's fields, sometimes quoted (`> Monto: ...`) as a forwarded mail."""
    width = 1080
    image, draw = _page(width, look)
    status_bar(draw, width, look, look.fg, rng)
    y = 110
    domain = plain(bank.headers[0]).lower().replace(" ", "")
    small, face, bold = look.face(0.68), look.face(0.78), look.face(0.78, bold=True)
    subject = rng.choice(["Comprobante de transferencia", "Notificación de transferencia SINPE",
                          "Confirmación de pago", "Aviso de débito"])
    day = f"{content.moment.day} {MONTHS[content.moment.month - 1][:3]} {content.moment.year}"
    sender = rng.choice([f"{bank.headers[0]} <notificaciones@{domain}.fi.cr>", f"notificaciones@{domain}.com",
                         f"Alertas {bank.headers[0]}"])
    headers = [("De", sender), ("Para", rng.choice(["cliente@correo.cr", "yo", "mi.correo@gmail.com"])),
               ("Asunto", subject), ("Fecha", f"{day}, {content.moment:%H:%M}")]
    if rng.random() < 0.5:
        headers.insert(0, ("Asunto", subject))
        headers.pop()
        headers = [headers[0], *headers[1:3]]
    draw.text((60, y), subject, font=look.face(1.0, bold=True), fill=look.fg)
    y += int(look.size * 1.8)
    for name, value in headers:
        draw.text((60, y), f"{name}:", font=bold, fill=look.muted)
        put(draw, (60 + bold.getlength(f"{name}:") + 14, y), value, small, look.muted)
        y += int(face.size * 1.45)
    draw.line((60, y + 10, width - 60, y + 10), fill=(200, 200, 204), width=2)
    y += 50
    greeting = rng.choice(["Estimado cliente:", "Estimado(a) señor(a):", "Hola,"])
    draw.text((60, y), greeting, font=face, fill=look.fg)
    y += int(face.size * 1.8)
    for line in wrap(rng.choice(["Le informamos que se realizó la siguiente transferencia:",
                                 "Se ha aplicado la transacción con el siguiente detalle:"]), face, width - 120):
        draw.text((60, y), line, font=face, fill=look.fg)
        y += int(face.size * 1.4)
    y += int(face.size * 0.6)
    quote = rng.random() < 0.35
    x = 100 if quote else 60
    top = y
    for pair in pairs:
        text = f"{pair.label.rstrip(':')}: "
        draw.text((x, y), text, font=bold, fill=look.fg)
        vx = x + bold.getlength(text)
        lines = _value_lines(pair, face, width - vx - 60, rng)
        if len(lines) > 1 or face.getlength(lines[0]) > width - vx - 60:
            lines = _value_lines(pair, face, width - x - 60, rng)
            y += int(face.size * 1.35)
            vx = x
        for line in lines:
            put(draw, (vx, y), line, face, look.fg)
            y += int(face.size * 1.35)
    if quote:
        draw.rectangle((70, top, 76, y), fill=look.muted)
    y += int(face.size * 1.2)
    draw.text((60, y), rng.choice(["Atentamente,", "Saludos cordiales,"]), font=face, fill=look.fg)
    y += int(face.size * 1.4)
    draw.text((60, y), bank.headers[0], font=face, fill=look.fg)
    return crop_height(image, y + int(face.size * 1.4)), True


def generate_layout(seed: int, *, family: str | None = None, bank: str | None = None,
                    photographed: bool | None = None, dark: bool | None = None,
                    ) -> tuple[bytes, Image.Image, Truth, str, bool, bool, str]:
    """A reproducible receipt of these families: (bytes, image, truth, family, dark, photographed, drawn text)."""
    pool = [f for f in LAYOUT_FAMILIES if family is None or f.name == family]
    rng = random.Random(seed + LAYOUT_SALT + 1_000_003 * (LAYOUT_FAMILIES.index(pool[0]) if family and pool else 0))
    if not pool:
        raise ValueError(f"no layout family {family!r}")
    chosen = rng.choice(pool)
    issuer = rng.choice([b for b in WIDE_BANKS if bank is None or b.name == bank])
    content = _punctuated(wide_content(rng, issuer.code, rng.choice(WIDE_BANKS).code), rng)
    labels = layout_labeller(issuer, rng)
    pairs = compose_wide(content, labels, rng)
    dark_roll, photo_roll = rng.random(), rng.random()
    is_dark = (dark_roll < 0.25 and chosen.kind in ("form", "leaders")) if dark is None else dark
    is_photo = photo_roll < 0.2 if photographed is None else photographed
    look = make_look(rng, issuer.accent, is_dark)
    shown = {p.key: truth_value(p) for p in pairs}
    if chosen.kind in ("holder-blocks", "side-blocks"):
        image, named, holders = render_holder_blocks(pairs, look, issuer, rng, content, chosen.kind == "side-blocks")
        shown = {k: v for k, v in shown.items() if not k.startswith(("payer", "payee"))} | holders
    elif chosen.kind == "mail-headers":
        image, named = render_mail_headers(pairs, look, issuer, rng, content)
    else:
        renderer = {"leaders": render_leaders, "form": render_form, "grid": render_grid}[chosen.kind]
        image, named = renderer(pairs, look, issuer, rng)
    from tests.ocr.generator import CLIENT_ID

    description = shown.get("description")
    client = CLIENT_ID.search(description or "")
    truth = Truth(
        amount=content.amount, currency=content.currency,
        date=content.moment.date() if "date" in shown or chosen.kind == "mail-headers" else None,
        reference=shown.get("reference"), payer_name=shown.get("payer_name"), payee_name=shown.get("payee_name"),
        description=description, client_id=client.group(1) if client else None,
        bank=issuer.name if named else None,
    )
    text = "\n".join(f"{p.label}: {' / '.join(p.lines)}" for p in pairs if not isinstance(p, WidePair) or p.lines)
    if is_photo:
        data = encode_photo(photograph_wide(image, rng), rng)
    else:
        data = encode(image, rng.choice(["PNG", "PNG", "JPEG"]), 90)
    return data, image, truth, chosen.name, is_dark, is_photo, text
