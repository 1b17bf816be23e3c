"""The second held-out group: five layout families, label wordings and notification templates the reader was
never tuned on, nor the first held-out group looked at.

Committed before any reader change of issue 12's second round and measured once before tuning (aggregate
figures only, see bench/RESULTS-ocr.md); the reader is never fixed from what these receipts show.

Modelled on public Costa Rican material: a bank's card-notification e-mail laid out as a table with a row of
headings over a row of values (`Fecha | Autorización | No. Referencia | Monto | Moneda | Comercio | Estado`,
the currency as a word in its own column, `COLON COSTA RICA`), its SINPE e-mail (`Nombre cliente origen`,
`Motivo`, `Esta transacción fue realizada el 27/11/2026 a las 3:41 PM`), the month-first English date of
another bank's e-mail (`Nov 9, 2025, 10:18`), teller deposit slips (depositor, account holder, cash, cheques,
total), and what customers actually send: a typed summary in a chat, or the phone's notification shade with
the bank's notice among other apps' ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw

from tests.ocr.generator.cards import Pair, compose
from tests.ocr.generator.content import MONTHS, WEEKDAYS, Content, date_words, person_spelling, plain
from tests.ocr.generator.draw import FONT_DIR, Look, crop_height, put, status_bar, wrap
from tests.ocr.generator.prose import Said, Template, say
from tests.ocr.generator.vocab import Bank, vary, wordings

NEW_FACES = {
    "narrow": (f"{FONT_DIR}/liberation/LiberationSansNarrow-Regular.ttf",
               f"{FONT_DIR}/liberation/LiberationSansNarrow-Bold.ttf"),
    "condensed": (f"{FONT_DIR}/dejavu/DejaVuSansCondensed.ttf", f"{FONT_DIR}/dejavu/DejaVuSansCondensed-Bold.ttf"),
    "display": (f"{FONT_DIR}/noto/NotoSansDisplay-Regular.ttf", f"{FONT_DIR}/noto/NotoSansDisplay-Bold.ttf"),
    "noto-serif": (f"{FONT_DIR}/noto/NotoSerif-Regular.ttf", f"{FONT_DIR}/noto/NotoSerif-Bold.ttf"),
}
"""Faces no tuned or first held-out receipt is printed in."""
MONO_FACES = {
    "dejavu-mono": (f"{FONT_DIR}/dejavu/DejaVuSansMono.ttf", f"{FONT_DIR}/dejavu/DejaVuSansMono-Bold.ttf"),
    "liberation-mono": (f"{FONT_DIR}/liberation/LiberationMono-Regular.ttf",
                        f"{FONT_DIR}/liberation/LiberationMono-Bold.ttf"),
}

WORDINGS_2: dict[str, tuple[str, ...]] = {
    "amount": ("Monto de la operación", "Valor transferido", "Suma transferida", "Monto total", "Monto aplicado",
               "Importe de la operación", "Valor de la transacción", "Monto a acreditar"),
    "date": ("Fecha de la operación", "Fecha y hora de la transacción", "Fecha de registro", "Fecha de proceso",
             "Fecha de ejecución", "Día y hora", "Fecha transacción"),
    "reference": ("Número de seguimiento", "Código de autorización", "Autorización", "Comprobante No.",
                  "Nº de operación", "Id. de operación", "Código de operación", "Folio", "Número de control",
                  "No. Referencia"),
    "payer_name": ("Nombre del depositante", "Pagado por", "Ordenado por", "Originador", "Titular cuenta débito",
                   "Nombre del pagador", "Transferido por", "Enviado desde"),
    "payee_name": ("Nombre de la cuenta", "Cuenta a nombre de", "Favorecido", "Nombre del receptor", "Pagar a",
                   "Titular cuenta crédito", "Beneficiario final", "Transferido a"),
    "description": ("Detalle de la operación", "Descripción de la transacción", "Concepto del pago", "Propósito",
                    "Leyenda", "Información adicional", "Nota para el destinatario"),
    "payer_account": ("Cuenta cargo", "Número de cuenta origen"),
    "payee_account": ("Cuenta abono", "Número de cuenta destino", "Cuenta acreditada"),
    "payer_phone": ("Celular del remitente", "Teléfono de origen"),
    "payee_phone": ("Celular del beneficiario", "Teléfono de destino"),
    "status": ("Estado del pago", "Situación"),
    "channel": ("Medio", "Tipo de operación"),
}
"""Wordings of the second held-out group; a receipt of it prints one of these or, as often, any older one."""

PAYEES_2 = ["Clínica Dental Sonrisas S.A.", "Colegio Bilingüe Santa Ana", "Distribuidora Cartago Ltda.",
            "Wolk Software S.A.", "Veterinaria Patitas", "Inversiones Leitón & Monge S.A."]
PEOPLE_2 = ["Keylor Cordero Monge", "Dayana Leitón Badilla", "Ana de la O Fallas", "Jeison Ureña Quirós",
            "Wendy Sibaja Calvo", "Maikol Retana Cubillo", "Ileana Marín de la Cruz", "Greivin Solís Abarca"]
DESCRIPTIONS_2 = ["Pago cuota 3 ID {id}", "Abono factura 00{n}", "Mensualidad diciembre - ID {id}", "ID:{id} pago",
                  "Pago servicios id {id}", "Matrícula ID {id}", "Pago ID{id} gracias", "Adelanto"]

TEMPLATES_2: tuple[Template, ...] = (
    Template("BCR", "bcr-acreditado",
             "BCR SINPE Movil: Se acreditaron {amount} de {payer_up} ({phone}) a su cuenta. Motivo: {desc}. "
             "Ref: {ref}"),
    Template("Banco Nacional", "bn-transferencia-recibida",
             "Banco Nacional: Transferencia SINPE Movil recibida por {amount_word} de {payer_up}. Detalle: {desc}. "
             "Comprobante {ref}."),
    Template("BAC Credomatic", "bac-usted-recibio",
             "Usted ha recibido una transferencia SINPE Móvil de {payer} por {amount}. Concepto: {desc}. "
             "No. de referencia: {ref}."),
    Template("Davivienda", "davivienda-aviso",
             "Aviso Davivienda: Transferencia enviada a {payee} por {amount}. Ref {ref}. Detalle: {desc}"),
    Template("Promerica", "promerica-informa",
             "Promerica informa: Recibiste {amount} de {payer}. Motivo: {desc}. Comprobante No. {ref}"),
    Template("Banco Popular", "popular-a-favor",
             "BP Informa: SINPE Movil aplicado por {amount} a favor de {payee_up}. Ref: {ref}."),
    Template(None, "pago-recibido",
             "Pago recibido: {amount} de {payer} vía SINPE Móvil. Descripción: {desc}. Código: {ref}."),
    Template(None, "pago-aplicado",
             "Su pago de {amount} a {payee} fue aplicado con éxito el {date}. Mensaje: {desc}. Autorización {ref}."),
    Template(None, "debito-a-nombre",
             "Se realizó el débito de {amount} por SINPE Móvil a nombre de {payee_up}. Número de comprobante {ref}."),
    Template(None, "le-transfirio",
             "{payer_up} le transfirió {amount} por SINPE Móvil el {date}. {desc}. Ref. {ref}"),
)
"""Notification wordings of the second held-out group."""


@dataclass(frozen=True)
class Drawn:
    """What a second-group renderer put on the page: the image, whether the bank is named, and what shows."""

    image: Image.Image
    named: bool
    shown: dict[str, str]
    dated: bool


def labeller(bank: Bank, rng: random.Random) -> Callable[[str], str]:
    """Labels for one receipt: a second-group wording half the time (where there is one), else any older one."""
    chosen: dict[str, str] = {}

    def label(key: str) -> str:
        if key not in chosen:
            new = WORDINGS_2.get(key, ())
            wording = rng.choice(new) if new and rng.random() < 0.5 else rng.choice(wordings(bank, key))
            chosen[key] = vary(wording, rng)
        return chosen[key]

    return label


def restyle(content: Content, rng: random.Random) -> Content:
    """The payment's facts with second-group names and descriptions half the time."""
    if rng.random() < 0.5:
        content.payer = rng.choice(PEOPLE_2)
    if rng.random() < 0.5:
        content.payee = rng.choice(PAYEES_2)
    if rng.random() < 0.5:
        client = str(rng.randint(1, 9999))
        content.description = rng.choice(DESCRIPTIONS_2).format(id=client, n=rng.randint(100, 999))
    return content


