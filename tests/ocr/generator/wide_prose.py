"""Notifications of the wider tuned generator: SMS, push and e-mail wordings per Costa Rican issuer, and the
screens that show them (an SMS thread, an HTML e-mail with a details list).

Wordings follow the shape of public SINPE Móvil notifications (payer after "de", payee after "a", the phone in
parentheses, `Motivo:` inside the sentence, a reference or comprobante at the end) with the date in words and
its weekday, 12 h or 24 h times, amounts with a sign, a code or a word, masked accounts and a balance. Any
template too close to a held-out one is dropped without being shown.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from PIL import Image, ImageDraw

from tests.ocr.generator.cards import Pair
from tests.ocr.generator.content import MONTHS, WEEKDAYS, Content, plain
from tests.ocr.generator.draw import Look, crop_height, put, status_bar, wrap
from tests.ocr.generator.prose import Said
from tests.ocr.generator.vocab import Bank
from tests.ocr.generator.wide_content import wide_amount, wide_name, wide_phone, wide_time


@dataclass(frozen=True)
class WideTemplate:
    """A notification wording of one issuer (None for any) and the channel it comes by."""

    bank: str | None
    name: str
    channel: str
    text: str

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.text) if f}


WIDE_TEMPLATES: tuple[WideTemplate, ...] = (
    WideTemplate("BCR", "w-bcr-recibido", "sms", "BCR informa: Transferencia SINPE Movil recibida de {payer} ({phone}) "
                 "por {amount} el {date} a las {time}. Motivo: {desc}. Comprobante: {ref}."),
    WideTemplate("BCR", "w-bcr-realizado", "push", "Usted realizó un SINPE Móvil por {amount} a {payee} ({phone}). "
                 "Motivo: {desc}. Ref: {ref}. {date}"),
    WideTemplate("BCR", "w-bcr-correo", "email", "Le informamos que el {date}, a las {time}, se aplicó una "
                 "transferencia desde su cuenta {acct} a favor de {payee} por un monto de {amount}, por concepto de "
                 "{desc}. Número de comprobante: {ref}."),
    WideTemplate("Banco Nacional", "w-bn-recibido", "sms", "BN: Ha recibido {amount_word} de {payer} por SINPE "
                 "Movil el {date}. Motivo: {desc}. Documento {ref}."),
    WideTemplate("Banco Nacional", "w-bn-debito", "push", "Se debitaron {amount} de su cuenta {acct} por "
                 "transferencia a {payee}. Detalle: {desc}. Doc. {ref}"),
    WideTemplate("Banco Nacional", "w-bn-correo", "email", "El Banco Nacional le comunica que {payer} le transfirió "
                 "{amount} mediante SINPE Móvil el {date} a las {time}. Descripción: {desc}. Número de documento "
                 "{ref}."),
    WideTemplate("BAC Credomatic", "w-bac-enviado", "sms", "BAC Credomatic le informa que el {date} a las {time} se "
                 "realizo una transferencia SINPE Movil por {amount} a {payee} ({phone}), motivo: {desc}. "
                 "Autorizacion {ref}."),
    WideTemplate("BAC Credomatic", "w-bac-recibido", "push", "Recibió {amount} de {payer} en su cuenta {acct}. "
                 "Descripción: {desc}. Ref. {ref}"),
    WideTemplate("BAC Credomatic", "w-bac-correo", "email", "Estimado cliente: BAC Credomatic le notifica la "
                 "acreditación de {amount_word} enviados por {payer} el {date}. Detalle: {desc}. Número de "
                 "autorización: {ref}."),
    WideTemplate("Banco Popular", "w-popular-enviado", "push", "Transferencia exitosa de {amount} a favor de "
                 "{payee}. Motivo: {desc}. Número de transacción {ref}. {date} {time}"),
    WideTemplate("Banco Popular", "w-popular-recibido", "sms", "BP informa: se acredito a su cuenta {acct} un SINPE "
                 "Movil de {payer} por {amount_word}. Ref {ref}"),
    WideTemplate("Davivienda", "w-davivienda-recibido", "push", "Davivienda: Transferencia recibida por {amount} de "
                 "{payer} ({phone}) el {date}. Concepto: {desc}. Aprobación: {ref}"),
    WideTemplate("Davivienda", "w-davivienda-correo", "email", "Davivienda le confirma la transferencia de {amount} "
                 "a {payee} realizada el {date} a las {time}. Concepto: {desc}. Número de aprobación {ref}."),
    WideTemplate("Promerica", "w-promerica-enviado", "sms", "Promerica le informa: SINPE Movil enviado a {payee} "
                 "por {amount} el {date} a las {time}. Detalle: {desc}. Referencia {ref}."),
    WideTemplate("Lafise", "w-lafise-recibido", "push", "Recibiste {amount_word} de {payer} mediante SINPE Móvil. "
                 "Motivo: {desc}. Confirmación {ref}."),
    WideTemplate("Scotiabank", "w-scotia-aplicada", "email", "Su transferencia a {payee} por {amount} fue aplicada "
                 "el {date}. Referencia: {ref}. Motivo: {desc}."),
    WideTemplate("Coopenae", "w-coopenae-recibido", "sms", "COOPENAE: Estimado asociado, recibio un SINPE Movil de "
                 "{payer} por {amount}. Detalle: {desc}. Ref. {ref}. Saldo disponible {saldo}."),
    WideTemplate("Coopeservidores", "w-coopeservidores-enviado", "sms", "COOPESERVIDORES informa: transferencia "
                 "SINPE Movil de {amount} a {payee} ({phone}) realizada el {date}. Motivo: {desc}. Comprobante {ref}"),
    WideTemplate("Coopeservidores", "w-coopeservidores-correo", "email", "Coopeservidores le informa que recibió "
                 "{amount} de {payer} por concepto de {desc}, el {date}. Comprobante N.º {ref}."),
    WideTemplate("Mucap", "w-mucap-pago", "push", "Se realizó un pago SINPE Móvil a {payee} por {amount}, {date} "
                 "{time}. Descripción: {desc}. Referencia: {ref}"),
    WideTemplate("Mutual", "w-mutual-recibido", "sms", "Grupo Mutual: Usted recibio {amount_word} de {payer} "
                 "({phone}) el {date}. Motivo: {desc}. Referencia {ref}."),
    WideTemplate("Mutual", "w-mutual-debito", "push", "Mutual Alajuela informa que se debitó {amount} de la cuenta "
                 "{acct} por transferencia a {payee}. Ref: {ref}."),
    WideTemplate("CoopeAnde", "w-coopeande-recibido", "sms", "COOPEANDE: SINPE Movil recibido de {payer}. Monto "
                 "{amount}. Motivo: {desc}. Comprobante N.º {ref}. {date}"),
    WideTemplate("Coocique", "w-coocique-aplicada", "push", "Transferencia a {payee} por {amount} aplicada. Detalle "
                 "{desc}. Ref {ref}"),
    WideTemplate("BCR", "w-bcr-aviso", "push", "Aviso BCR: {payer} ({phone}) le transfirió {amount} por SINPE "
                 "Móvil.\nDetalle: {desc}\nComprobante N.º {ref}\n{date}, {time}"),
    WideTemplate("Banco Nacional", "w-bn-credito", "sms", "Banco Nacional: credito SINPE MOVIL a su cuenta {acct} por "
                 "{amount_word}, remitente {payer}, {date}. Concepto {desc}. Doc {ref}"),
    WideTemplate("Scotiabank", "w-scotia-credito", "email", "Scotiabank le informa que {payer} acreditó {amount} en "
                 "su cuenta {acct} el {date} a las {time}, con el detalle \"{desc}\". Número de operación: {ref}."),
    WideTemplate("Lafise", "w-lafise-enviado", "sms", "LAFISE Movil: enviaste {amount} a {payee} ({phone}). {desc}. "
                 "Confirmacion {ref}. {date} {time}"),
    WideTemplate("Banco Popular", "w-popular-correo", "email", "Banco Popular le comunica que el {date} se realizó "
                 "un pago por {amount_word} a nombre de {payee}, motivo {desc}, con número de transacción {ref}."),
    WideTemplate(None, "w-generico-recibiste", "push", "Has recibido {amount} de {payer} por SINPE Móvil. Motivo: "
                 "{desc}. Referencia: {ref}"),
    WideTemplate(None, "w-generico-enviada", "sms", "Transferencia enviada a {payee} por {amount} el {date} a las "
                 "{time}. Detalle: {desc}. Comprobante: {ref}. Saldo disponible: {saldo}."),
    WideTemplate(None, "w-generico-acreditaron", "email", "Se acreditaron {amount_word} a su cuenta {acct} de parte "
                 "de {payer}, el {date}. {desc}. Ref. {ref}"),
    WideTemplate(None, "w-generico-mensaje", "push", "SINPE Móvil: {payer} le envió {amount} con el mensaje "
                 "\"{desc}\". Referencia {ref}."),
    WideTemplate(None, "w-generico-concepto", "sms", "Usted recibio {amount} de {payer} por concepto de {desc} el "
                 "{date}. Ref {ref}."),
    # Round 6: more orderings and wordings (payer before the verb with the phone between, roles inside the
    # sentence, `por parte de` / `proveniente de`, the description before the payee, `Mot.` and no colon).
    WideTemplate("BCR", "w-bcr-remitente", "sms", "BCR: Se acreditó un SINPE Móvil de {amount} a su cuenta {acct}. "
                 "Remitente: {payer}. Motivo: {desc}. Ref. {ref}"),
    WideTemplate("Banco Nacional", "w-bn-hizo", "push", "Pago recibido: {payer} ({phone}) le hizo un SINPE Móvil "
                 "de {amount} el {date}. Concepto: {desc}. No. de referencia {ref}"),
    WideTemplate("BAC Credomatic", "w-bac-transferidos", "sms", "BAC: {amount} transferidos a {payee} desde su "
                 "cuenta {acct} el {date} a las {time}. Detalle: {desc}. Autorizacion No. {ref}"),
    WideTemplate("Banco Popular", "w-popular-parte", "email", "Le informamos que el día {date} recibió una "
                 "transferencia por {amount_word} por parte de {payer}, por concepto de {desc}. Número de "
                 "referencia: {ref}."),
    WideTemplate("Davivienda", "w-davivienda-envio", "sms", "Davivienda: Usted envió {amount} a {payee} ({phone}) "
                 "por SINPE Móvil. Descripción: {desc}. Comprobante {ref}. {date}"),
    WideTemplate("Promerica", "w-promerica-proveniente", "email", "Promerica le informa que se ha realizado un "
                 "crédito a su cuenta {acct} por {amount} proveniente de {payer}. Concepto: {desc}. Fecha: {date}. "
                 "Referencia: {ref}."),
    WideTemplate("Lafise", "w-lafise-acreditada", "push", "LAFISE: Transferencia de {payer} por {amount_word} "
                 "acreditada en su cuenta. Motivo: {desc}. Ref. {ref}"),
    WideTemplate("Coopenae", "w-coopenae-nombre", "email", "Coopenae le notifica que el {date} a las {time} se "
                 "realizó un pago SINPE Móvil por {amount} a nombre de {payee}. Detalle del pago: {desc}. Número de "
                 "comprobante {ref}."),
    WideTemplate("Mucap", "w-mucap-mot", "sms", "MUCAP: Recibio SINPE MOVIL {amount} de {payer} Tel. {phone}. "
                 "Mot: {desc}. Ref: {ref}"),
    WideTemplate("Mutual", "w-mutual-envio", "push", "Grupo Mutual: {payer} le envió {amount_word}. Detalle: {desc}. "
                 "Comprobante: {ref}. {date}, {time}"),
    WideTemplate("Scotiabank", "w-scotia-recibida", "sms", "Scotiabank: Transferencia recibida de {payer} por "
                 "{amount} el {date}. Descripcion: {desc}. Operacion No. {ref}."),
    WideTemplate("CoopeAnde", "w-coopeande-beneficiario", "push", "CoopeAnde: SINPE Móvil enviado. Beneficiario: "
                 "{payee}. Monto: {amount}. Motivo: {desc}. Ref: {ref}"),
    WideTemplate("Coocique", "w-coocique-transfirio", "sms", "COOCIQUE R.L. informa: {payer} le transfirio {amount} "
                 "el {date}. Motivo {desc}. Comprobante {ref}"),
    WideTemplate(None, "w-generico-debitado", "email", "Se ha debitado de su cuenta {acct} la suma de {amount_word} "
                 "por concepto de {desc}, a favor de {payee}, el {date}. Comprobante: {ref}."),
    WideTemplate(None, "w-generico-pegado", "chat", "Buenas, ya le hice la transferencia de {amount} a {payee} el "
                 "{date}. Motivo: {desc}. Referencia {ref}"),
    WideTemplate(None, "w-generico-sinpe-de", "push", "SINPE Móvil de {payer} ({phone}) por {amount}. {date}. "
                 "Detalle: {desc}. Ref {ref}"),
    # Round 7: sentence shapes rather than words: the holder before its verb or after a participle, after a role
    # written with or without a colon, both holders in one clause, a holder in parentheses after the phone or
    # the account, shorthand SMS without verbs, descriptions in guillemets or after `con la descripción`.
    WideTemplate("BCR", "w-bcr-entrante", "push", "Transferencia entrante por {amount}. Originador: {payer}. "
                 "Concepto: {desc}. Comprobante {ref}. {date}"),
    WideTemplate("BCR", "w-bcr-telefono-titular", "sms", "BCR: SINPE Movil enviado al {phone} ({payee}) por "
                 "{amount}. Motivo: {desc}. Ref {ref}"),
    WideTemplate("Banco Nacional", "w-bn-provenientes", "email", "Le notificamos que el {date} se acreditaron "
                 "{amount_word} provenientes de {payer} en su cuenta {acct}, con la descripción {desc}. Referencia "
                 "{ref}."),
    WideTemplate("Banco Nacional", "w-bn-corto-credito", "sms", "BN CREDITO SINPE {amount} ORIGEN {payer} DESC "
                 "{desc} REF {ref}"),
    WideTemplate("BAC Credomatic", "w-bac-confirmamos", "email", "Confirmamos el pago de {amount} realizado por "
                 "{payer} a favor de {payee} el {date}. Descripción del pago: {desc}. Número de referencia {ref}."),
    WideTemplate("BAC Credomatic", "w-bac-debito-destino", "sms", "BAC: Debito SINPE Movil {amount} destino {payee} "
                 "tel {phone}. {date} {time}. Aut {ref}"),
    WideTemplate("Banco Popular", "w-popular-depositado", "push", "{payer} le ha depositado {amount} en su cuenta "
                 "{acct}. Descripción del movimiento: {desc}. Comprobante: {ref}"),
    WideTemplate("Banco Popular", "w-popular-envio-dinero", "sms", "BP: Envio de dinero a {payee} por {amount} "
                 "exitoso. Nota: {desc}. Id transaccion {ref}"),
    WideTemplate("Davivienda", "w-davivienda-guillemets", "push", "{payer} te envió {amount} por SINPE Móvil con la "
                 "descripción «{desc}». Comprobante: {ref}"),
    WideTemplate("Promerica", "w-promerica-de-a", "email", "Transferencia de {payer} a {payee} por {amount} "
                 "aplicada el {date} a las {time}. Concepto: {desc}. Referencia: {ref}."),
    WideTemplate("Lafise", "w-lafise-titular-cuenta", "sms", "LAFISE: recibio {amount} en su cuenta {acct}. Titular "
                 "origen {payer}. Detalle {desc}. Ref. {ref}"),
    WideTemplate("Scotiabank", "w-scotia-aprobada", "push", "Transacción aprobada. Beneficiario {payee}, monto "
                 "{amount}, detalle {desc}, referencia {ref}."),
    WideTemplate("Coopenae", "w-coopenae-ud-transfirio", "sms", "COOPENAE: Ud. transfirio {amount} a la cuenta de "
                 "{payee} el {date}. Concepto {desc}. Comprobante {ref}"),
    WideTemplate("Mucap", "w-mucap-cliente-realizo", "email", "El cliente {payer} realizó una transferencia a su "
                 "favor por {amount_word} el {date}. Motivo de la transferencia: {desc}. Número de comprobante: "
                 "{ref}."),
    WideTemplate("Mutual", "w-mutual-numero-nombre", "push", "Usted envió {amount} al número {phone} a nombre de "
                 "{payee}. Motivo: {desc}. Referencia {ref}."),
    WideTemplate("CoopeAnde", "w-coopeande-abono", "sms", "COOPEANDE: abono a su cuenta {acct} por {amount} de "
                 "{payer} ({phone}). {desc}. Comp {ref}"),
    WideTemplate("Coocique", "w-coocique-recibio-su-pago", "push", "{payee} recibió su pago de {amount} el {date}. "
                 "Detalle: {desc}. Comprobante {ref}"),
    WideTemplate(None, "w-generico-pago-a", "push", "Pago a {payee}: {amount}, {date}. {desc}. Comprobante {ref}"),
    WideTemplate(None, "w-generico-ordenante", "email", "Se ha registrado un crédito en su cuenta {acct}. "
                 "Ordenante: {payer}. Monto: {amount}. Fecha: {date}. Concepto: {desc}. Referencia: {ref}."),
    WideTemplate(None, "w-generico-pegado-recibi", "chat", "Hola, le paso el comprobante: {payer} le transfirió "
                 "{amount} el {date}, detalle {desc}, ref {ref}"),
    # Round 8: roles as a participle after the amount (`enviado por`, `desde la cuenta de`), role labels with a
    # colon inside the message (`De:`, `Destinatario:`, `Enviado por:`), fields separated by bars, capitals
    # shorthand, and description cues the earlier wordings lacked (`Asunto`, `Comentario`, `Glosa`, `Mensaje`,
    # `Observaciones`, `Nota`).
    WideTemplate("BCR", "w-bcr-enviado-por", "sms", "BCR: Usted recibio un SINPE Movil de {amount} enviado por "
                 "{payer}. Detalle: {desc}. Comprobante {ref}."),
    WideTemplate("Banco Nacional", "w-bn-remitente-tel", "push", "Transferencia SINPE Móvil recibida. Remitente "
                 "{payer} ({phone}). Monto {amount}. Descripción {desc}. Ref. {ref}"),
    WideTemplate("BAC Credomatic", "w-bac-hemos-acreditado", "email", "Hemos acreditado a su cuenta {acct} la suma "
                 "de {amount}, transferencia enviada por {payer} el {date}. Observaciones: {desc}. Referencia {ref}."),
    WideTemplate("Banco Popular", "w-popular-asunto", "sms", "BP: {amount} enviados a {payee} ({phone}) el {date}. "
                 "Asunto: {desc}. Comprobante {ref}"),
    WideTemplate("Davivienda", "w-davivienda-para", "push", "Tu transferencia por {amount} para {payee} fue exitosa. "
                 "Comentario: {desc}. Comprobante {ref}."),
    WideTemplate("Promerica", "w-promerica-desde-cuenta", "sms", "Promerica: Recibio transferencia de {amount} desde "
                 "la cuenta de {payer}. Glosa: {desc}. Ref {ref}"),
    WideTemplate("Lafise", "w-lafise-procesada", "email", "Le notificamos que la transferencia realizada a {payee} "
                 "por un monto de {amount_word} fue procesada el {date}. Detalle de la operación: {desc}. Número de "
                 "confirmación: {ref}."),
    WideTemplate("Scotiabank", "w-scotia-pago-enviado", "push", "Scotia: Pago enviado. Destinatario: {payee}. Monto: "
                 "{amount}. Comentario: {desc}. No. operación {ref}"),
    WideTemplate("Coopenae", "w-coopenae-enviado-por", "push", "COOPENAE: Se acreditaron {amount} a su cuenta de "
                 "ahorro. Enviado por: {payer}. Concepto: {desc}. Ref: {ref}"),
    WideTemplate("Mucap", "w-mucap-con-fecha", "email", "Mucap le informa que se realizó una transferencia a nombre "
                 "de {payee} desde su cuenta {acct}, por {amount} con fecha {date}. Observaciones: {desc}. "
                 "Comprobante {ref}."),
    WideTemplate("Mutual", "w-mutual-tel", "sms", "MUTUAL: Transferencia recibida de {payer}, tel {phone}, "
                 "{amount_word}. Asunto {desc}. Ref {ref}"),
    WideTemplate("Banco Nacional", "w-bn-mayusculas-debito", "sms", "BN SINPE MOVIL DEBITO {amount} A {payee} "
                 "CONCEPTO {desc} DOC {ref}"),
    WideTemplate("CoopeAnde", "w-coopeande-exito", "push", "Transferencia enviada con éxito a {payee}. Monto "
                 "transferido {amount}. Nota: {desc}. Comprobante N.º {ref}"),
    WideTemplate("Coocique", "w-coocique-correspondiente", "email", "Se ha registrado un débito en su cuenta {acct} "
                 "por {amount} correspondiente a una transferencia a favor de {payee}. Descripción de la "
                 "transferencia: {desc}. Fecha: {date}. Referencia: {ref}."),
    WideTemplate("Davivienda", "w-davivienda-ha-enviado", "sms", "DAVIVIENDA: {payer} ha enviado {amount} a su "
                 "cuenta {acct}. Concepto: {desc}. Aprobacion {ref}"),
    WideTemplate(None, "w-generico-envio-exitoso", "push", "Envío exitoso de {amount} a {payee}. Mensaje: {desc}. "
                 "Referencia {ref}"),
    WideTemplate(None, "w-generico-de-dos-puntos", "sms", "Recibiste un SINPE Movil. De: {payer}. Monto: {amount}. "
                 "Motivo: {desc}. Ref: {ref}"),
    WideTemplate(None, "w-generico-barras", "push", "Destinatario: {payee} | Monto: {amount} | Motivo: {desc} | "
                 "Ref: {ref}"),
    WideTemplate(None, "w-generico-pagaste", "push", "Pagaste {amount} a {payee} con SINPE Móvil. Descripción: "
                 "{desc}. Comprobante {ref}."),
    WideTemplate(None, "w-generico-su-parte", "email", "Le informamos que {payee} recibió una transferencia de su "
                 "parte por {amount} el {date}, por concepto de \"{desc}\". Referencia {ref}."),
)


def _skeleton(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\{[a-z_]+\}", "#", plain(text).lower()))


@cache
def wide_templates() -> tuple[WideTemplate, ...]:
    """The templates this generator prints: every one not too close to a held-out group's wording."""
    from rapidfuzz import fuzz

    from tests.ocr.generator.families import split
    from tests.ocr.generator.holdout2 import TEMPLATES_2
    from tests.ocr.generator.prose import TEMPLATES

    held_names = split()["templates"]
    held = [_skeleton(t.text) for t in TEMPLATES if t.name in held_names]
    held += [_skeleton(str(getattr(t, "text", t))) for t in TEMPLATES_2]
    return tuple(t for t in WIDE_TEMPLATES if all(fuzz.ratio(_skeleton(t.text), h) < 75 for h in held))


