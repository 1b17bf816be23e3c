"""Collections in the portal, over real HTTP against `paybot run`: the Morosos list filtered like `paybot
delinquents` with bulk tag, reminder, block and call assignment; call tasks listed and closed by whoever calls;
tags and access on a customer's page; a payment returned by the bank or undone. Everything goes through the
collections desk, so each action is audited and each refusal too."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import AuditEvent, CallTask, Customer, PaymentReversal, Reminder
from bot.db.session import make_engine
from tests.account.conftest import CR, ORDERS_HEADER, pay
from tests.portal.conftest import Portal, PortalClient

CUSTOMERS = """ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,Celular_1
3001,Cédula física,113330001,Ana,Cordero Mata,506,88330001
3002,Cédula física,113330002,Bruno,Quesada Rojas,506,88330002
3003,Cédula física,113330003,Carla,Jiménez Solís,506,88330003
"""


def late_by(days: int) -> str:
    return (datetime.now(CR).date() - timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def owing(portal: Portal) -> Iterator[Engine]:
    """Three customers late 45, 10 and 95 days (bands 31-60, 1-30 and 90+) on today's calendar."""
    engine = make_engine(portal.url)
    start = date.fromisoformat(late_by(200))
    rows = [f"Cédula física,11333000{n},COBRO-300{n},1,CRC,25000.00,0,cuota,0.13,{start},{late_by(-300)},"
            f"{late_by(days)}," for n, days in ((1, 45), (2, 10), (3, 95))]
    with Session(engine) as session:
        assert import_customers(session, CUSTOMERS.encode()).ok
        report = import_contracts(session, "\n".join([ORDERS_HEADER, *rows]).encode(), today=start)
        assert report.ok, report.to_text()
        session.commit()
    yield engine
    engine.dispose()


def logged_in(portal: Portal, name: str, role: str, login: str) -> tuple[PortalClient, int]:
    staff_id = portal.add_staff(name, role, login, f"clave de {login} 123")
    client = portal.client()
    assert client.log_in(login, f"clave de {login} 123").status_code == 303
    return client, staff_id


def customer(engine: Engine, client_id: str) -> Customer:
    with Session(engine) as session:
        return session.exec(select(Customer).where(Customer.client_id == client_id)).one()


def audit(engine: Engine, kind: str, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.kind == kind, AuditEvent.action == action)
                                 .order_by(col(AuditEvent.id))).all())


def bulk(client: PortalClient, action: str, *client_ids: str, **fields: str) -> str:
    token = client.token("/portal/morosos")
    answer = client.post("/portal/morosos/acciones", data={"csrf": token, "accion": action, "cliente": list(client_ids),
                                                           "back": "/portal/morosos", **fields})
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/morosos"
    page = client.get("/portal/morosos")
    start = page.text.index('id="notice">') + len('id="notice">')
    return page.text[start:page.text.index("</p>", start)]


def test_the_morosos_page_filters_like_paybot_delinquents_and_downloads_what_it_shows(
    portal: Portal, owing: Engine,
) -> None:
    client, _ = logged_in(portal, "Olga Cobros", "accounting", "olga")
    page = client.get("/portal/morosos")
    assert page.status_code == 200
    for client_id in ("3001", "3002", "3003"):
        assert f'data-client="{client_id}"' in page.text
    assert page.text.index('data-client="3003"') < page.text.index('data-client="3001"') < \
        page.text.index('data-client="3002"'), "most days late first"

    band = client.get("/portal/morosos?tramo=31-60")
    assert 'data-client="3001"' in band.text and 'data-client="3002"' not in band.text
    assert 'data-client="3003"' not in band.text
    many_days = client.get("/portal/morosos?dias=60")
    assert 'data-client="3003"' in many_days.text and 'data-client="3001"' not in many_days.text
    dated = client.get(f"/portal/morosos?desde={late_by(50)}&hasta={late_by(40)}")
    assert 'data-client="3001"' in dated.text and 'data-client="3003"' not in dated.text
    wrong = client.get("/portal/morosos?tramo=7-8&desde=ayer")
    assert wrong.status_code == 200 and "Tramo no válido" in wrong.text and "Fechas no válidas" in wrong.text

    download = client.get("/portal/morosos.csv?tramo=31-60")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    ids = [row[1] for row in csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";")][1:]
    assert "3001" in ids and "3002" not in ids and "3003" not in ids
    listed = json.loads(client.get("/portal/morosos.json?dias=60").content)["delinquents"]
    ours = {line["client_id"]: line for line in listed if line["client_id"].startswith("300")}
    assert list(ours) == ["3003"] and ours["3003"]["overdue"] == [{"amount": "28250.00", "currency": "CRC"}]
    assert ours["3003"]["band"] == "90+"
    assert client.get("/portal/morosos.pdf").status_code == 404
    assert client.get("/portal/informes/morosos?tramo=90%2B").status_code == 200


