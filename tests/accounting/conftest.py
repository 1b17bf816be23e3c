"""Customers with payment orders loaded from CSV, payments applied the way accounting applies them, and a
fake ERP on loopback that checks each delivery's signature and counts what it accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.account.entries import PaymentMethod
from bot.account.operations import AccountPolicy, PaymentRequest, apply_payment
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import Customer, Payment
from currency.money import Money

CR = ZoneInfo("America/Costa_Rica")
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CR)
SECRET = "erp-shared-secret-0123456789"

CUSTOMERS = """ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1,Correo
1001,Cédula física,112340567,María José,Vargas Solano,88112233,mj@example.cr
1002,Cédula física,205670891,José Pablo,Rodríguez Mora,87114455,jp@example.cr
1012,Cédula jurídica,3101222333,=HYPERLINK("http://x"),S.R.L.,72889900,pan@example.cr
"""
ORDERS = """Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,Periodo,IVA,\
Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo
Cédula física,112340567,WOLK-1001,1,CRC,35000.00,0,cuota,0.13,2026-10-01,2027-10-01,2026-11-05,
Cédula física,205670891,WOLK-1002,1,CRC,70000.00,0,cuota,0.13,2026-10-01,2027-10-01,2026-11-05,
"""


@pytest.fixture
def customers(session: Session) -> Session:
    assert import_customers(session, CUSTOMERS.encode()).ok
    report = import_contracts(session, ORDERS.encode(), today=TODAY)
    assert report.ok, report.to_text()
    session.commit()
    return session


def customer_id(session: Session, client_id: str) -> int:
    found = session.exec(select(Customer).where(Customer.client_id == client_id)).one()
    assert found.id is not None
    return found.id


def pay(session: Session, client_id: str, amount: str, *, currency: str = "CRC", on: date = TODAY,
        reference: str | None = None, bank: str = "BCR", method: PaymentMethod = PaymentMethod.SINPE,
        intake_id: int | None = None, applied_at: datetime | None = None) -> Payment:
    result = apply_payment(
        session,
        PaymentRequest(customer_id=customer_id(session, client_id), amount=Money(Decimal(amount), currency),
                       paid_on=on, method=method, actor="test:accounting", bank=bank, reference=reference,
                       intake_id=intake_id),
        policy=AccountPolicy(), now=applied_at or NOW,
    )
    payment = session.get(Payment, result.payment_id)
    assert payment is not None
    if applied_at is not None:
        payment.applied_at = applied_at
        session.add(payment)
    session.commit()
    return payment


def independent_signature_ok(secret: str, header: str, body: bytes) -> bool:
    """The receiving side's check, written apart from paybot's: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields or abs(time.time() - int(fields["t"])) > 300:
        return False
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@dataclass
class FakeErp:
    """An ERP on 127.0.0.1: `mode` up (accepts), down (503) or hold (accepts, then waits to answer).
    A key it already accepted is answered again with the same invoice and not counted twice."""

    secret: str
    mode: str = "up"
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    forged: int = 0
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    document: bytes | None = None

    def answer(self, key: str) -> dict[str, Any]:
        number = list(self.accepted).index(key) + 1
        answer: dict[str, Any] = {"invoice_number": f"FE-00100001-{number:04d}",
                                  "document_url": f"https://erp.example.cr/facturas/{number}.pdf"}
        if self.document is not None:
            import base64

            answer["document"] = {"filename": f"factura-{number}.pdf",
                                  "content_base64": base64.b64encode(self.document).decode()}
        return answer


@pytest.fixture
def erp() -> Iterator[FakeErp]:
    fake = FakeErp(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, data: dict[str, Any]) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not independent_signature_ok(fake.secret, self.headers.get("X-Paybot-Signature", ""), body):
                fake.forged += 1
                self._reply(401, {"error": "firma inválida"})
                return
            key = self.headers.get("Idempotency-Key", "")
            fake.requests.append(key)
            if fake.mode == "down":
                self._reply(503, {"error": "mantenimiento"})
                return
            if key not in fake.accepted:
                fake.accepted[key] = json.loads(body)
            fake.received.set()
            if fake.mode == "hold":
                fake.release.wait(30)
            self._reply(200, fake.answer(key))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/paybot/pagos"
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)