def pick_template(bank: Bank, channel: str | None, rng: random.Random) -> WideTemplate:
    """The bank's own wording for that channel most of the time, else any fitting one."""
    usable = wide_templates()
    own = [t for t in usable if t.bank == bank.name and (channel is None or t.channel == channel)]
    generic = [t for t in usable if t.bank is None and (channel is None or t.channel == channel)]
    pool = own if own and rng.random() < 0.75 else generic or own or [t for t in usable if t.bank is None]
    return rng.choice(pool)


def _amount_word(content: Content, rng: random.Random) -> str:
    whole, cents = f"{content.amount:.2f}".split(".")
    commas = f"{int(whole):,}"
    number = rng.choice([f"{commas.replace(',', '.')},{cents}", f"{commas}.{cents}",
                         f"{commas.replace(',', ' ')},{cents}", f"{whole},{cents}"])
    if cents == "00" and rng.random() < 0.3:
        number = rng.choice([whole, commas.replace(",", "."), commas.replace(",", " ")])
    word = "colones" if content.currency == "CRC" else "dólares"
    return f"{number} {rng.choice([word, word.capitalize(), word.upper(), plain(word)])}"


def _date_words(moment: datetime, rng: random.Random) -> str:
    mon = MONTHS[moment.month - 1]
    day = WEEKDAYS[moment.weekday()]
    return rng.choice([
        f"{day} {moment.day} de {mon} de {moment.year}", f"{day}, {moment.day} de {mon} de {moment.year}",
        f"{moment.day} de {mon} de {moment.year}", f"{moment.day} de {mon} del {moment.year}",
        f"{day.capitalize()} {moment.day} de {mon.capitalize()} de {moment.year}", f"{moment:%d/%m/%Y}",
        f"{moment.day}/{moment.month}/{moment.year}", f"{moment.day}-{mon[:3]}-{moment.year}",
    ])


