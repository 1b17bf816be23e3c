"""A receipt's page carries the account's actions the chat cards have: support chooses which of a customer's
orders a receipt pays, decides what happens to money paid over what was due, and sends the customer their
statement; each goes through the core, is audited by name and is said in the support chat."""

from __future__ import annotations

import html
import re
import time
from decimal import Decimal

import httpx
from sqlmodel import Session, select

from bot.db.models import Contract, Intake, IntakeEvent, OutboxMessage
from bot.db.session import make_engine
from bot.intake.cards import contract_label
from currency.money import Money, format_money
from tests.portal.conftest import Portal, PortalClient

BETO = ("Ha recibido 67.800,00 colones por BN SINPE MOVIL de PANADERIA DON BETO. "
        "Referencia 2026112715183010967758801. Motivo: ID 1012")
MARIA_OVER = ("Ha recibido 40.000,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
              "Referencia 2026112715183010967758802. Motivo: ID 1001")
OVER = format_money(Money(Decimal("11750.00"), "CRC"))
"""What María pays over the ₡28 250 due."""


def sent_and_reviewed(portal: Portal, phone: str, text: str) -> int:
    """The customer writes from the sandbox; the receipt's id once it waits for support."""
    answer = httpx.post(portal.service.url + "/sandbox/api/customer", data={"phone": phone, "text": text})
    intake_id = int(answer.json()["intake_id"])
    engine = make_engine(portal.url)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                intake = session.get(Intake, intake_id)
                if intake is not None and intake.state == "in_review":
                    return intake_id
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError(f"receipt {intake_id} never reached review")


def act(client: PortalClient, intake_id: int, **form: str) -> str:
    """Post one of the page's action forms like the browser does; the notice the page then shows."""
    path = f"/portal/comprobantes/{intake_id}"
    answer = client.post(path + "/accion", data={"csrf": client.token(path), **form})
    assert answer.status_code == 303 and answer.headers["location"] == path
    notice = re.search(r'id="notice">([^<]*)<', client.get(path).text)
    assert notice is not None
    return html.unescape(notice.group(1))


def offered(client: PortalClient, intake_id: int) -> list[str]:
    return re.findall(r'<form [^>]*data-kind="(\w+)"', client.get(f"/portal/comprobantes/{intake_id}").text)


def test_support_chooses_the_order_a_receipt_pays_among_the_customers_cuotas(portal: Portal) -> None:
    portal.add_staff("Olga Soporte", "support", "olga", "clave de olga")
    client = portal.client()
    client.log_in("olga", "clave de olga")
    intake_id = sent_and_reviewed(portal, "+50672889900", BETO)
    engine = make_engine(portal.url)
    with Session(engine) as session:
        first = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1012")
                             .where(Contract.installment == 1)).one()
        second = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1012")
                              .where(Contract.installment == 2)).one()
    assert "contract" in offered(client, intake_id)
    page = html.unescape(client.get(f"/portal/comprobantes/{intake_id}").text)
    assert f'<option value="#{first.id}" >{contract_label(first)}</option>' in page
    assert f'<option value="#{second.id}" selected>{contract_label(second)}</option>' in page

    assert act(client, intake_id, kind="contract", value=f"#{first.id}") == \
        f"#{intake_id}: paga {contract_label(first)}. Revisiones actualizadas."
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
        chosen = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake_id)
                              .where(IntakeEvent.reason == "contrato elegido por soporte")).one()
        told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "done_in_portal")
                            .where(OutboxMessage.intake_id == intake_id)).all()
    engine.dispose()
    assert intake is not None and intake.contract_id == first.id
    assert chosen.actor == "Olga Soporte" and chosen.changes["contract_id"] == [second.id, first.id]
    assert [m.audience for m in told] == ["support"] and "Olga Soporte, desde el portal" in told[0].text


def test_an_overpaid_receipt_is_kept_as_credit_or_refunded_and_the_statement_goes_to_the_customer(
    portal: Portal,
) -> None:
    portal.add_staff("Pablo Soporte", "support", "pablo", "clave de pablo")
    client = portal.client()
    client.log_in("pablo", "clave de pablo")
    intake_id = sent_and_reviewed(portal, "+50688112233", MARIA_OVER)
    page = html.unescape(client.get(f"/portal/comprobantes/{intake_id}").text)
    assert f"Saldo a favor del cliente: {OVER}" in page
    kinds = offered(client, intake_id)
    assert {"keep_credit", "refund", "statement"} <= set(kinds) and "contract" not in kinds

    assert act(client, intake_id, kind="refund").startswith(f"#{intake_id}: lo pagado de más ({OVER}) se devuelve")
    page = html.unescape(client.get(f"/portal/comprobantes/{intake_id}").text)
    assert "Lo pagado de más se devuelve al cliente" in page
    assert act(client, intake_id, kind="keep_credit").endswith("queda como saldo a favor para la próxima cuota.")

    assert act(client, intake_id, kind="statement").startswith("Estado de cuenta del ID 1001 enviado al cliente")
    engine = make_engine(portal.url)
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
        statement = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "statement")).one()
    engine.dispose()
    assert intake is not None and intake.overpayment == "credit"
    assert statement.audience == "customer" and statement.media_path and statement.media_path.endswith(".pdf")
