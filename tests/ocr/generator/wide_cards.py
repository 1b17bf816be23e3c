"""Card layouts of the wider tuned generator: app cards, two-column vouchers, tables with a header row, thermal
tickets, with logos, legal text and QR-like blocks; and the rows they print."""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.ocr.generator.cards import Pair
from tests.ocr.generator.content import Content, plain
from tests.ocr.generator.draw import MONO, Look, crop_height, make_look, put, status_bar, wrap
from tests.ocr.generator.vocab import Bank
from tests.ocr.generator.wide_content import wide_account, wide_amount, wide_date, wide_name, wide_phone, wide_time
from tests.ocr.generator.wide_vocab import WIDE_BANKS


@dataclass
class WidePair(Pair):
    """A printed field whose value line carries more than the field (a name with its account beside it)."""

    read: str | None = None


def truth_value(pair: Pair) -> str:
    """What a careful person reads as the field's value on this row."""
    if isinstance(pair, WidePair) and pair.read:
        return pair.read
    return pair.value


LEGAL = [
    "Este comprobante no requiere firma ni sello. La transacción está sujeta a verificación por parte de la entidad.",
    "Conserve este documento para cualquier consulta o reclamo. Para consultas llame al centro de servicio.",
    "Las transferencias SINPE se acreditan según los horarios del Banco Central de Costa Rica.",
    "Entidad supervisada por SUGEF. Este documento es válido como comprobante de la operación.",
    "Documento generado electrónicamente; no tiene validez tributaria.",
]


def compose_wide(content: Content, labels: dict[str, str], rng: random.Random) -> list[Pair]:
    """The rows a receipt prints, in an order banks use, with optional rows around the read fields."""
    pairs: list[Pair] = []
    if rng.random() < 0.3:
        pairs.append(Pair("channel", labels["channel"], rng.choice(
            ["SINPE Móvil", "Transferencia SINPE", "Transferencia a terceros", "Pago SINPE Móvil", "Envío de dinero",
             "Transferencia interbancaria", "Transferencia entre cuentas propias" if rng.random() < 0.1 else "SINPE"])))
    if rng.random() < 0.35:
        pairs.append(Pair("date", labels["date"], wide_date(content.moment, rng, with_time=0.0)))
        pairs.append(Pair("time", labels["time"], wide_time(content.moment, rng)))
    else:
        pairs.append(Pair("date", labels["date"], wide_date(content.moment, rng)))
    pairs.append(Pair("amount", labels["amount"], wide_amount(content.amount, content.currency, rng)))
    beside = rng.random() < 0.3
    for side in ("payer", "payee"):
        name = wide_name(content.payer if side == "payer" else content.payee, rng)
        iban = content.payer_iban if side == "payer" else content.payee_iban
        if beside:
            account = wide_account(iban, rng)
            if rng.random() < 0.3:
                line = rng.choice(["{} - {}", "{}  {}", "{} ({})"]).format(name, account)
                if rng.random() < 0.3:
                    line = f"{account} {name}"
                pairs.append(WidePair(f"{side}_name", labels[f"{side}_name"], line, read=name))
            else:
                pairs.append(Pair(f"{side}_name", labels[f"{side}_name"], name, account, rng.random() < 0.4))
            continue
        if rng.random() < 0.9:
            pairs.append(Pair(f"{side}_name", labels[f"{side}_name"], name))
        if rng.random() < 0.45:
            pairs.append(Pair(f"{side}_account", labels[f"{side}_account"], wide_account(iban, rng)))
        if content.sinpe and rng.random() < 0.5:
            phone = content.payer_phone if side == "payer" else content.payee_phone
            pairs.append(Pair(f"{side}_phone", labels[f"{side}_phone"], wide_phone(phone, rng)))
        if side == "payer" and rng.random() < 0.15:
            pairs.append(Pair("payer_id", labels["payer_id"], content.payer_id))
    if rng.random() < 0.15:
        pairs.append(Pair("entity", labels["entity"], rng.choice(WIDE_BANKS).headers[0]))
    if rng.random() < 0.88:
        pairs.append(Pair("description", labels["description"], content.description))
    if rng.random() < 0.95:
        pairs.append(Pair("reference", labels["reference"], content.reference))
    if rng.random() < 0.2:
        pairs.append(Pair("fee", labels["fee"], wide_amount(content.amount * 0, content.currency, rng)))
    if rng.random() < 0.25:
        pairs.append(Pair("status", labels["status"], rng.choice(["Exitosa", "Aplicada", "Completada", "Procesada",
                                                                  "APROBADA", "Finalizada"])))
    if rng.random() < 0.1:
        pairs.append(Pair("balance", labels["balance"], wide_amount(content.amount * 3 + 1234, content.currency, rng)))
    head, tail = pairs[:3], pairs[3:]
    if rng.random() < 0.5:
        rng.shuffle(tail)
    return head + tail


