"""The intake core: turns inbound messages into durable intakes, reads and checks them, routes them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.contracts.checks import CheckReport, check_receipt
from bot.db.models import Customer, Intake
from bot.db.types import utcnow
from bot.intake import cards
from bot.intake.media import store_media
from bot.intake.messages import Audience, InboundMessage, StaffAction, StaffResult
from bot.intake.outbox import enqueue
from bot.intake.replies import Replies
from bot.intake.staff import destinations, reads_text_commands
from bot.intake.states import IntakeState, event_count, record, transition
from bot.ocr import UnreadableReceipt, read_receipt, read_text
from bot.ocr.fields import ReceiptFields

log = logging.getLogger(__name__)

class Reader(Protocol):
    """Reads one receipt file or pasted text, never on the event loop (the process pool in production)."""

    async def read(self, data: bytes) -> ReceiptFields: ...

    async def read_text(self, text: str) -> ReceiptFields: ...


class InlineReader:
    """Reads in a thread of the calling process (the terminal command and tests); production uses the pool."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def read(self, data: bytes) -> ReceiptFields:
        return await asyncio.to_thread(
            read_receipt, data, client_id_pattern=self.settings.client_id_pattern,
            timeout=self.settings.ocr_timeout_seconds, max_bytes=self.settings.max_upload_bytes,
        )

    async def read_text(self, text: str) -> ReceiptFields:
        return await asyncio.to_thread(read_text, text, client_id_pattern=self.settings.client_id_pattern)


