"""The portal as staff use it, in headless Chromium beside the sandbox chat: a receipt sent in the chat shows
up in the inbox, support takes it, notes it and approves it in the portal, and the chat's card changes; a
grace extension's case link opens its page; accounting applies the payment, the ERP is down, the payment is
found under "pagado sin sincronizar" and synced by hand with an explanation that its history shows; the
payments report downloads as CSV and XLSX and reads back; support sees no sync action; a page without a
session asks to log in; a form without its token is refused."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import Session, select

from bot.db.models import Case, Intake, IntakeEvent, IntakeNote, OutboxMessage
from bot.db.session import make_engine
from tests.handlers.sandbox.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.portal.conftest import Portal
from tests.stories import receipt_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def log_in(browser: Browser, portal: Portal, login: str, password: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(portal.service.url + "/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login\?next=/portal/$"))
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("#enter")
    expect(page.locator("#viewer")).to_be_visible()
    return page


def shot(page: Page, name: str, folder: Path) -> None:
    page.screenshot(path=str(Path(os.environ.get("PAYBOT_SCREENSHOT_DIR", folder)) / name), full_page=True)


def test_support_takes_notes_and_approves_a_chat_receipt_in_the_portal_and_the_chat_card_changes(
    portal: Portal, browser: Browser, tmp_path: Path,
) -> None:
    portal.add_staff("Laura Mora", "support", "laura", "clave de laura")
    receipt = tmp_path / "comprobante.png"
    receipt.write_bytes(receipt_png("28250.00", description="Pago ID 1001"))

    chat = browser.new_page(viewport={"width": 1400, "height": 900})
    chat.goto(portal.service.url + "/")
    chat.set_input_files("#file", str(receipt))
    chat.click("#send")
    chat.wait_for_selector("#support-feed .card[data-kind=support_card]", timeout=WAIT)

    page = log_in(browser, portal, "laura", "clave de laura")
    row = page.locator("#inbox tr[data-intake='1']")
    expect(row).to_contain_text("1001")
    expect(row).to_contain_text("en revisión")
    expect(page.locator(".tabs a[data-state=in_review] b")).to_have_text("1")
    page.fill("input[name=q]", "8811-2233")
    page.click("#filters button[type=submit]")
    expect(page.locator("#inbox tbody tr")).to_have_count(1)
    shot(page, "portal-inbox.png", tmp_path)

    page.click("#inbox tr[data-intake='1'] a")
    expect(page.locator("#receipt-image")).to_be_visible()
    expect(page.locator("#fields")).to_contain_text("₡28 250,00")
    expect(page.locator("#checks")).to_contain_text("Pagado a la empresa")
    expect(page.locator("#balance")).to_contain_text("Saldo CRC")
    page.select_option("#assign-to", label="Laura Mora")
    page.click("#assign-form button")
    expect(page.locator("#notice")).to_contain_text("asignado a Laura Mora")
    page.fill("#note-text", "Llamé a la clienta: confirma que es la cuota de noviembre.")
    page.click("#note-form button")
    expect(page.locator("#notes")).to_contain_text("confirma que es la cuota de noviembre")
    page.click("form[data-kind=approve] button")
    expect(page.locator("#notice")).to_contain_text("Comprobante #1 aprobado y enviado a contabilidad")
    expect(page.locator("#intake-state")).to_have_text("en contabilidad")
    expect(page.locator("#history")).to_contain_text("Laura Mora")
    shot(page, "portal-intake.png", tmp_path)

    card = chat.locator("#support-feed .card[data-kind=support_card][data-intake='1']")
    expect(card).to_have_class(re.compile(r"\bdone\b"), timeout=WAIT)
    expect(card.locator(".status")).to_contain_text(
        "Laura Mora, desde el portal: Comprobante #1 aprobado y enviado a contabilidad.")
    expect(card.locator("button").first).to_be_disabled()
    chat.wait_for_selector("#accounting-feed .card[data-kind=accounting_card][data-intake='1']", timeout=WAIT)
    chat.wait_for_selector("#customer-feed .bubble[data-kind=received]", timeout=WAIT)

    engine = make_engine(portal.url)
    with Session(engine) as session:
        intake = session.get(Intake, 1)
        note = session.exec(select(IntakeNote)).one()
        approved = session.exec(select(IntakeEvent).where(IntakeEvent.to_state == "forwarded")).one()
    engine.dispose()
    assert intake is not None and intake.assigned_to_id is not None and note.author == "Laura Mora"
    assert (approved.actor, approved.staff_id) == ("Laura Mora", intake.assigned_to_id)


def test_the_grace_case_link_from_the_chat_opens_the_case_page_and_accounting_closes_it(
    portal: Portal, browser: Browser, tmp_path: Path,
) -> None:
    portal.add_staff("Sofía Soporte", "support", "sofia", "clave de sofia")
    portal.add_staff("Mario Solís", "accounting", "mario", "clave de mario")
    support = log_in(browser, portal, "sofia", "clave de sofia")
    support.goto(portal.service.url + "/portal/comprobantes/1")
    support.fill("form[data-kind=grace] input[name=reason]", "sistema desactivado, lo necesita hoy")
    support.click("form[data-kind=grace] button")
    expect(support.locator("#notice")).to_contain_text("escalado a contabilidad")

    chat = browser.new_page()
    chat.goto(portal.service.url + "/")
    escalation = chat.wait_for_selector("#accounting-feed .card[data-kind=escalation_grace]", timeout=WAIT)
    assert escalation is not None
    found = re.search(r"Ver el caso: (\S+)", escalation.inner_text())
    assert found is not None and found.group(1).startswith(portal.service.url + "/portal/casos/")

    accounting = log_in(browser, portal, "mario", "clave de mario")
    accounting.goto(found.group(1))
    expect(accounting.locator("#case-opened-by")).to_have_text("Sofía Soporte")
    expect(accounting.locator("#case-reason")).to_have_text("sistema desactivado, lo necesita hoy")
    expect(accounting.locator("#case-decision")).to_have_text("pendiente")
    accounting.fill("#close-case input[name=decision]", "Se mantiene hasta aplicar el pago")
    accounting.click("#close-case button")
    expect(accounting.locator("#case-decision")).to_contain_text("Se mantiene hasta aplicar el pago — Mario Solís")
    shot(accounting, "portal-case.png", tmp_path)
    chat.wait_for_selector("#support-feed .card[data-kind=case_closed]", timeout=WAIT)

    engine = make_engine(portal.url)
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    engine.dispose()
    assert (case.state, case.closed_by) == ("closed", "Mario Solís")


def test_without_a_session_the_browser_lands_on_the_login_page_and_a_tokenless_form_is_refused(
    portal: Portal, browser: Browser,
) -> None:
    anonymous = browser.new_page()
    anonymous.goto(portal.service.url + "/portal/casos/1")
    expect(anonymous).to_have_url(re.compile(r"/portal/login\?next=/portal/casos/1$"))
    expect(anonymous.locator("#enter")).to_be_visible()

    portal.add_staff("Tomás Soporte", "support", "tomas", "clave de tomas")
    page = log_in(browser, portal, "tomas", "clave de tomas")
    page.goto(portal.service.url + "/portal/comprobantes/1")
    page.fill("#note-text", "esta nota no debe guardarse")
    page.evaluate("document.querySelector('#note-form input[name=csrf]').remove()")
    page.click("#note-form button")
    expect(page.locator("#refused")).to_contain_text("El formulario venció")
    engine = make_engine(portal.url)
    with Session(engine) as session:
        notes = [note.text for note in session.exec(select(IntakeNote)).all()]
    engine.dispose()
    assert "esta nota no debe guardarse" not in notes


def test_accounting_finds_a_payment_paid_but_not_synced_and_syncs_it_by_hand_with_an_explanation(
    portal: Portal, browser: Browser, tmp_path: Path,
) -> None:
    portal.add_staff("Mario Solís", "accounting", "mario2", "clave de mario")
    page = log_in(browser, portal, "mario2", "clave de mario")
    page.goto(portal.service.url + "/portal/comprobantes/1")
    page.click("form[data-kind=apply] button")
    expect(page.locator("#notice")).to_contain_text("Pago #1 aplicado")

    page.goto(portal.service.url + "/portal/pagos")
    row = page.locator("#payments tr[data-payment='1']")
    # The scheduler's ERP job (every 5 s, the ERP down) may already have tried it on a loaded machine.
    expect(row.locator(".sync-state")).to_contain_text(re.compile("pendiente de sincronizar|pagado sin sincronizar"))
    row.locator("details.sync-options summary").click()
    row.locator("button:has-text('Sincronizar ahora')").click()
    expect(page.locator("#notice")).to_contain_text("Pago 1 pagado sin sincronizar")

    page.select_option("#sync-filter", "sync_failed")
    page.click("#filter-payments")
    expect(page).to_have_url(re.compile(r"estado=sync_failed"))
    expect(page.locator("#payments tbody tr")).to_have_count(1)
    expect(row.locator(".sync-state")).to_contain_text("pagado sin sincronizar")
    row.locator("details.sync-options summary").click()
    row.locator("textarea[name=explanation]").fill("Ya estaba pagado en el ERP con la misma referencia")
    row.locator("button:has-text('Sincronizar manualmente')").click()
    expect(page.locator("#notice")).to_contain_text("Pago 1 sincronizado manualmente")
    expect(page.locator("#payments tbody")).to_contain_text("No hay pagos con este filtro")
    shot(page, "portal-payments.png", tmp_path)

    page.goto(portal.service.url + "/portal/pagos/1")
    expect(page.locator("#payment-sync")).to_have_text("sincronizado manualmente")
    expect(page.locator("#sync-note")).to_contain_text("Ya estaba pagado en el ERP con la misma referencia")
    history = page.locator("#payment-history")
    expect(history).to_contain_text("Mario Solís: «Sincronizar ahora» pedido")
    expect(history).to_contain_text("Mario Solís: sincronizado manualmente — Ya estaba pagado en el ERP")
    page.goto(portal.service.url + "/portal/comprobantes/1")
    expect(page.locator("#history")).to_contain_text("sincronizado manualmente: Ya estaba pagado en el ERP")
    expect(page.locator("#intake-state")).to_have_text("sincronizado")
    engine = make_engine(portal.url)
    with Session(engine) as session:
        told = [m.text for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "done_in_portal")
                                             .where(OutboxMessage.audience == "accounting")).all()]
        replies = [m.kind for m in session.exec(select(OutboxMessage).where(OutboxMessage.audience == "customer")
                                                .where(OutboxMessage.intake_id == 1)).all()]
    engine.dispose()
    assert any("Mario Solís, desde el portal: Pago 1 sincronizado manualmente" in text for text in told)
    assert replies.count("applied") == 1


def test_the_payments_report_downloads_as_csv_and_xlsx_that_read_back(
    portal: Portal, browser: Browser, tmp_path: Path,
) -> None:
    portal.add_staff("Rita Informes", "accounting", "rita", "clave de rita")
    page = log_in(browser, portal, "rita", "clave de rita")
    page.goto(portal.service.url + "/portal/informes")
    expect(page.locator("#report-count")).to_have_text("1")
    expect(page.locator("#report-totals")).to_contain_text("₡28 250,00")
    expect(page.locator("svg.bar-chart[data-currency=CRC] rect")).to_have_count(1)
    today = datetime.now(ZoneInfo("America/Costa_Rica"))
    expect(page.locator("svg.bar-chart[data-currency=CRC] rect title")).to_contain_text(f"{today:%d/%m}: ₡28")
    shot(page, "portal-report.png", tmp_path)

    with page.expect_download() as csv_download:
        page.click("#download-csv")
    text = Path(csv_download.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    detail = next(r for r in rows if r and r[0] == "1")
    assert "1001" in detail and "sincronizado manualmente" in detail

    with page.expect_download() as xlsx_download:
        page.click("#download-xlsx")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    payments = list(book["Pagos"].iter_rows(values_only=True))
    book.close()
    assert payments[0][0] == "Pago" and payments[1][0] == 1 and payments[1][3] == "1001"
    assert float(payments[1][5]) == 28250.0


def test_a_support_login_sees_no_sync_action(portal: Portal, browser: Browser) -> None:
    portal.add_staff("Sara Soporte", "support", "sara", "clave de sara")
    page = log_in(browser, portal, "sara", "clave de sara")
    page.goto(portal.service.url + "/portal/pagos")
    expect(page.locator("#payments tr[data-payment='1']")).to_be_visible()
    expect(page.locator("details.sync-options")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Sincronizar")
    page.goto(portal.service.url + "/portal/pagos/1")
    expect(page.locator("#payment-history")).to_be_visible()
    expect(page.locator("form[action*=sincronizar], button:has-text('Sincronizar')")).to_have_count(0)