def logo(draw: ImageDraw.ImageDraw, xy: tuple[int, int], look: Look, bank: Bank, rng: random.Random,
         scale: float = 1.0) -> tuple[int, bool]:
    """A bank mark (a coloured shape) and, usually, the bank's name beside it; returns its right edge."""
    x, y = xy
    size = int(70 * scale)
    shape = rng.random()
    if shape < 0.4:
        draw.ellipse((x, y, x + size, y + size), fill=bank.accent)
    elif shape < 0.8:
        draw.rounded_rectangle((x, y, x + size, y + size), int(14 * scale), fill=bank.accent)
    else:
        draw.polygon([(x, y + size), (x + size // 2, y), (x + size, y + size)], fill=bank.accent)
    named = rng.random() < 0.9
    if named:
        name = rng.choice(bank.headers)
        draw.text((x + size + 20, y + size // 2), name, font=look.face(1.15 * scale, bold=True), fill=bank.accent,
                  anchor="lm")
        return int(x + size + 20 + look.face(1.15 * scale, bold=True).getlength(name)), True
    return x + size, False


def qr_block(draw: ImageDraw.ImageDraw, xy: tuple[int, int], size: int, rng: random.Random,
             ink: tuple[int, int, int] = (20, 20, 20)) -> None:
    """A QR-like square of random modules with three finder marks."""
    cells = 25
    cell = size // cells
    x0, y0 = xy
    for row in range(cells):
        for col in range(cells):
            if rng.random() < 0.45:
                draw.rectangle((x0 + col * cell, y0 + row * cell, x0 + (col + 1) * cell - 1, y0 + (row + 1) * cell - 1),
                               fill=ink)
    for fx, fy in ((0, 0), (cells - 7, 0), (0, cells - 7)):
        px, py = x0 + fx * cell, y0 + fy * cell
        draw.rectangle((px, py, px + 7 * cell - 1, py + 7 * cell - 1), fill=(255, 255, 255))
        draw.rectangle((px, py, px + 7 * cell - 1, py + 7 * cell - 1), outline=ink, width=cell)
        draw.rectangle((px + 2 * cell, py + 2 * cell, px + 5 * cell - 1, py + 5 * cell - 1), fill=ink)


def barcode(draw: ImageDraw.ImageDraw, xy: tuple[int, int], width: int, height: int, rng: random.Random) -> None:
    """A barcode-like run of bars."""
    x, y = xy
    end = x + width
    while x < end:
        bar = rng.choice([2, 2, 3, 5])
        draw.rectangle((x, y, x + bar - 1, y + height), fill=(25, 25, 25))
        x += bar + rng.choice([2, 3, 4, 6])


def _legal(draw: ImageDraw.ImageDraw, y: int, x: int, width: int, look: Look, rng: random.Random) -> int:
    face = look.face(0.62)
    for line in wrap(rng.choice(LEGAL), face, width):
        draw.text((x, y), line, font=face, fill=look.muted)
        y += int(face.size * 1.35)
    return y


def render_app_cards(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                     ) -> tuple[Image.Image, bool]:
    """A banking app's result screen: status bar, a check mark, and rounded cards with a small grey label above
    each value; short fields may sit two to a line."""
    width = 1080
    image = Image.new("RGB", (width, 4200), look.bg)
    draw = ImageDraw.Draw(image)
    status_bar(draw, width, look, look.fg, rng)
    draw.line([(95, 95), (70, 120), (95, 145)], fill=look.fg, width=6)
    named = rng.random() < 0.75
    if named:
        draw.text((width // 2, 120), rng.choice(bank.headers), font=look.face(0.95, bold=True), fill=look.fg,
                  anchor="mm")
    y = 200
    draw.ellipse((width // 2 - 55, y, width // 2 + 55, y + 110), fill=(40, 170, 90))
    draw.line([(width // 2 - 25, y + 58), (width // 2 - 5, y + 78), (width // 2 + 30, y + 35)], fill=(255, 255, 255),
              width=9)
    y += 150
    title = rng.choice([*bank.titles, "¡Transferencia exitosa!", "Envío realizado", "Listo, enviaste tu dinero",
                        "Operación completada"])
    draw.text((width // 2, y), title, font=look.face(1.15, bold=True), fill=look.fg, anchor="mt")
    y += int(look.size * 2.0)
    card = (38, 38, 42) if look.dark else rng.choice([(244, 245, 248), (248, 248, 248), (240, 244, 250)])
    label_face, value_face, sub_face = look.face(0.72), look.face(1.0, bold=rng.random() < 0.6), look.face(0.78)
    inner = width - 2 * 60 - 2 * 40
    chunks: list[list[Pair]] = []
    rest = list(pairs)
    while rest:
        take = rng.randint(2, 4)
        chunks.append(rest[:take])
        rest = rest[take:]
    for chunk in chunks:
        top = y
        y += 35
        lines: list[list[Pair]] = []
        i = 0
        while i < len(chunk):
            a = chunk[i]
            b = chunk[i + 1] if i + 1 < len(chunk) else None
            short = (b is not None and a.sub is None and b.sub is None and rng.random() < 0.4
                     and max(value_face.getlength(a.value), value_face.getlength(b.value)) < inner / 2 - 30
                     and max(label_face.getlength(a.label), label_face.getlength(b.label)) < inner / 2 - 30)
            lines.append([a, b] if short and b is not None else [a])
            i += 2 if short else 1

        def lay(top_y: int, ink: bool, rows: list[list[Pair]] = lines) -> int:
            yy0 = top_y
            for line in rows:
                tallest = 0
                for col, pair in enumerate(line):
                    x = 100 + col * (inner // 2 + 20)
                    yy = yy0
                    if ink:
                        draw.text((x, yy), pair.label, font=label_face, fill=look.muted)
                    yy += int(look.size * 1.0)
                    for text in pair.lines:
                        is_value = text == pair.value
                        for piece in wrap(text, value_face, inner if len(line) == 1 else inner // 2 - 20):
                            if ink:
                                put(draw, (x, yy), piece, value_face if is_value else sub_face,
                                    look.fg if is_value else look.muted)
                            yy += int(look.size * 1.3)
                    tallest = max(tallest, yy - yy0)
                yy0 += tallest + int(look.size * 0.55)
            return yy0

        bottom = lay(y, False)
        draw.rounded_rectangle((60, top, width - 60, bottom + 10), 30, fill=card)
        y = lay(y, True)
        y += 50
    for i, text in enumerate(rng.sample(["Compartir", "Descargar", "Guardar comprobante", "Volver al inicio"], 2)):
        left = 60 + i * (width // 2 - 30)
        draw.rounded_rectangle((left, y, left + width // 2 - 90, y + 100), 50, outline=bank.accent, width=4)
        draw.text((left + (width // 2 - 90) // 2, y + 50), text, font=look.face(0.8, bold=True), fill=bank.accent,
                  anchor="mm")
    return crop_height(image, y + 100), named


def render_voucher(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                   ) -> tuple[Image.Image, bool]:
    """A printable voucher: logo, title, the fields in two columns (label and value on one line, or the label
    above), a legal paragraph and maybe a QR-like block."""
    width = 1400
    image = Image.new("RGB", (width, 3600), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    paper = Look((255, 255, 255), (25, 25, 25), look.muted, look.accent, look.regular, look.bold, look.size, False)
    _, named = logo(draw, (70, 50), paper, bank, rng)
    draw.text((width - 70, 60), f"Cédula jurídica 4-000-{rng.randint(100000, 999999)}", font=paper.face(0.6),
              fill=paper.muted, anchor="ra")
    y = 170
    title = rng.choice([*bank.titles, "COMPROBANTE DE TRANSFERENCIA", "Voucher de transacción", "Constancia de pago"])
    draw.text((width // 2, y), title, font=paper.face(1.1, bold=True), fill=paper.fg, anchor="mt")
    y += int(paper.size * 1.8)
    draw.line((70, y, width - 70, y), fill=paper.accent, width=4)
    y += 40
    stacked = rng.random() < 0.4
    colon = rng.random() < 0.7
    half = (len(pairs) + 1) // 2
    columns = [pairs[:half], pairs[half:]] if rng.random() < 0.5 else [pairs[0::2], pairs[1::2]]
    col_width = (width - 140 - 60) // 2
    label_face, value_face = paper.face(0.8, bold=not stacked), paper.face(0.85)
    bottoms = []
    for c, column in enumerate(columns):
        x = 70 + c * (col_width + 60)
        yy = y
        for pair in column:
            label = f"{pair.label}:" if colon and not pair.label.endswith(":") else pair.label
            if stacked:
                draw.text((x, yy), label, font=paper.face(0.68), fill=paper.muted)
                yy += int(paper.size * 0.95)
                vx = x
                room = col_width
            else:
                draw.text((x, yy), label, font=label_face, fill=paper.fg)
                vx = int(x + label_face.getlength(label) + 16)
                room = x + col_width - vx
                if any(value_face.getlength(t) > room for t in pair.lines):
                    yy += int(paper.size * 1.2)
                    vx, room = x + 30, col_width - 30
            for text in pair.lines:
                for piece in wrap(text, value_face, room):
                    put(draw, (vx, yy), piece, value_face, paper.fg)
                    yy += int(paper.size * 1.2)
            yy += int(paper.size * 0.5)
        bottoms.append(yy)
    y = max(bottoms) + 20
    draw.line((70, y, width - 70, y), fill=(200, 200, 200), width=2)
    y += 30
    if rng.random() < 0.5:
        qr_block(draw, (width - 70 - 250, y), 250, rng)
        y = max(_legal(draw, y, 70, width - 440, paper, rng), y + 260)
    else:
        y = _legal(draw, y, 70, width - 140, paper, rng)
    return crop_height(image, y), named


def render_header_table(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                        ) -> tuple[Image.Image, bool]:
    """An online-banking page: a menu band, then a table with a header row and striped rows (or a first table
    with the fields as column headers over one row of values)."""
    width = 1500
    image = Image.new("RGB", (width, 3600), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    band = bank.accent
    draw.rectangle((0, 0, width, 110), fill=band)
    named = rng.random() < 0.9
    if named:
        draw.text((60, 55), rng.choice(bank.headers), font=look.face(1.1, bold=True), fill=(255, 255, 255), anchor="lm")
    x = width - 60
    for item in reversed(["Inicio", "Cuentas", "Transferencias", "Pagos", "Salir"]):
        draw.text((x, 55), item, font=look.face(0.65), fill=(235, 235, 235), anchor="rm")
        x -= int(look.face(0.65).getlength(item)) + 40
    y = 150
    draw.text((60, y), "Inicio > Transferencias > Comprobante", font=look.face(0.6), fill=(120, 120, 120))
    y += 60
    draw.text((60, y), rng.choice(["Detalle de la transferencia", "Comprobante de la operación", "Resultado"]),
              font=look.face(1.05, bold=True), fill=(30, 30, 30))
    y += int(look.size * 1.9)
    face, head_face = look.face(0.8), look.face(0.8, bold=True)
    row_h = int(look.size * 1.45)
    rest = list(pairs)
    if rng.random() < 0.35:
        top = [p for p in rest if p.key in ("date", "reference", "amount") and p.sub is None][:3]
        rest = [p for p in rest if p not in top]
        col = (width - 120) // max(1, len(top))
        draw.rectangle((60, y, width - 60, y + row_h), fill=band)
        for i, pair in enumerate(top):
            draw.text((80 + i * col, y + row_h // 2), pair.label, font=head_face, fill=(255, 255, 255), anchor="lm")
        y += row_h
        draw.rectangle((60, y, width - 60, y + row_h), outline=(200, 200, 200), width=2)
        for i, pair in enumerate(top):
            put(draw, (80 + i * col, y + row_h // 2), pair.value, face, (20, 20, 20), "lm")
        y += row_h + 50
    heads = rng.choice([("Campo", "Valor"), ("Dato", "Información"), ("Información de la transacción", "")])
    split_x = int(max(width * 0.34, 100 + max((head_face.getlength(p.label) for p in rest), default=0)))
    draw.rectangle((60, y, width - 60, y + row_h), fill=(60, 64, 72))
    draw.text((80, y + row_h // 2), heads[0], font=head_face, fill=(255, 255, 255), anchor="lm")
    if heads[1]:
        draw.text((split_x + 20, y + row_h // 2), heads[1], font=head_face, fill=(255, 255, 255), anchor="lm")
    y += row_h
    stripe = rng.choice([(246, 247, 249), (240, 244, 248), (250, 250, 250)])
    for i, pair in enumerate(rest):
        pieces = [piece for text in pair.lines for piece in wrap(text, face, width - 60 - split_x - 40)]
        height = max(1, len(pieces)) * int(look.size * 1.2) + 24
        if i % 2:
            draw.rectangle((60, y, width - 60, y + height), fill=stripe)
        draw.text((80, y + 12), pair.label, font=head_face if rng.random() < 0.3 else face, fill=(70, 70, 75))
        for j, piece in enumerate(pieces):
            put(draw, (split_x + 20, y + 12 + j * int(look.size * 1.2)), piece, face, (20, 20, 20))
        y += height
        draw.line((60, y, width - 60, y), fill=(225, 225, 228), width=1)
    y += 40
    y = _legal(draw, y, 60, width - 120, look, rng)
    return crop_height(image, y), named


def thermal_case(pairs: list[Pair]) -> list[Pair]:
    """Values as a thermal printer prints them: capitals without accents (the description as typed)."""
    def up(text: str | None, key: str) -> str | None:
        return text if text is None or key == "description" else plain(text).upper()

    return [WidePair(p.key, p.label, up(p.value, p.key) or "", up(p.sub, p.key), p.sub_first,
                     up(p.read, p.key) if isinstance(p, WidePair) else None) for p in pairs]


def render_thermal(pairs: list[Pair], look: Look, bank: Bank, rng: random.Random, params: dict[str, object],
                   ) -> tuple[Image.Image, bool]:
    """A narrow thermal-printer ticket: monospace capitals, `LABEL....: VALUE` dot leaders, starred rules,
    terminal and batch numbers, a barcode and a customer-copy line; the ink is sometimes faded."""
    mono = make_look(rng, look.accent, False, MONO)
    width = rng.choice([576, 640, 720])
    paper = rng.choice([(250, 250, 246), (245, 243, 236), (255, 255, 255), (238, 238, 234)])
    image = Image.new("RGB", (width, 4000), paper)
    draw = ImageDraw.Draw(image)
    face = mono.face(rng.choice([0.62, 0.66, 0.7]))
    bold = mono.face(face.size / mono.size, bold=True)
    grey = rng.choice([20, 40, 70, 95])
    ink = (grey, grey, grey)
    step = int(face.size * 1.35)
    chars = int((width - 60) / face.getlength("M"))
    y = 40
    named = rng.random() < 0.9
    head = plain(rng.choice(bank.headers)).upper() if named else "COMPROBANTE"
    draw.text((width // 2, y), head, font=bold, fill=ink, anchor="mt")
    y += step
    draw.text((width // 2, y), rng.choice(["OFICINA CENTRAL", "SUCURSAL SAN PEDRO", "AGENCIA HEREDIA", "CAJA 04"]),
              font=face, fill=ink, anchor="mt")
    y += step
    rule = rng.choice(["*", "=", "-"]) * chars
    draw.text((30, y), rule, font=face, fill=ink)
    y += step
    terminal = f"TERMINAL: {rng.randint(100, 99999):05d}   LOTE: {rng.randint(1, 999):03d}"
    draw.text((30, y), terminal, font=face, fill=ink)
    y += step
    draw.text((30, y), rule, font=face, fill=ink)
    y += step
    leader = rng.choice([".", ".", "_", " "])
    for pair in pairs:
        label = plain(pair.label).upper().rstrip(":")
        for i, value in enumerate(pair.lines):
            if i:
                draw.text((width - 30, y), value, font=face, fill=ink, anchor="ra")
                y += step
                continue
            room = chars - len(value) - 1
            if room >= len(label) + 3:
                left = label + leader * (room - len(label) - 1) + ":"
                draw.text((30, y), left[: room], font=face, fill=ink)
                put(draw, (width - 30, y), value, face, ink, "ra")
            else:
                draw.text((30, y), f"{label}:", font=face, fill=ink)
                y += step
                for piece in wrap(value, face, width - 60):
                    put(draw, (width - 30, y), piece, face, ink, "ra")
                    y += step
                y -= step
            y += step
    draw.text((30, y), rule, font=face, fill=ink)
    y += step + 10
    if rng.random() < 0.3:
        qr_block(draw, (width // 2 - 110, y), 220, rng, ink)
        y += 250
    else:
        barcode(draw, (60, y), width - 120, 70, rng)
        y += 100
    goodbye = rng.choice(["*** COPIA CLIENTE ***", "GRACIAS POR PREFERIRNOS", "CONSERVE SU COMPROBANTE"])
    draw.text((width // 2, y), goodbye,
              font=face, fill=ink, anchor="mt")
    return crop_height(image, y + step, 40), named
