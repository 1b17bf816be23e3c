"""The words paybot and its staff share: each staff action, reject reason, reply and correctable field is
one enum member carrying its Spanish label, the words staff type for it and its template."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from currency.text import fold, strip_accents


def _describe(member: StrEnum, **details: Any) -> None:
    """Give an enum member the details written beside its value."""
    for name, value in details.items():
        setattr(member, name, value)


class ReplyKind(StrEnum):
    """A message to the customer (or what the bot made of theirs); `template` is its script, if it has one."""

    template: str | None
    label: str
    what: str

    def __new__(cls, value: str, *details: Any) -> ReplyKind:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            shown, has_template, named = (*details, True, "la respuesta al cliente")[:3]
            _describe(member, label=shown, template=value if has_template else None, what=named)
        return member

    ACK = "ack", "acuse de recibo del comprobante"
    ACK_MESSAGE = "ack_message", "acuse de recibo del mensaje"
    RECEIVED = "received", "pago recibido"
    RECEIVED_MISSING_ID = "received_missing_id", "pago recibido sin ID de cliente"
    SHORT_PAYMENT = "short_payment", "pago incompleto"
    CONTRACT_EXPIRED = "contract_expired", "ID vencido, a la espera de activación"
    NOT_COMPANY = "not_company", "pago no hecho a la empresa"
    TOO_OLD = "too_old", "comprobante muy antiguo"
    DUPLICATE = "duplicate", "comprobante duplicado"
    UNREADABLE = "unreadable", "comprobante ilegible"
    FILE_TOO_LARGE = "file_too_large", "archivo demasiado grande"
    ASK_RECEIPT = "ask_receipt", "se pidió el comprobante"
    REJECTED = "rejected", "rechazado por otro motivo"
    GRACE_GRANTED = "grace_granted", "prórroga concedida"
    APPLIED = "applied", "pago aplicado"
    APPLIED_MISSING_ID = "applied_missing_id", "pago aplicado sin ID de cliente"
    REMINDER_SHORT_PAYMENT = ("reminder_short_payment", "recordatorio de la diferencia", True,
                              "el recordatorio de la diferencia")
    REMINDER_DUE = "reminder_due", "recordatorio de cuota por vencer", True, "el recordatorio de la cuota por vencer"
    REMINDER_OVERDUE = "reminder_overdue", "recordatorio de cuota vencida", True, "el recordatorio de la cuota vencida"
    REMINDER_GRACE = ("reminder_grace", "recordatorio al terminar la prórroga", True,
                      "el recordatorio del fin de la prórroga")
    REMINDER_STATEMENT = "reminder_statement", "estado de cuenta del mes", True, "el estado de cuenta del mes"
    ACCESS_BLOCKED = "access_blocked", "sistema bloqueado por saldo vencido", True, "el aviso de bloqueo"
    ACCESS_UNBLOCKED = "access_unblocked", "sistema activo de nuevo", True, "el aviso de desbloqueo"
    PAYMENT_RETURNED = "payment_returned", "pago devuelto por el banco", True, "el aviso del pago devuelto"
    PAYMENT_UNDONE = "payment_undone", "pago anulado", True, "el aviso del pago anulado"
    OUT_OF_HOURS = "out_of_hours", "mensaje fuera del horario de atención", True, "el aviso del horario"
    FLOOD_NOTICE = "flood_notice", "aviso de muchos comprobantes seguidos"
    BALANCE = "balance", "saldo de la cuenta", True, "la respuesta con el saldo"
    STATEMENT = "statement", "estado de cuenta", True, "el estado de cuenta"
    ACCOUNT_UNLINKED = ("account_unlinked", "consulta de saldo de un número no vinculado", True,
                        "la respuesta a una consulta de saldo")
    CUSTOMER_UNKNOWN = "customer_unknown", "cliente sin identificar", False
    FOLLOW_UP = "follow_up", "mensaje sobre un comprobante anterior", False

    @classmethod
    def named(cls, value: str | None) -> ReplyKind | None:
        """The reply kind stored as `value`, None for none or one this version does not know."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None


