"""Collections' actions typed or pressed in a staff chat (RECORDAR, ETIQUETA, QUITAR-ETIQUETA, BLOQUEAR,
DESBLOQUEAR, DEVUELTO, TAREA and their Telegram buttons): who acts is checked against the staff records like
every staff action, the collections desk does it (the same as from the command line), refusals are audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.collections.desk import CollectionsDesk, CollectionsRefused, Operator
from bot.collections.returns import ReversalKind
from bot.db.models import AuditEvent, Customer, Intake
from bot.db.types import MAX_ROW_ID
from bot.intake.messages import StaffAction, StaffResult
from bot.intake.staff import ALLOWED, Actor, identify
from bot.vocabulary import StaffActionKind


@dataclass(frozen=True)
class CollectionsChat:
    """Turns a staff member's chat action into the collections desk's, once they are known to be allowed."""

    desk: CollectionsDesk

    def perform(self, action: StaffAction) -> StaffResult:
        with Session(self.desk.engine) as session:
            actor = identify(session, self.desk.settings, action.channel, action.user, action.chat,
                             action.user_name)
            session.commit()
        if actor is None or actor.role not in ALLOWED[action.kind]:
            return self.refuse(action, "not_staff" if actor is None else "role_not_allowed",
                               "No tiene permiso para esta acción.", actor)
        operator = Operator(name=actor.name, staff_id=actor.staff_id, channel=action.channel, user=action.user)
        try:
            return StaffResult(True, self._carry_out(action, operator))
        except CollectionsRefused as refusal:
            text = str(refusal)
            return self.refuse(action, "refused", text[:1].upper() + text[1:] + ".", actor)

    def _carry_out(self, action: StaffAction, operator: Operator) -> str:
        desk, kind, said = self.desk, action.kind, (action.reason or "").strip()
        if kind is StaffActionKind.TASK_DONE:
            task = desk.close_task(action.intake_id, operator, note=said, only_assignee=True)
            return f"Tarea #{task.id} cerrada: {task.outcome}"
        if kind is StaffActionKind.RETURNED:
            reversal = desk.take_back(action.intake_id, operator, kind=ReversalKind.RETURNED, reason=said, tell=True)
            told = "Se avisó al cliente." if reversal.record.customer_told else "No se pudo avisar al cliente."
            return "\n".join([*reversal.lines(), told])
        client_id = (action.value or "").strip() or self._client_of(action.intake_id)
        if kind is StaffActionKind.REMIND:
            return desk.remind(client_id, operator, kind=said or None)
        if kind in (StaffActionKind.TAG, StaffActionKind.UNTAG):
            return desk.tag(client_id, said, operator, remove=kind is StaffActionKind.UNTAG)
        if kind in (StaffActionKind.BLOCK, StaffActionKind.UNBLOCK):
            if not said:
                raise CollectionsRefused("indique el motivo")
            return desk.set_access(client_id, operator, blocked=kind is StaffActionKind.BLOCK, reason=said)
        raise CollectionsRefused(f"«{kind.command}» no es una acción de cobro")

    def _client_of(self, intake_id: int) -> str:
        """A card's button names its receipt: the customer that receipt is from."""
        with Session(self.desk.engine) as session:
            intake = session.get(Intake, intake_id) if 0 < intake_id <= MAX_ROW_ID else None
            customer = session.get(Customer, intake.customer_id) if intake and intake.customer_id else None
            if customer is None:
                raise CollectionsRefused(f"el comprobante #{intake_id} no tiene un cliente identificado")
            return customer.client_id

    def refuse(self, action: StaffAction, reason: str, message: str, actor: Actor | None = None) -> StaffResult:
        """Audit the refusal (what was named is in the detail) and say why, in Spanish."""
        named = action.value or (str(action.intake_id) if action.intake_id else "—")
        with Session(self.desk.engine) as session:
            session.add(AuditEvent(
                kind="staff_action_refused", channel=action.channel, user=action.user[:120], chat=action.chat[:120],
                action=action.kind.value, intake_id=None, reason=reason, staff_id=actor.staff_id if actor else None,
                detail=f"{action.kind.subject} {named[:40]}: {message}",
            ))
            session.commit()
        return StaffResult(False, message)
