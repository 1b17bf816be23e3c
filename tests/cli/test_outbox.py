"""`paybot outbox list|retry`: an operator sees what did not go out and sends failed messages again, once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.db.models import OutboxMessage
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.intake.messages import OutboundMessage
from bot.intake.outbox import OutboxDispatcher
from tests.processes import installation, paybot


class Telegram:
    """The boundary fake: records what it is asked to send."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> str:
        self.sent.append(message)
        return str(len(self.sent))


def add(session: Session, key: str, state: str, *, channel: str = "telegram", recipient: str = "-100",
        error: str | None = None, age: timedelta = timedelta(days=2)) -> int:
    row = OutboxMessage(dedupe_key=key, channel=channel, recipient=recipient, audience="support",
                        kind="support_card", text=f"tarjeta {key}", state=state, attempts=9, last_error=error,
                        created_at=utcnow() - age)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


async def test_failed_messages_are_listed_and_sent_again_by_the_running_dispatcher(tmp_path: Path) -> None:
    env = installation(tmp_path)
    engine = make_engine(env["PAYBOT_DATABASE_URL"])
    with Session(engine) as session:
        lost = add(session, "intake:1:support_card:telegram:-100", "failed", error="Forbidden: bot was kicked")
        rerouted = add(session, "intake:2:support_card:telegram:-100", "failed", error="Chat not found")
        add(session, "intake:2:support_card:rerouted:whatsapp:+50670000001", "sent", channel="whatsapp")
        waiting = add(session, "intake:3:ack:telegram:555", "pending", recipient="555", age=timedelta(0))
        add(session, "intake:4:ack:telegram:556", "sent", recipient="556")
        session.commit()

    listed = paybot("outbox", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in rows] == [lost, rerouted, waiting]
    assert "Forbidden: bot was kicked" in rows[0] and "fallido" in rows[0] and "pendiente" in rows[2]
    failed = paybot("outbox", "list", "--failed", env=env, cwd=tmp_path)
    assert [int(line.split()[0]) for line in failed.stdout.splitlines()[1:]] == [lost, rerouted]

    everything = paybot("outbox", "retry", "--all-failed", env=env, cwd=tmp_path)
    assert everything.returncode == 0, everything.stderr
    assert f"en cola de nuevo: {lost}" in everything.stdout
    assert f"ya llegaron por otro canal del personal: {rerouted}" in everything.stdout

    telegram = Telegram()
    assert await OutboxDispatcher(engine, {"telegram": telegram}, "test").flush() == 2
    assert sorted(m.outbox_id for m in telegram.sent) == [lost, waiting]
    assert await OutboxDispatcher(engine, {"telegram": telegram}, "test").flush() == 0, "sent once"

    one = paybot("outbox", "retry", str(rerouted), env=env, cwd=tmp_path)
    assert one.returncode == 0 and "en cola de nuevo" in one.stdout
    missing = paybot("outbox", "retry", str(lost), env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "no hay un mensaje fallido con id" in missing.stderr
    with Session(engine) as session:
        again = session.exec(select(OutboxMessage).where(OutboxMessage.id == rerouted)).one()
        assert (again.state, again.attempts) == ("pending", 0)
        assert again.created_at > utcnow() - timedelta(minutes=1), "a fresh retry window"
        assert "Chat not found" in (again.last_error or "")
    engine.dispose()


def test_nothing_to_list_says_so(tmp_path: Path) -> None:
    env = installation(tmp_path)
    assert paybot("outbox", "list", "--failed", env=env, cwd=tmp_path).stdout.strip() == "no hay mensajes fallidos"