def say_wide(template: WideTemplate, content: Content, rng: random.Random) -> Said:
    """The template filled with this payment's facts; the facts it states are the truth."""
    fields = template.fields
    paid_out = "payee" in fields
    acct_iban = content.payer_iban if paid_out else content.payee_iban
    values = {
        "amount": wide_amount(content.amount, content.currency, rng),
        "amount_word": _amount_word(content, rng),
        "payer": wide_name(content.payer, rng),
        "payee": wide_name(content.payee, rng),
        "phone": wide_phone(content.payee_phone if paid_out else content.payer_phone, rng),
        "desc": content.description,
        "ref": content.reference,
        "date": _date_words(content.moment, rng),
        "time": wide_time(content.moment, rng),
        "acct": rng.choice([f"****{acct_iban[-4:]}", f"***{acct_iban[-3:]}", f"terminada en {acct_iban[-4:]}",
                            f"{acct_iban[:4]}...{acct_iban[-4:]}"]),
        "saldo": wide_amount(content.amount * 4 + 17, content.currency, rng),
    }
    text = re.sub(r"[ \t]+", " ", template.text.format(**values)).replace("..", ".")
    shown_amount = values["amount_word"] if "amount_word" in fields else values["amount"]
    spaces = [i for i, ch in enumerate(shown_amount) if ch == " "]
    if spaces and shown_amount in text and rng.random() < 0.25:
        cut = rng.choice(spaces)
        text = text.replace(shown_amount, shown_amount[:cut] + "\n" + shown_amount[cut + 1 :], 1)
    if template.channel == "sms" and rng.random() < 0.4:
        text = plain(text)
        values = {k: plain(v) for k, v in values.items()}
    return Said(
        text=text,
        amount=values["amount_word"] if "amount_word" in fields else values["amount"],
        payer=values["payer"] if "payer" in fields else None,
        payee=values["payee"] if "payee" in fields else None,
        description=values["desc"] if "desc" in fields else None,
        reference=content.reference if "ref" in fields else None,
        dated="date" in fields,
    )