def test_a_payment_recorded_after_the_list_was_seen_takes_the_customer_off_it(portal: Portal, owing: Engine) -> None:
    start = date.fromisoformat(late_by(200))
    with Session(owing) as session:
        newcomer = CUSTOMERS.splitlines()[0] + "\n3009,Cédula física,113330009,Irene,Vargas Mora,506,88330009\n"
        assert import_customers(session, newcomer.encode()).ok
        order = (f"Cédula física,113330009,COBRO-3009,1,CRC,25000.00,0,cuota,0.13,{start},{late_by(-300)},"
                 f"{late_by(20)},")
        assert import_contracts(session, f"{ORDERS_HEADER}\n{order}".encode(), today=start).ok
        session.commit()
    client, _ = logged_in(portal, "Irma Cobros", "accounting", "irma")
    assert 'data-client="3009"' in client.get("/portal/morosos?tramo=1-30").text

    with Session(owing) as session:
        pay(session, "3009", "28250.00", reference="SINPE-3009")
        session.commit()

    assert 'data-client="3009"' not in client.get("/portal/morosos?tramo=1-30").text
    listed = json.loads(client.get("/portal/morosos.json").content)["delinquents"]
    assert "3009" not in {line["client_id"] for line in listed}


def test_bulk_actions_tag_remind_and_block_the_ticked_customers_through_the_desk(portal: Portal, owing: Engine) -> None:
    client, _ = logged_in(portal, "Pablo Cobros", "accounting", "pablo")

    told = bulk(client, "etiquetar", "3001", "3003", etiqueta="Llamar Lunes")
    assert "Etiquetados «llamar-lunes»: 2 de 2 (3001, 3003)." in told
    assert customer(owing, "3001").tags == ["llamar-lunes"] and customer(owing, "3002").tags == []
    tagged = client.get("/portal/morosos?etiqueta=llamar-lunes")
    assert 'data-client="3001"' in tagged.text and 'data-client="3002"' not in tagged.text
    assert [a.detail for a in audit(owing, "collections_action", "tag")][-2:] == ["3001: llamar-lunes",
                                                                                 "3003: llamar-lunes"]

    told = bulk(client, "recordar", "3002")
    assert "Recordatorios: 1 de 1 (3002)." in told
    with Session(owing) as session:
        reminders = session.exec(select(Reminder).where(Reminder.sent_by == "Pablo Cobros")).all()
    assert [(r.kind, r.customer_id) for r in reminders] == [("reminder_overdue", customer(owing, "3002").id)]

    assert "Escriba la etiqueta." in bulk(client, "etiquetar", "3001", etiqueta=" ")
    told = bulk(client, "bloquear", "3001", "3003")
    assert "Indique el motivo del bloqueo." in told
    assert customer(owing, "3001").status != "blocked"
    told = bulk(client, "bloquear", "3001", "3003", motivo="sin pago desde hace más de un mes")
    assert "Bloqueados: 2 de 2" in told
    assert customer(owing, "3001").status == "blocked" and customer(owing, "3003").status == "blocked"
    assert [a.detail for a in audit(owing, "collections_action", "block")][-1] == \
        "3003: sin pago desde hace más de un mes"
    page = client.get("/portal/morosos?tramo=90%2B")
    row = page.text[page.text.index('data-client="3003"'):]
    assert '<td class="blocked">sí</td>' in row[:row.index("</tr>")]

    told = bulk(client, "etiquetar", "3002", "9999", etiqueta="revisar")
    assert "Etiquetados «revisar»: 1 de 2 (3002). No se pudo con 9999: No hay cliente con ID 9999." in told
    assert audit(owing, "staff_action_refused", "tag")[-1].detail.endswith("9999: No hay cliente con ID 9999.")


