"""What staff do about customers who owe, from any surface (the command line, a chat, later the portal): tag,
block and unblock, assign and close call tasks, take a payment back. Each action is one transaction with its
audit row and what it tells the customer and staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.collections import access, tags, tasks
from bot.collections.announce import announce_access
from bot.collections.arrears import arrears_one
from bot.collections.contact import customer_context, tell_customer
from bot.collections.returns import Reversal, ReversalKind, ReversalRefused, reverse_payment
from bot.config import Settings
from bot.contracts.registry import find_by_client_id, stored_phones
from bot.db.models import AuditEvent, CallTask, Customer, StaffMember
from bot.db.types import utcnow
from bot.intake.cards import customer_label
from bot.intake.messages import Audience
from bot.intake.sending import Messenger
from bot.intake.staff import shown_name
from bot.vocabulary import ReplyKind, StaffMessage


class CollectionsRefused(Exception):
    """The action cannot be carried out; the message says why, in Spanish."""


@dataclass(frozen=True)
class Operator:
    """Who acts: the name the audit and the customer's record show, their staff record, where they acted."""

    name: str
    staff_id: int | None = None
    channel: str = "cli"
    user: str = ""


@dataclass(frozen=True)
class CollectionsDesk:
    """Carries out collections actions with what they need: settings, database, messenger, clock."""

    settings: Settings
    engine: Engine
    messenger: Messenger
    clock: Callable[[], datetime] = utcnow
    local_channel: str = "sandbox"

    def today(self) -> date:
        return self.clock().astimezone(self.settings.tz).date()

    def customer(self, session: Session, client_id: str) -> Customer:
        customer = find_by_client_id(session, client_id)
        if customer is None or customer.id is None:
            raise CollectionsRefused(f"no hay cliente con ID {client_id}")
        return customer

    def _audit(self, session: Session, operator: Operator, action: str, detail: str) -> None:
        session.add(AuditEvent(kind="collections_action", channel=operator.channel[:20],
                               user=(operator.user or operator.name)[:120], chat=operator.channel[:120],
                               action=action[:20], reason="done", staff_id=operator.staff_id, detail=detail,
                               created_at=self.clock()))

    # -- tags -----------------------------------------------------------------------------------

    def tag(self, client_id: str, tag: str, operator: Operator, *, remove: bool = False) -> str:
        with Session(self.engine, expire_on_commit=False) as session:
            customer = self.customer(session, client_id)
            try:
                changed = (tags.remove_tag if remove else tags.add_tag)(session, customer, tag)
                clean = tags.clean_tag(tag)
            except tags.TagRefused as refusal:
                raise CollectionsRefused(str(refusal)) from None
            if changed:
                self._audit(session, operator, "untag" if remove else "tag", f"{customer.client_id}: {clean}")
            session.commit()
        shown = ", ".join(customer.tags) or "ninguna"
        if remove:
            done = f"se quitó «{clean}»" if changed else f"no tenía «{clean}»"
        else:
            done = f"etiquetado «{clean}»" if changed else f"ya tenía «{clean}»"
        return f"Cliente {customer.client_id} ({customer.full_name}): {done}. Etiquetas: {shown}."

    # -- access -----------------------------------------------------------------------------------

    def set_access(self, client_id: str, operator: Operator, *, blocked: bool, reason: str) -> str:
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            customer = self.customer(session, client_id)
            try:
                access.change(session, customer, blocked=blocked, reason=reason, actor=operator.name, now=now,
                              staff_id=operator.staff_id)
            except access.AccessRefused as refusal:
                raise CollectionsRefused(str(refusal)) from None
            self._audit(session, operator, "block" if blocked else "unblock", f"{customer.client_id}: {reason}")
            announce_access(session, self.messenger, today=self.today(), now=now, local_channel=self.local_channel)
            session.commit()
        word = "bloqueado" if blocked else "desbloqueado"
        return f"Cliente {customer.client_id} ({customer.full_name}) {word}: {reason.strip()}. Se avisó al " \
               "cliente y a soporte" + (" y al sistema de la empresa." if self.settings.access_webhook_url else ".")

    def release_paid(self, customer_ids: list[int]) -> int:
        """After a payment or credit: unblock whoever has nothing overdue any more, and announce it."""
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            released = access.release_paid(session, self.today(), now, customer_ids)
            if released:
                announce_access(session, self.messenger, today=self.today(), now=now,
                                local_channel=self.local_channel)
            session.commit()
        return len(released)

    # -- call tasks -------------------------------------------------------------------------------

    def assign_task(self, client_id: str, staff_id: int, operator: Operator, *, note: str = "") -> CallTask:
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            customer = self.customer(session, client_id)
            member = session.get(StaffMember, staff_id)
            if member is None:
                raise CollectionsRefused(f"no hay nadie con el número #{staff_id} (paybot staff list)")
            try:
                task = tasks.assign(session, customer, member, created_by=operator.name, note=note, now=now)
            except tasks.TaskRefused as refusal:
                raise CollectionsRefused(str(refusal)) from None
            arrears = arrears_one(session, customer.id or 0, self.today())
            text = self.messenger.replies.render(StaffMessage.CALL_TASK.template, {
                "task_id": task.id, "assignee": shown_name(member), "customer_label": customer_label(customer),
                "phones": ", ".join(sorted(stored_phones(customer))), "note": task.note,
                "amount": arrears.amounts[0] if arrears.amounts else None, "days_late": arrears.days_late,
                "created_by": operator.name, "close_hint": f"TAREA {task.id} <resultado> o "
                                                           f"paybot tasks close {task.id} --note \"...\""})
            self.messenger.tell_staff(session, _audience_of(member), StaffMessage.CALL_TASK, text, intake_id=None,
                                      key=f"task:{task.id}", to=_chats_of(self.settings, member, self.local_channel))
            self._audit(session, operator, "task", f"#{task.id} {customer.client_id} -> #{member.id}")
            session.commit()
        return task

    def close_task(self, task_id: int, operator: Operator, *, note: str, only_assignee: bool = False) -> CallTask:
        with Session(self.engine, expire_on_commit=False) as session:
            member = session.get(StaffMember, operator.staff_id) if operator.staff_id and only_assignee else None
            try:
                task = tasks.close(session, task_id, note=note, closed_by=operator.name, now=self.clock(),
                                   member=member)
            except tasks.TaskRefused as refusal:
                raise CollectionsRefused(str(refusal)) from None
            self._audit(session, operator, "task_close", f"#{task.id}: {task.outcome}")
            session.commit()
        return task

    # -- payments taken back ----------------------------------------------------------------------

    def take_back(self, payment_id: int, operator: Operator, *, kind: ReversalKind, reason: str,
                  tell: bool) -> Reversal:
        """Return (bank) or undo (mistake) a payment; the customer is told when `tell`."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                reversal = reverse_payment(session, payment_id, kind=kind, reason=reason, actor=operator.name,
                                           today=self.today(), staff_id=operator.staff_id, source=operator.channel)
            except ReversalRefused as refusal:
                raise CollectionsRefused(str(refusal)) from None
            if tell:
                tell_about_reversal(session, self.messenger, reversal, local_channel=self.local_channel)
            self._audit(session, operator, kind.value, f"pago {payment_id}: {reason}")
            session.commit()
        return reversal


def tell_about_reversal(session: Session, messenger: Messenger, reversal: Reversal,
                        local_channel: str = "sandbox") -> bool:
    """Tell the customer their payment was returned (and its new due date) or undone; False if unreachable."""
    customer = session.get(Customer, reversal.payment.customer_id)
    if customer is None:
        return False
    returned = reversal.record.kind == ReversalKind.RETURNED.value
    context = {**customer_context(messenger.settings, customer), "amount": reversal.amount,
               "reference": reversal.payment.reference or "", "reason": reversal.record.reason,
               "new_due": reversal.new_due if returned else None}
    kind = ReplyKind.PAYMENT_RETURNED if returned else ReplyKind.PAYMENT_UNDONE
    chat = tell_customer(session, messenger, customer, kind, context, key=f"reversal:{reversal.record.id}",
                         local_channel=local_channel)
    reversal.record.customer_told = chat is not None
    session.add(reversal.record)
    return chat is not None


def _audience_of(member: StaffMember) -> Audience:
    return Audience.ACCOUNTING if member.role == "accounting" else Audience.SUPPORT


def _chats_of(settings: Settings, member: StaffMember, local_channel: str) -> list[tuple[str, str]]:
    """A staff member's own chat: their WhatsApp number, else their Telegram id, else the local channel."""
    if member.whatsapp_number and settings.whatsapp_enabled:
        return [("whatsapp", member.whatsapp_number)]
    if member.telegram_user_id is not None and settings.telegram_enabled:
        return [("telegram", str(member.telegram_user_id))]
    return [(local_channel, _audience_of(member).value)]
