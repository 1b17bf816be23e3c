"""`paybot intake IMAGE --from PHONE`: the whole conversation in the terminal, without any network."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.parser import CliError, read_input
from bot.config import Settings

if TYPE_CHECKING:
    from bot.intake.messages import OutboundMessage

CHANNEL = "cli"
AUDIENCE_TITLES = {"customer": "Cliente", "support": "Soporte", "accounting": "Contabilidad"}


def register(sub: Any) -> None:
    intake = sub.add_parser("intake",
                            help="pasa un comprobante por todo el proceso aquí, sin red: lo que recibe cada parte")
    intake.add_argument("image", type=Path, metavar="ARCHIVO",
                        help="imagen o PDF del comprobante (o un .txt con la notificación del banco)")
    intake.add_argument("--from", dest="sender", required=True, metavar="TELÉFONO",
                        help="teléfono o id de chat del cliente")
    intake.add_argument("--name", default="", metavar="NOMBRE", help="nombre con que se muestra el cliente")
    intake.add_argument("--approve", action="store_true",
                        help="además hace de soporte (aprobar) y de contabilidad (aplicado)")
    intake.set_defaults(handler=run_intake)


class TerminalSender:
    """Prints each delivered message under the heading of who would receive it."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def send(self, message: OutboundMessage) -> str:
        title = AUDIENCE_TITLES.get(message.audience.value, message.audience.value)
        print(f"── {title} ({message.recipient}) · {message.kind} ──")
        if message.media_path:
            print(f"[imagen adjunta: {message.media_path}]")
        print(message.text)
        if message.buttons:
            print("[" + "] [".join(button.label for button in message.buttons) + "]")
        print()
        return f"{self.name}:{message.outbox_id}"


def pasted_or_none(data: bytes) -> str | None:
    """A `.txt` file's text; None when it is not text, so the core answers it as a file it cannot read."""
    from bot.ocr.errors import UnreadableReceipt
    from bot.ocr.pasted import pasted_text

    try:
        return pasted_text(data)
    except UnreadableReceipt:
        return None


def run_intake(args: argparse.Namespace, settings: Settings) -> int:
    """Receive, read, check and route one receipt, printing what each party would get."""

    if not args.image.is_file():
        raise CliError(f"{args.image}: no existe el archivo")
    if args.image.stat().st_size > settings.max_upload_bytes:
        raise CliError(f"{args.image}: pesa más de {settings.max_upload_bytes} bytes")
    local = settings.model_copy(update={"telegram_token": None, "twilio_account_sid": ""})
    return asyncio.run(_conversation(args, local))


async def _conversation(args: argparse.Namespace, settings: Settings) -> int:
    """One process, one intake: its own worker identity, and only its own intake's messages printed."""
    from bot.db import migrate
    from bot.db.session import make_engine
    from bot.intake.claims import worker_name
    from bot.intake.core import InlineReader, IntakeCore
    from bot.intake.messages import InboundMessage, StaffAction, StaffActionKind
    from bot.intake.outbox import OutboxDispatcher
    from bot.intake.worker import IntakeWorker
    from currency.text import international_phone

    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    identity = worker_name()
    core = IntakeCore(settings, engine, InlineReader(settings), local_staff_channel=CHANNEL)
    data = read_input(args.image, settings.max_upload_bytes)
    text = pasted_or_none(data) if args.image.suffix.lower() == ".txt" else None
    sender = international_phone(args.sender) or args.sender
    try:
        intake_id = await core.receive(InboundMessage(
            channel=CHANNEL, external_id=f"cli:{uuid.uuid4()}", sender=sender, reply_to=sender,
            sender_name=args.name, text=text, media=None if text is not None else data, file_name=args.image.name,
        ))
        assert intake_id is not None
        dispatcher = OutboxDispatcher(engine, {CHANNEL: TerminalSender(CHANNEL)}, identity, intake_id=intake_id)
        await dispatcher.flush()
        worker = IntakeWorker(engine, core, name=identity)
        for _ in range(worker.max_attempts + 1):
            if not await asyncio.to_thread(worker.claim, intake_id):
                break
            await worker.work_on(intake_id)
        await dispatcher.flush()
        if args.approve:
            for role, kind in (("support", StaffActionKind.APPROVE), ("accounting", StaffActionKind.APPLY)):
                result = await core.act(StaffAction(channel=CHANNEL, user=role, chat=role, kind=kind,
                                                    intake_id=intake_id))
                print(f"» {AUDIENCE_TITLES[role]}: {result.message}\n")
                await dispatcher.flush()
                if not result.ok:
                    who = AUDIENCE_TITLES[role]
                    print(f"paybot: error: {who} no pudo actuar sobre el #{intake_id}: {result.message}",
                          file=sys.stderr)
                    return 1
    finally:
        engine.dispose()
    return 0