def new_look(rng: random.Random, accent: tuple[int, int, int], dark: bool, faces: dict[str, tuple[str, str]]) -> Look:
    regular, bold = faces[rng.choice(sorted(faces))]
    if dark:
        bg, fg, muted = (24, 26, 30), (230, 232, 235), (140, 145, 152)
    else:
        bg, fg = rng.choice([(255, 255, 255), (248, 249, 251)]), (30, 32, 36)
        muted = rng.choice([(110, 115, 125), (95, 100, 108), (128, 128, 128)])
    return Look(bg, fg, muted, accent, regular, bold, rng.choice([30, 33, 36, 40]), dark)


def amount_text_2(content: Content, rng: random.Random, *, bare: bool = False) -> str:
    """The amount as second-group receipts print it; `bare` without any currency (a column names it)."""
    whole, cents = f"{content.amount:.2f}".split(".")
    commas = f"{int(whole):,}"
    dots = commas.replace(",", ".")
    if bare:
        return rng.choice([f"{commas}.{cents}", f"{dots},{cents}"])
    if content.currency == "CRC":
        return rng.choice([f"CRC{commas}.{cents}", f"¢{commas}.{cents}", f"{dots},{cents} CRC", f"₡{dots},{cents}",
                           f"CRC {commas}.{cents}", f"₡ {commas}.{cents}"])
    return rng.choice([f"USD${commas}.{cents}", f"$ {commas}.{cents} USD", f"{commas}.{cents} USD",
                       f"US$ {commas}.{cents}"])


