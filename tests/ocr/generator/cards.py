"""Receipt screens and vouchers: label/value pairs arranged as rows, stacks, captions, grids, sections,
tickets, tables, a hero amount or a bank letter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.ocr.generator.content import (
    Content,
    amount_text,
    date_text,
    date_words,
    iban_text,
    masked_iban,
    person_spelling,
    phone_text,
    plain,
)
from tests.ocr.generator.draw import MONO, SERIF, Look, crop_height, make_look, put, status_bar, wrap
from tests.ocr.generator.vocab import BANKS, Bank

Labeller = Callable[[str], str]
"""Gives the label wording for a field (already varied for this receipt)."""


@dataclass
class Pair:
    """One printed field: its label, its value and an optional second line (the account under a name)."""

    key: str
    label: str
    value: str
    sub: str | None = None
    sub_first: bool = False

    @property
    def lines(self) -> list[str]:
        if self.sub is None:
            return [self.value]
        return [self.sub, self.value] if self.sub_first else [self.value, self.sub]


@dataclass
class Printed:
    """What a layout actually put on the page, so the truth only claims what can be read."""

    pairs: list[Pair]
    bank_named: bool
    amount_text: str
    description: str | None = None


def _account(content_iban: str, rng: random.Random) -> str:
    return iban_text(content_iban, rng) if rng.random() < 0.75 else masked_iban(content_iban, rng)


def compose(content: Content, label: Labeller, rng: random.Random, *, upper_names: float = 0.2) -> list[Pair]:
    """The pairs a receipt prints, in an order banks use, with optional rows around the six read fields."""
    amount = amount_text(content.amount, content.currency, rng)
    payer = person_spelling(content.payer, rng, upper=upper_names)
    payee = content.payee.upper() if rng.random() < upper_names else content.payee
    pairs: list[Pair] = []
    if rng.random() < 0.3:
        pairs.append(Pair("channel", label("channel"), rng.choice(
            ["SINPE Móvil", "Transferencia SINPE", "Transferencia a terceros", "Pago SINPE Móvil",
             "Transferencia interbancaria"])))
    pairs.append(Pair("date", label("date"), date_text(content.moment, rng)))
    pairs.append(Pair("amount", label("amount"), amount))
    combined = rng.random() < 0.25
    for side, name in (("payer", payer), ("payee", payee)):
        iban = content.payer_iban if side == "payer" else content.payee_iban
        if combined:
            pairs.append(Pair(f"{side}_name", label(f"{side}_account"), name, _account(iban, rng), rng.random() < 0.4))
            continue
        if rng.random() < 0.92:
            pairs.append(Pair(f"{side}_name", label(f"{side}_name"), name))
        if rng.random() < 0.4:
            pairs.append(Pair(f"{side}_account", label(f"{side}_account"), _account(iban, rng)))
        if content.sinpe and rng.random() < 0.5:
            phone = content.payer_phone if side == "payer" else content.payee_phone
            pairs.append(Pair(f"{side}_phone", label(f"{side}_phone"), phone_text(phone, rng)))
        if side == "payer" and rng.random() < 0.12:
            pairs.append(Pair("payer_id", label("payer_id"), rng.choice(
                [content.payer_id, f"{content.payer_id[0]}-{content.payer_id[1:5]}-{content.payer_id[5:]}"])))
    if rng.random() < 0.1:
        other = rng.choice(BANKS)
        pairs.append(Pair("entity", label("entity"), other.headers[0]))
    if rng.random() < 0.88:
        pairs.append(Pair("description", label("description"), content.description))
    if rng.random() < 0.95:
        pairs.append(Pair("reference", label("reference"), content.reference))
    if rng.random() < 0.2:
        fee = "₡0,00" if content.currency == "CRC" else "$0.00"
        pairs.append(Pair("fee", label("fee"), rng.choice([fee, "0,00", "0.00"])))
    if rng.random() < 0.25:
        pairs.append(Pair("status", label("status"), rng.choice(["Exitosa", "Aplicada", "Completada", "Procesada"])))
    head, tail = pairs[:3], pairs[3:]
    if rng.random() < 0.5:
        rng.shuffle(tail)
    if rng.random() < 0.3:
        rng.shuffle(head)
    return head + tail


def _header(draw: ImageDraw.ImageDraw, width: int, look: Look, bank: Bank, rng: random.Random) -> tuple[int, bool]:
    """Status bar and the issuer's band; returns where the body starts and whether the bank is named."""
    named = rng.random() < 0.9
    on_band = (255, 255, 255)
    style = rng.random()
    if style < 0.6:
        draw.rectangle((0, 0, width, 120), fill=look.accent)
        status_bar(draw, width, look, on_band, rng)
        if named:
            draw.text((width // 2, 84), rng.choice(bank.headers), font=look.face(1.0, bold=True), fill=on_band,
                      anchor="mm")
        else:
            draw.ellipse((width // 2 - 26, 62, width // 2 + 26, 114), fill=on_band)
        return 170, named
    status_bar(draw, width, look, look.fg, rng)
    if named:
        draw.text((70, 120), rng.choice(bank.headers), font=look.face(1.2, bold=True), fill=look.accent, anchor="lm")
    else:
        draw.rounded_rectangle((70, 95, 150, 145), 12, fill=look.accent)
    return 190, named


def _title(draw: ImageDraw.ImageDraw, y: int, width: int, look: Look, bank: Bank, rng: random.Random) -> int:
    title = rng.choice([*bank.titles, "Comprobante de transferencia", "Transferencia exitosa", "¡Listo!",
                        "Detalle de la transacción"])
    draw.text((width // 2, y), title, font=look.face(1.1, bold=True), fill=look.fg, anchor="mt")
    return y + int(look.size * 1.1) + 40


def _footer(draw: ImageDraw.ImageDraw, y: int, width: int, look: Look, rng: random.Random) -> int:
    draw.line((70, y + 30, width - 70, y + 30), fill=look.muted, width=2)
    text = rng.choice(["Gracias por utilizar nuestros servicios", "Conserve este comprobante",
                       "Este comprobante es válido sin firma ni sello"])
    draw.text((width // 2, y + 60), text, font=look.face(0.75), fill=look.muted, anchor="mt")
    return y + 60 + look.size


def _canvas(width: int, look: Look, height: int = 3600) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width, height), look.bg)
    return image, ImageDraw.Draw(image)


def _colon(label: str, colon: bool) -> str:
    return f"{label}:" if colon and not label.endswith((":", ".")) else label


def render_rows(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                ) -> tuple[Image.Image, bool]:
    """Label on the left, value right-aligned on the same line; a value too long goes under its label."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    y = _title(draw, y, width, look, bank, rng)
    label_face, value_face = look.face(0.9), look.face(1.0, bold=bool(params.get("bold", True)))
    line = int(look.size * 1.5)
    for pair in pairs:
        label = _colon(pair.label, bool(params.get("colon")))
        draw.text((70, y), label, font=label_face, fill=look.muted)
        for i, text in enumerate(pair.lines):
            face = value_face if text == pair.value else look.face(0.8)
            if i == 0 and label_face.getlength(label) + face.getlength(text) + 60 > width - 140:
                y += line - 6
            put(draw, (width - 70, y), text, face, look.fg, "ra")
            y += line if i < len(pair.lines) - 1 else 0
        y += int(line * (1.25 if params.get("dense") else 1.5))
        if params.get("rules"):
            rule = look.muted if look.dark else (225, 225, 228)
            draw.line((70, y - line // 3, width - 70, y - line // 3), fill=rule)
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_inline(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                  ) -> tuple[Image.Image, bool]:
    """`Label: value` left-aligned on one line; a long value continues on the next line."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    y = _title(draw, y, width, look, bank, rng)
    label_face, value_face = look.face(0.95, bold=True), look.face(0.95)
    line = int(look.size * 1.45)
    for pair in pairs:
        label = _colon(pair.label, True) + " "
        draw.text((70, y), label, font=label_face, fill=look.fg)
        x = 70 + label_face.getlength(label)
        if value_face.getlength(pair.lines[0].split()[0]) > width - 70 - x:
            y += line
            x = 70
        for i, text in enumerate(pair.lines):
            pieces = wrap(text, value_face, width - 70 - x if i == 0 else width - 140)
            for j, piece in enumerate(pieces):
                put(draw, (x if i == 0 and j == 0 else 70, y), piece, value_face, look.fg)
                y += line
        y += int(line * 0.35)
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_stacked(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                   ) -> tuple[Image.Image, bool]:
    """Small light label above its value (or, as a caption, below it)."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    y = _title(draw, y, width, look, bank, rng)
    caption = bool(params.get("caption"))
    label_face, value_face = look.face(0.78), look.face(1.05, bold=True)
    x = 70 if not params.get("centered") else width // 2
    anchor = "la" if not params.get("centered") else "ma"
    for pair in pairs:
        label = _colon(pair.label, bool(params.get("colon")))
        if not caption:
            draw.text((x, y), label, font=label_face, fill=look.muted, anchor=anchor)
            y += int(look.size * 1.05)
        for text in pair.lines:
            face = value_face if text == pair.value else look.face(0.8)
            for piece in wrap(text, face, width - 140):
                put(draw, (x, y), piece, face, look.fg, anchor)
                y += int(look.size * 1.35)
        if caption:
            draw.text((x, y), label, font=label_face, fill=look.muted, anchor=anchor)
            y += int(look.size * 1.0)
        y += int(look.size * 0.9)
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_grid(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                ) -> tuple[Image.Image, bool]:
    """A voucher of two columns: each cell a small label above its value."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    y = _title(draw, y, width, look, bank, rng)
    label_face, value_face = look.face(0.72), look.face(0.88, bold=True)
    column = (width - 140 - 60) // 2
    wide = [p for p in pairs if any(value_face.getlength(w) > column for t in p.lines for w in t.split())
            or (p.sub is not None and rng.random() < 0.5)]
    cells = [p for p in pairs if p not in wide]
    for start in range(0, len(cells), 2):
        row = cells[start : start + 2]
        heights = []
        for col, pair in enumerate(row):
            x = 70 + col * (column + 60)
            cy = y
            draw.text((x, cy), _colon(pair.label, bool(params.get("colon"))), font=label_face, fill=look.muted)
            cy += int(look.size * 0.95)
            for text in pair.lines:
                for piece in wrap(text, value_face, column):
                    put(draw, (x, cy), piece, value_face, look.fg)
                    cy += int(look.size * 1.15)
            heights.append(cy - y)
        y += max(heights) + int(look.size * 0.8)
    for pair in wide:
        draw.text((70, y), _colon(pair.label, bool(params.get("colon"))), font=label_face, fill=look.muted)
        y += int(look.size * 0.95)
        for text in pair.lines:
            for piece in wrap(text, value_face, width - 140):
                put(draw, (70, y), piece, value_face, look.fg)
                y += int(look.size * 1.15)
        y += int(look.size * 0.8)
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_sections(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                    ) -> tuple[Image.Image, bool]:
    """Origin and destination as blocks (a heading, the holder's name and account), then the other rows."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    y = _title(draw, y, width, look, bank, rng)
    heading_face, name_face, small = look.face(0.85, bold=True), look.face(1.0), look.face(0.8)
    blocks = {"payer": ["Origen", "Cuenta de origen", "Desde", "Débito a", "Ordenante"],
              "payee": ["Destino", "Cuenta destino", "Hacia", "Crédito a", "Beneficiario"]}
    used: set[int] = set()
    for side in ("payer", "payee"):
        related = [i for i, p in enumerate(pairs) if p.key.startswith(side) and p.key != f"{side}_id"]
        if not related:
            continue
        heading = rng.choice(blocks[side])
        draw.text((70, y), heading.upper() if rng.random() < 0.4 else heading, font=heading_face, fill=look.accent)
        y += int(look.size * 1.3)
        name = next((pairs[i] for i in related if pairs[i].key == f"{side}_name"), None)
        rest = [pairs[i] for i in related if pairs[i] is not name]
        lines: list[tuple[str, bool]] = []
        if name is not None:
            lines += [(text, text == name.value) for text in name.lines]
        for pair in rest:
            lines.append((pair.value if rng.random() < 0.6 else f"{pair.label}: {pair.value}", False))
        if rng.random() < 0.3 and len(lines) > 1:
            lines.reverse()
        for text, is_name in lines:
            put(draw, (100, y), text, name_face if is_name else small, look.fg if is_name else look.muted)
            y += int(look.size * 1.3)
        used.update(related)
        y += int(look.size * 0.6)
    label_face, value_face = look.face(0.9), look.face(1.0, bold=True)
    for i, pair in enumerate(pairs):
        if i in used:
            continue
        draw.text((70, y), pair.label, font=label_face, fill=look.muted)
        if label_face.getlength(pair.label) + value_face.getlength(pair.value) + 60 > width - 140:
            y += int(look.size * 1.3)
        put(draw, (width - 70, y), pair.value, value_face, look.fg, "ra")
        y += int(look.size * 1.5)
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_ticket(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                  ) -> tuple[Image.Image, bool]:
    """A printed till or ATM ticket: monospace capitals, dot leaders, dashed rules."""
    mono = make_look(rng, look.accent, False, MONO)
    width = 720
    paper = (250, 248, 240) if rng.random() < 0.5 else (255, 255, 255)
    image = Image.new("RGB", (width, 3600), paper)
    draw = ImageDraw.Draw(image)
    face = mono.face(0.75)
    bold = mono.face(0.75, bold=True)
    ink = (30, 30, 30)
    y = 50
    named = rng.random() < 0.9
    header = plain(rng.choice(bank.headers)).upper() if named else "COMPROBANTE"
    draw.text((width // 2, y), header, font=mono.face(0.95, bold=True), fill=ink, anchor="mt")
    y += 60
    draw.text((width // 2, y), rng.choice(["COMPROBANTE DE DEPOSITO", "TRANSFERENCIA", "SINPE MOVIL"]),
              font=face, fill=ink, anchor="mt")
    y += 60
    dash = "-" * int((width - 80) / face.getlength("-"))
    draw.text((40, y), dash, font=face, fill=ink)
    y += 50
    chars = int((width - 80) / face.getlength("M"))
    leaders = bool(params.get("leaders"))
    for pair in pairs:
        label = plain(pair.label).upper()
        for i, value in enumerate(pair.lines):
            if i:
                draw.text((width - 40, y), value, font=face, fill=ink, anchor="ra")
                y += 42
                continue
            if leaders:
                room = chars - len(value) - 1
                left = f"{label}" + "." * max(1, room - len(label) - 1) + ":" if room > len(label) + 2 else f"{label}:"
                if len(left) + len(value) + 1 > chars:
                    draw.text((40, y), f"{label}:", font=face, fill=ink)
                    y += 42
                    put(draw, (width - 40, y), value, bold, ink, "ra")
                else:
                    draw.text((40, y), left, font=face, fill=ink)
                    put(draw, (width - 40, y), value, bold, ink, "ra")
            else:
                draw.text((40, y), f"{label}:", font=face, fill=ink)
                y += 42
                put(draw, (60, y), value, bold, ink)
            y += 42
        y += 14
    draw.text((40, y), dash, font=face, fill=ink)
    y += 50
    draw.text((width // 2, y), "GRACIAS POR SU PREFERENCIA", font=face, fill=ink, anchor="mt")
    return crop_height(image, y + 40), named


def render_table(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                 ) -> tuple[Image.Image, bool]:
    """An online-banking page: a bordered table, labels in shaded cells on the left."""
    width = 1240
    page = Image.new("RGB", (width, 3600), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    named = rng.random() < 0.92
    y = 50
    if named:
        draw.text((60, y), rng.choice(bank.headers), font=look.face(1.3, bold=True), fill=look.accent)
    y += 100
    draw.text((60, y), rng.choice(["Comprobante de transferencia", "Detalle de la operación",
                                   "Consulta de transferencia"]), font=look.face(1.0, bold=True), fill=(30, 30, 30))
    y += 80
    label_face, value_face = look.face(0.85, bold=bool(params.get("bold_labels"))), look.face(0.9)
    split = int(max(width * 0.36, 60 + 40 + max(label_face.getlength(p.label) for p in pairs)))
    shade = rng.choice([(235, 238, 243), (240, 240, 240), (228, 236, 246)])
    border = (170, 170, 175)
    for pair in pairs:
        lines = [piece for text in pair.lines for piece in wrap(text, value_face, width - 60 - split - 40)]
        height = max(1, len(lines)) * int(look.size * 1.3) + 30
        draw.rectangle((60, y, split, y + height), fill=shade, outline=border, width=2)
        draw.rectangle((split, y, width - 60, y + height), fill=(255, 255, 255), outline=border, width=2)
        draw.text((80, y + 18), pair.label, font=label_face, fill=(50, 50, 55))
        for i, piece in enumerate(lines):
            put(draw, (split + 20, y + 18 + i * int(look.size * 1.3)), piece, value_face, (20, 20, 20))
        y += height
    return crop_height(page, y + 40), named


def render_hero(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                ) -> tuple[Image.Image, bool]:
    """A big amount on top without a label of its own, the other pairs as rows under it."""
    width = 1080
    image, draw = _canvas(width, look)
    y, named = _header(draw, width, look, bank, rng)
    amount = next(p for p in pairs if p.key == "amount")
    draw.text((width // 2, y), rng.choice(["Transferencia exitosa", "Enviaste", "Pago realizado", "Monto enviado"]),
              font=look.face(0.9), fill=look.muted, anchor="mt")
    y += int(look.size * 1.4)
    put(draw, (width // 2, y), amount.value, look.face(1.7, bold=True), look.fg, "ma")
    y += int(look.size * 1.7) + 60
    label_face, value_face = look.face(0.9), look.face(0.95, bold=True)
    line = int(look.size * 1.45)
    for pair in pairs:
        if pair is amount:
            continue
        draw.text((70, y), _colon(pair.label, bool(params.get("colon"))), font=label_face, fill=look.muted)
        for i, text in enumerate(pair.lines):
            if i == 0 and label_face.getlength(pair.label) + value_face.getlength(text) + 60 > width - 140:
                y += line - 6
            put(draw, (width - 70, y), text, value_face if text == pair.value else look.face(0.8), look.fg, "ra")
            y += line if i < len(pair.lines) - 1 else 0
        y += line
    return crop_height(image, _footer(draw, y, width, look, rng)), named


def render_letter(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                  content: Content | None = None) -> tuple[Image.Image, bool, dict[str, str]]:
    """A bank's PDF certificate: letterhead, a paragraph naming both holders beside their accounts, a table."""
    serif = make_look(rng, look.accent, False, SERIF)
    width = 1240
    page = Image.new("RGB", (width, 3600), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    assert content is not None
    y = 60
    draw.text((70, y), rng.choice(bank.headers), font=serif.face(1.4, bold=True), fill=look.accent)
    y += 110
    draw.text((70, y), "CONSTANCIA DE TRANSFERENCIA", font=serif.face(1.0, bold=True), fill=(20, 20, 20))
    y += 90
    values = {p.key: p.value for p in pairs}
    shown: dict[str, str] = {}
    amount = values.get("amount") or amount_text(content.amount, content.currency, rng)
    payer = values.get("payer_name") or person_spelling(content.payer, rng)
    payee = values.get("payee_name") or content.payee
    when = date_words(content.moment, rng)
    src, dst = iban_text(content.payer_iban, rng), iban_text(content.payee_iban, rng)
    paragraph = rng.choice([
        f"Por este medio se hace constar que el {when} se realizó una transferencia por {amount} desde la "
        f"cuenta {src} a nombre de {payer} hacia la cuenta {dst} a nombre de {payee}.",
        f"Se certifica que {payer}, cuenta {src}, transfirió {amount} a {payee}, cuenta {dst}, el {when}.",
        f"Certificamos la transferencia de {amount} realizada el {when} de la cuenta {src} ({payer}) "
        f"a la cuenta {dst} ({payee}).",
    ])
    shown.update(payer_name=payer, payee_name=payee, amount=amount)
    body = serif.face(0.9)
    for piece in wrap(paragraph, body, width - 140):
        put(draw, (70, y), piece, body, (20, 20, 20))
        y += int(serif.size * 1.35)
    y += 40
    table_face = serif.face(0.85)
    listed = [p for p in pairs if p.key in ("reference", "description", "date", "status", "channel")]
    column = 70 + 40 + max((table_face.getlength(f"{p.label}:") for p in listed), default=0)
    for pair in listed:
        draw.text((70, y), f"{pair.label}:", font=table_face, fill=(60, 60, 60))
        put(draw, (column, y), pair.value, table_face, (20, 20, 20))
        shown[pair.key] = pair.value
        y += int(serif.size * 1.4)
    if "date" not in shown:
        shown["date_words"] = when
    y += 60
    draw.text((70, y), "Emitido electrónicamente. No requiere firma.", font=serif.face(0.7), fill=(90, 90, 90))
    return crop_height(page, y + 40), True, shown


def ticket_case(pairs: list[Pair]) -> list[Pair]:
    """Values as a till prints them: capitals without accents (the description as typed)."""

    def cap(text: str | None, key: str) -> str | None:
        return text if text is None or key == "description" else plain(text).upper()

    return [Pair(p.key, p.label, cap(p.value, p.key) or "", cap(p.sub, p.key), p.sub_first) for p in pairs]


CARD_RENDERERS = {
    "rows": render_rows,
    "inline": render_inline,
    "stacked": render_stacked,
    "grid": render_grid,
    "sections": render_sections,
    "ticket": render_ticket,
    "table": render_table,
    "hero": render_hero,
}