class StaffMessage(StrEnum):
    """A message to staff; `template` renders it and `what` names it when it could not be delivered."""

    what: str

    def __new__(cls, value: str, *details: Any) -> StaffMessage:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, what=details[0])
        return member

    @property
    def template(self) -> str:
        return self.value

    SUPPORT_CARD = "support_card", "la tarjeta de revisión"
    ACCOUNTING_CARD = "accounting_card", "la tarjeta de contabilidad"
    ESCALATION_GRACE = "escalation_grace", "el aviso de prórroga a contabilidad"
    CUSTOMER_NOTE = "customer_note", "el mensaje del cliente"
    DELIVERY_FAILED = "delivery_failed", "el aviso de un mensaje no entregado"
    ACCESS_CHANGED = "access_changed", "el aviso de bloqueo o desbloqueo"
    GRACE_ENDED = "grace_ended", "el aviso de una prórroga terminada con saldo"
    CALL_TASK = "call_task", "la tarea de llamada"
    CASE_CLOSED = "case_closed", "el aviso de un caso cerrado"
    DONE_IN_PORTAL = "done_in_portal", "el aviso de lo hecho en el portal"
    SYNC_FAILED = "sync_failed", "el aviso de un pago sin sincronizar"
    SYNC_SUMMARY = "sync_summary", "el resumen de pagos sin sincronizar"
    PAYMENTS_REPORT = "payments_report", "el informe de pagos del día"


class RejectReason(StrEnum):
    """Why support rejects a receipt: the button staff press, the words they type, what the audit says,
    and the customer's script (a reason typed in free text gets `ReplyKind.REJECTED`)."""

    button: str
    label: str
    words: tuple[str, ...]
    reply: ReplyKind

    def __new__(cls, value: str, *details: Any) -> RejectReason:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, **dict(zip(("button", "label", "words"), details, strict=True)), reply=ReplyKind(value))
        return member

    NOT_COMPANY = ("not_company", "No es a nombre de la empresa", "el pago no fue hecho a nombre de la empresa",
                   ("no es a la empresa", "no es de la empresa", "otra empresa"))
    TOO_OLD = ("too_old", "Fecha muy antigua", "la fecha del comprobante no es reciente",
               ("fuera de plazo", "muy viejo", "vencido"))
    DUPLICATE = ("duplicate", "Comprobante duplicado", "el comprobante ya había sido recibido",
                 ("duplicado", "repetido"))
    UNREADABLE = ("unreadable", "No se puede leer", "el comprobante no se puede leer", ("ilegible", "no se lee"))

    @property
    def word(self) -> str:
        """What staff type for this reason (the first of its words)."""
        return self.words[0]

    @classmethod
    def named(cls, code: str) -> RejectReason | None:
        """The reason whose code is `code`, None for a reason written freely."""
        try:
            return cls(code)
        except ValueError:
            return None


class ReceiptField(StrEnum):
    """A field of a receipt that staff may correct: its label on cards and the words that name it."""

    label: str
    words: tuple[str, ...]

    def __new__(cls, value: str, *details: Any) -> ReceiptField:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, label=details[0], words=(*details[1], value))
        return member

    AMOUNT = "amount", "Monto", ("monto",)
    DATE = "date", "Fecha", ("fecha",)
    REFERENCE = "reference", "Referencia", ("referencia", "ref", "comprobante")
    CLIENT_ID = "client_id", "ID cliente", ("id", "cliente")
    BANK = "bank", "Banco", ("banco",)
    PAYER_NAME = "payer_name", "Pagador", ("pagador",)
    PAYEE_NAME = "payee_name", "Beneficiario", ("beneficiario",)
    CURRENCY = "currency", "Moneda", ("moneda",)
    DESCRIPTION = "description", "Descripción", ("descripcion", "motivo")

    @property
    def word(self) -> str:
        return self.words[0]

    @classmethod
    def named(cls, word: str) -> ReceiptField | None:
        """The field staff mean by `word` (already folded: lower case, no accents), or None."""
        return _FIELD_WORDS.get(word)


_FIELD_WORDS = {word: field for field in ReceiptField for word in field.words}


class CustomerQuestion(StrEnum):
    """What a customer may ask the bot about their account, the words that ask it (written without accents,
    lower case) and the script that answers a linked customer."""

    words: tuple[str, ...]
    reply: ReplyKind

    def __new__(cls, value: str, *details: Any) -> CustomerQuestion:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, words=details[0], reply=ReplyKind(value))
        return member

    STATEMENT = "statement", ("estado de cuenta", "estado de mi cuenta", "estado cuenta")
    BALANCE = "balance", ("saldo", "cuanto debo", "cuanto le debo", "cuanto les debo", "cuanto tengo pendiente",
                          "cuanto me falta", "cuanto tengo que pagar", "cuanto hay que pagar")

    @classmethod
    def asked_in(cls, text: str | None, longest: int = 160) -> CustomerQuestion | None:
        """The question a short message asks (the statement before the balance), or None."""
        folded = " ".join("".join(ch if ch.isalnum() else " " for ch in fold(text or "")).split())
        if not folded or len(folded) > longest:
            return None
        padded = f" {folded} "
        return next((q for q in cls if any(f" {word} " in padded for word in q.words)), None)


