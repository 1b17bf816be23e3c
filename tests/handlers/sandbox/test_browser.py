"""The sandbox as a new user meets it: headless Chromium uploads a receipt, support approves,
accounting applies, and the customer column shows the "applied" reply."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.stories import ServiceProcess, receipt_png

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def service(installation: tuple[dict[str, str], str], tmp_path: Path) -> Iterator[ServiceProcess]:
    env, _url = installation
    process = ServiceProcess(env, tmp_path)
    process.start()
    yield process
    process.stop()


def test_upload_approve_apply_and_see_the_customer_reply(service: ServiceProcess, tmp_path: Path) -> None:
    receipt = tmp_path / "comprobante.png"
    receipt.write_bytes(receipt_png("28250.00", description="Pago ID 1001"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(service.url + "/")
        assert "paybot" in page.title()

        page.set_input_files("#file", str(receipt))
        page.click("#send")
        page.wait_for_selector("#customer-feed .bubble[data-kind=ack]", timeout=20_000)

        support_card = page.wait_for_selector("#support-feed .card[data-kind=support_card]", timeout=30_000)
        assert support_card is not None and "Pagado a la empresa" in support_card.inner_text()
        page.click("#support-feed .card[data-kind=support_card] button:has-text('Aprobar')")
        page.wait_for_selector("#customer-feed .bubble[data-kind=received]", timeout=20_000)

        page.wait_for_selector("#accounting-feed .card[data-kind=accounting_card]", timeout=20_000)
        page.click("#accounting-feed .card[data-kind=accounting_card] button:has-text('Aplicado')")
        applied = page.wait_for_selector("#customer-feed .bubble[data-kind=applied]", timeout=20_000)
        assert applied is not None
        text = applied.inner_text().replace("\u00a0", " ")
        assert "ya se encuentra aplicado" in text and "₡28 250,00" in text
        page.screenshot(path=str(Path(os.environ.get("PAYBOT_SCREENSHOT_DIR", tmp_path)) / "sandbox.png"))
        browser.close()
