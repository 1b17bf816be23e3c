"""`/metrics` as Prometheus reads it: parsed with the client library's own parser, counts from the database
that every process agrees on, and this process's reading times, read errors and webhook answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr, ValidationError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import OutboxMessage, Reminder
from bot.db.types import utcnow
from bot.intake.core import InlineReader
from bot.service import build_app
from tests.conftest import REPO

LOCAL = "http://127.0.0.1:8080"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, keyed by name and sorted labels, as the Prometheus parser reads it."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def with_demo_customers(engine: Engine) -> None:
    with Session(engine) as session:
        for importer, name in ((import_customers, "customers.csv"), (import_contracts, "contracts.csv")):
            assert not importer(session, (REPO / "data" / name).read_bytes()).errors
        session.commit()


async def test_metrics_count_intakes_reads_errors_outbox_and_reminders(settings: Settings, engine: Engine) -> None:
    with_demo_customers(engine)
    app = build_app(settings, engine, InlineReader(settings))
    receipt = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=LOCAL) as client:
        broken = b"\x89PNG\r\n\x1a\n" + b"0" * 64
        for number, (name, data) in enumerate((("recibo.png", receipt), ("roto.png", broken))):
            answer = await client.post("/sandbox/api/customer", data={"phone": f"8811223{number}"},
                                       files={"file": (name, data, "image/png")})
            assert answer.status_code == 201
        assert await app.state.service.worker.drain() == 2
        now = utcnow()
        with Session(engine) as session:
            session.add(OutboxMessage(dedupe_key="t:1", channel="telegram", recipient="-100", audience="support",
                                      kind="support_card", text="x", state="failed"))
            session.add(Reminder(kind="reminder_short_payment", channel="sandbox", recipient="+50688112233",
                                 due_at=now - timedelta(minutes=1)))
            session.add(Reminder(kind="reminder_short_payment", channel="sandbox", recipient="+50688112233",
                                 due_at=now + timedelta(hours=1)))
            session.commit()
        page = await client.get("/metrics")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    found = samples(page.text)
    assert found[("paybot_intakes", (("state", "in_review"),))] == 1
    assert found[("paybot_intakes", (("state", "needs_info"),))] == 1
    assert found[("paybot_intakes", (("state", "received"),))] == 0
    assert found[("paybot_read_seconds_count", (("source", "file"),))] == 2
    assert found[("paybot_read_seconds_bucket", (("le", "0.1"), ("source", "file")))] <= 1, "a real read takes time"
    assert found[("paybot_read_seconds_sum", (("source", "file"),))] > 0.1
    assert found[("paybot_read_errors_total", (("kind", "unreadable"),))] == 1
    assert found[("paybot_read_errors_total", (("kind", "timeout"),))] == 0
    assert found[("paybot_outbox_failed", (("channel", "telegram"),))] == 1
    assert found[("paybot_outbox_pending", (("channel", "sandbox"),))] >= 3, "two acks and a support card wait"
    assert found[("paybot_reminders_due", ())] == 1
    assert found[("paybot_reminders_pending", ())] == 2


async def test_metrics_count_webhook_answers_by_status(settings: Settings, engine: Engine) -> None:
    token = "metrics-auth-token-0123456789"
    public = "https://paybot.example.com"
    whatsapp = settings.model_copy(update={
        "public_url": public, "twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": SecretStr(token),
        "twilio_whatsapp_from": "whatsapp:+50640001000"})
    app = build_app(whatsapp, engine, InlineReader(whatsapp))
    params = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32, "From": "whatsapp:+50688112233",
              "To": "whatsapp:+50640001000", "Body": "hola", "NumMedia": "0"}
    signature = RequestValidator(token).compute_signature(f"{public}/webhooks/whatsapp", params)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://10.0.0.5") as client:
        signed = await client.post("/webhooks/whatsapp", data=params, headers={"X-Twilio-Signature": signature})
        forged = await client.post("/webhooks/whatsapp", data=params, headers={"X-Twilio-Signature": "AAAA"})
        again = await client.post("/webhooks/whatsapp", data=params, headers={"X-Twilio-Signature": signature})
        found = samples((await client.get("/metrics")).text)
    assert (signed.status_code, forged.status_code, again.status_code) == (200, 403, 200)
    assert found[("paybot_webhook_requests_total", (("channel", "whatsapp"), ("status", "200")))] == 2
    assert found[("paybot_webhook_requests_total", (("channel", "whatsapp"), ("status", "403")))] == 1
    assert found[("paybot_intakes", (("state", "received"),))] == 1, "the second delivery was the same message"


def test_each_app_has_its_own_registry(settings: Settings, engine: Engine) -> None:
    first = build_app(settings, engine, InlineReader(settings))
    second = build_app(settings, engine, InlineReader(settings))
    assert first.state.metrics.registry is not second.state.metrics.registry


async def test_metrics_answer_only_the_bearer_of_the_token_when_one_is_set(settings: Settings, engine: Engine) -> None:
    token = "scrape-token-0123456789abcdef"
    guarded = settings.model_copy(update={"metrics_token": SecretStr(token)})
    app = build_app(guarded, engine, InlineReader(guarded))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOCAL) as client:
        bare = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer " + token[:-1] + "X"})
        basic = await client.get("/metrics", headers={"Authorization": "Basic " + token})
        right = await client.get("/metrics", headers={"Authorization": "Bearer " + token})
    assert (bare.status_code, wrong.status_code, basic.status_code) == (401, 401, 401)
    assert bare.headers["www-authenticate"].startswith("Bearer")
    assert "paybot" not in bare.text
    assert right.status_code == 200
    assert ("paybot_intakes", (("state", "received"),)) in samples(right.text)


def test_a_short_metrics_token_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="PAYBOT_METRICS_TOKEN"):
        Settings(_env_file=None, metrics_token="short")  # type: ignore[call-arg]


async def test_a_flood_of_scrapes_counts_the_database_a_few_times_not_once_each(
    settings: Settings, engine: Engine,
) -> None:
    counts: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "GROUP BY intake.state" in statement:
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    app = build_app(settings, engine, InlineReader(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOCAL) as client:
        pages = await asyncio.gather(*(client.get("/metrics") for _ in range(60)))
    assert all(page.status_code == 200 for page in pages)
    assert len({page.text for page in pages}) <= len(counts)
    assert 1 <= len(counts) <= 5, "each scrape within a second of the last reuses its count"
