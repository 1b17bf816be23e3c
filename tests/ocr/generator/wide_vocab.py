"""The wider tuned vocabulary (issue 12): more issuers, more wordings per field, and more ways to print them.

Only the tuned side draws from here, outside the fixed split in `families.py`, so the held-out groups keep
generating the very same receipts. Sources: the list of SINPE Móvil participants in public press (BN, BCR,
BAC San José, Lafise, Davivienda, Promerica, Coopenae, Coocique, Coopealianza, Coopeservidores, CoopeAnde,
Caja de Ande, Mucap, Scotiabank, Mutual Alajuela), the BCCR's "cuenta cliente" (17 digits: entity code,
account, check digit), BAC's SMS service (PASE to 7070-1222), and the wordings of the first generator;
beyond them plausible variants: synonyms, abbreviations (N.º, No., Núm., Nro.), accents and colons dropped
or kept, capitals, singular and plural. A wording that a held-out group prints (first split or the second
group) is never printed here: such wordings are filtered out without being listed.
"""

from __future__ import annotations

import random
import re
from functools import cache

from tests.ocr.generator.content import plain
from tests.ocr.generator.vocab import Bank

WIDE_COMMON: dict[str, tuple[str, ...]] = {
    "amount": (
        "Monto", "Monto de la transferencia", "Monto transferido", "Monto a acreditar", "Monto acreditado",
        "Monto total", "Importe", "Valor de la transacción", "Monto enviado", "Cantidad enviada", "Monto del pago",
        "Total pagado", "Monto de la transacción", "Monto SINPE Móvil", "Monto de la operación", "Valor",
        "Monto debitado", "Montos", "Importe de la operación",
    ),
    "date": (
        "Fecha", "Fecha de la transacción", "Fecha de aplicación", "Fecha valor", "Fecha y hora de la transacción",
        "Fecha de registro", "Fecha de la operación", "Fecha de emisión", "Fecha de transferencia", "Fecha/Hora",
        "Fecha de proceso", "Fechas", "Fecha de la transferencia",
    ),
    "time": ("Hora", "Hora de la transacción", "Hora de aplicación", "Hora de registro", "Hora local"),
    "reference": (
        "Referencia", "Número de referencia", "Número de transacción", "Número de operación", "Número de comprobante",
        "Comprobante SINPE", "Referencia SINPE Móvil", "Código de referencia", "Número de confirmación",
        "Código de autorización", "Autorización", "Consecutivo", "Número de voucher", "Voucher", "Folio",
        "Número de trámite", "Código de rastreo", "Identificador de la transacción", "Referencia bancaria",
        "Número de seguimiento", "Código SINPE", "Comprobante", "Referencias", "Número de recibo",
    ),
    "payer_name": (
        "Remitente", "Nombre del remitente", "Enviado por", "Cliente", "Titular de la cuenta origen",
        "Nombre del titular", "Ordenante", "Pagado por", "Depositante", "Nombre del depositante",
        "Cuentahabiente", "Nombre del originador", "Originador", "Desde", "De parte de", "Quien envía",
        "Nombre origen", "Debitado a", "Nombre del cliente origen", "Remitentes",
        # Round 8: more wordings for the payer, several without a keyword the reader knew.
        "Titular origen", "Nombre del pagador", "Nombre del emisor", "Transferido por", "Realizado por",
        "Nombre del asociado", "Propietario de la cuenta origen", "Cuenta origen a nombre de", "Quien paga",
        "Titular de la cuenta debitada", "Persona que envía", "Enviado desde", "Nombre ordenante", "Socio",
    ),
    "payee_name": (
        "Destinatario", "Nombre del destinatario", "Beneficiario", "Nombre del beneficiario", "Pagado a",
        "Acreditado a", "Para", "Titular destino", "Nombre destino", "A nombre de", "Cuenta a nombre de",
        "Receptor del pago", "Enviado a", "Favorecido", "Quien recibe", "Nombre del comercio", "Cliente destino",
        "Hacia", "Nombre del cliente destino", "Beneficiarios",
        # Round 8: more wordings for the payee.
        "Nombre del receptor", "Transferido a", "Depositado a", "Pago a favor de", "Persona que recibe",
        "Nombre del favorecido", "Cobrado por", "Acreditar a", "Propietario de la cuenta destino",
        "Titular de la cuenta acreditada", "Cuenta destino a nombre de", "Recibido por", "Enviado para",
    ),
    "description": (
        "Descripción", "Detalle", "Detalles", "Concepto", "Concepto del pago", "Motivo", "Motivo del pago",
        "Motivo de la transferencia", "Comentarios", "Observaciones", "Mensaje al destinatario", "Nota", "Notas",
        "Descripción del pago", "Detalle de la transacción", "Justificación", "Razón del pago", "Leyenda",
        # Round 8: more wordings for the description, some the reader has no keyword for.
        "Comentario", "Asunto", "Propósito", "Propósito del pago", "Mensaje", "Concepto de pago",
        "Detalle del movimiento", "Información adicional", "Nota para el destinatario", "Texto del mensaje",
        "Observación", "Glosa",
    ),
    "payer_account": (
        "Cuenta de origen", "Cuenta débito", "Cuenta a debitar", "Cuenta debitada", "Cuenta IBAN de origen",
        "Cuenta cliente origen", "Desde la cuenta", "Producto de origen", "Número de cuenta origen",
        "Cuenta SINPE origen",
    ),
    "payee_account": (
        "Cuenta de destino", "Cuenta a acreditar", "Cuenta acreditada", "Cuenta crédito", "IBAN del beneficiario",
        "Cuenta cliente destino", "Cuenta IBAN destino", "Número de cuenta destino", "Cuenta SINPE destino",
    ),
    "payer_phone": (
        "Teléfono de origen", "Celular origen", "Número de teléfono origen", "Móvil del remitente",
        "Teléfono del remitente",
    ),
    "payee_phone": (
        "Teléfono de destino", "Celular destino", "Número de teléfono destino", "Móvil del destinatario",
        "Teléfono del beneficiario", "Número SINPE Móvil",
    ),
    "payer_id": ("Cédula", "Identificación", "Cédula del remitente", "Número de identificación", "Cédula jurídica"),
    "fee": ("Comisión", "Costo", "Cargo", "Comisión cobrada", "Costo del servicio"),
    "status": ("Estado", "Estado de la operación", "Resultado de la transacción", "Estatus"),
    "channel": ("Tipo de operación", "Tipo de transacción", "Medio", "Servicio", "Transacción"),
    "entity": ("Entidad destino", "Banco receptor", "Entidad receptora", "Entidad de destino", "Banco beneficiario"),
    "balance": ("Saldo disponible", "Saldo actual", "Nuevo saldo", "Saldo contable"),
}
"""Wordings any issuer of the wider generator may print, per field (`time` and `balance` are rows of their own)."""