def currency_word(content: Content, rng: random.Random) -> str:
    if content.currency == "CRC":
        return rng.choice(["COLONES", "Colones", "CRC", "COLON COSTA RICA", "Colón costarricense"])
    return rng.choice(["DÓLARES", "Dólares", "USD", "US DOLLAR", "Dólar estadounidense"])


def date_text_2(moment: datetime, rng: random.Random) -> str:
    """Dates as second-group receipts write them, the English month-first one included."""
    english = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][moment.month - 1]
    hour12 = moment.hour % 12 or 12
    half = "a.m." if moment.hour < 12 else "p.m."
    return rng.choice([
        f"{english} {moment.day}, {moment.year}, {moment:%H:%M}",
        f"{moment:%d/%m/%Y} {hour12:02d}:{moment:%M:%S} {half}",
        f"{moment:%Y/%m/%d}",
        f"{WEEKDAYS[moment.weekday()]} {moment:%d/%m/%Y}",
        f"{moment.day:02d}-{MONTHS[moment.month - 1][:3].upper()}-{moment.year}",
        f"{moment:%d/%m/%Y %H:%M:%S}",
        date_words(moment, rng),
    ])


def _pairs(content: Content, bank: Bank, rng: random.Random) -> list[Pair]:
    pairs = compose(content, labeller(bank, rng), rng)
    return [Pair(p.key, p.label, date_text_2(content.moment, rng), p.sub) if p.key == "date" and rng.random() < 0.5
            else p for p in pairs]


def _amount_pair(pairs: list[Pair], content: Content, rng: random.Random, bare: bool) -> list[Pair]:
    return [Pair(p.key, p.label, amount_text_2(content, rng, bare=bare)) if p.key == "amount" else p for p in pairs]


def _shown(pairs: list[Pair]) -> dict[str, str]:
    return {p.key: p.value for p in pairs}


