"""The real intake core with a record of what a channel handed it. Handler tests check the channel's
translation through the record; every decision (a message received twice, who may act) is the core's own."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.models import Intake
from bot.intake.core import IntakeCore
from bot.intake.messages import ChannelWrite, InboundMessage, StaffAction, StaffResult
from bot.intake.worker import IntakeWorker
from bot.vocabulary import StaffActionKind

SMS = ("Ha recibido 20.000,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
       "Referencia 20261127151830109677588{number:02d}. Motivo: ID 1001")
"""A pasted bank notification from demo customer 1001: read without OCR, so a receipt is ready in moments."""


class TappedCore:
    """Passes every call to the real core and keeps what was stored and what was asked."""

    def __init__(self, core: IntakeCore) -> None:
        self.core = core
        self.received: list[InboundMessage] = []
        self.actions: list[StaffAction] = []
        self.results: list[StaffResult] = []

    async def receive(self, message: InboundMessage, also: ChannelWrite | None = None) -> int | None:
        intake_id = await self.core.receive(message, also)
        if intake_id is not None:
            self.received.append(message)
        return intake_id

    async def act(self, action: StaffAction) -> StaffResult:
        self.actions.append(action)
        result = await self.core.act(action)
        self.results.append(result)
        return result

    async def is_staff(self, channel: str, user: str) -> bool:
        return await self.core.is_staff(channel, user)

    @property
    def applied(self) -> list[StaffAction]:
        """The actions the core carried out."""
        return [action for action, result in zip(self.actions, self.results, strict=True) if result.ok]

    @property
    def engine(self) -> Engine:
        return self.core.engine

    async def settle(self) -> None:
        """Read and check every intake received so far."""
        await IntakeWorker(self.core.engine, self.core, name="test").drain()

    def intake(self, intake_id: int) -> Intake:
        with Session(self.core.engine) as session:
            found = session.get(Intake, intake_id)
            assert found is not None
            return found

    def intakes(self) -> list[Intake]:
        with Session(self.core.engine) as session:
            return list(session.exec(select(Intake).order_by(col(Intake.id))).all())

    async def receipt_in_review(self, number: int = 1, *, channel: str = "sandbox",
                                sender: str = "+50688112233") -> int:
        """A receipt the core read and checked, waiting for support (not recorded as the channel's)."""
        intake_id = await self.core.receive(InboundMessage(
            channel=channel, external_id=f"setup-{number}", sender=sender, reply_to=sender,
            text=SMS.format(number=number)))
        assert intake_id is not None
        await self.settle()
        assert self.intake(intake_id).state == "in_review"
        return intake_id

    async def receipt_forwarded(self, number: int = 1) -> int:
        """A receipt support approved, waiting for accounting."""
        intake_id = await self.receipt_in_review(number)
        approval = StaffAction("sandbox", "support", "support", StaffActionKind.APPROVE, intake_id)
        assert (await self.core.act(approval)).ok
        return intake_id
