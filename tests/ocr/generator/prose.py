"""Bank notification sentences (SMS, push, e-mail) per issuer, with the facts each one states.

Modelled on public notification wordings: BN's `Ha recibido 6.000,00 colones por BN SINPE MOVIL de NAME.
DETAIL. Referencia 2026...`, the `Ha recibido 15,000.00 Colones de NAME por SINPE Movil, DETAIL.
Comprobante ...` / `Envio exitoso de ... a NAME por SINPE Movil` pair, BCR's `Transferencia SINPE Movil a NAME
por 10,000.00 CRC. Referencia: ... Motivo: ...` and e-mails that `se le ha acreditado` with `Motivo:`; the rest
are plausible variants (payer after `de`, payee after `a`, the phone in parentheses, dates in words).
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

from tests.ocr.generator.content import Content, amount_text, date_words, person_spelling, phone_text, plain


@dataclass(frozen=True)
class Template:
    """One notification wording: its issuer (None for any), its name and its text with {placeholders}."""

    bank: str | None
    name: str
    text: str

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.text) if f}


TEMPLATES: tuple[Template, ...] = (
    Template("Banco Nacional", "bn-recibido",
             "Ha recibido {amount_word} por BN SINPE MOVIL de {payer_up}. {desc}. Referencia {ref}."),
    Template("Banco Nacional", "bn-enviado",
             "BN SINPE MOVIL: Usted envio {amount_word} a {payee_up} tel {phone}. {desc}. Referencia {ref}."),
    Template("Banco Nacional", "bn-correo",
             "Le informamos que se realizó una transferencia SINPE Móvil por {amount} a {payee} al teléfono "
             "{phone}, el {date}. Motivo: {desc}. Número de referencia: {ref}."),
    Template("Banco Nacional", "bn-push", "BN: Recibió {amount} de {payer} ({phone}). {desc}. Referencia {ref}"),
    Template("BCR", "bcr-push",
             "Transferencia SINPE Movil a {payee_up} por {amount}. Referencia: {ref}. Motivo: {desc}."),
    Template("BCR", "bcr-correo",
             "Estimado cliente, se le ha acreditado una transferencia SINPE Móvil de {payer} ({phone}) por "
             "{amount} el {date}. Motivo: {desc}. Número de referencia: {ref}."),
    Template("BCR", "bcr-sms", "BCR: SINPE Movil exitoso. {amount} a {payee_up} ({phone}) el {date}. Ref {ref}"),
    Template("BAC Credomatic", "bac-recibido",
             "Ha recibido {amount_word} de {payer_up} por SINPE Movil, {desc}. Comprobante {ref}"),
    Template("BAC Credomatic", "bac-enviado",
             "BAC Credomatic: Envio exitoso de {amount_word} a {payee_up} por SINPE Movil. Comprobante {ref}"),
    Template("BAC Credomatic", "bac-push",
             "Transferencia de {amount} a {payee} realizada con éxito el {date}. {desc}. Ref. {ref}"),
    Template("BAC Credomatic", "bac-correo",
             "Le notificamos que recibió una transferencia de {payer} por un monto de {amount} el {date}. "
             "Descripción: {desc}. Número de referencia {ref}."),
    Template("Davivienda", "davivienda-sms",
             "Davivienda: Recibiste {amount} de {payer_up} por SINPE Movil el {date}. Motivo: {desc}. "
             "Comprobante {ref}."),
    Template("Davivienda", "davivienda-enviado",
             "Davivienda: Enviaste {amount} a {payee} ({phone}). Concepto: {desc}. Aprobación {ref}."),
    Template("Banco Popular", "popular-correo",
             "Banco Popular le informa que la transferencia SINPE Móvil a {payee} ({phone}) por {amount} fue "
             "enviada con éxito el {date}. Detalle: {desc}. Comprobante N.º {ref}."),
    Template("Banco Popular", "popular-sms",
             "BP: Ha recibido un SINPE Movil de {payer_up} por {amount}. {desc}. Comprobante: {ref}"),
    Template("Promerica", "promerica-push",
             "Promerica: Usted transfirió {amount} a {payee} el {date}. Concepto: {desc}. Ref: {ref}"),
    Template("Scotiabank", "scotia-correo",
             "Scotiabank: Se ha debitado {amount} de su cuenta por una transferencia a {payee}, {date}. "
             "Descripción: {desc}. Número de confirmación {ref}."),
    Template("Lafise", "lafise-sms",
             "LAFISE: SINPE Movil enviado por {amount} a {payee_up} ({phone}). {desc}. Ref {ref}. {date}"),
    Template("Coopenae", "coopenae-sms",
             "COOPENAE informa: pago SINPE Movil de {amount} a {payee_up}, {date}. Motivo: {desc}. Referencia {ref}."),
    Template("Mucap", "mucap-push",
             "MUCAP: Recibiste un SINPE Móvil de {payer} por {amount}. {desc}. Referencia: {ref}"),
    Template("Mutual", "mutual-correo",
             "Grupo Mutual le comunica que su cuenta recibió {amount} de {payer} mediante SINPE Móvil el {date}. "
             "Motivo: {desc}. Referencia {ref}."),
    Template("Coocique", "coocique-sms",
             "COOCIQUE: Se acredito {amount_word} en su cuenta por SINPE MOVIL de {payer_up} ({phone}). "
             "{desc}. Ref: {ref}"),
    Template("CoopeAnde", "coopeande-correo",
             "CoopeAnde: Su transferencia a {payee} por la suma de {amount} fue aplicada el {date}. "
             "Referencia {ref}. Motivo: {desc}."),
    Template(None, "generico-etiquetas",
             "Transferencia exitosa. Monto: {amount}. Destino: {payee_up}. Motivo: {desc}. Fecha: {date}. "
             "Referencia: {ref}"),
    Template(None, "generico-recibido", "{payer} te envió {amount} por SINPE Móvil. Motivo: {desc}. Ref. {ref}"),
    Template(None, "generico-enviado",
             "Enviaste {amount} a {payee} por SINPE Móvil el {date}. Descripción: {desc}. Comprobante {ref}."),
)


@dataclass
class Said:
    """A notification's text and the facts it states (None for what it leaves out)."""

    text: str
    amount: str
    payer: str | None
    payee: str | None
    description: str | None
    reference: str | None
    dated: bool


