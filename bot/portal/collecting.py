"""Collections' actions from the portal, all carried out by the collections desk: the ones the chats have
(tag, untag, remind, block, unblock, returned, close a task) go through the core exactly as a chat's do;
assigning a call task and undoing a payment, which have no chat verb, get the same staff check, the desk and
an audited refusal here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.collections.desk import CollectionsDesk, CollectionsRefused, Operator
from bot.collections.returns import Reversal, ReversalKind
from bot.db.models import AuditEvent, CallTask, StaffRole
from bot.intake.messages import IntakePort, StaffAction, StaffResult
from bot.intake.staff import PORTAL, Actor, identify
from bot.portal.sessions import Viewer
from bot.vocabulary import StaffActionKind

MAY_UNDO = frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN})
MAY_ASSIGN = frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN})


@dataclass(frozen=True)
class Collecting:
    """The portal's way to the collections desk, as the logged-in viewer."""

    core: IntakePort
    desk: CollectionsDesk

    async def act(self, viewer: Viewer, kind: StaffActionKind, *, client_id: str = "", number: int = 0,
                  said: str = "") -> StaffResult:
        """A collections action the chats also have, through the core: the same role check, desk and audit."""
        return await self.core.act(StaffAction(channel=PORTAL, user=str(viewer.id), chat=PORTAL, kind=kind,
                                               intake_id=number, value=client_id or None, reason=said or None,
                                               user_name=viewer.name))

    def assign(self, viewer: Viewer, client_id: str, staff_id: int, note: str) -> StaffResult:
        """A call task for `staff_id` about `client_id`, told in their chat."""
        def carry_out(operator: Operator) -> str:
            task: CallTask = self.desk.assign_task(client_id, staff_id, operator, note=note)
            return f"Tarea #{task.id}: llamar al cliente {client_id}."
        return self._as(viewer, "task", MAY_ASSIGN, f"cliente {client_id[:40]}", carry_out)

    def undo(self, viewer: Viewer, payment_id: int, reason: str, tell: bool) -> StaffResult:
        """An applied payment undone (applied by mistake): the balance reopens, no re-charge."""
        def carry_out(operator: Operator) -> str:
            reversal: Reversal = self.desk.take_back(payment_id, operator, kind=ReversalKind.UNDONE, reason=reason,
                                                     tell=tell)
            told = ("Se avisó al cliente." if reversal.record.customer_told else "No se pudo avisar al cliente."
                    ) if tell else "No se avisó al cliente."
            return " · ".join([*reversal.lines(), told])
        return self._as(viewer, "undo", MAY_UNDO, f"pago {payment_id}", carry_out)

    def _as(self, viewer: Viewer, action: str, roles: frozenset[StaffRole], named: str,
            carry_out: Callable[[Operator], str]) -> StaffResult:
        with Session(self.desk.engine) as session:
            actor = identify(session, self.desk.settings, PORTAL, str(viewer.id), PORTAL, viewer.name)
            session.commit()
        if actor is None or actor.role not in roles:
            return self._refuse(viewer, action, "not_staff" if actor is None else "role_not_allowed", named,
                                "No tiene permiso para esta acción.", actor)
        operator = Operator(name=actor.name, staff_id=actor.staff_id, channel=PORTAL, user=str(viewer.id))
        try:
            return StaffResult(True, carry_out(operator))
        except CollectionsRefused as refusal:
            text = str(refusal)
            return self._refuse(viewer, action, "refused", named, text[:1].upper() + text[1:] + ".", actor)

    def _refuse(self, viewer: Viewer, action: str, reason: str, named: str, message: str,
                actor: Actor | None) -> StaffResult:
        """Audited like a chat's refused action: who, what was named, why."""
        with Session(self.desk.engine) as session:
            session.add(AuditEvent(kind="staff_action_refused", channel=PORTAL, user=str(viewer.id), chat=PORTAL,
                                   action=action, intake_id=None, reason=reason,
                                   staff_id=actor.staff_id if actor else None, detail=f"{named}: {message}"))
            session.commit()
        return StaffResult(False, message)
