"""The Morosos page as accounting uses it in headless Chromium: filter by band, tick customers, tag them,
block one after confirming the dialog, assign a call to oneself, then close it from Tareas with the outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, expect, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.models import CallTask, Customer
from tests.handlers.sandbox.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.portal.conftest import Portal
from tests.portal.test_browser import log_in, shot
from tests.portal.test_collections import owing

__all__ = ["owing"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_accounting_tags_blocks_and_assigns_ticked_delinquents_and_closes_the_call_from_tareas(
    portal: Portal, owing: Engine, browser: Browser, tmp_path: Path,
) -> None:
    staff_id = portal.add_staff("Mónica Cobros", "accounting", "monica", "clave de monica")
    page = log_in(browser, portal, "monica", "clave de monica")
    page.click("header nav >> text=Morosos")
    expect(page.locator("#delinquents tr[data-client='3003']")).to_be_visible()

    page.select_option("select[name=tramo]", "90+")
    page.click("#filters button[type=submit]")
    expect(page.locator("#delinquents tr[data-client='3001']")).to_have_count(0)
    page.click("#filters >> text=Quitar filtros")
    page.check("input[name=cliente][value='3001']")
    page.check("input[name=cliente][value='3003']")
    page.fill("#bulk input[name=etiqueta]", "Llamar Lunes")
    page.click("#bulk-tag")
    expect(page.locator("#notice")).to_contain_text("Etiquetados «llamar-lunes»: 2 de 2 (3003, 3001).")
    expect(page.locator("#delinquents tr[data-client='3001'] td.tags")).to_have_text("llamar-lunes")
    expect(page.locator("#delinquents tr[data-client='3002'] td.tags")).to_have_text("")

    questions: list[str] = []

    def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.check("input[name=cliente][value='3003']")
    page.fill("#bulk input[name=motivo]", "sin pago hace tres meses")
    page.click("#bulk-block")
    expect(page.locator("#notice")).to_contain_text("Bloqueados: 1 de 1 (3003).")
    assert questions == ["¿Bloquear a los clientes marcados?"]
    expect(page.locator("#delinquents tr[data-client='3003'] td.blocked")).to_have_text("sí")

    page.check("input[name=cliente][value='3002']")
    page.select_option("#bulk select[name=persona]", str(staff_id))
    page.fill("#bulk input[name=nota]", "ofrecer arreglo")
    page.click("#bulk-assign")
    expect(page.locator("#notice")).to_contain_text("Llamadas asignadas: 1 de 1 (3002).")
    shot(page, "portal-morosos.png", tmp_path)

    page.click("header nav >> text=Tareas")
    row = page.locator("#tasks tr[data-task]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ofrecer arreglo")
    row.locator("input[name=nota]").fill("promete pagar el viernes")
    row.locator("button[type=submit]").click()
    expect(page.locator("#notice")).to_contain_text("cerrada: promete pagar el viernes")
    expect(page.locator("#tasks tr[data-task]")).to_have_count(0)

    with Session(owing) as session:
        blocked = session.exec(select(Customer).where(Customer.client_id == "3003")).one()
        task = session.exec(select(CallTask).where(CallTask.assigned_to == staff_id)).one()
    assert blocked.status == "blocked" and blocked.tags == ["llamar-lunes"]
    assert (task.state, task.outcome) == ("closed", "promete pagar el viernes")