WIDE_BANKS: tuple[Bank, ...] = (
    Bank("BCR", ("Banco de Costa Rica", "BCR", "BCR Móvil", "BCR Banca en Línea"), ("BCR", "Banco de Costa Rica"),
         (0, 61, 125), "152", {
             "reference": ("Número de comprobante", "Referencia SINPE", "Comprobante"),
             "payer_name": ("Nombre del cliente origen",), "payee_name": ("Nombre del cliente destino",),
             "description": ("Motivo", "Detalle")}, ("Comprobante de transacción", "SINPE Móvil exitoso")),
    Bank("Banco Nacional", ("Banco Nacional", "BN Móvil", "BN Internet Banking", "Banco Nacional de Costa Rica"),
         ("BN", "Banco Nacional", "BN SINPE MOVIL"), (0, 94, 60), "151", {
             "reference": ("Número de documento", "Documento", "Número de comprobante"),
             "description": ("Descripción", "Concepto")}, ("Transferencia exitosa", "Comprobante de pago")),
    Bank("BAC Credomatic", ("BAC Credomatic", "BAC", "BAC San José", "Banca Móvil BAC"), ("BAC", "BAC Credomatic"),
         (200, 16, 46), "102", {
             "reference": ("Número de autorización", "Autorización"), "payer_account": ("Cuenta a debitar",),
             "payee_name": ("Beneficiario",), "description": ("Detalle",)},
         ("Transferencia realizada", "Comprobante de transferencia")),
    Bank("Banco Popular",
         ("Banco Popular", "BP Conectado", "Popular en Línea", "Banco Popular y de Desarrollo Comunal"),
         ("Banco Popular", "BP"), (230, 120, 0), "161", {
             "reference": ("Número de transacción", "Número de documento"), "payer_account": ("Cuenta de origen",)},
         ("Comprobante de transacción", "Transacción exitosa")),
    Bank("Davivienda", ("Davivienda", "Banco Davivienda", "Davivienda Costa Rica"), ("Davivienda",), (237, 28, 36),
         "104", {"reference": ("Número de aprobación",), "amount": ("Valor",)}, ("Comprobante de pago",)),
    Bank("Promerica", ("Banco Promerica", "Promerica", "Promerica en Línea"), ("Promerica",), (0, 133, 80), "116",
         {"payee_name": ("Nombre del beneficiario",)}, ("Transferencia SINPE", "Constancia de transferencia")),
    Bank("Lafise", ("Banco Lafise", "LAFISE", "Lafise Móvil"), ("LAFISE", "Banco Lafise"), (0, 102, 68), "114",
         {"reference": ("Número de confirmación",)}, ("Transferencia aplicada",)),
    Bank("Scotiabank", ("Scotiabank", "Scotia en Línea"), ("Scotiabank",), (236, 17, 26), "123",
         {"reference": ("Número de operación",)}, ("Confirmación de transferencia",)),
    Bank("Coopenae", ("Coopenae", "Coopenae Móvil"), ("COOPENAE", "Coopenae"), (0, 84, 150), "814",
         {"payer_name": ("Asociado",)}, ("Comprobante SINPE Móvil",)),
    Bank("Coopeservidores", ("Coopeservidores", "CS Ahorro y Crédito"), ("COOPESERVIDORES", "Coopeservidores"),
         (0, 120, 170), "813", {"payer_name": ("Asociado",)}, ("Comprobante de transferencia",)),
    Bank("Mucap", ("Mucap", "Mutual Cartago", "MUCAP en Línea"), ("MUCAP", "Mucap"), (0, 110, 180), "804", {},
         ("Comprobante de transferencia",)),
    Bank("Mutual", ("Grupo Mutual", "Mutual Alajuela", "Grupo Mutual Alajuela-La Vivienda"),
         ("Grupo Mutual", "MUTUAL", "Mutual Alajuela"), (0, 70, 140), "803", {}, ("Transferencia exitosa",)),
    Bank("CoopeAnde", ("CoopeAnde", "Coope Ande", "CoopeAnde N.º 1"), ("COOPEANDE", "CoopeAnde"), (0, 100, 60),
         "817", {"payer_name": ("Asociado",)}, ("Transferencia SINPE",)),
    Bank("Coocique", ("Coocique", "Coocique R.L."), ("COOCIQUE",), (0, 90, 160), "811", {}, ("Comprobante",)),
)
"""Issuers of the wider generator, named as the reader reports them (Coopeservidores is new to the reader)."""

