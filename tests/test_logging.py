"""Logs a collector can read: with PAYBOT_LOG_FORMAT=json every line of paybot, uvicorn and the libraries is one
JSON object, a line about an intake names it, and secrets and phone numbers stay out as in text logs."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.logs import IntakeTag, JsonFormatter, RedactingFilter, TextFormatter, about_intake, secrets_of
from tests.conftest import REPO
from tests.processes import Service, installation

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


def test_service_logs_are_json_lines_naming_their_intake(tmp_path: Path) -> None:
    env = installation(tmp_path, log_format="json", log_level="INFO", ocr_workers="1")
    service = Service(env, tmp_path, log=tmp_path / "service.log").start()
    try:
        with httpx.Client(base_url=service.url, timeout=30) as client:
            broken = client.post("/sandbox/api/customer", data={"phone": "88112233"},
                                 files={"file": ("roto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")})
            good = client.post("/sandbox/api/customer", data={"phone": "88112234"},
                               files={"file": ("recibo.png", RECEIPT, "image/png")})
            broken_id, good_id = broken.json()["intake_id"], good.json()["intake_id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(
                    m["kind"] == "support_card" for m in client.get("/sandbox/api/messages").json()["messages"]):
                time.sleep(0.2)
    finally:
        service.stop()
    text = service.output()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(("Telegram:", "WhatsApp:",
                                                                                        "Sandbox:"))]
    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    loggers = {record["logger"] for record in records}
    assert {"uvicorn.error", "uvicorn.access", "bot.service"} <= loggers, loggers
    unreadable = [r for r in records if "unreadable" in r["message"] and r["logger"] == "bot.intake.core"]
    assert unreadable and all(r.get("intake_id") == broken_id for r in unreadable)
    assert good_id != broken_id
    assert "88112233" not in text and "88112234" not in text, "phone numbers never whole in a log"


def test_a_json_line_names_the_intake_and_keeps_secrets_out(settings: Settings) -> None:
    secret = settings.model_copy(update={"telegram_token": SecretStr("123456:SECRET-token-value")})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(IntakeTag())
    handler.addFilter(RedactingFilter(secrets_of(secret)))
    logger = logging.getLogger("paybot.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        with about_intake(41):
            try:
                raise RuntimeError("calling https://api.telegram.org/bot123456:SECRET-token-value/getMe")
            except RuntimeError:
                logger.exception("sending to +50688112233 failed")
        logger.warning("no intake here")
        logger.info("given explicitly", extra={"intake_id": 7})
    finally:
        logger.removeHandler(handler)
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["intake_id"] == 41 and first["level"] == "ERROR"
    assert "SECRET-token-value" not in stream.getvalue() and "<redacted>" in first["exception"]
    assert first["message"] == "sending to +*******2233 failed"
    assert "intake_id" not in second
    assert third["intake_id"] == 7


def test_text_lines_name_the_intake_too() -> None:
    record = logging.LogRecord("bot.intake.core", logging.INFO, __file__, 1, "read %s", ("ok",), None)
    record.intake_id = 12
    assert "bot.intake.core [intake 12]: read ok" in TextFormatter().format(record)