def test_support_cannot_block_from_the_list_and_the_refusal_is_audited(portal: Portal, owing: Engine) -> None:
    client, staff_id = logged_in(portal, "Sara Soporte", "support", "sara")
    page = client.get("/portal/morosos")
    assert 'id="bulk-tag"' in page.text and 'id="bulk-block"' not in page.text
    told = bulk(client, "bloquear", "3002", motivo="no paga")
    assert "Bloqueados: 0 de 1. No se pudo con 3002: No tiene permiso para esta acción." in told
    assert customer(owing, "3002").status != "blocked"
    refused = audit(owing, "staff_action_refused", "block")[-1]
    assert (refused.staff_id, refused.reason, refused.channel) == (staff_id, "role_not_allowed", "portal")


def test_a_call_assigned_from_the_list_is_the_callers_to_close_with_the_outcome(portal: Portal, owing: Engine) -> None:
    boss, _ = logged_in(portal, "Rita Contabilidad", "accounting", "rita")
    caller, caller_id = logged_in(portal, "Tomás Llamadas", "support", "tomas")
    told = bulk(boss, "asignar", "3002", persona=str(caller_id), nota="ofrecer arreglo de pago")
    assert "Llamadas asignadas: 1 de 1 (3002)." in told
    with Session(owing) as session:
        task = session.exec(select(CallTask).where(CallTask.assigned_to == caller_id)).one()
    assert (task.note, task.created_by, task.state) == ("ofrecer arreglo de pago", "Rita Contabilidad", "open")
    assert audit(owing, "collections_action", "task")[-1].detail == f"#{task.id} 3002 -> #{caller_id}"

    mine = caller.get("/portal/tareas")
    assert f'data-task="{task.id}"' in mine.text and "ofrecer arreglo de pago" in mine.text
    assert f'data-task="{task.id}"' not in boss.get("/portal/tareas").text
    everyone = boss.get("/portal/tareas?de=todos")
    assert f'data-task="{task.id}"' in everyone.text and "la cierra quien llama" in everyone.text

    token = boss.token("/portal/tareas")
    boss.post(f"/portal/tareas/{task.id}/cerrar", data={"csrf": token, "nota": "la cierro yo"})
    assert f"La tarea #{task.id} es de otra persona." in boss.get("/portal/tareas").text
    token = caller.token("/portal/tareas")
    closed = caller.post(f"/portal/tareas/{task.id}/cerrar", data={"csrf": token, "nota": "paga el viernes"})
    assert closed.status_code == 303
    assert f"Tarea #{task.id} cerrada: paga el viernes" in caller.get("/portal/tareas").text
    with Session(owing) as session:
        done = session.get(CallTask, task.id)
    assert done is not None and (done.state, done.outcome, done.closed_by) == ("closed", "paga el viernes",
                                                                               "Tomás Llamadas")
    assert "paga el viernes" in caller.get("/portal/tareas?estado=todas").text
    assert f'data-task="{task.id}"' not in caller.get("/portal/tareas").text

    page = boss.get("/portal/clientes/3001")
    token = boss.token("/portal/clientes/3001")
    boss.post("/portal/clientes/3001/tarea", data={"csrf": token, "persona": str(caller_id), "nota": "segunda"})
    assert "llamar al cliente 3001" in boss.get("/portal/clientes/3001").text
    assert 'id="assign"' in page.text