class Overpayment(StrEnum):
    """What staff decide about money paid over what was due (seed 000: a period paid twice)."""

    label: str

    def __new__(cls, value: str, *details: Any) -> Overpayment:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, label=details[0])
        return member

    CREDIT = "credit", "queda como saldo a favor para la próxima cuota"
    REFUND = "refund", "se devuelve al cliente (se registra en la cuenta al aplicar el pago)"
    REFUNDED = "refunded", "se devuelve al cliente: la devolución quedó registrada en la cuenta"

    @classmethod
    def named(cls, value: str | None) -> Overpayment | None:
        try:
            return cls(value) if value else None
        except ValueError:
            return None
FIELD_WORDS = ", ".join(field.word for field in ReceiptField)
"""The field names staff may use, as a hint: "monto, fecha, referencia, ..."."""


class StaffActionKind(StrEnum):
    """A staff decision on an intake: its button, the verbs that start its text command, and the command's
    arguments (as a usage line and as an example under a card)."""

    button: str
    command: str
    verbs: tuple[str, ...]
    arguments: str
    example: str
    meaning: str

    def __new__(cls, value: str, *details: Any) -> StaffActionKind:
        member = str.__new__(cls, value)
        member._value_ = value
        if details:
            _describe(member, **dict(zip(("button", "verbs", "arguments", "example", "meaning"), details, strict=True)),
                      command=details[1][0].upper())
        return member

    APPROVE = ("approve", "✅ Aprobar", ("aprobar", "aprobado", "aprobada"), "", "",
               "el comprobante está bien, pasa a contabilidad")
    CORRECT = ("correct", "✏️ Corregir", ("corregir",), "<campo> <valor>", "monto 25000",
               f"corrige un campo: {FIELD_WORDS}")
    REJECT = ("reject", "❌ Rechazar", ("rechazar", "rechazado", "rechazada"), "<motivo>", "motivo",
              f"{', '.join(reason.word for reason in RejectReason)} u otro texto")
    GRACE = ("grace", "⏳ Prórroga", ("prórroga",), "", "",
             "unos días de gracia sobre lo vencido (el sistema sigue activo) y avisa a contabilidad")
    APPLY = ("apply", "💰 Aplicado", ("aplicado", "aplicada", "aplicar"), "", "",
             "el pago quedó aplicado (contabilidad)")
    FLAG = ("flag", "↩️ Devolver a soporte", ("devolver",), "<motivo>", "motivo",
            "contabilidad lo devuelve a soporte")
    CONTRACT = ("contract", "📑 Contrato", ("contrato",), "<código de pago> [cuota]", "WOLK-1001",
                "elige el contrato u orden que paga el comprobante")
    KEEP_CREDIT = ("keep_credit", "💳 Dejar a favor", ("afavor", "credito"), "", "",
                   "lo pagado de más queda como saldo a favor para la próxima cuota")
    REFUND = ("refund", "💸 Devolver el dinero", ("reembolsar", "reembolso"), "", "",
              "lo pagado de más (p. ej. un periodo pagado dos veces) se registra para devolverlo")
    STATEMENT = ("statement", "📄 Enviar estado de cuenta", ("estado",), "", "",
                 "envía al cliente su estado de cuenta en PDF, por su chat")
    SYNC = ("sync", "🔄 Sincronizar ahora", ("sincronizar",), "", "",
            "envía al ERP un pago sin sincronizar y lo marca pagado (el número es el del pago)")
    SYNCED = ("synced", "✍️ Sincronizar manualmente", ("sincronizado", "sincronizada"), "<explicación>",
              "explicacion", "lo marca sincronizado sin tocar el ERP, con la explicación (el número es el del pago)")
    REMIND = ("remind", "🔔 Recordar el pago", ("recordar",), "[vencido|por-vencer|estado]", "",
              "recordatorio al cliente")
    TAG = ("tag", "🏷️ Etiquetar", ("etiqueta", "etiquetar"), "<etiqueta>", "llamar", "la pone al cliente")
    UNTAG = ("untag", "🏷️ Quitar etiqueta", ("quitar-etiqueta",), "<etiqueta>", "llamar",
             "se la quita")
    BLOCK = ("block", "⛔ Bloquear", ("bloquear",), "<motivo>", "motivo",
             "bloquea su sistema y avisa")
    UNBLOCK = ("unblock", "🔓 Desbloquear", ("desbloquear",), "<motivo>", "motivo",
               "lo desbloquea y avisa")
    RETURNED = ("returned", "🏦 Devuelto por el banco", ("devuelto",), "<motivo>", "motivo",
                "el banco lo devolvió: se cobra de nuevo")
    TASK_DONE = ("task_done", "☎️ Cerrar tarea", ("tarea",), "<resultado>", "resultado",
                 "cierra la tarea de llamada")
    CLOSE_CASE = ("close", "✔️ Cerrar caso", ("cerrar",), "<decisión>", "decision",
                  "contabilidad cierra el caso escalado del comprobante con lo que decidió")

    @property
    def on_payment(self) -> bool:
        """The number this action names is a payment's, not a receipt's (seed 000's sync actions)."""
        return self in PAYMENT_ACTIONS

    @property
    def on_customer(self) -> bool:
        """The command names a customer by their client ID (ESTADO and collections' RECORDAR, ETIQUETA...)."""
        return self in CUSTOMER_ACTIONS

    @property
    def subject(self) -> str:
        """What the command's number names: a receipt, a payment, a call task or a customer's ID."""
        if self.on_customer:
            return "<ID cliente>"
        if self is StaffActionKind.TASK_DONE:
            return "<tarea>"
        return "<pago>" if self.on_payment or self is StaffActionKind.RETURNED else "<número>"

    def usage(self) -> str:
        """The command's form with a placeholder for what its number names."""
        return " ".join(part for part in (self.command, self.subject, self.arguments) if part)

    def hint(self, intake_id: int | str) -> str:
        """The command for one receipt, its arguments still to fill in."""
        return " ".join(part for part in (self.command, str(intake_id), self.arguments) if part)

    def sample(self, intake_id: int | str) -> str:
        """The command for one receipt as a card shows it, with an example argument, spelled as a phone
        types it most easily (without accents)."""
        return " ".join(part for part in (strip_accents(self.command), str(intake_id), self.example) if part)

    def spoken(self, intake_id: int | str) -> str:
        """The command for one receipt as the help list says it: `RECHAZAR 123 motivo`."""
        plain = self.arguments.replace("<", "").replace(">", "")
        return " ".join(part for part in (self.command, str(intake_id), plain) if part)

    def callback(self, intake_id: int, choice: str | None = None) -> str:
        """The namespaced callback data of this action's button: `pay:<kind>:<id>[:<choice>]`."""
        return f"pay:{self.value}:{intake_id}" + (f":{choice}" if choice else "")

    @classmethod
    def named(cls, value: str) -> StaffActionKind | None:
        try:
            return cls(value)
        except ValueError:
            return None