def render_sms_thread(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
                      params: dict[str, object]) -> tuple[Image.Image, bool, bool]:
    """A messages app: the sender (a short code or the bank), an earlier code message, then the notice in a grey
    bubble with its time, and the composer bar; the text breaks at random words."""
    width = 1080
    image = Image.new("RGB", (width, 3600), look.bg)
    draw = ImageDraw.Draw(image)
    status_bar(draw, width, look, look.fg, rng)
    named = rng.random() < 0.5
    sender = rng.choice([*bank.prose_names[:1], *bank.headers[:1]]) if named else rng.choice(
        ["2627", "7070-1222", "1515", "6060", "BANCO", "InfoSMS"])
    draw.line([(95, 105), (70, 130), (95, 155)], fill=look.fg, width=6)
    draw.ellipse((130, 95, 200, 165), fill=bank.accent)
    draw.text((230, 130), sender, font=look.face(1.0, bold=True), fill=look.fg, anchor="lm")
    draw.line((0, 200, width, 200), fill=look.muted, width=1)
    y = 250
    bubble = (50, 50, 54) if look.dark else (233, 233, 235)
    face = look.face(0.9)
    if rng.random() < 0.4:
        code = f"{rng.randint(0, 999999):06d}"
        old = rng.choice([f"Su codigo de verificacion es {code}. No lo comparta con nadie.",
                          f"Clave dinamica: {code}. Vence en 5 minutos."])
        lines = wrap(old, face, 720)
        draw.rounded_rectangle((50, y, 50 + 780, y + 40 + len(lines) * int(look.size * 1.3)), 36, fill=bubble)
        for i, line in enumerate(lines):
            draw.text((85, y + 20 + i * int(look.size * 1.3)), line, font=face, fill=look.fg)
        y += 80 + len(lines) * int(look.size * 1.3)
    mon = MONTHS[moment.month - 1]
    with_year = rng.random() < 0.5
    separator = (f"{WEEKDAYS[moment.weekday()].capitalize()}, {moment.day} de {mon} de {moment.year}" if with_year
                 else rng.choice([f"{WEEKDAYS[moment.weekday()].capitalize()} {wide_time(moment, rng)}", "Hoy",
                                  f"{moment.day} {mon[:3]}."]))
    draw.text((width // 2, y), separator, font=look.face(0.68), fill=look.muted, anchor="mt")
    y += 70
    lines = wrap(said.text, face, 760, rng, float(str(params.get("breaks", 0.08))))
    height = 50 + len(lines) * int(look.size * 1.3)
    draw.rounded_rectangle((50, y, 50 + 840, y + height), 36, fill=bubble)
    for i, line in enumerate(lines):
        put(draw, (85, y + 25 + i * int(look.size * 1.3)), line, face, look.fg)
    y += height + 20
    draw.text((70, y), wide_time(moment, rng), font=look.face(0.6), fill=look.muted)
    y += 120
    draw.rounded_rectangle((40, y, width - 160, y + 100), 50, outline=look.muted, width=2)
    draw.text((90, y + 50), "Mensaje de texto", font=look.face(0.8), fill=look.muted, anchor="lm")
    draw.ellipse((width - 130, y, width - 30, y + 100), fill=bank.accent)
    named = named or any(name.lower() in said.text.lower() for name in (*bank.prose_names, *bank.headers))
    return crop_height(image, y + 100, 40), named, with_year


def render_email_details(said: Said, bank: Bank, moment: datetime, look: Look, rng: random.Random,
                         params: dict[str, object], details: list[Pair] | None = None,
                         ) -> tuple[Image.Image, bool, bool]:
    """An HTML e-mail on a phone: the bank's coloured band, a greeting, the message with breaks, maybe a list of
    details (label and value), and the legal footer."""
    width = 1080
    image = Image.new("RGB", (width, 4200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    ink, muted = (25, 25, 25), look.muted if not look.dark else (110, 110, 118)
    status_bar(draw, width, look, ink, rng)
    y = 120
    subject = rng.choice(["Notificación de transferencia", "Comprobante de SINPE Móvil", "Aviso de crédito a su cuenta",
                          "Confirmación de transacción"])
    for line in wrap(subject, look.face(1.1, bold=True), width - 140):
        draw.text((60, y), line, font=look.face(1.1, bold=True), fill=ink)
        y += int(look.size * 1.45)
    y += 20
    named = rng.random() < 0.85
    sender = rng.choice(bank.headers) if named else "Notificaciones"
    address = f"notificaciones@{plain(bank.headers[0]).lower().replace(' ', '')}.fi.cr" if named else "no-responder"
    draw.text((60, y), sender, font=look.face(0.8, bold=True), fill=ink)
    draw.text((60, y + int(look.size * 1.1)), f"<{address}>", font=look.face(0.6), fill=muted)
    with_year = rng.random() < 0.5
    stamp = f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year}" if with_year else wide_time(moment, rng)
    draw.text((width - 60, y), stamp, font=look.face(0.62), fill=muted, anchor="ra")
    y += int(look.size * 2.6)
    draw.rectangle((40, y, width - 40, y + 130), fill=bank.accent)
    if named:
        draw.text((80, y + 65), rng.choice(bank.headers), font=look.face(1.1, bold=True), fill=(255, 255, 255),
                  anchor="lm")
    y += 180
    face = look.face(0.85)
    draw.text((70, y), rng.choice(["Estimado(a) cliente:", "Estimado asociado:", "Hola,", "Señor(a) cliente:"]),
              font=face, fill=ink)
    y += int(look.size * 1.7)
    for line in wrap(said.text, face, width - 140, rng, float(str(params.get("breaks", 0.04)))):
        put(draw, (70, y), line, face, ink)
        y += int(look.size * 1.3)
    if details:
        y += 30
        label_face, value_face = look.face(0.78), look.face(0.82, bold=True)
        for pair in details:
            draw.text((70, y), f"{pair.label}:", font=label_face, fill=muted)
            x = 70 + label_face.getlength(f"{pair.label}: ")
            for text in pair.lines:
                for piece in wrap(text, value_face, width - 70 - x):
                    put(draw, (x, y), piece, value_face, ink)
                    y += int(look.size * 1.2)
            y += 12
    y += 40
    draw.line((70, y, width - 70, y), fill=(220, 220, 220), width=2)
    y += 30
    small = look.face(0.58)
    for line in wrap("Este correo es generado automáticamente, por favor no responda a esta dirección. Si usted no "
                     "reconoce esta transacción, comuníquese de inmediato con nuestro centro de servicio.", small,
                     width - 140):
        draw.text((70, y), line, font=small, fill=muted)
        y += int(small.size * 1.35)
    named = named or any(name.lower() in said.text.lower() for name in (*bank.prose_names, *bank.headers))
    return crop_height(image, y, 50), named, with_year
