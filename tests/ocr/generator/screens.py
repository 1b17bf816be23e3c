"""Phone screenshots of a bank's notification: an SMS thread, a lock-screen push, an e-mail, a forwarded chat."""

from __future__ import annotations

import random
from datetime import datetime

from PIL import Image, ImageDraw

from tests.ocr.generator.content import MONTHS, WEEKDAYS
from tests.ocr.generator.draw import Look, crop_height, put, status_bar, wrap
from tests.ocr.generator.prose import Said
from tests.ocr.generator.vocab import Bank

SHORT_CODES = ("2627", "7070-1222", "1515", "2020", "6000")


def _thread_date(moment: datetime, rng: random.Random) -> tuple[str, bool]:
    """The date separator of a message thread, and whether it names the year."""
    mon = MONTHS[moment.month - 1]
    day = WEEKDAYS[moment.weekday()]
    forms = [
        (f"{day}, {moment.day} de {mon} de {moment.year}", True),
        (f"{moment:%d/%m/%Y}", True),
        (f"{day.capitalize()} {moment.day} {mon[:3]}. {moment.year}", True),
        (f"{moment.day} de {mon} de {moment.year} {moment:%H:%M}", True),
        (f"Hoy {moment:%H:%M}", False),
        (f"{day.capitalize()}, {moment.day} de {mon}", False),
    ]
    return rng.choice(forms)


def _bubble_text(said: Said, face_width: float, look: Look, rng: random.Random, breaks: float) -> list[str]:
    return wrap(said.text, look.face(0.95), face_width, rng, breaks)