def render_column_table(content: Content, bank: Bank, rng: random.Random, dark: bool) -> Drawn:
    """A web-banking or e-mail table: a row of headings over a row of values, a few columns per band."""
    look = new_look(rng, bank.accent, False, NEW_FACES)
    bare = rng.random() < 0.5
    pairs = _amount_pair(_pairs(content, bank, rng), content, rng, bare)
    if bare or rng.random() < 0.3:
        at = next(i for i, p in enumerate(pairs) if p.key == "amount")
        pairs.insert(at + 1, Pair("currency", rng.choice(["Moneda", "Divisa", "MONEDA"]), currency_word(content, rng)))
    width = 1400
    page = Image.new("RGB", (width, 3000), look.bg)
    draw = ImageDraw.Draw(page)
    named = rng.random() < 0.9
    y = 40
    if named:
        draw.text((60, y), rng.choice(bank.headers), font=look.face(1.3, bold=True), fill=bank.accent)
    y += 90
    title = rng.choice(["Detalle de la transacción", "Notificación de transacción", "Consulta de comprobante",
                        "Transferencias > Comprobante"])
    draw.text((60, y), title, font=look.face(1.0), fill=look.fg)
    y += 80
    per_band = rng.choice([3, 4])
    head_face, value_face = look.face(0.8, bold=True), look.face(0.85)
    shade = rng.choice([(230, 236, 245), (238, 238, 238), bank.accent])
    head_ink = (255, 255, 255) if shade == bank.accent else (40, 40, 45)
    column = (width - 120) // per_band
    for start in range(0, len(pairs), per_band):
        band = pairs[start : start + per_band]
        head_lines = [wrap(p.label, head_face, column - 30) for p in band]
        value_lines = [[piece for text in p.lines for piece in wrap(text, value_face, column - 30)] for p in band]
        head_h = max(len(h) for h in head_lines) * int(look.size * 1.05) + 24
        value_h = max(len(v) for v in value_lines) * int(look.size * 1.2) + 30
        draw.rectangle((60, y, width - 60, y + head_h), fill=shade)
        for col, lines in enumerate(head_lines):
            for i, line in enumerate(lines):
                draw.text((75 + col * column, y + 12 + i * int(look.size * 1.05)), line, font=head_face, fill=head_ink)
        y += head_h
        for col, lines in enumerate(value_lines):
            for i, line in enumerate(lines):
                put(draw, (75 + col * column, y + 15 + i * int(look.size * 1.2)), line, value_face, look.fg)
        draw.line((60, y + value_h, width - 60, y + value_h), fill=(200, 200, 205), width=2)
        y += value_h + 30
    draw.text((60, y + 20), "Este correo es informativo, por favor no responda a esta dirección.",
              font=look.face(0.65), fill=look.muted)
    shown = _shown(pairs)
    return Drawn(crop_height(page, y + 70), named, shown, "date" in shown)


