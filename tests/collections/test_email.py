"""E-mail for customers reachable only by e-mail: each message leaves the outbox as one e-mail with a text part
and an HTML part of the same script, its statement attached, handed to a real SMTP server on loopback (started
here); a refused address is not retried."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession
from sqlmodel import select

from bot.collections.contact import customer_chat, tell_customer
from bot.config import Settings
from bot.db.models import Customer, OutboxMessage
from bot.intake.outbox import OutboxDispatcher
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.service import email_sender
from bot.vocabulary import ReplyKind
from tests.collections.conftest import load_customers
from tests.processes import free_port


class Mailbox:
    """What the SMTP server received; it refuses addresses at `refused.example.cr`."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if address.endswith("@refused.example.cr"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content: Any = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def only_email(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                                       "smtp_from": "cobros@wolk.example.cr", "company_name": "Wolk Software"})


async def test_an_email_only_company_gets_its_statement_as_text_html_and_the_pdf_attached(
    engine: Engine, settings: Settings, smtp_server: tuple[Mailbox, int], tmp_path: Path,
) -> None:
    mailbox, port = smtp_server
    configured = only_email(settings, port)
    messenger = Messenger(configured, Replies())
    pdf = tmp_path / "estado-de-cuenta-1012.pdf"
    pdf.write_bytes(b"%PDF-1.4 statement")
    with DbSession(engine, expire_on_commit=False) as session:
        load_customers(session)
        company = session.exec(select(Customer).where(Customer.client_id == "1012")).one()
        company.whatsapp_number = None
        session.add(company)
        assert customer_chat(configured, company) is not None
        tell_customer(session, messenger, company, ReplyKind.REMINDER_STATEMENT,
                      {"customer_name": "Panadería La Espiga", "client_id": "1012", "today": "2026-12-01",
                       "amount": "67800.00"}, key="statement:2026-12", document=pdf)
        session.commit()
    dispatcher = OutboxDispatcher(engine, {}, "test")
    dispatcher.register(email_sender(configured, messenger.replies))

    assert await dispatcher.flush() == 1
    assert await dispatcher.flush() == 0, "sent once"

    [(recipients, mail)] = mailbox.mails
    assert recipients == ["pan@example.cr"]
    assert mail["Subject"] == "Wolk Software: estado de cuenta del mes"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "estado de cuenta al 01/12/2026" in plain and "*₡67 800,00*" in plain.replace("\u00a0", " ")
    assert "<strong>₡67 800,00</strong>" in html.get_content().replace("\u00a0", " ")
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "estado-de-cuenta-1012.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 statement"


async def test_a_refused_address_fails_for_good_without_retrying(
    engine: Engine, settings: Settings, smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    configured = only_email(settings, port)
    messenger = Messenger(configured, Replies())
    with DbSession(engine, expire_on_commit=False) as session:
        load_customers(session)
        company = session.exec(select(Customer).where(Customer.client_id == "1012")).one()
        company.whatsapp_number, company.emails = None, ["cobros@refused.example.cr"]
        tell_customer(session, messenger, company, ReplyKind.ACCESS_UNBLOCKED,
                      {"customer_name": "Panadería", "client_id": "1012"}, key="access:1")
        session.commit()
    dispatcher = OutboxDispatcher(engine, {}, "test")
    dispatcher.register(email_sender(configured, messenger.replies))

    await dispatcher.flush()

    with DbSession(engine) as session:
        row = session.exec(select(OutboxMessage)).one()
    assert (row.state, row.attempts) == ("failed", 1) and "rechazó la dirección" in (row.last_error or "")
    assert mailbox.mails == []


async def test_planned_reminders_reach_email_only_customers_with_the_statement_pdf_attached(
    engine: Engine, settings: Settings, smtp_server: tuple[Mailbox, int],
) -> None:
    from datetime import date, datetime

    from bot.collections.reminding import PlannedReminders
    from tests.collections.conftest import CR, Clock, orders

    mailbox, port = smtp_server
    configured = only_email(settings, port)
    messenger = Messenger(configured, Replies())
    with DbSession(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, "Cédula jurídica,3101222333,WOLK-1012,1,CRC,60000.00,0,cuota,0.13,2026-08-01,2027-10-01,"
                        "2026-12-01,", today=date(2026, 8, 1))
        session.commit()
    clock = Clock(datetime(2026, 12, 1, 0, 15, tzinfo=CR))
    dispatcher = OutboxDispatcher(engine, {}, "test", clock=clock)
    dispatcher.register(email_sender(configured, messenger.replies))
    for day in (1, 2):
        clock.set(2026, 12, day, 0, 15)
        PlannedReminders(engine, messenger, clock).plan()
        clock.set(2026, 12, day, 8, 0)
        PlannedReminders(engine, messenger, clock).send_due()
        await dispatcher.flush()

    [(to_statement, statement), (to_overdue, overdue)] = mailbox.mails
    assert to_statement == to_overdue == ["pan@example.cr"]
    assert statement["Subject"] == "Wolk Software: estado de cuenta del mes"
    [pdf] = list(statement.iter_attachments())
    assert pdf.get_filename() == "estado-de-cuenta-1012-2026-12-01.pdf" and pdf.get_content().startswith(b"%PDF")
    assert "saldo pendiente es de *₡67 800,00*" in statement.get_body(("plain",)).get_content().replace("\xa0", " ")
    assert overdue["Subject"] == "Wolk Software: recordatorio de cuota vencida"
    html = overdue.get_body(("html",)).get_content().replace("\xa0", " ")
    assert "venció el 01/12/2026 (1 día de atraso)" in html and "<strong>₡67 800,00</strong>" in html