def test_a_customer_page_tags_and_blocks_with_a_reason_and_support_may_only_tag(portal: Portal, owing: Engine) -> None:
    boss, _ = logged_in(portal, "Vera Contabilidad", "accounting", "vera")
    token = boss.token("/portal/clientes/3002")
    boss.post("/portal/clientes/3002/etiquetas", data={"csrf": token, "etiqueta": "promesa de pago"})
    page = boss.get("/portal/clientes/3002")
    assert "etiquetado «promesa-de-pago»" in page.text and 'data-tag="promesa-de-pago"' in page.text
    boss.post("/portal/clientes/3002/etiquetas", data={"csrf": token, "etiqueta": "promesa-de-pago", "quitar": "1"})
    assert "promesa-de-pago" not in customer(owing, "3002").tags

    refused = boss.post("/portal/clientes/3002/acceso", data={"csrf": token, "motivo": ""})
    assert refused.status_code == 303 and "Indique el motivo." in boss.get("/portal/clientes/3002").text
    boss.post("/portal/clientes/3002/acceso", data={"csrf": token, "motivo": "cliente lo pidió"})
    assert customer(owing, "3002").status == "blocked"
    assert 'id="customer-status">bloqueado' in boss.get("/portal/clientes/3002").text
    boss.post("/portal/clientes/3002/acceso", data={"csrf": token, "motivo": "prometió pagar", "desbloquear": "1"})
    assert customer(owing, "3002").status != "blocked"
    assert [a.detail for a in audit(owing, "collections_action", "unblock")][-1] == "3002: prometió pagar"

    helper, _ = logged_in(portal, "Uma Soporte", "support", "uma")
    token = helper.token("/portal/clientes/3002")
    assert 'id="access"' not in helper.get("/portal/clientes/3002").text
    answer = helper.post("/portal/clientes/3002/acceso", data={"csrf": token, "motivo": "no paga"})
    assert answer.status_code == 403 and customer(owing, "3002").status != "blocked"
    helper.post("/portal/clientes/3002/etiquetas", data={"csrf": token, "etiqueta": "llamar"})
    assert "llamar" in customer(owing, "3002").tags


def test_accounting_marks_a_payment_returned_or_undoes_one_and_support_cannot(portal: Portal, owing: Engine) -> None:
    with Session(owing, expire_on_commit=False) as session:
        returned_id = pay(session, "3001", "10000.00", reference="SINPE-3001").payment_id
        undone_id = pay(session, "3003", "5000.00", reference="SINPE-3003").payment_id
        session.commit()
    helper, _ = logged_in(portal, "Wendy Soporte", "support", "wendy")
    token = helper.token(f"/portal/pagos/{returned_id}")
    assert 'id="take-back"' not in helper.get(f"/portal/pagos/{returned_id}").text
    for action in ("devuelto", "anular"):
        answer = helper.post(f"/portal/pagos/{returned_id}/{action}", data={"csrf": token, "motivo": "rebotó"})
        assert answer.status_code == 403

    boss, _ = logged_in(portal, "Xenia Contabilidad", "accounting", "xenia")
    token = boss.token(f"/portal/pagos/{returned_id}")
    assert 'id="take-back"' in boss.get(f"/portal/pagos/{returned_id}").text
    boss.post(f"/portal/pagos/{returned_id}/devuelto", data={"csrf": token, "motivo": "SINPE revertido"})
    page = boss.get(f"/portal/pagos/{returned_id}")
    assert f"Pago {returned_id} devuelto (" in page.text and "referencia SINPE-3001)" in page.text
    assert "Se avisó al cliente." in page.text
    reversal = page.text[page.text.index('id="reversal"'):]
    assert "Pago devuelto por el banco" in reversal and "por Xenia Contabilidad: SINPE revertido" in reversal
    assert 'id="take-back"' not in page.text
    boss.post(f"/portal/pagos/{returned_id}/anular", data={"csrf": token, "motivo": "otra vez"})
    assert "ya" in boss.get(f"/portal/pagos/{returned_id}").text.split('id="notice">')[1].split("</p>")[0]

    boss.post(f"/portal/pagos/{undone_id}/anular", data={"csrf": token, "motivo": "aplicado al cliente equivocado"})
    assert "No se avisó al cliente." in boss.get(f"/portal/pagos/{undone_id}").text
    with Session(owing) as session:
        reversals = {r.payment_id: r for r in session.exec(select(PaymentReversal)).all()}
    assert (reversals[returned_id].kind, reversals[returned_id].reason, reversals[returned_id].actor) == (
        "returned", "SINPE revertido", "Xenia Contabilidad")
    assert reversals[returned_id].customer_told
    assert (reversals[undone_id].kind, reversals[undone_id].customer_told) == ("undone", False)
    undo_audit = audit(owing, "collections_action", "undone")[-1]
    assert undo_audit.detail == f"pago {undone_id}: aplicado al cliente equivocado"
    refused = boss.post("/portal/pagos/999999/anular", data={"csrf": token, "motivo": "no existe"})
    assert refused.status_code == 303
    assert audit(owing, "staff_action_refused", "undo")[-1].detail.startswith("pago 999999: ")