def render_sms(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
               params: dict[str, object]) -> tuple[Image.Image, bool, bool]:
    """An SMS thread: sender on top, a date separator, the message in a grey bubble."""
    width = 1080
    image = Image.new("RGB", (width, 3600), look.bg)
    draw = ImageDraw.Draw(image)
    status_bar(draw, width, look, look.fg, rng)
    named = rng.random() < 0.75
    sender = rng.choice(bank.prose_names) if named else rng.choice(SHORT_CODES)
    draw.text((130, 130), "<", font=look.face(1.2, bold=True), fill=look.accent, anchor="mm")
    draw.text((width // 2, 130), sender, font=look.face(1.0, bold=True), fill=look.fg, anchor="mm")
    draw.line((0, 190, width, 190), fill=look.muted, width=1)
    y = 240
    bubble = (52, 52, 56) if look.dark else (233, 233, 237)
    face = look.face(0.95)
    if rng.random() < 0.3:
        earlier = rng.choice(["Su codigo de verificacion es " + str(rng.randint(100000, 999999)),
                              "Recuerde: nunca comparta sus claves con nadie.",
                              "Gracias por usar nuestros servicios digitales."])
        lines = wrap(earlier, face, 720)
        height = len(lines) * int(look.size * 1.35) + 50
        draw.rounded_rectangle((50, y, 50 + 780, y + height), 34, fill=bubble)
        for i, line in enumerate(lines):
            draw.text((80, y + 25 + i * int(look.size * 1.35)), line, font=face, fill=look.fg)
        y += height + 60
    separator, with_year = _thread_date(moment, rng)
    draw.text((width // 2, y), separator, font=look.face(0.75), fill=look.muted, anchor="mt")
    y += 80
    lines = _bubble_text(said, 720, look, rng, float(params.get("breaks", 0.0)))
    height = len(lines) * int(look.size * 1.35) + 50
    draw.rounded_rectangle((50, y, 50 + 800, y + height), 34, fill=bubble)
    for i, line in enumerate(lines):
        put(draw, (80, y + 25 + i * int(look.size * 1.35)), line, face, look.fg)
    y += height + 20
    draw.text((60, y), f"{moment:%H:%M}", font=look.face(0.7), fill=look.muted)
    return crop_height(image, y + 80, 120), named, with_year


def render_push(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
                params: dict[str, object]) -> tuple[Image.Image, bool, bool]:
    """The bank's notification card on the pulled-down shade, or on a lock screen (clock, day, wallpaper)."""
    width = 1080
    top = rng.choice([(20, 40, 90), (60, 30, 80), (15, 70, 80), (40, 40, 40)])
    image = Image.new("RGB", (width, 2400), top)
    wallpaper = rng.random()
    if wallpaper < 0.15:
        bottom = rng.choice([(200, 120, 90), (30, 120, 160), (120, 60, 140), (90, 90, 90)])
        gradient = Image.linear_gradient("L").resize((width, 2400))
        image = Image.composite(Image.new("RGB", (width, 2400), bottom), image, gradient)
    elif wallpaper < 0.55:
        image = Image.new("RGB", (width, 2400), (32, 33, 36) if look.dark else (241, 243, 244))
    draw = ImageDraw.Draw(image)
    white = (255, 255, 255)
    status_bar(draw, width, look, white if wallpaper >= 0.55 or look.dark else look.fg, rng)
    if wallpaper < 0.15 or wallpaper >= 0.55:
        draw.text((width // 2, 200), f"{WEEKDAYS[moment.weekday()]}, {moment.day} de {MONTHS[moment.month - 1]}",
                  font=look.face(0.9), fill=white, anchor="mm")
        draw.text((width // 2, 330), f"{moment:%H:%M}", font=look.face(4.0, bold=True), fill=white, anchor="mm")
        y = 520
    else:
        shade = (240, 240, 240) if look.dark else (30, 30, 30)
        draw.text((70, 130), f"{WEEKDAYS[moment.weekday()][:3]}., {moment.day} {MONTHS[moment.month - 1][:3]}.",
                  font=look.face(0.8), fill=shade)
        y = 220
    named = rng.random() < 0.85
    app = rng.choice(bank.headers) if named else "Banca Móvil"
    face = look.face(0.9)
    lines = _bubble_text(said, width - 220, look, rng, float(params.get("breaks", 0.0)))
    title = rng.choice(["Transferencia SINPE Móvil", "Notificación de transacción", "SINPE Móvil", "Aviso"])
    height = 190 + len(lines) * int(look.size * 1.3)
    card = (245, 245, 247) if not look.dark else (40, 40, 44)
    ink = (20, 20, 20) if not look.dark else (235, 235, 235)
    draw.rounded_rectangle((50, y, width - 50, y + height), 40, fill=card)
    draw.ellipse((90, y + 35, 150, y + 95), fill=bank.accent)
    draw.text((175, y + 65), app.upper() if rng.random() < 0.5 else app, font=look.face(0.7), fill=look.muted,
              anchor="lm")
    draw.text((width - 100, y + 65), "ahora", font=look.face(0.7), fill=look.muted, anchor="rm")
    draw.text((90, y + 120), title, font=look.face(0.95, bold=True), fill=ink)
    for i, line in enumerate(lines):
        put(draw, (90, y + 175 + i * int(look.size * 1.3)), line, face, ink)
    return crop_height(image, y + height + 40, 200), named, False


def render_email(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
                 params: dict[str, object]) -> tuple[Image.Image, bool, bool]:
    """An e-mail open on a phone: subject, sender and date, a greeting and the message with hard line breaks."""
    width = 1080
    image = Image.new("RGB", (width, 3600), look.bg)
    draw = ImageDraw.Draw(image)
    status_bar(draw, width, look, look.fg, rng)
    y = 130
    subject = rng.choice(["Notificación de transferencia SINPE Móvil", "Comprobante de transacción",
                          "Aviso de transferencia", "Notificación de movimiento"])
    for line in wrap(subject, look.face(1.15, bold=True), width - 140):
        draw.text((70, y), line, font=look.face(1.15, bold=True), fill=look.fg)
        y += int(look.size * 1.5)
    y += 30
    named = rng.random() < 0.9
    sender = rng.choice(bank.headers) if named else "Notificaciones"
    draw.ellipse((70, y, 150, y + 80), fill=bank.accent)
    draw.text((110, y + 40), sender[0].upper(), font=look.face(1.0, bold=True), fill=(255, 255, 255), anchor="mm")
    draw.text((180, y + 5), sender, font=look.face(0.9, bold=True), fill=look.fg)
    with_year = rng.random() < 0.6
    stamp = (f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year}, {moment:%H:%M}" if with_year
             else f"{moment:%H:%M}")
    draw.text((width - 70, y + 5), stamp, font=look.face(0.7), fill=look.muted, anchor="ra")
    draw.text((180, y + 50), "para mí", font=look.face(0.7), fill=look.muted)
    y += 150
    face = look.face(0.9)
    draw.text((70, y), rng.choice(["Estimado(a) cliente:", "Estimado cliente,", "Hola,"]), font=face, fill=look.fg)
    y += int(look.size * 1.9)
    column = int(float(str(params.get("column", width - 140))))
    for line in wrap(said.text, face, column, rng, float(params.get("breaks", 0.0))):
        put(draw, (70, y), line, face, look.fg)
        y += int(look.size * 1.4)
    y += int(look.size * 1.2)
    draw.text((70, y), "Atentamente,", font=face, fill=look.fg)
    y += int(look.size * 1.4)
    draw.text((70, y), rng.choice(bank.headers) if named else "Su banco", font=face, fill=look.fg)
    return crop_height(image, y + 60), named, with_year


def render_chat(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
                params: dict[str, object]) -> tuple[Image.Image, bool, bool]:
    """A chat where the customer forwarded the bank's text: a green bubble marked as forwarded."""
    width = 1080
    wall = (11, 20, 26) if look.dark else (236, 229, 221)
    image = Image.new("RGB", (width, 3600), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 200), fill=(31, 44, 52) if look.dark else (0, 94, 84))
    status_bar(draw, width, look, (255, 255, 255), rng)
    draw.text((170, 140), "Wolk Soporte", font=look.face(1.0, bold=True), fill=(255, 255, 255), anchor="lm")
    y = 260
    separator, with_year = _thread_date(moment, rng)
    draw.text((width // 2, y), separator, font=look.face(0.72), fill=(140, 140, 140), anchor="mt")
    y += 80
    face = look.face(0.92)
    lines = wrap(said.text, face, 740, rng, float(params.get("breaks", 0.0)))
    height = 90 + len(lines) * int(look.size * 1.32) + 50
    bubble = (0, 92, 75) if look.dark else (217, 253, 211)
    ink = (233, 237, 239) if look.dark else (17, 27, 33)
    draw.rounded_rectangle((width - 880, y, width - 40, y + height), 24, fill=bubble)
    draw.text((width - 850, y + 25), "Reenviado", font=look.face(0.7), fill=(130, 130, 130))
    for i, line in enumerate(lines):
        put(draw, (width - 850, y + 85 + i * int(look.size * 1.32)), line, face, ink)
    draw.text((width - 70, y + height - 45), f"{moment:%H:%M}", font=look.face(0.6), fill=(130, 130, 130), anchor="ra")
    named = any(name.lower() in said.text.lower() for name in (*bank.prose_names, *bank.headers))
    return crop_height(image, y + height + 60), named, with_year


SCREEN_RENDERERS = {"sms": render_sms, "push": render_push, "email": render_email, "chat": render_chat}
