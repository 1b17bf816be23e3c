"""Label wordings of Costa Rican banks and cooperatives, and the ways an app varies a wording.

Sources: the wordings visible in public SINPE Móvil notification parsers and bank e-mails
(`Nombre cliente origen`, `Número de referencia`, `Teléfono destino`, `Entidad origen`, `Motivo`,
`Comprobante`), the bank codes of the Costa Rican IBAN (CRdd 0bbb + 14 digits), and plausible variants
beyond them (synonyms, abbreviations, capitals, accents dropped, singular and plural).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from tests.ocr.generator.content import plain


@dataclass(frozen=True)
class Bank:
    """One issuer: its name as the reader reports it, how it names itself, its colour and IBAN code."""

    name: str
    headers: tuple[str, ...]
    prose_names: tuple[str, ...]
    accent: tuple[int, int, int]
    code: str
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    titles: tuple[str, ...] = ()


BANKS: tuple[Bank, ...] = (
    Bank("BCR", ("Banco de Costa Rica", "BCR", "BCR Móvil"), ("BCR", "Banco de Costa Rica"), (0, 70, 140), "152",
         {"payer_name": ("Nombre cliente origen",), "payee_name": ("Nombre cliente destino",),
          "reference": ("Número de referencia", "Comprobante"), "description": ("Motivo",)},
         ("Comprobante de transacción", "SINPE Móvil")),
    Bank("Banco Nacional", ("Banco Nacional", "BN Móvil", "BN SINPE Móvil"), ("BN", "BN SINPE MOVIL", "Banco Nacional"),
         (0, 110, 60), "151",
         {"reference": ("Número de comprobante", "Referencia"), "description": ("Descripción", "Concepto"),
          "payer_account": ("Cuenta de origen",)},
         ("Transferencia exitosa", "Comprobante de transferencia")),
    Bank("BAC Credomatic", ("BAC Credomatic", "BAC", "BAC San José"), ("BAC Credomatic", "BAC"), (200, 20, 30), "102",
         {"amount": ("Monto debitado",), "reference": ("Número de autorización", "Comprobante"),
          "payer_account": ("Cuenta débito",), "payee_account": ("Cuenta crédito",), "description": ("Detalle",)},
         ("Transferencia realizada", "SINPE Móvil enviado")),
    Bank("Davivienda", ("Davivienda", "Banco Davivienda"), ("Davivienda",), (220, 30, 30), "104",
         {"reference": ("Número de aprobación",), "payee_name": ("Nombre del destinatario",)},
         ("Comprobante de pago", "Transacción exitosa")),
    Bank("Promerica", ("Banco Promerica", "Promerica"), ("Promerica",), (0, 120, 70), "116",
         {"payee_name": ("Cuenta destino a nombre de",), "reference": ("Número de transacción",)},
         ("Transferencia SINPE", "Comprobante")),
    Bank("Banco Popular", ("Banco Popular", "BP Conectado"), ("Banco Popular", "BP"), (200, 120, 0), "161",
         {"amount": ("Monto de la transferencia",), "reference": ("Número de documento",)},
         ("Comprobante de transacción",)),
    Bank("Scotiabank", ("Scotiabank",), ("Scotiabank",), (200, 0, 20), "123",
         {"reference": ("Número de confirmación",)}, ("Confirmación de transferencia",)),
    Bank("Lafise", ("Banco Lafise", "LAFISE"), ("LAFISE", "Banco Lafise"), (0, 80, 120), "114",
         {"reference": ("Código de confirmación",), "payee_name": ("Beneficiario",)}, ("Transferencia aplicada",)),
    Bank("Coopenae", ("Coopenae",), ("COOPENAE", "Coopenae"), (0, 90, 160), "814",
         {"reference": ("Número de movimiento",)}, ("Comprobante SINPE Móvil",)),
    Bank("Mucap", ("Mucap", "Mutual Cartago"), ("MUCAP",), (0, 100, 170), "804", {}, ("Comprobante de transferencia",)),
    Bank("Mutual", ("Grupo Mutual",), ("Grupo Mutual", "MUTUAL"), (230, 90, 0), "803", {}, ("Transferencia exitosa",)),
    Bank("Coocique", ("Coocique",), ("COOCIQUE",), (0, 130, 140), "811", {}, ("Comprobante",)),
    Bank("CoopeAnde", ("CoopeAnde",), ("COOPEANDE",), (120, 40, 140), "817", {}, ("Transferencia SINPE",)),
)

COMMON: dict[str, tuple[str, ...]] = {
    "amount": (
        "Monto", "Monto transferido", "Monto enviado", "Monto debitado", "Monto acreditado", "Importe", "Valor",
        "Total", "Total transferido", "Monto de la transferencia", "Cantidad", "Monto SINPE", "Monto a transferir",
        "Monto del depósito", "Monto depositado", "Importe transferido", "Total debitado", "Monto pagado",
    ),
    "date": (
        "Fecha", "Fecha y hora", "Fecha de la transacción", "Fecha de transacción", "Fecha de aplicación",
        "Fecha valor", "Fecha de operación", "Fecha del movimiento", "Realizado el", "Fecha de envío",
        "Fecha de pago", "Fecha contable", "Fecha/Hora", "Fecha del depósito",
    ),
    "reference": (
        "Referencia", "Número de referencia", "Referencia SINPE", "Número de comprobante", "Comprobante",
        "Número de documento", "Documento", "Número de transacción", "Número de aprobación",
        "Número de confirmación", "Código de referencia", "Número de operación", "Código de confirmación",
        "Número de movimiento", "Consecutivo", "Código de transacción", "Número de autorización",
        "Número de boleta", "ID de transacción", "Comprobante SINPE", "Referencia bancaria", "Número de voucher",
        "Voucher", "Número de recibo",
    ),
    "payer_name": (
        "Origen", "Cliente origen", "Nombre del ordenante", "Ordenante", "Remitente", "De", "Enviado por",
        "Pagador", "Titular origen", "Nombre cliente origen", "Desde", "Emisor", "Depositante",
        "Nombre del remitente", "Titular de la cuenta origen", "Nombre del cliente", "Realizado por",
        "Cliente que envía", "Nombre de quien envía", "Titular", "Remitido por", "Girador",
    ),
    "payee_name": (
        "Destino", "Beneficiario", "Nombre del beneficiario", "Cuenta destino a nombre de", "Destinatario",
        "Nombre del destinatario", "Para", "Enviado a", "A nombre de", "Nombre cliente destino", "Receptor",
        "Titular destino", "A favor de", "Titular de la cuenta destino", "Comercio", "Pagado a",
        "Nombre de quien recibe", "Acreditado a",
    ),
    "description": (
        "Descripción", "Motivo", "Detalle", "Concepto", "Motivo del pago", "Detalle del pago", "Comentario",
        "Comentarios", "Observaciones", "Observación", "Mensaje", "Nota", "Asunto", "Detalles", "Razón",
        "Descripción del movimiento", "Detalle de la transferencia", "Motivo de la transferencia", "Glosa",
    ),
    "payer_account": (
        "Cuenta origen", "Cuenta de origen", "Cuenta débito", "Cuenta a debitar", "Desde la cuenta", "IBAN origen",
        "Cuenta IBAN origen", "Producto origen", "Cuenta cliente origen", "Cuenta de retiro",
    ),
    "payee_account": (
        "Cuenta destino", "Cuenta de destino", "Cuenta crédito", "Cuenta a acreditar", "IBAN destino",
        "Cuenta IBAN destino", "Producto destino", "Cuenta cliente destino", "Cuenta de depósito",
    ),
    "payer_phone": (
        "Teléfono origen", "Número origen", "Celular origen", "Teléfono remitente", "Desde el teléfono", "Móvil origen",
    ),
    "payee_phone": (
        "Teléfono destino", "Número destino", "Celular destino", "Teléfono beneficiario", "Número de teléfono destino",
        "Al teléfono", "Móvil destino", "Enviado al número",
    ),
    "payer_id": ("Cédula", "Identificación", "Cédula origen", "Identificación del cliente", "Número de identificación"),
    "fee": ("Comisión", "Cargo por servicio", "Costo de la transacción", "Comisión cobrada"),
    "status": ("Estado", "Resultado", "Estado de la transacción"),
    "channel": ("Tipo de transacción", "Servicio", "Canal", "Tipo de transferencia", "Producto"),
    "entity": ("Entidad destino", "Banco destino", "Entidad financiera destino"),
}
"""Wordings any issuer may use, per field. The reader's fields are the first six; the rest are other rows."""

