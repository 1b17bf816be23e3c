"""Scale-out on one PostgreSQL, with real processes: two web, two workers, a scheduler and a would-be second one.
A hundred signed WhatsApp webhooks spread over both web processes (some delivered twice, to different
processes); one worker is killed with SIGKILL mid-way and so is the scheduler leader. Every intake is read once,
each customer gets one acknowledgement and support one card per receipt, each due reminder goes out once, and
the standby scheduler takes over."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from bot.db.models import Heartbeat, Intake, IntakeEvent, OutboxMessage, Reminder
from bot.db.types import utcnow
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.ocr.receipts import generate
from tests.processes import Service, clean_env
from tests.stories import load_demo

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "scale-out-auth-token-0123456789"
PUBLIC_URL = "https://pagos.example.cr"
OUR_NUMBER = "whatsapp:+50640001000"
SUPPORT = "+50670000001"
RECEIPTS = 100
CUSTOMERS = 25


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    server.start()
    yield server
    server.stop()


def webhook(number: int, media_url: str) -> dict[str, str]:
    phone = f"+5068{8100000 + number % CUSTOMERS:07d}"
    return {"MessageSid": f"SM{number:032d}", "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
            "To": OUR_NUMBER, "Body": "", "NumMedia": "1", "MediaUrl0": media_url,
            "MediaContentType0": "image/png", "ProfileName": f"Cliente {number % CUSTOMERS}"}


def post(client: httpx.Client, web: Service, form: dict[str, str]) -> int:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}/webhooks/whatsapp", form)
    answer = client.post(f"{web.url}/webhooks/whatsapp", data=form, headers={"X-Twilio-Signature": signature})
    return answer.status_code


def finished(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Intake)
                                .where(col(Intake.state).not_in(["received", "read"]))).one())


def in_flight_of(engine: Engine, process: str) -> set[tuple[str, str]]:
    """The messages a process (`:pid`) held claimed: what it may have been sending when it was killed."""
    with Session(engine) as session:
        held = session.exec(select(OutboxMessage).where(col(OutboxMessage.claimed_by).endswith(process))
                            .where(col(OutboxMessage.state) == "pending")).all()
    return {(wire_number(m.recipient), "ack" if m.kind == "ack" else f"card {m.intake_id}") for m in held}


def wire_number(recipient: str) -> str:
    """A recipient as Twilio's `To` names it (staff numbers are stored without the channel prefix)."""
    return recipient if recipient.startswith("whatsapp:") else f"whatsapp:{recipient}"


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds}s: {what}")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_web_two_workers_and_a_standby_scheduler_on_one_postgresql(
        pg_engine: Engine, postgres_url: str, fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    load_demo(pg_engine)
    env = clean_env(
        database_url=postgres_url, data_dir=str(tmp_path), log_level="WARNING", public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN, twilio_whatsapp_from=OUR_NUMBER,
        twilio_api_base=fake_twilio.base_url, twilio_media_hosts="127.0.0.1", twilio_template_sid="HX" + "1" * 32,
        whatsapp_support_numbers=SUPPORT, whatsapp_accounting_numbers="+50670000002", ocr_workers="1",
        flood_per_minute="0",
        # The due reminders go out whatever the hour, weekday or holiday the test runs on.
        business_hours="00:00-23:59", closed_weekdays="", holidays_country="")
    webs = [Service(env, tmp_path, "--role", "web", "--no-migrate", log=tmp_path / f"web{i}.log") for i in (1, 2)]
    workers = [Service(env, tmp_path, "--role", "worker", "--no-migrate", log=tmp_path / f"worker{i}.log")
               for i in (1, 2)]
    talkative = dict(env, PAYBOT_LOG_LEVEL="INFO")
    leader = Service(talkative, tmp_path, "--role", "scheduler", "--no-migrate", log=tmp_path / "scheduler1.log")
    standby = Service(talkative, tmp_path, "--role", "scheduler", "--no-migrate", log=tmp_path / "scheduler2.log")
    everyone = [*webs, *workers, leader, standby]
    fake_twilio.proxies[PUBLIC_URL] = webs[0].url
    rng = random.Random(16)
    urls = [fake_twilio.serve_media(f"r{n}.png", generate(16_000 + n, photographed=False, dark=False).data,
                                    "image/png") for n in range(RECEIPTS)]
    try:
        for service in [*webs, *workers, leader]:
            service.start(wait=False)
        for service in [*webs, *workers, leader]:
            service.wait_healthy()
        wait_until(lambda: "este proceso ejecuta las tareas programadas" in leader.output(), 30, "a leader")
        standby.start()
        wait_until(lambda: "otro proceso ya ejecuta las tareas programadas" in standby.output(), 30,
                   "the standby waits")

        answers: Counter[int] = Counter()
        with httpx.Client(timeout=30) as client:
            opening = {"MessageSid": "SM" + "9" * 32, "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{SUPPORT}",
                       "To": OUR_NUMBER, "Body": "AYUDA", "NumMedia": "0", "ProfileName": "Soporte"}
            assert post(client, webs[0], opening) == 200, "support writes first: their 24-hour window is open"
            for number, url in enumerate(urls):
                form = webhook(number, url)
                answers[post(client, webs[number % 2], form)] += 1
                if number % 5 == 0:
                    answers[post(client, webs[(number + 1) % 2], form)] += 1
                if number == RECEIPTS // 2:
                    wait_until(lambda: finished(pg_engine) >= 25, 300, "a quarter read")
                    killed = f":{workers[0].pid}"
                    workers[0].kill()
                    in_flight = in_flight_of(pg_engine, killed)
                    with Session(pg_engine) as session:
                        done = session.exec(select(Intake).where(col(Intake.state) == "in_review")
                                            .order_by(col(Intake.id)).limit(10)).all()
                        for intake in done:
                            session.add(Reminder(intake_id=intake.id, customer_id=intake.customer_id,
                                                 kind="reminder_short_payment", channel="whatsapp",
                                                 recipient=intake.reply_to, payload={"difference": "1500"},
                                                 due_at=utcnow() - timedelta(minutes=1)))
                        session.commit()
                    leader.kill()
                time.sleep(rng.uniform(0, 0.02))
        assert answers == Counter({200: RECEIPTS + RECEIPTS // 5})

        wait_until(lambda: finished(pg_engine) == RECEIPTS, 400, "every intake finished")
        wait_until(lambda: "este proceso ejecuta las tareas programadas" in standby.output(), 60, "the takeover")

        def all_sent() -> bool:
            with Session(pg_engine) as session:
                return session.exec(select(func.count()).select_from(OutboxMessage)
                                    .where(col(OutboxMessage.state) != "sent")).one() == 0 and \
                    session.exec(select(func.count()).select_from(Reminder)
                                 .where(col(Reminder.state) == "pending")).one() == 0
        wait_until(all_sent, 300, "every message sent and every reminder out")

        with Session(pg_engine) as session:
            intakes = session.exec(select(Intake)).all()
            intakes = [i for i in intakes if i.sender != SUPPORT]
            assert len(intakes) == RECEIPTS, "a webhook delivered twice is one intake"
            reads = Counter(e.intake_id for e in session.exec(
                select(IntakeEvent).where(col(IntakeEvent.to_state) == "read")).all())
            assert set(reads.values()) <= {1} and len(reads) >= RECEIPTS - 5, "each intake read once"
            beats = {b.component for b in session.exec(select(Heartbeat)).all()}
        assert beats == {"worker", "outbox", "scheduler"}

        # A message the killed worker had handed to Twilio but not yet recorded as sent (at most the few it was
        # sending at that instant) goes again: Twilio has no idempotency key. Nothing else is ever sent twice.
        accepted = fake_twilio.accepted
        acks = Counter(call.form["To"] for call in accepted if "Recibimos tu comprobante" in call.form.get("Body", ""))
        again = {to for to, count in acks.items() if count > RECEIPTS // CUSTOMERS}
        assert set(acks) == {f"whatsapp:+5068{8100000 + n:07d}" for n in range(CUSTOMERS)}
        assert sum(acks.values()) - RECEIPTS == sum(acks[to] - RECEIPTS // CUSTOMERS for to in again)
        assert {(to, "ack") for to in again} <= in_flight and sum(acks.values()) - RECEIPTS <= len(in_flight)
        cards = Counter(int(n) for call in accepted if call.form["To"] == f"whatsapp:{SUPPORT}"
                        for n in re.findall(r"Responda: APROBAR (\d+)", call.form.get("Body", "")))
        assert {i.id for i in intakes if i.state == "in_review"} <= set(cards) <= {i.id for i in intakes}
        twice = {intake_id for intake_id, count in cards.items() if count > 1}
        assert set(cards.values()) <= {1, 2} and {(f"whatsapp:{SUPPORT}", f"card {n}") for n in twice} <= in_flight, \
            "one card per receipt (two only for a card in the killed worker's hands)"
        reminders = [call for call in accepted if "diferencia" in call.form.get("Body", "").lower()
                     and call.form["To"] != f"whatsapp:{SUPPORT}"]
        assert len(reminders) == 10, "each due reminder once"

        health = httpx.get(f"{webs[1].url}/healthz", timeout=10).json()
        assert set(health["heartbeats"]) == {"worker", "outbox", "scheduler"}
        assert all(health["heartbeats"][name] for name in ("worker", "outbox", "scheduler"))
    finally:
        for service in everyone:
            if service.process is not None and service.process.poll() is None:
                service.stop()
