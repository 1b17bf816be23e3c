"""The reply prompts the Telegram channel sends to staff, kept in the database: an answer is matched to its
intake and action by the prompt's message id, so rewording a prompt, or a restart, loses nothing."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db.models import StaffPrompt
from bot.vocabulary import StaffActionKind

CHANNEL = "telegram"


class PromptBook:
    """Remembers which intake and action each prompt (a chat's message) asks about."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def remember(self, chat_id: int, message_id: int, kind: StaffActionKind, intake_id: int) -> None:
        with Session(self.engine) as session:
            session.add(StaffPrompt(channel=CHANNEL, chat_id=str(chat_id), message_id=str(message_id),
                                    action=kind.value, intake_id=intake_id))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()

    def find(self, chat_id: int, message_id: int) -> tuple[StaffActionKind, int] | None:
        """The action and intake the prompt `message_id` of `chat_id` asks about, if it is one of ours."""
        with Session(self.engine) as session:
            prompt = session.exec(
                select(StaffPrompt).where(StaffPrompt.channel == CHANNEL)
                .where(StaffPrompt.chat_id == str(chat_id)).where(StaffPrompt.message_id == str(message_id))
            ).first()
        if prompt is None:
            return None
        kind = StaffActionKind.named(prompt.action)
        return (kind, prompt.intake_id) if kind is not None else None