def render_deposit_slip(content: Content, bank: Bank, rng: random.Random, dark: bool) -> Drawn:
    """A teller's deposit slip: capitals, colons in one column, cash, cheques and total, two fields on a line."""
    look = new_look(rng, bank.accent, False, MONO_FACES if rng.random() < 0.6 else NEW_FACES)
    face, bold = look.face(0.7), look.face(0.7, bold=True)
    label = labeller(bank, rng)
    payer = person_spelling(content.payer, rng, upper=1.0)
    payee = plain(content.payee).upper()
    whole, cents = f"{content.amount:.2f}".split(".")
    number = rng.choice([f"{int(whole):,}.{cents}", f"{int(whole):,}.{cents}".replace(",", "_").replace(".", ",")
                         .replace("_", ".")])
    zero = "0.00" if "." in number[-3:] else "0,00"
    suffix = rng.choice(["", " CRC" if content.currency == "CRC" else " USD"])
    rows: list[tuple[str, str, str]] = []
    rows.append(("date", plain(label("date")).upper(), f"{content.moment:%d/%m/%Y}"))
    rows.append(("reference", plain(label("reference")).upper(), str(rng.randint(10**6, 10**9))))
    rows.append(("payee_account", plain(label("payee_account")).upper(), content.payee_iban))
    holder = rng.choice(["A NOMBRE DE", "TITULAR", "NOMBRE DE LA CUENTA", "CUENTA A NOMBRE DE"])
    rows.append(("payee_name", holder, payee))
    if rng.random() < 0.85:
        rows.append(("payer_name", rng.choice(["DEPOSITANTE", "NOMBRE DEL DEPOSITANTE", "DEPOSITADO POR"]), payer))
    if rng.random() < 0.6:
        rows.append(("description", plain(label("description")).upper(), content.description))
    rows.append(("cash", "EFECTIVO", number + suffix))
    rows.append(("cheques", "CHEQUES", zero))
    rows.append(("amount", rng.choice(["TOTAL", "TOTAL DEPOSITADO", "MONTO TOTAL", "TOTAL DEPOSITO"]), number + suffix))
    if not suffix or rng.random() < 0.5:
        rows.append(("currency", "MONEDA", currency_word(content, rng).upper()))
    width = 760
    paper = rng.choice([(252, 250, 243), (255, 255, 255), (246, 244, 236)])
    page = Image.new("RGB", (width, 2600), paper)
    draw = ImageDraw.Draw(page)
    ink = (35, 35, 40)
    named = rng.random() < 0.9
    y = 40
    draw.text((width // 2, y), plain(rng.choice(bank.headers)).upper() if named else "COMPROBANTE", font=bold,
              fill=ink, anchor="mt")
    y += 46
    draw.text((width // 2, y), rng.choice(["AGENCIA SAN PEDRO", "SUCURSAL HEREDIA CENTRO", "OFICINA ALAJUELA"]),
              font=face, fill=ink, anchor="mt")
    y += 46
    draw.text((width // 2, y), rng.choice(["COMPROBANTE DE DEPOSITO", "DEPOSITO A CUENTA", "DEPOSITO EN EFECTIVO"]),
              font=bold, fill=ink, anchor="mt")
    y += 64
    colon_x = 40 + max(face.getlength(r[1]) for r in rows) + 14
    value_x = colon_x + face.getlength(": ")
    room = width - 40 - value_x
    line = int(look.size * 0.7 * 1.45)
    clock = f"{content.moment:%H:%M:%S}"
    for key, text, value in rows:
        draw.text((40, y), text, font=face, fill=ink)
        draw.text((colon_x, y), ":", font=face, fill=ink)
        if key == "date" and rng.random() < 0.6:
            value = f"{value}   HORA: {clock}"
        pieces = wrap(value, bold if key == "amount" else face, room)
        for i, piece in enumerate(pieces):
            put(draw, (value_x, y), piece, bold if key == "amount" else face, ink)
            y += line if i < len(pieces) - 1 else 0
        y += line
    y += 20
    draw.text((40, y), "CAJERO: " + str(rng.randint(100, 999)) + "   TERMINAL: " + str(rng.randint(10, 99)), font=face,
              fill=ink)
    y += line + 10
    draw.text((width // 2, y), "CONSERVE ESTE COMPROBANTE", font=face, fill=ink, anchor="mt")
    shown = {key: value for key, _, value in rows if key in ("amount", "payer_name", "payee_name", "description",
                                                               "reference")}
    return Drawn(crop_height(page, y + 40), named, shown, True)


def render_side_by_side(content: Content, bank: Bank, rng: random.Random, dark: bool) -> Drawn:
    """A desktop confirmation page: two `Label value` pairs per row, each in its own column; long values wrap."""
    look = new_look(rng, bank.accent, dark, NEW_FACES)
    pairs = _amount_pair(_pairs(content, bank, rng), content, rng, False)
    width = 1600
    page = Image.new("RGB", (width, 3000), look.bg)
    draw = ImageDraw.Draw(page)
    named = rng.random() < 0.9
    draw.rectangle((0, 0, width, 110), fill=bank.accent)
    if named:
        draw.text((60, 55), rng.choice(bank.headers), font=look.face(1.2, bold=True), fill=(255, 255, 255),
                  anchor="lm")
    y = 160
    draw.text((60, y), rng.choice(["Transferencia realizada con éxito", "Resumen de la operación",
                                   "Comprobante de pago"]), font=look.face(1.1, bold=True), fill=look.fg)
    y += 90
    colon = rng.random() < 0.5
    label_face, value_face = look.face(0.8), look.face(0.85, bold=True)
    half = (width - 120) // 2
    label_w = int(half * 0.42)
    for start in range(0, len(pairs), 2):
        heights = []
        for col, pair in enumerate(pairs[start : start + 2]):
            x = 60 + col * half
            text = f"{pair.label}:" if colon else pair.label
            for i, piece in enumerate(wrap(text, label_face, label_w - 20)):
                draw.text((x, y + i * int(look.size * 1.0)), piece, font=label_face, fill=look.muted)
            pieces = [piece for t in pair.lines for piece in wrap(t, value_face, half - label_w - 40)]
            for i, piece in enumerate(pieces):
                put(draw, (x + label_w, y + i * int(look.size * 1.15)), piece, value_face, look.fg)
            heights.append(max(len(pieces) * int(look.size * 1.15), int(look.size * 1.0)))
        y += max(heights) + int(look.size * 0.9)
    shown = _shown(pairs)
    return Drawn(crop_height(page, y + 40), named, shown, "date" in shown)


BULLETS = ("• ", "- ", "* ", "✓ ", "> ", "")


def render_chat_list(content: Content, bank: Bank, rng: random.Random, dark: bool) -> Drawn:
    """A chat where the customer typed the receipt's facts as a list (bullets, colons or not), between greetings."""
    look = new_look(rng, bank.accent, dark, NEW_FACES)
    label = labeller(bank, rng)
    bullet = rng.choice(BULLETS)
    colon = rng.random() < 0.7
    amount = amount_text_2(content, rng)
    lines: list[tuple[str, str, str]] = [("amount", label("amount"), amount)]
    if rng.random() < 0.8:
        lines.append(("date", label("date"), date_text_2(content.moment, rng)))
    for key, value in (("payer_name", content.payer), ("payee_name", content.payee),
                       ("description", content.description), ("reference", content.reference)):
        if rng.random() < 0.75:
            lines.append((key, label(key), value))
    head, tail = lines[:1], lines[1:]
    rng.shuffle(tail)
    lines = head + tail
    width = 1080
    wall = (11, 20, 26) if dark else (236, 229, 221)
    page = Image.new("RGB", (width, 3000), wall)
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 190), fill=(31, 44, 52) if dark else (0, 94, 84))
    status_bar(draw, width, look, (255, 255, 255), rng)
    draw.text((170, 135), rng.choice(["Wolk Pagos", "Soporte Wolk", "Cobros"]), font=look.face(1.0, bold=True),
              fill=(255, 255, 255), anchor="lm")
    y = 240
    face = look.face(0.9)
    bubble = (0, 92, 75) if dark else (217, 253, 211)
    ink = (233, 237, 239) if dark else (17, 27, 33)
    greeting = rng.choice(["Buenas tardes, les paso el comprobante", "Hola! ya pagué", "Buenos días, adjunto el pago",
                           None])
    texts = [greeting] if greeting else []
    body = [rng.choice(["Comprobante SINPE", "Datos del pago:", "Transferencia", "Pago realizado"])]
    body += [f"{bullet}{name}{':' if colon else ''} {value}" for _, name, value in lines]
    texts.append("\n".join(body))
    if rng.random() < 0.5:
        texts.append(rng.choice(["Gracias!", "Saludos", "Quedo atenta", "Muchas gracias"]))
    for text in texts:
        rows = wrap(text, face, 760)
        height = len(rows) * int(look.size * 1.3) + 70
        draw.rounded_rectangle((width - 860, y, width - 40, y + height), 24, fill=bubble)
        for i, row in enumerate(rows):
            put(draw, (width - 830, y + 25 + i * int(look.size * 1.3)), row, face, ink)
        draw.text((width - 70, y + height - 40), f"{content.moment:%H:%M}", font=look.face(0.55),
                  fill=(130, 130, 130), anchor="ra")
        y += height + 24
    shown = {key: value for key, _, value in lines}
    named = any(name.lower() in " ".join(texts).lower() for name in (*bank.prose_names, *bank.headers))
    return Drawn(crop_height(page, y + 40), named, shown, "date" in shown)


OTHER_NOTICES = (
    ("WhatsApp", "Mamá", "¿Ya pagaste la luz? Son 25 mil"),
    ("WhatsApp", "Carlos Mora", "Mae, te llamo en 5"),
    ("Calendario", "Reunión con contador", "Hoy 3:00 p. m. - 4:00 p. m."),
    ("Correo", "Hacienda", "Factura electrónica N.º 00100001010000012345"),
    ("Waze", "Tráfico", "Hay presa en la General Cañas, 25 min a casa"),
    ("WhatsApp", "Tía Rosa", "Te mandé ₡5.000 para el bus"),
    ("Kölbi", "Kölbi", "Su recarga de ₡2.000 fue exitosa. Saldo: ₡2.450"),
)


def render_notification_stack(said: Said, bank: Bank, moment: datetime, rng: random.Random, dark: bool,
                              ) -> tuple[Image.Image, bool]:
    """The notification shade: the bank's notice among two or three from other apps (names, numbers, amounts)."""
    look = new_look(rng, bank.accent, dark, NEW_FACES)
    width = 1080
    page = Image.new("RGB", (width, 3200), (28, 30, 34) if dark else (236, 238, 242))
    draw = ImageDraw.Draw(page)
    status_bar(draw, width, look, look.fg, rng)
    draw.text((70, 120), f"{WEEKDAYS[moment.weekday()][:3].capitalize()}, {moment.day} "
                         f"{MONTHS[moment.month - 1][:3]}.", font=look.face(0.8), fill=look.fg)
    y = 210
    others = rng.sample(OTHER_NOTICES, rng.randint(2, 3))
    place = rng.randint(0, len(others))
    named = rng.random() < 0.85
    card = (44, 46, 52) if dark else (255, 255, 255)
    ink = (232, 232, 235) if dark else (25, 25, 28)
    for i in range(len(others) + 1):
        if i == place:
            app = rng.choice(bank.headers) if named else "Banca Móvil"
            lines = wrap(said.text, look.face(0.85), width - 220)
            title = rng.choice(["SINPE Móvil", "Transferencia", "Notificación"])
            appname = app if rng.random() < 0.5 else app.upper()
        else:
            appname, title, text = others[i - (i > place)]
            lines = wrap(text, look.face(0.85), width - 220)
        height = 160 + len(lines) * int(look.size * 0.85 * 1.3)
        draw.rounded_rectangle((40, y, width - 40, y + height), 36, fill=card)
        draw.ellipse((75, y + 30, 125, y + 80), fill=bank.accent if i == place else (120, 160, 120))
        draw.text((145, y + 55), appname, font=look.face(0.65), fill=look.muted, anchor="lm")
        draw.text((width - 80, y + 55), rng.choice(["ahora", "2 min", "10:41"]), font=look.face(0.6), fill=look.muted,
                  anchor="rm")
        draw.text((75, y + 95), title, font=look.face(0.85, bold=True), fill=ink)
        for k, line in enumerate(lines):
            put(draw, (75, y + 145 + k * int(look.size * 0.85 * 1.3)), line, look.face(0.85), ink)
        y += height + 24
    return crop_height(page, y + 40), named


CARD_RENDERERS_2: dict[str, Callable[[Content, Bank, random.Random, bool], Drawn]] = {
    "column-table": render_column_table,
    "deposit-slip": render_deposit_slip,
    "side-by-side": render_side_by_side,
    "chat-list": render_chat_list,
}


def notification(content: Content, bank: Bank, rng: random.Random, dark: bool) -> tuple[Image.Image, Said, bool]:
    """A second-group notification: a new template on the notification shade among other apps' notices."""
    own = [t for t in TEMPLATES_2 if t.bank == bank.name]
    template = rng.choice(own if own and rng.random() < 0.6 else [t for t in TEMPLATES_2 if t.bank is None] or own)
    said = say(template, content, rng)
    image, named = render_notification_stack(said, bank, content.moment, rng, dark)
    return image, said, named


__all__ = ["CARD_RENDERERS_2", "PAYEES_2", "TEMPLATES_2", "WORDINGS_2", "Drawn", "notification", "restyle"]