READ_FIELDS = ("amount", "date", "reference", "payer_name", "payee_name", "description")
ABBREVIATIONS = {
    "Número": ("No.", "N.º", "Núm.", "Nro.", "N°", "#"),
    "Teléfono": ("Tel.", "Teléf."),
    "Referencia": ("Ref.",),
    "Cuenta": ("Cta.",),
    "Identificación": ("Ident.",),
    "Transacción": ("Trans.",),
}


def wordings(bank: Bank, key: str) -> tuple[str, ...]:
    """The bank's own wordings for a field first, then the common ones."""
    own = bank.labels.get(key, ())
    return own + tuple(w for w in COMMON.get(key, ()) if w not in own)


def vary(label: str, rng: random.Random, *, capitals: float = 0.12) -> str:
    """The wording as one app prints it: maybe abbreviated, without accents, in capitals or title case."""
    words = label.split()
    out = []
    for word in words:
        options = ABBREVIATIONS.get(word.capitalize())
        if options and rng.random() < 0.3:
            short = rng.choice(options)
            out.append(short if word[0].isupper() else short.lower())
        else:
            out.append(word)
    text = " ".join(out)
    text = re.sub(r"^(No\.|N\.º|Núm\.|Nro\.|N°|#) de ", lambda m: m.group(1) + rng.choice([" de ", " "]), text)
    roll = rng.random()
    if roll < 0.15:
        text = plain(text)
    if rng.random() < capitals:
        text = plain(text).upper() if rng.random() < 0.5 else text.upper()
    elif rng.random() < 0.1:
        text = " ".join(w if w in ("de", "del", "la", "a", "y") else w[:1].upper() + w[1:] for w in text.split())
    return text
