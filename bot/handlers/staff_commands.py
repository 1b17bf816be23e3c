"""The staff text-command grammar ("APLICADO 123", "RECHAZAR 123 motivo"), shared by every text channel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intake.messages import StaffActionKind
from currency.text import fold

REASON_CODES: dict[str, str] = {
    "fuera de plazo": "too_old",
    "muy viejo": "too_old",
    "vencido": "too_old",
    "too_old": "too_old",
    "no es a la empresa": "not_company",
    "no es de la empresa": "not_company",
    "otra empresa": "not_company",
    "not_company": "not_company",
    "duplicado": "duplicate",
    "repetido": "duplicate",
    "duplicate": "duplicate",
    "ilegible": "unreadable",
    "no se lee": "unreadable",
    "unreadable": "unreadable",
}
"""Spanish reason phrases (written without accents, lower case) and the codes the core knows."""

REASON_WORDS: dict[str, str] = {
    "too_old": "fuera de plazo",
    "not_company": "no es a la empresa",
    "duplicate": "duplicado",
    "unreadable": "ilegible",
}
"""The phrase staff type for each reason code (the inverse of REASON_CODES, for hints)."""

FIELDS: dict[str, str] = {
    "monto": "amount",
    "amount": "amount",
    "fecha": "date",
    "date": "date",
    "referencia": "reference",
    "ref": "reference",
    "comprobante": "reference",
    "reference": "reference",
    "id": "client_id",
    "cliente": "client_id",
    "client_id": "client_id",
    "banco": "bank",
    "bank": "bank",
    "pagador": "payer_name",
    "payer_name": "payer_name",
    "beneficiario": "payee_name",
    "payee_name": "payee_name",
}
"""Field names staff may correct, Spanish or English, and the receipt field each one means."""

FIELD_WORDS = "monto, fecha, referencia, id, banco, pagador, beneficiario"

VERBS: dict[str, StaffActionKind | None] = {
    "aprobar": StaffActionKind.APPROVE,
    "aprobado": StaffActionKind.APPROVE,
    "aprobada": StaffActionKind.APPROVE,
    "aplicado": StaffActionKind.APPLY,
    "aplicada": StaffActionKind.APPLY,
    "aplicar": StaffActionKind.APPLY,
    "rechazar": StaffActionKind.REJECT,
    "rechazado": StaffActionKind.REJECT,
    "rechazada": StaffActionKind.REJECT,
    "corregir": StaffActionKind.CORRECT,
    "prorroga": StaffActionKind.GRACE,
    "devolver": StaffActionKind.FLAG,
    "ayuda": None,
}
"""First words that make a message a staff command; None is the help request."""

USAGE: dict[StaffActionKind, str] = {
    StaffActionKind.APPROVE: "APROBAR <número>",
    StaffActionKind.APPLY: "APLICADO <número>",
    StaffActionKind.REJECT: "RECHAZAR <número> <motivo>",
    StaffActionKind.CORRECT: "CORREGIR <número> <campo> <valor>",
    StaffActionKind.GRACE: "PRÓRROGA <número>",
    StaffActionKind.FLAG: "DEVOLVER <número> <motivo>",
}

HELP_TEXT = "\n".join(
    [
        "Comandos de soporte y contabilidad (el número es el del comprobante):",
        "• APROBAR 123: el comprobante está bien, pasa a contabilidad",
        "• RECHAZAR 123 motivo: fuera de plazo, no es a la empresa, duplicado, ilegible u otro texto",
        "• CORREGIR 123 campo valor: monto, fecha, referencia, id, banco, pagador o beneficiario",
        "• PRÓRROGA 123: extiende el contrato 3 días y avisa a contabilidad",
        "• APLICADO 123: el pago quedó aplicado (contabilidad)",
        "• DEVOLVER 123 motivo: contabilidad lo devuelve a soporte",
        "• AYUDA: esta lista",
    ]
)


@dataclass(frozen=True)
class StaffCommand:
    """A well-formed staff command; what it means for the intake is the core's decision."""

    kind: StaffActionKind
    intake_id: int
    field: str | None = None
    value: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class HelpRequest:
    """The staff member asked for the list of commands."""

    text: str = HELP_TEXT


@dataclass(frozen=True)
class CommandError:
    """A message that starts like a command but is not one; `usage` is the Spanish line to show."""

    usage: str


ParsedText = StaffCommand | HelpRequest | CommandError


_ID = re.compile(r"^#?(\d{1,12})$")


def _reason(text: str) -> str:
    folded = " ".join(fold(text).split()).strip(" .,:;!")
    return REASON_CODES.get(folded, " ".join(text.split()))


def parse_staff_command(text: str | None) -> ParsedText | None:
    """Read one staff command; None when the text is not a command at all (e.g. a customer's message)."""
    if not text:
        return None
    words = text.strip().split()
    if not words:
        return None
    verb = fold(words[0]).strip(":,.")
    if verb not in VERBS:
        return None
    kind = VERBS[verb]
    if kind is None:
        return HelpRequest() if len(words) == 1 else None
    usage = f"Uso: {USAGE[kind]}. Escriba AYUDA para ver todos los comandos."
    match = _ID.match(fold(words[1])) if len(words) > 1 else None
    if match is None:
        return CommandError(usage)
    intake_id = int(match.group(1))
    rest = words[2:]
    if kind in (StaffActionKind.APPROVE, StaffActionKind.APPLY, StaffActionKind.GRACE):
        return StaffCommand(kind, intake_id) if not rest else CommandError(usage)
    if kind in (StaffActionKind.REJECT, StaffActionKind.FLAG):
        if not rest:
            return CommandError(usage)
        return StaffCommand(kind, intake_id, reason=_reason(" ".join(rest)))
    field = FIELDS.get(fold(rest[0]).strip(":")) if rest else None
    if field is None or len(rest) < 2:
        return CommandError(f"{usage} Campos: {FIELD_WORDS}.")
    return StaffCommand(kind, intake_id, field=field, value=" ".join(rest[1:]))


_HINTS: dict[str, str] = {
    "approve": "APROBAR {id}",
    "apply": "APLICADO {id}",
    "reject": "RECHAZAR {id} <motivo>",
    "correct": "CORREGIR {id} <campo> <valor>",
    "grace": "PRÓRROGA {id}",
    "flag": "DEVOLVER {id} <motivo>",
}


def command_for_button(data: str) -> str | None:
    """The text command that does what a card's button does, for channels without buttons."""
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != "pay" or parts[1] not in _HINTS or not parts[2].isdigit():
        return None
    if len(parts) > 3 and parts[1] in ("reject", "flag"):
        reason = ":".join(parts[3:])
        return f"{_HINTS[parts[1]].split(' <')[0].format(id=parts[2])} {REASON_WORDS.get(reason, reason)}"
    return _HINTS[parts[1]].format(id=parts[2])