ABBREVIATE = {
    "número": ("N.º", "No.", "Núm.", "Nro.", "N°", "#", "Nº"),
    "teléfono": ("Tel.", "Teléf.", "Telf."),
    "referencia": ("Ref.",),
    "cuenta": ("Cta.",),
    "identificación": ("Ident.", "ID"),
    "transacción": ("Trans.", "Transac."),
    "comprobante": ("Comp.", "Compr."),
    "descripción": ("Desc.",),
    "operación": ("Op.", "Oper."),
    "autorización": ("Aut.", "Autoriz."),
}
NUMBER_SHORT = r"(N\.º|No\.|Núm\.|Nro\.|N°|#|Nº)"


def wording_key(wording: str) -> str:
    """A wording reduced to what a reader sees in it: no accents, case, colons, dots or abbreviations."""
    text = plain(wording).lower().strip().rstrip(":").strip()
    text = re.sub(r"^(n\.o|no\.|num\.|nro\.|n°|#|no)\s*(de\s+)?", "numero de ", text)
    return re.sub(r"[.:]", "", re.sub(r"\s+", " ", text))


@cache
def held_keys() -> frozenset[str]:
    """Every wording the held-out groups print, reduced by `wording_key` (never listed, only compared)."""
    from tests.ocr.generator.families import split
    from tests.ocr.generator.holdout2 import WORDINGS_2

    first = {item.split(":", 1)[1] for item in split()["wordings"]}
    second = {w for words in WORDINGS_2.values() for w in words}
    return frozenset(wording_key(w) for w in first | second)


def wide_wordings(bank: Bank, key: str) -> tuple[str, ...]:
    """The bank's own wordings and the common ones for a field, without any a held-out group prints."""
    every = bank.labels.get(key, ()) + tuple(w for w in WIDE_COMMON.get(key, ()) if w not in bank.labels.get(key, ()))
    held = held_keys()
    kept = tuple(w for w in every if wording_key(w) not in held)
    return kept or ("Dato",)


def wide_vary(label: str, rng: random.Random) -> str:
    """The wording as one app prints it: abbreviated, accents dropped, capitals, title case or as written."""
    out = []
    for word in label.split():
        options = ABBREVIATE.get(word.lower())
        if options and rng.random() < 0.3:
            short = rng.choice(options)
            out.append(short if word[0].isupper() else short.lower())
        else:
            out.append(word)
    text = " ".join(out)
    text = re.sub(rf"^{NUMBER_SHORT} de ", lambda m: m.group(1) + rng.choice([" de ", " "]), text)
    if rng.random() < 0.2:
        text = plain(text)
    roll = rng.random()
    if roll < 0.15:
        text = plain(text).upper() if rng.random() < 0.5 else text.upper()
    elif roll < 0.25:
        text = " ".join(w if w in ("de", "del", "la", "a", "y", "el") else w[:1].upper() + w[1:] for w in text.split())
    elif roll < 0.3:
        text = text.lower()
    return text


def wide_labeller(bank: Bank, rng: random.Random) -> dict[str, str]:
    """One wording per field for this receipt (bank-own half the time when it has one), already varied."""
    chosen: dict[str, str] = {}
    for key in WIDE_COMMON:
        options = wide_wordings(bank, key)
        own = [w for w in options if w in bank.labels.get(key, ())]
        wording = rng.choice(own) if own and rng.random() < 0.5 else rng.choice(options)
        varied = wide_vary(wording, rng)
        chosen[key] = wording if wording_key(varied) in held_keys() else varied
    return chosen
