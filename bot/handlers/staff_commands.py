"""The staff text-command grammar ("APLICADO 123", "RECHAZAR 123 motivo"), shared by every text channel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.vocabulary import FIELD_WORDS, ReceiptField, RejectReason, StaffActionKind
from currency.text import fold

REASON_CODES: dict[str, str] = {
    word: reason.value for reason in RejectReason for word in (*reason.words, reason.value)
}
"""Spanish reason phrases (written without accents, lower case) and the codes the core knows."""

VERBS: dict[str, StaffActionKind | None] = {
    **{fold(verb): kind for kind in StaffActionKind for verb in kind.verbs},
    "ayuda": None,
}
"""First words that make a message a staff command; None is the help request."""

HELP_TOPICS: dict[str, tuple[str, tuple[StaffActionKind, ...]]] = {
    "comprobantes": ("comprobantes (el número es el del comprobante)", (
        StaffActionKind.APPROVE, StaffActionKind.CORRECT, StaffActionKind.REJECT, StaffActionKind.GRACE,
        StaffActionKind.CONTRACT, StaffActionKind.KEEP_CREDIT, StaffActionKind.REFUND, StaffActionKind.APPLY,
        StaffActionKind.FLAG, StaffActionKind.CLOSE_CASE)),
    "pagos": ("pagos y estados de cuenta (123: el pago; 1001: el ID del cliente)", (
        StaffActionKind.STATEMENT, StaffActionKind.SYNC, StaffActionKind.SYNCED, StaffActionKind.RETURNED)),
    "cobro": ("cobro (1001: el ID del cliente; en TAREA, el número de la tarea)", (
        StaffActionKind.REMIND, StaffActionKind.TAG, StaffActionKind.UNTAG, StaffActionKind.BLOCK,
        StaffActionKind.UNBLOCK, StaffActionKind.TASK_DONE)),
}
"""The staff commands by topic, so each help message fits one WhatsApp message (1 600 characters)."""


def _topic_help(topic: str) -> str:
    title, kinds = HELP_TOPICS[topic]
    return "\n".join([f"Comandos de {title}:",
                      *(f"• {kind.spoken(1001 if kind.on_customer else 123)}: {kind.meaning}" for kind in kinds)])


HELP_TEXT = "\n".join([
    _topic_help("comprobantes"),
    "Más comandos: " + " · ".join(f"AYUDA {topic.upper()}" for topic in HELP_TOPICS if topic != "comprobantes"),
])
"""What AYUDA alone answers: the receipt commands most staff use, and how to see the others."""


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
        return _help_request(words[1:])
    usage = f"Uso: {kind.usage()}. Escriba AYUDA para ver todos los comandos."
    if kind is StaffActionKind.STATEMENT:
        named = [word for word in words[1:] if any(ch.isdigit() for ch in word)]
        if len(named) != 1 or len(named[0]) > 40:
            return CommandError(usage)
        return StaffCommand(kind, 0, value=named[0].lstrip("#"))
    if kind.on_customer:
        client_id = words[1].lstrip("#") if len(words) > 1 else ""
        said = " ".join(words[2:])
        if not any(ch.isdigit() for ch in client_id) or len(client_id) > 40:
            return CommandError(usage)
        if not said and kind is not StaffActionKind.REMIND:
            return CommandError(usage)
        return StaffCommand(kind, 0, value=client_id, reason=said or None)
    match = _ID.match(fold(words[1])) if len(words) > 1 else None
    if match is None:
        return CommandError(usage)
    intake_id = int(match.group(1))
    rest = words[2:]
    if kind in (StaffActionKind.APPROVE, StaffActionKind.APPLY, StaffActionKind.GRACE, StaffActionKind.KEEP_CREDIT,
                StaffActionKind.REFUND, StaffActionKind.SYNC):
        return StaffCommand(kind, intake_id) if not rest else CommandError(usage)
    if kind is StaffActionKind.CONTRACT:
        if not rest or len(rest) > 2:
            return CommandError(usage)
        return StaffCommand(kind, intake_id, value=" ".join(rest))
    if kind in (StaffActionKind.SYNCED, StaffActionKind.CLOSE_CASE, StaffActionKind.RETURNED,
                StaffActionKind.TASK_DONE):
        return StaffCommand(kind, intake_id, reason=" ".join(rest)) if rest else CommandError(usage)
    if kind in (StaffActionKind.REJECT, StaffActionKind.FLAG):
        if not rest:
            return CommandError(usage)
        return StaffCommand(kind, intake_id, reason=_reason(" ".join(rest)))
    field = field_named(rest[0]) if rest else None
    if field is None or len(rest) < 2:
        return CommandError(f"{usage} Campos: {FIELD_WORDS}.")
    return StaffCommand(kind, intake_id, field=field.value, value=" ".join(rest[1:]))


def _help_request(rest: list[str]) -> ParsedText | None:
    if not rest:
        return HelpRequest()
    topic = fold(rest[0]).strip(":,.")
    if len(rest) == 1 and topic in HELP_TOPICS:
        return HelpRequest(_topic_help(topic))
    return HelpRequest() if len(rest) == 1 else None


def field_named(word: str) -> ReceiptField | None:
    """The correctable field staff mean by `word` (monto, Fecha, ID...), or None."""
    return ReceiptField.named(fold(word).strip(":"))


def command_for_button(data: str) -> str | None:
    """The text command that does what a card's button does, for channels without buttons."""
    parts = data.split(":")
    kind = StaffActionKind.named(parts[1]) if len(parts) >= 3 and parts[0] == "pay" else None
    if kind is None or not parts[2].isdigit():
        return None
    if len(parts) > 3 and kind in (StaffActionKind.REJECT, StaffActionKind.FLAG):
        choice = ":".join(parts[3:])
        reason = RejectReason.named(choice)
        return f"{kind.command} {parts[2]} {reason.word if reason else choice}"
    if kind is StaffActionKind.CONTRACT and len(parts) > 3:
        return f"{kind.command} {parts[2]} #{parts[3]}"
    if kind is StaffActionKind.RETURNED and parts[2] == "0":
        return f"{kind.command} {parts[3]} {kind.arguments}" if len(parts) > 3 and parts[3].isdigit() else None
    if kind.on_customer:
        if len(parts) < 4 or not parts[3].isdigit():
            return None
        needed = kind.arguments if kind.arguments.startswith("<") else ""
        return " ".join(part for part in (kind.command, parts[3], needed) if part)
    return kind.hint(parts[2])
