"""Clientes as accounting uses it: a CSV uploaded in the portal is imported whole or not at all with the same
per-row report as `paybot import`, and a customer's page shows their charges and movements and gives their
statement as the PDF they would get."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, select

from bot.db.models import AuditEvent, Customer
from bot.db.session import make_engine
from tests.portal.conftest import Portal

HEADER = "ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,Celular_1\n"
GOOD = "2001,Cédula física,109870999,Lucía,Mora Castro,506,88001122\n"
BAD = "2002,Cédula física,,Pedro,Solano,506,88001133\n"


def customers_named(portal: Portal, *client_ids: str) -> list[str]:
    engine = make_engine(portal.url)
    with Session(engine) as session:
        found = [c.client_id for c in session.exec(select(Customer).where(Customer.client_id.in_(client_ids))).all()]  # type: ignore[attr-defined]
    engine.dispose()
    return sorted(found)


def test_an_uploaded_file_with_one_bad_row_imports_nothing_and_says_which_row(portal: Portal) -> None:
    portal.add_staff("Ivan Conta", "accounting", "ivan", "clave de ivan")
    client = portal.client()
    client.log_in("ivan", "clave de ivan")
    token = client.token("/portal/clientes/importar")

    refused = client.post("/portal/clientes/importar", data={"csrf": token, "kind": "customers"},
                          files={"file": ("clientes.csv", (HEADER + GOOD + BAD).encode(), "text/csv")})
    assert refused.status_code == 422
    assert "no se importó nada" in refused.text and "fila 3" in refused.text
    assert customers_named(portal, "2001", "2002") == []

    checked = client.post("/portal/clientes/importar", data={"csrf": token, "kind": "customers", "dry_run": "1"},
                          files={"file": ("clientes.csv", (HEADER + GOOD).encode(), "text/csv")})
    assert checked.status_code == 200 and "no se guardó nada" in checked.text
    assert customers_named(portal, "2001") == []

    imported = client.post("/portal/clientes/importar", data={"csrf": token, "kind": "customers"},
                           files={"file": ("clientes.csv", (HEADER + GOOD).encode(), "text/csv")})
    assert imported.status_code == 200 and "1 filas importadas; 1 creadas" in imported.text
    assert customers_named(portal, "2001") == ["2001"]
    engine = make_engine(portal.url)
    with Session(engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.kind == "portal_import")).all()
    engine.dispose()
    assert [(a.reason, a.action) for a in audit] == [("refused", "customers"), ("imported", "customers")]
    assert (audit[1].detail or "").startswith("Ivan Conta: clientes.csv: clientes: 1 filas importadas")
    page = client.get("/portal/clientes/2001")
    assert page.status_code == 200 and "Lucía Mora Castro" in page.text and "+50688001122" in page.text


def test_a_customer_page_gives_the_statement_pdf_and_support_cannot_import(portal: Portal) -> None:
    portal.add_staff("Julia Soporte", "support", "julia", "clave de julia")
    client = portal.client()
    client.log_in("julia", "clave de julia")
    page = client.get("/portal/clientes/1001")
    assert page.status_code == 200 and "WOLK-1001" in page.text and "Saldo CRC" in page.text
    charges = re.findall(r'<tr data-kind="charge"><td>[^<]*</td><td>([^<]*)</td>', html.unescape(page.text))
    assert charges == ["Mensualidad dic. 2026 · WOLK-1001"]
    statement = client.get("/portal/clientes/1001/estado.pdf")
    assert statement.status_code == 200 and statement.content.startswith(b"%PDF")
    assert 'filename="estado-de-cuenta-1001-' in statement.headers["content-disposition"]
    assert client.get("/portal/clientes/9999").status_code == 404
    refused = client.post("/portal/clientes/importar", data={"csrf": client.token("/portal/clientes")},
                          files={"file": ("clientes.csv", (HEADER + GOOD).encode(), "text/csv")})
    assert refused.status_code == 403


def test_an_excel_workbook_with_a_title_above_the_table_is_imported_from_the_portal(portal: Portal) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["Clientes al 28/11/2026"], [], ["Código de cliente", "Tipo ID", "Cédula", "Nombre", "Apellidos",
                                                "Teléfono"],
                [2003, "Cédula física", "1-0987-0998", "Rosa", "Vega Mora", "+506 8800-1144"]):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    portal.add_staff("Olga Conta", "accounting", "olga", "clave de olga")
    client = portal.client()
    client.log_in("olga", "clave de olga")
    form = client.get("/portal/clientes/importar")
    assert ".xlsx" in form.text

    imported = client.post(
        "/portal/clientes/importar", data={"csrf": client.token("/portal/clientes/importar"), "kind": "customers"},
        files={"file": ("clientes.xlsx", data.getvalue(),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})

    assert imported.status_code == 200, imported.text
    assert "1 filas importadas; 1 creadas" in imported.text and "títulos en la fila 3" in imported.text
    page = client.get("/portal/clientes/2003")
    assert page.status_code == 200 and "Rosa Vega Mora" in page.text and "+50688001144" in page.text
