"""The intake core: turns inbound messages into durable intakes, reads and checks them, routes them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any, Protocol

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.accounting.desk import PaymentDesk, erp_sync
from bot.collections.chat import CollectionsChat
from bot.collections.desk import CollectionsDesk
from bot.config import Settings
from bot.db.models import Intake
from bot.db.turns import relaxed, urgent_writes
from bot.db.types import utcnow
from bot.intake.actions import StaffDesk
from bot.intake.facts import IntakeFacts, store_fields
from bot.intake.flood import place_in_queue, tell_flooding_sender
from bot.intake.hours import answer_out_of_hours
from bot.intake.messages import (
    ChannelWrite,
    DeliveredMessage,
    FetchedMedia,
    InboundMessage,
    MediaSource,
    StaffAction,
    StaffResult,
)
from bot.intake.outbox import delivered_on
from bot.intake.questions import answer
from bot.intake.replies import Replies
from bot.intake.review import check_and_route
from bot.intake.sending import Messenger
from bot.intake.staff import member_speaking
from bot.intake.states import IntakeState, record, transition
from bot.logs import about_intake
from bot.media_store import MediaStore, StoredMedia, media_store
from bot.ocr import UnreadableReceipt, read_receipt, read_text
from bot.ocr.fields import ReceiptFields
from bot.phases import Marks, mark, request_marks
from bot.vocabulary import COLLECTIONS_ACTIONS, CustomerQuestion, ReplyKind

log = logging.getLogger(__name__)

NOT_RECEIPTS = (ReplyKind.ASK_RECEIPT, ReplyKind.FOLLOW_UP, ReplyKind.BALANCE, ReplyKind.STATEMENT,
                ReplyKind.ACCOUNT_UNLINKED)
"""What the bot made of messages that were no receipt: a text after one of these is not about a receipt."""

STORE_BATCH = 32
"""At most this many arriving messages share one transaction."""
SERVER_STORERS = 4
"""Transactions storing arrivals at once on a database server (SQLite writes one at a time: one there)."""
MEDIA_WRITERS = 8
"""Files of arrivals stored at once, each as soon as it arrives (while earlier arrivals are committed): each
waits for its own disk sync (or upload to a bucket), so a burst costs about one sync instead of one per file."""


@dataclass
class _Arrival:
    """A message waiting to be committed: its file being stored, its sender's wait, its request's phases."""

    file: Future[tuple[InboundMessage, StoredMedia | None]]
    done: asyncio.Future[tuple[int | None, bool]]
    marks: Marks | None
    also: ChannelWrite | None = None


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
    """The one place that decides what an inbound message becomes and carries out staff decisions: the
    port every channel talks to. It holds what its parts use and hands each part only that."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        reader: Reader,
        replies: Replies | None = None,
        now: Callable[[], datetime] = utcnow,
        local_staff_channel: str = "sandbox",
        media: MediaStore | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.reader = reader
        self.now = now
        self.media = media or media_store(settings)
        self.messenger = Messenger(settings, replies or Replies(settings.templates_dir), local_staff_channel,
                                   self.media)
        self.desk = StaffDesk(settings, engine, self.messenger, now)
        self.erp = erp_sync(settings, engine, self.messenger, now, self.media)
        self.payments = PaymentDesk(settings, engine, self.messenger, self.erp, now, self.media)
        self.collections = CollectionsChat(CollectionsDesk(settings, engine, self.messenger, now, local_staff_channel))
        self.intake_ready = asyncio.Event()
        self.outbox_ready = asyncio.Event()
        self._arrivals: list[_Arrival] = []
        self._storing: set[asyncio.Task[None]] = set()
        self._storers = 1 if engine.dialect.name == "sqlite" else SERVER_STORERS
        self._store_threads = ThreadPoolExecutor(max_workers=self._storers, thread_name_prefix="intake-store")
        self._media_threads = ThreadPoolExecutor(max_workers=MEDIA_WRITERS, thread_name_prefix="intake-media")
        self._media_sources: dict[str, MediaSource] = {}

    def fetch_media_with(self, channel: str, source: MediaSource) -> None:
        """Download the files `channel` passes by reference (`InboundMessage.media_source`) through `source`
        (in the processes that read: the webhook answers before the download)."""
        self._media_sources[channel] = source

    def close(self) -> None:
        """Wait for the messages being stored and end the storing threads (the service is stopping)."""
        self._store_threads.shutdown(wait=True)
        self._media_threads.shutdown(wait=True)

    # -- inbound -------------------------------------------------------------------------------

    async def receive(self, message: InboundMessage, also: ChannelWrite | None = None) -> int | None:
        """Store `message` as an intake (None when this channel message was already received), with the
        channel's own write `also` in the same transaction."""
        intake_id, flooded = await self._stored(message, also)
        if flooded and intake_id is not None:
            await asyncio.to_thread(self._tell_flooding_sender, intake_id)
        if intake_id is not None:
            log.debug("%s message stored", message.channel, extra={"intake_id": intake_id})
            self.intake_ready.set()
            self.outbox_ready.set()
        return intake_id

    async def _stored(self, message: InboundMessage, also: ChannelWrite | None = None) -> tuple[int | None, bool]:
        """Queue `message` for the storing threads and wait until it is committed; messages that arrive
        together are stored in one transaction (one disk sync for all), so a burst is answered quickly. Its
        file is stored at once, while earlier arrivals are being committed; its row is committed after."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[tuple[int | None, bool]] = loop.create_future()
        mark("received")
        self._arrivals.append(_Arrival(self._put_soon(message), done, request_marks(), also))
        self._storing = {task for task in self._storing if not task.done() and task.get_loop() is loop}
        if len(self._storing) < self._storers:
            self._storing.add(loop.create_task(self._store_arrivals(), name="intake-store"))
        stored = await done
        mark("resumed")
        return stored

    def _put_soon(self, message: InboundMessage) -> Future[tuple[InboundMessage, StoredMedia | None]]:
        """The message with its file being stored by a media thread (at once when it has none)."""
        if message.media:
            return self._media_threads.submit(self._put_media, message)
        ready: Future[tuple[InboundMessage, StoredMedia | None]] = Future()
        ready.set_result((message, None))
        return ready

    async def _store_arrivals(self) -> None:
        loop = asyncio.get_running_loop()
        while self._arrivals:
            batch, self._arrivals = self._arrivals[:STORE_BATCH], self._arrivals[STORE_BATCH:]
            phases: Marks = []
            try:
                outcomes = await loop.run_in_executor(self._store_threads, self._store_all,
                                                      [arrival.file for arrival in batch], phases,
                                                      [arrival.also for arrival in batch])
            except asyncio.CancelledError:
                for arrival in batch + self._arrivals:
                    arrival.done.cancel()
                self._arrivals = []
                raise
            except Exception as error:
                outcomes = [error] * len(batch)
            for arrival, outcome in zip(batch, outcomes, strict=True):
                if arrival.marks is not None:
                    arrival.marks.extend(phases)
                if arrival.done.done():
                    continue
                if isinstance(outcome, BaseException):
                    arrival.done.set_exception(outcome)
                else:
                    arrival.done.set_result(outcome)

    def _store_all(self, files: list[Future[tuple[InboundMessage, StoredMedia | None]]],
                   phases: Marks | None = None, also: list[ChannelWrite | None] | None = None,
                   ) -> list[tuple[int | None, bool] | BaseException]:
        """Store the messages once their files are stored, in one transaction; if that fails (one was already
        received, one cannot be stored), each in its own, so one bad message never costs the others. `phases`
        gets when the batch was taken up (`queued`), its files were all stored (`media`), its intakes written
        (`insert`) and everything committed (`commit`)."""
        phases = phases if phases is not None else []
        phases.append(("queued", perf_counter()))
        with urgent_writes():
            stored = [file.result() for file in files]
            phases.append(("media", perf_counter()))
            messages = [message for message, _ in stored]
            media = [file for _, file in stored]
            writes = also or [None] * len(messages)
            if len(messages) > 1:
                try:
                    together: list[tuple[int | None, bool] | BaseException] = []
                    together.extend(self._store(messages, media, phases, writes))
                    phases.append(("commit", perf_counter()))
                    return together
                except Exception as error:
                    log.info("%d messages arrived together, stored one by one (%s: %s)", len(messages),
                             type(error).__name__, error)
            outcomes: list[tuple[int | None, bool] | BaseException] = []
            for message, file, write in zip(messages, media, writes, strict=True):
                try:
                    outcomes.extend(self._store([message], [file], phases, [write]))
                except IntegrityError:
                    log.info("%s message %s already received", message.channel, message.external_id)
                    outcomes.append((None, False))
                except Exception as error:
                    outcomes.append(error)
            phases.append(("commit", perf_counter()))
            return outcomes

    def _put_media(self, message: InboundMessage) -> tuple[InboundMessage, StoredMedia | None]:
        """The message with its file stored; when the store fails (a full disk, a bucket down) the message is
        kept without it, as a failed download the customer is asked to send again."""
        if not message.media:
            return message, None
        stored = self._keep_file(message.media, message.media_type,
                                 f"{message.channel} message {message.external_id}")
        if stored is None:
            return replace(message, media=None, media_error="storage_failed"), None
        return message, stored

    def _keep_file(self, content: bytes, media_type: str | None, whose: str) -> StoredMedia | None:
        """The file stored, or None (logged) when the store fails: a full disk, a bucket down."""
        try:
            return self.media.put(content, media_type)
        except Exception:
            log.exception("%s: its file could not be stored", whose)
            return None

    def warm_up(self) -> None:
        """Store a made-up receipt and roll it back, so the first customers' answers do not wait while the
        statements and templates storing uses are compiled."""
        message = InboundMessage(channel="sandbox", external_id="warm-up", sender="+50600000000",
                                 reply_to="+50600000000", media_type="image/png")
        with urgent_writes():
            self._store([message], [StoredMedia("warm-up", "0" * 64)], keep=False)

    def _store(self, messages: list[InboundMessage], media: list[StoredMedia | None],
               phases: Marks | None = None, also: list[ChannelWrite | None] | None = None, keep: bool = True,
               ) -> list[tuple[int | None, bool]]:
        """The intakes of `messages` with their audit, acknowledgements, queue places and their channels' own
        writes (`also`), committed together (IntegrityError when one of them was already received), or rolled
        back unless `keep`: (intake id, whether its sender floods).
        `phases` gets when the intakes were written (`insert`: after waiting for the write turn)."""
        texts = [cut_text(message.text, self.settings.max_text_chars) for message in messages]
        intakes = [Intake(
            channel=message.channel,
            external_id=message.external_id,
            sender=message.sender,
            sender_name=message.sender_name[:200],
            reply_to=message.reply_to,
            text=text,
            media_path=file.reference if file else None,
            media_sha256=file.sha256 if file else None,
            media_type=(message.media_type or "")[:60] or None,
            media_source=message.media_source if message.media_error is None else None,
            error=message.media_error,
            created_at=message.received_at,
        ) for message, text, file in zip(messages, texts, media, strict=True)]
        with Session(self.engine, expire_on_commit=False) as session:
            session.add_all(intakes)
            session.flush()
            if phases is not None:
                phases.append(("insert", perf_counter()))
            # What each intake adds is written in one flush at the end, not one per query in between.
            with session.no_autoflush:
                flooded = place_in_queue(session, intakes, self.settings.flood_per_minute)
                for intake, message, text, file in zip(intakes, messages, texts, media, strict=True):
                    changes: dict[str, Any] = {"channel": message.channel, "external_id": message.external_id}
                    if text is not None and message.text is not None and len(text) < len(message.text):
                        changes["text_cut_from"] = len(message.text)
                    record(session, intake, actor="customer", reason="recibido", changes=changes)
                    if (file is not None or message.media_source) and message.media_error is None:
                        self._tell_customer(session, intake, ReplyKind.ACK)
                    answer_out_of_hours(session, intake, self.settings, self.messenger)
                for write in also or ():
                    if write is not None:
                        write(session)
            if not keep:
                session.flush()
                session.rollback()
                return []
            session.commit()
        return [(intake.id, floods) for intake, floods in zip(intakes, flooded, strict=True)]

    def _tell_flooding_sender(self, intake_id: int) -> None:
        with urgent_writes():
            with Session(self.engine, expire_on_commit=False) as session:
                intake = session.get(Intake, intake_id)
            if intake is not None:
                tell_flooding_sender(self.engine, self.messenger.replies, intake, self.now())

    def _tell_customer(self, session: Session, intake: Intake, kind: ReplyKind) -> None:
        facts = IntakeFacts.of(intake)
        self.messenger.tell_customer(session, intake, kind, self.messenger.greeting(session, intake, facts))

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

    @relaxed
    def _check_if_read(self, intake_id: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            intake = session.get(Intake, intake_id)
            if intake is not None and intake.state == IntakeState.READ.value:
                check_and_route(session, intake, self.settings, self.messenger, self.now())
                session.commit()

    async def _read(self, intake: Intake) -> None:
        fields: ReceiptFields | None = None
        problem: tuple[ReplyKind, str] | None = None
        if intake.media_source and not intake.media_path:
            intake = await self._download(intake)
        if intake.error == "too_large":
            problem = (ReplyKind.FILE_TOO_LARGE, "archivo demasiado grande para el canal")
        elif intake.error == "unsupported_type":
            problem = (ReplyKind.UNREADABLE, "tipo de archivo que no es un comprobante")
        elif intake.error:
            problem = (ReplyKind.UNREADABLE, f"no se pudo descargar el archivo ({intake.error})")
        elif intake.media_path:
            try:
                data = await asyncio.to_thread(self.media.read, intake.media_path)
                fields = await self.reader.read(data)
            except UnreadableReceipt as error:
                log.info("intake %s unreadable: %s", intake.id, error)
                problem = (ReplyKind.UNREADABLE, str(error))
        elif intake.text:
            try:
                fields = await self.reader.read_text(cut_text(intake.text, self.settings.max_text_chars) or "")
            except UnreadableReceipt as error:
                log.info("intake %s text not read: %s", intake.id, error)
                fields = None
            if fields is None or (fields.amount is None and fields.reference is None):
                problem = (ReplyKind.ASK_RECEIPT, "mensaje sin comprobante")
        else:
            problem = (ReplyKind.ASK_RECEIPT, "mensaje vacío")
        await asyncio.to_thread(self._store_reading, intake, fields, problem)

    async def _download(self, intake: Intake) -> Intake:
        """The intake with the file its channel kept (`media_source`) downloaded and stored, or with why it
        could not be (`error`: the customer is then asked to send it again). A process without the channel's
        downloader raises, so the worker tries again and in the end hands the intake to support."""
        source = self._media_sources.get(intake.channel)
        if source is None or intake.media_source is None:
            raise RuntimeError(f"no downloader of {intake.channel} files in this process")
        fetched = await source.fetch(intake.media_source)
        return await asyncio.to_thread(self._attach_media, intake, fetched)

    @relaxed
    def _attach_media(self, intake: Intake, fetched: FetchedMedia) -> Intake:
        stored: StoredMedia | None = None
        error = fetched.error or (None if fetched.content is not None else "download_failed")
        if fetched.content is not None and error is None:
            stored = self._keep_file(fetched.content, fetched.content_type or intake.media_type,
                                     f"intake {intake.id} (downloaded)")
            error = None if stored is not None else "storage_failed"
        with Session(self.engine, expire_on_commit=False) as session:
            current = session.get(Intake, intake.id)
            if current is None or current.media_source is None:
                return current or intake
            current.media_source = None
            if stored is not None:
                current.media_path = stored.reference
                current.media_sha256 = stored.sha256
                current.media_type = (fetched.content_type or current.media_type or "")[:60] or None
                record(session, current, actor="bot", reason="archivo descargado",
                       changes={"media_path": [None, stored.reference]})
            else:
                current.error = error
                record(session, current, actor="bot", reason=f"no se pudo descargar el archivo ({error})",
                       changes={"error": [None, error]})
            session.add(current)
            session.commit()
            return current

    @relaxed
    def _store_reading(self, intake: Intake, fields: ReceiptFields | None,
                       problem: tuple[ReplyKind, str] | None) -> None:
        """Record what the reader made of the intake, and who hears about it, in one transaction."""
        with Session(self.engine, expire_on_commit=False) as session:
            current = session.get(Intake, intake.id)
            if current is None or current.state != IntakeState.RECEIVED.value:
                return
            follows_up = problem is not None and problem[0] is ReplyKind.ASK_RECEIPT
            earlier = self._recent_intake_of_sender(session, current) if follows_up else None
            question = CustomerQuestion.asked_in(current.text) if follows_up else None
            if question is not None:
                today = self.now().astimezone(self.settings.tz).date()
                answer(session, current, question, self.settings, self.messenger, today,
                       about=earlier.id if earlier is not None else None)
            elif problem is not None and earlier is not None:
                current.reply_kind = ReplyKind.FOLLOW_UP.value
                transition(session, current, IntakeState.NEEDS_INFO, actor="bot",
                           reason=f"mensaje del cliente sobre el comprobante #{earlier.id}")
                self.messenger.tell_support_about(session, current, about=earlier.id)
            elif problem is not None:
                kind, reason = problem
                current.reply_kind = kind.value
                transition(session, current, IntakeState.NEEDS_INFO, actor="bot", reason=reason)
                self._tell_customer(session, current, kind)
                if kind is ReplyKind.ASK_RECEIPT and current.text:
                    # Whatever a customer writes reaches a person, even when it is not a receipt.
                    self.messenger.tell_support_about(session, current, about=None)
            else:
                assert fields is not None
                store_fields(current, fields)
                transition(session, current, IntakeState.READ, actor="bot",
                           changes={"fields": current.fields})
                if current.media_path is None:
                    self._tell_customer(session, current, ReplyKind.ACK_MESSAGE)
            session.commit()

    def _recent_intake_of_sender(self, session: Session, intake: Intake) -> Intake | None:
        """The sender's latest receipt of the last day: a text after it is a follow-up for support."""
        since = self.now() - timedelta(hours=24)
        not_receipts = [kind.value for kind in NOT_RECEIPTS]
        return session.exec(
            select(Intake)
            .where(Intake.channel == intake.channel, Intake.sender == intake.sender)
            .where(col(Intake.id) != intake.id)
            .where(or_(col(Intake.reply_kind).is_(None), col(Intake.reply_kind).not_in(not_receipts)))
            .where(col(Intake.created_at) >= since)
            .order_by(col(Intake.id).desc())
        ).first()

    async def give_up(self, intake_id: int, error: str) -> None:
        """After repeated failures: ask the customer for a screenshot and hand the intake to support."""
        await asyncio.to_thread(self._give_up, intake_id, error)
        self.outbox_ready.set()

    def _give_up(self, intake_id: int, error: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            intake = session.get(Intake, intake_id)
            if intake is None or intake.state not in (IntakeState.RECEIVED.value, IntakeState.READ.value):
                return
            intake.error = error[:1000]
            intake.reply_kind = ReplyKind.UNREADABLE.value
            transition(session, intake, IntakeState.NEEDS_INFO, actor="bot", reason=f"error interno: {error[:200]}")
            self._tell_customer(session, intake, ReplyKind.UNREADABLE)
            self.messenger.send_support_card(session, intake, IntakeFacts.of(intake),
                                             note=f"No se pudo procesar automáticamente: {error[:300]}")
            session.commit()

    # -- staff ----------------------------------------------------------------------------------

    async def act(self, action: StaffAction) -> StaffResult:
        """Carry out a staff member's decision after checking who they are and where they speak."""
        if action.kind.on_payment:
            result = await self.payments.act(action)
        elif action.kind in COLLECTIONS_ACTIONS:
            result = await asyncio.to_thread(self.collections.perform, action)
        else:
            with about_intake(action.intake_id):
                result = await asyncio.to_thread(self.desk.perform, action)
        self.outbox_ready.set()
        self.intake_ready.set()
        return result

    async def is_staff(self, channel: str, user: str) -> bool:
        """Whether `user` writing on `channel` (in their own chat) is on the staff list."""
        def lookup() -> bool:
            with Session(self.engine) as session:
                return member_speaking(session, self.settings, channel, user, user) is not None

        return await asyncio.to_thread(lookup)

    # -- what a local channel shows ---------------------------------------------------------

    async def delivered(self, channel: str, after: int) -> list[DeliveredMessage]:
        """Messages delivered on `channel` after outbox id `after`."""
        return await asyncio.to_thread(delivered_on, self.engine, channel, after)

    async def media_file(self, channel: str, intake_id: int) -> bytes | None:
        """The stored file of intake `intake_id` when it came in on `channel` and is still kept."""
        def find() -> bytes | None:
            with Session(self.engine) as session:
                intake = session.get(Intake, intake_id)
            if intake is None or not intake.media_path or intake.channel != channel:
                return None
            if not self.media.exists(intake.media_path):
                return None
            return self.media.read(intake.media_path)

        return await asyncio.to_thread(find)
