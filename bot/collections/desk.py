"""What staff do about customers who owe, from any surface (the command line, a chat, later the portal): tag,
block and unblock, assign and close call tasks, take a payment back. Each action is one transaction with its
audit row and what it tells the customer and staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.account.entries import ZERO
from bot.accounting.sync import queue_reversal
from bot.collections import access, tags, tasks
from bot.collections.announce import announce_access
from bot.collections.arrears import arrears_one
from bot.collections.calendar import BusinessCalendar
from bot.collections.contact import customer_chat, customer_context, tell_customer
from bot.collections.planner import chase
from bot.collections.returns import Reversal, ReversalKind, ReversalRefused, reverse_payment
from bot.config import Settings
from bot.contracts.registry import find_by_client_id, stored_phones
from bot.db.models import AuditEvent, CallTask, Customer, Reminder, StaffMember
from bot.db.types import utcnow
from bot.intake.cards import customer_label
from bot.intake.messages import Audience, Button
from bot.intake.sending import Messenger
from bot.intake.staff import shown_name
from bot.vocabulary import ReplyKind, StaffActionKind, StaffMessage
from currency.text import fold

REMIND_KINDS = {
    "overdue": ReplyKind.REMINDER_OVERDUE, "vencido": ReplyKind.REMINDER_OVERDUE,
    "due": ReplyKind.REMINDER_DUE, "por-vencer": ReplyKind.REMINDER_DUE, "porvencer": ReplyKind.REMINDER_DUE,
    "statement": ReplyKind.REMINDER_STATEMENT, "estado": ReplyKind.REMINDER_STATEMENT,
}
"""The reminder staff ask for by hand, in the CLI's English or the chat's Spanish."""


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

    # -- reminders by hand ------------------------------------------------------------------------

    def remind(self, client_id: str, operator: Operator, *, kind: str | None = None) -> str:
        """A reminder sent by staff now (in business hours; else when they next start), whatever was planned
        today: of what is overdue, else of what falls due, or the statement; refused when nothing is owed."""
        from bot.collections.reminding import PlannedReminders

        chosen = REMIND_KINDS.get(fold(kind).strip()) if kind else None
        if kind and chosen is None:
            raise CollectionsRefused(f"no hay recordatorio «{kind}»: use vencido, por-vencer o estado")
        now, today = self.clock(), self.today()
        calendar = BusinessCalendar.from_settings(self.settings)
        with Session(self.engine, expire_on_commit=False) as session:
            customer = self.customer(session, client_id)
            arrears = arrears_one(session, customer.id or 0, today)
            if not arrears.open_charges:
                raise CollectionsRefused(f"el cliente {customer.client_id} no debe nada: no se le envía recordatorio")
            chosen = chosen or (ReplyKind.REMINDER_OVERDUE if arrears.overdue else ReplyKind.REMINDER_DUE)
            charges = {ReplyKind.REMINDER_OVERDUE: arrears.overdue, ReplyKind.REMINDER_STATEMENT: arrears.open_charges
                       }.get(chosen, tuple(c for c in arrears.open_charges if not c.overdue(today)))
            if not charges:
                what = "vencidas" if chosen is ReplyKind.REMINDER_OVERDUE else "por vencer"
                raise CollectionsRefused(f"el cliente {customer.client_id} no tiene cuotas {what}")
            chat = customer_chat(self.settings, customer, self.local_channel)
            if chat is None:
                raise CollectionsRefused(f"el cliente {customer.client_id} no tiene WhatsApp, Telegram ni correo "
                                         "por el que avisarle")
            currency = charges[0].currency
            mine = [c for c in charges if c.currency == currency]
            reminder = Reminder(
                customer_id=customer.id, contract_id=mine[0].contract_id if len(mine) == 1 else None,
                kind=chosen.value, channel=chat.channel, recipient=chat.recipient, due_at=now, created_at=now,
                payload=chase(sum((c.open for c in mine), ZERO), currency, [c.entry_id for c in mine],
                              days=(today - mine[0].due_date).days if mine[0].overdue(today) else 0),
                sent_by=operator.name[:120])
            session.add(reminder)
            session.flush()
            if calendar.is_open(now):
                PlannedReminders(self.engine, self.messenger, self.clock, self.local_channel).send_one(
                    session, reminder, now=now, today=today)
                when = "en cola de envío"
            else:
                when = f"se enviará al abrir, el {calendar.next_open(now):%d/%m/%Y a las %H:%M}"
            self._audit(session, operator, "remind", f"{customer.client_id}: {chosen.value}")
            session.commit()
        return f"Recordatorio ({chosen.label}) al cliente {customer.client_id} ({customer.full_name}): {when}."

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
                                      key=f"task:{task.id}", to=_chats_of(self.settings, member, self.local_channel),
                                      buttons=task_buttons(task.id or 0, customer.client_id))
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
            reversal_to_erp(session, self.settings, reversal, now=self.clock())
            self._audit(session, operator, kind.value, f"pago {payment_id}: {reason}")
            session.commit()
        return reversal


def reversal_to_erp(session: Session, settings: Settings, reversal: Reversal, *, now: datetime) -> bool:
    """Queue the reversal for the ERP in the same transaction, when a connector is configured and the ERP had
    the payment; True when queued."""
    if settings.erp_connector == "none" or reversal.record.id is None:
        return False
    reopened = [{"description": line.description, "amount": str(line.amount.amount),
                 "currency": line.amount.currency, "due_date": line.due_date.isoformat()}
                for line in reversal.reopened]
    delivery = queue_reversal(session, reversal.payment, reversal_id=reversal.record.id, kind=reversal.record.kind,
                              reason=reversal.record.reason, reopened=reopened, tz=settings.tz, now=now)
    return delivery is not None


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


def customer_buttons(client_id: str, *kinds: StaffActionKind) -> list[Button]:
    """Buttons acting on one customer, naming them by client ID (only a plain numeric ID fits a button)."""
    if not client_id.isdigit() or len(client_id) > 20:
        return []
    return [Button(kind.button, kind.callback(0, client_id)) for kind in kinds]


def task_buttons(task_id: int, client_id: str) -> list[Button]:
    """Under a call task: close it with the outcome, remind the customer, tag or block them."""
    done = StaffActionKind.TASK_DONE
    return [Button(done.button, done.callback(task_id)),
            *customer_buttons(client_id, StaffActionKind.REMIND, StaffActionKind.TAG, StaffActionKind.BLOCK)]


def _audience_of(member: StaffMember) -> Audience:
    return Audience.ACCOUNTING if member.role == "accounting" else Audience.SUPPORT


def _chats_of(settings: Settings, member: StaffMember, local_channel: str) -> list[tuple[str, str]]:
    """Where a staff member reads and acts: their WhatsApp number, else their role's Telegram group (staff act
    only in their group there, so the task's buttons work; the task names who calls), else the local channel."""
    if member.whatsapp_number and settings.whatsapp_enabled:
        return [("whatsapp", member.whatsapp_number)]
    if member.telegram_user_id is not None and settings.telegram_enabled:
        group = (settings.telegram_accounting_chat_id if member.role == "accounting"
                 else settings.telegram_support_chat_id)
        return [("telegram", str(group if group is not None else member.telegram_user_id))]
    return [(local_channel, _audience_of(member).value)]