def _amount_word(content: Content, rng: random.Random) -> str:
    whole, cents = f"{content.amount:.2f}".split(".")
    commas = f"{int(whole):,}"
    dots, spaces = commas.replace(",", "."), commas.replace(",", " ")
    number = rng.choice([f"{dots},{cents}", f"{commas}.{cents}", f"{spaces},{cents}"])
    if cents == "00" and rng.random() < 0.3:
        number = whole if rng.random() < 0.5 else commas.replace(",", ".")
    word = "colones" if content.currency == "CRC" else "dólares"
    return f"{number} {rng.choice([word, word.capitalize(), word.upper()])}"


def say(template: Template, content: Content, rng: random.Random) -> Said:
    """The template filled with this payment's facts."""
    payee = content.payee
    values = {
        "amount": amount_text(content.amount, content.currency, rng),
        "amount_word": _amount_word(content, rng),
        "payer": person_spelling(content.payer, rng, upper=0.3),
        "payer_up": plain(content.payer).upper(),
        "payee": payee,
        "payee_up": plain(payee).upper(),
        "phone": phone_text(content.payer_phone if "payer" in " ".join(template.fields) else content.payee_phone, rng),
        "desc": content.description,
        "ref": content.reference,
        "date": date_words(content.moment, rng),
    }
    fields = template.fields
    text = template.text.format(**values)
    amount = values["amount_word"] if "amount_word" in fields else values["amount"]
    payer = values["payer"] if "payer" in fields else values["payer_up"] if "payer_up" in fields else None
    payee_shown = values["payee"] if "payee" in fields else values["payee_up"] if "payee_up" in fields else None
    return Said(
        text=re.sub(r"\s+", " ", text).replace("..", "."),
        amount=amount,
        payer=payer,
        payee=payee_shown,
        description=content.description if "desc" in fields else None,
        reference=content.reference if "ref" in fields else None,
        dated="date" in fields,
    )