def cut_text(text: str | None, limit: int) -> str | None:
    """A customer's text bounded to `limit` characters, so storing and reading it costs little whatever was sent."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit]


class IntakeCore:
    """The one place that decides: what an inbound message becomes, what staff actions do, who is told."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        reader: Reader,
        replies: Replies | None = None,
        now: Callable[[], datetime] = utcnow,
        local_staff_channel: str = "sandbox",
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.reader = reader
        self.replies = replies or Replies(settings.templates_dir)
        self.now = now
        self.local_staff_channel = local_staff_channel
        self.intake_ready = asyncio.Event()
        self.outbox_ready = asyncio.Event()

    # -- inbound -------------------------------------------------------------------------------

    async def receive(self, message: InboundMessage) -> int | None:
        """Store `message` as an intake (None when this channel message was already received)."""
        intake_id = await asyncio.to_thread(self._store, message)
        if intake_id is not None:
            self.intake_ready.set()
            self.outbox_ready.set()
        return intake_id

    def _store(self, message: InboundMessage) -> int | None:
        media_path: str | None = None
        digest: str | None = None
        if message.media:
            path, digest = store_media(self.settings.media_dir, message.media, message.media_type)
            media_path = str(path)
        text = cut_text(message.text, self.settings.max_text_chars)
        with Session(self.engine, expire_on_commit=False) as session:
            intake = Intake(
                channel=message.channel,
                external_id=message.external_id,
                sender=message.sender,
                sender_name=message.sender_name[:200],
                reply_to=message.reply_to,
                text=text,
                media_path=media_path,
                media_sha256=digest,
                media_type=(message.media_type or "")[:60] or None,
                error=message.media_error,
                created_at=message.received_at,
            )
            session.add(intake)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                log.info("%s message %s already received", message.channel, message.external_id)
                return None
            changes: dict[str, Any] = {"channel": message.channel, "external_id": message.external_id}
            if text is not None and message.text is not None and len(text) < len(message.text):
                changes["text_cut_from"] = len(message.text)
            record(session, intake, actor="customer", reason="recibido", changes=changes)
            if media_path is not None and message.media_error is None:
                self.tell_customer(session, intake, "ack", cards.greeting_context(self, session, intake))
            session.commit()
            return intake.id

    # -- reading and checking (run by the worker) --------------------------------------------

    async def process(self, intake_id: int) -> None:
        """Move one intake forward from `received` or `read` as far as the bot can take it."""
        intake = await asyncio.to_thread(self._load, intake_id)
        if intake is None:
            return
        if intake.state == IntakeState.RECEIVED.value:
            await self._read(intake)
        await asyncio.to_thread(self._check_if_read, intake_id)
        self.outbox_ready.set()

    def _load(self, intake_id: int) -> Intake | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(Intake, intake_id)

    def _check_if_read(self, intake_id: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            intake = session.get(Intake, intake_id)
            if intake is not None and intake.state == IntakeState.READ.value:
                self._check_and_route(session, intake)
                session.commit()

    async def _read(self, intake: Intake) -> None:
        fields: ReceiptFields | None = None
        problem: tuple[str, str] | None = None
        if intake.error == "too_large":
            problem = ("file_too_large", "archivo demasiado grande para el canal")
        elif intake.error == "unsupported_type":
            problem = ("unreadable", "tipo de archivo que no es un comprobante")
        elif intake.error:
            problem = ("unreadable", f"no se pudo descargar el archivo ({intake.error})")
        elif intake.media_path:
            try:
                data = await asyncio.to_thread(_read_bytes, intake.media_path)
                fields = await self.reader.read(data)
            except UnreadableReceipt as error:
                log.info("intake %s unreadable: %s", intake.id, error)
                problem = ("unreadable", str(error))
        elif intake.text:
            try:
                fields = await self.reader.read_text(cut_text(intake.text, self.settings.max_text_chars) or "")
            except UnreadableReceipt as error:
                log.info("intake %s text not read: %s", intake.id, error)
                fields = None
            if fields is None or (fields.amount is None and fields.reference is None):
                problem = ("ask_receipt", "mensaje sin comprobante")
        else:
            problem = ("ask_receipt", "mensaje vacío")
        await asyncio.to_thread(self._store_reading, intake, fields, problem)

    def _store_reading(self, intake: Intake, fields: ReceiptFields | None, problem: tuple[str, str] | None) -> None:
        """Record what the reader made of the intake, and who hears about it, in one transaction."""
        with Session(self.engine, expire_on_commit=False) as session:
            current = session.get(Intake, intake.id)
            if current is None or current.state != IntakeState.RECEIVED.value:
                return
            follows_up = problem is not None and problem[0] == "ask_receipt"
            earlier = self._recent_intake_of_sender(session, current) if follows_up else None
            if problem is not None and earlier is not None:
                current.reply_kind = "follow_up"
                transition(session, current, IntakeState.NEEDS_INFO, actor="bot",
                           reason=f"mensaje del cliente sobre el comprobante #{earlier.id}")
                text = self.replies.render("customer_note", cards.customer_note_context(current, about=earlier.id))
                self.tell_staff(session, Audience.SUPPORT, "customer_note", text, intake=current,
                                key=f"intake:{current.id}:customer_note")
            elif problem is not None:
                kind, reason = problem
                current.reply_kind = kind
                transition(session, current, IntakeState.NEEDS_INFO, actor="bot", reason=reason)
                self.tell_customer(session, current, kind, cards.greeting_context(self, session, current))
                if kind == "ask_receipt" and current.text:
                    # Whatever a customer writes reaches a person, even when it is not a receipt.
                    text = self.replies.render("customer_note", cards.customer_note_context(current, about=None))
                    self.tell_staff(session, Audience.SUPPORT, "customer_note", text, intake=current,
                                    key=f"intake:{current.id}:customer_note")
            else:
                assert fields is not None
                current.fields = cards.fields_to_json(fields)
                current.confidences = dict(fields.confidence)
                transition(session, current, IntakeState.READ, actor="bot",
                           changes={"fields": current.fields})
                if current.media_path is None:
                    self.tell_customer(session, current, "ack_message",
                                       cards.greeting_context(self, session, current))
            session.commit()

    def _recent_intake_of_sender(self, session: Session, intake: Intake) -> Intake | None:
        """The sender's latest receipt of the last day: a text after it is a follow-up for support."""
        since = self.now() - timedelta(hours=24)
        return session.exec(
            select(Intake)
            .where(Intake.channel == intake.channel, Intake.sender == intake.sender)
            .where(col(Intake.id) != intake.id)
            .where(or_(col(Intake.reply_kind).is_(None), col(Intake.reply_kind).not_in(["ask_receipt", "follow_up"])))
            .where(col(Intake.created_at) >= since)
            .order_by(col(Intake.id).desc())
        ).first()

    def give_up(self, intake_id: int, error: str) -> None:
        """After repeated failures: ask the customer for a screenshot and hand the intake to support."""
        with Session(self.engine, expire_on_commit=False) as session:
            intake = session.get(Intake, intake_id)
            if intake is None or intake.state not in (IntakeState.RECEIVED.value, IntakeState.READ.value):
                return
            intake.error = error[:1000]
            intake.reply_kind = "unreadable"
            transition(session, intake, IntakeState.NEEDS_INFO, actor="bot", reason=f"error interno: {error[:200]}")
            self.tell_customer(session, intake, "unreadable", cards.greeting_context(self, session, intake))
            self.send_support_card(session, intake, note=f"No se pudo procesar automáticamente: {error[:300]}")
            session.commit()

    def _check_and_route(self, session: Session, intake: Intake, actor: str = "bot") -> None:
        """Run the checks, store the report, and send the intake to review or to accounting."""
        report = self.run_checks(session, intake)
        transition(session, intake, IntakeState.CHECKED, actor=actor,
                   changes={"reply_kind": report.reply_kind})
        if self._can_auto_forward(intake, report):
            transition(session, intake, IntakeState.FORWARDED, actor="bot",
                       reason="todas las revisiones pasaron con lectura segura")
            from bot.intake.actions import forward_to_accounting

            forward_to_accounting(self, session, intake, approved_by="bot")
        else:
            transition(session, intake, IntakeState.IN_REVIEW, actor="bot")
            self.send_support_card(session, intake)

    def run_checks(self, session: Session, intake: Intake) -> CheckReport:
        """Check the intake's fields and store the report, customer, contract and proposed reply."""
        fields = ReceiptFields.from_json(intake.fields)
        report = check_receipt(
            session,
            fields,
            sender_channel=intake.channel,
            sender=intake.sender,
            media_sha256=intake.media_sha256,
            intake_id=intake.id,
            settings=self.settings,
            now=self.now(),
        )
        intake.checks = {**report.to_json(), "passed": report.passed()}
        intake.amount_due = report.amount_due.to_json() if report.amount_due is not None else {}
        intake.customer_id = report.customer_id
        intake.contract_id = report.contract_id
        intake.reply_kind = report.reply_kind
        session.add(intake)
        return report

    def _can_auto_forward(self, intake: Intake, report: CheckReport) -> bool:
        if not self.settings.auto_forward or not report.passed() or report.reply_kind != "received":
            return False
        needed = ("amount", "date", "reference", "client_id")
        threshold = self.settings.auto_forward_confidence
        return all(intake.confidences.get(key, 0.0) >= threshold for key in needed)

    # -- staff ----------------------------------------------------------------------------------

    async def act(self, action: StaffAction) -> StaffResult:
        """Carry out a staff member's decision after checking who they are and where they speak."""
        from bot.intake.actions import perform

        result = await asyncio.to_thread(perform, self, action)
        self.outbox_ready.set()
        self.intake_ready.set()
        return result

    # -- outbound helpers used by the actions -------------------------------------------------

    def customer(self, session: Session, intake: Intake) -> Customer | None:
        return session.get(Customer, intake.customer_id) if intake.customer_id else None

    def tell_customer(self, session: Session, intake: Intake, kind: str, context: dict[str, Any],
                      key_suffix: str = "") -> None:
        """Queue customer script `kind` for the intake's sender, once per key."""
        enqueue(
            session,
            dedupe_key=f"intake:{intake.id}:customer:{kind}{key_suffix}",
            channel=intake.channel,
            recipient=intake.reply_to or intake.sender,
            audience=Audience.CUSTOMER,
            kind=kind,
            text=self.replies.render(kind, context),
            intake_id=intake.id,
        )

    def tell_staff(self, session: Session, audience: Audience, kind: str, text: str, *,
                   intake: Intake | None, key: str, with_media: bool = False,
                   buttons: tuple[Any, ...] = ()) -> None:
        """Queue a staff message to every destination of `audience`."""
        for channel, recipient in destinations(self.settings, audience, self.local_staff_channel):
            enqueue(
                session,
                dedupe_key=f"{key}:{channel}:{recipient}",
                channel=channel,
                recipient=recipient,
                audience=audience,
                kind=kind,
                text=text,
                intake_id=intake.id if intake else None,
                media_path=intake.media_path if (intake and with_media) else None,
                buttons=buttons if channel != "whatsapp" else (),
            )

    def send_support_card(self, session: Session, intake: Intake, note: str = "") -> None:
        """Queue the review card (image, fields with confidence, checks, proposed reply) to support."""
        text = self.replies.render("support_card", cards.support_card_context(
            self, session, intake, note=note, text_commands=reads_text_commands(self.settings, Audience.SUPPORT)))
        version = event_count(session, intake)
        self.tell_staff(session, Audience.SUPPORT, "support_card", text, intake=intake,
                        key=f"intake:{intake.id}:support_card:{version}", with_media=True,
                        buttons=cards.support_buttons(intake.id or 0))


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()