SUPPORT_ACTIONS = (StaffActionKind.APPROVE, StaffActionKind.CORRECT, StaffActionKind.REJECT, StaffActionKind.GRACE)
"""The actions under every support card, in their order."""
ACCOUNTING_ACTIONS = (StaffActionKind.APPLY, StaffActionKind.FLAG)
"""The actions under every accounting card, in their order."""
OVERPAYMENT_ACTIONS = {StaffActionKind.KEEP_CREDIT: Overpayment.CREDIT, StaffActionKind.REFUND: Overpayment.REFUND}
"""The actions under a card whose receipt paid more than was due, and the decision each records."""
PAYMENT_ACTIONS = (StaffActionKind.SYNC, StaffActionKind.SYNCED)
"""The actions on a payment not synced with the ERP, in their order (accounting's message and the portal)."""
COLLECTIONS_ACTIONS = (StaffActionKind.REMIND, StaffActionKind.TAG, StaffActionKind.UNTAG, StaffActionKind.BLOCK,
                       StaffActionKind.UNBLOCK, StaffActionKind.RETURNED, StaffActionKind.TASK_DONE)
"""Collections' actions (issue 15), carried out by its desk: on a customer, a payment taken back, a call task."""
CUSTOMER_ACTIONS = (StaffActionKind.STATEMENT, StaffActionKind.REMIND, StaffActionKind.TAG, StaffActionKind.UNTAG,
                    StaffActionKind.BLOCK, StaffActionKind.UNBLOCK)
"""The actions whose text command names a customer by their client ID (a card's button names its receipt)."""
