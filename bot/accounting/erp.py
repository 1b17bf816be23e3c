"""The ERP connector: how an applied payment reaches the company's accounting system. Built-ins chosen by
`PAYBOT_ERP_CONNECTOR`: a signed HTTP webhook, a CSV file per day in a folder, or none (the default)."""

from __future__ import annotations

import base64
import binascii
import csv
import fcntl
import io
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx

from bot.accounting.signature import HEADER, IDEMPOTENCY_HEADER, sign
from bot.accounting.spreadsheet import escape_text
from bot.config import Settings

USER_AGENT = "paybot-erp/1"
MAX_ANSWER_BYTES = 20 * 1024 * 1024


class ErpError(Exception):
    """A delivery that did not go through; `retryable` when trying again later may work (down, timeout)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class ErpConfigError(ValueError):
    """The connector's settings are incomplete (a URL or secret missing)."""


@dataclass(frozen=True)
class ErpRequest:
    """One delivery: the JSON payload and the key that is the same on every attempt of it."""

    idempotency_key: str
    payload: dict[str, Any]
    queued_on: date


@dataclass(frozen=True)
class ErpDocument:
    file_name: str
    content: bytes


@dataclass(frozen=True)
class ErpAnswer:
    """What the ERP said: accepted, maybe with the invoice it made and its document (a link or a file)."""

    invoice_number: str | None = None
    document_url: str | None = None
    document: ErpDocument | None = None
    raw: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"invoice_number": self.invoice_number, "document_url": self.document_url,
                "document_file": self.document.file_name if self.document else None}


class ErpConnector(Protocol):
    """Delivers one request; raises `ErpError` when it was not accepted."""

    name: str

    async def deliver(self, request: ErpRequest) -> ErpAnswer: ...


def body_of(request: ErpRequest) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, so every attempt sends the same body."""
    return json.dumps(request.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def read_answer(data: Any) -> ErpAnswer:
    """The ERP's JSON answer: `invoice_number`, `document_url`, `document` {`filename`, `content_base64`}."""
    if not isinstance(data, dict):
        return ErpAnswer()
    invoice = data.get("invoice_number") or data.get("invoice")
    url = data.get("document_url")
    document = None
    attached = data.get("document")
    if isinstance(attached, dict) and attached.get("content_base64"):
        try:
            content = base64.b64decode(str(attached["content_base64"]), validate=True)
        except (binascii.Error, ValueError):
            content = b""
        name = Path(str(attached.get("filename") or "factura.pdf")).name or "factura.pdf"
        if content:
            document = ErpDocument(name[:120], content)
    return ErpAnswer(
        invoice_number=str(invoice)[:80] if invoice else None,
        document_url=str(url)[:500] if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        document=document,
        raw={key: value for key, value in data.items() if key != "document"},
    )


class WebhookConnector:
    """POSTs the payment as JSON, signed (`X-Paybot-Signature: t=...,v1=...`), with the payment's
    idempotency key; 2xx is accepted, 408/429/5xx and network errors are retried, other answers are not."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.transport = transport

    async def deliver(self, request: ErpRequest) -> ErpAnswer:
        body = body_of(request)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            HEADER: sign(self.secret, body),
            IDEMPOTENCY_HEADER: request.idempotency_key,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport,
                                         follow_redirects=False) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise ErpError(f"el ERP no respondió en {self.timeout:g} s", retryable=True) from error
        except httpx.HTTPError as error:
            raise ErpError(f"no se pudo conectar con el ERP: {type(error).__name__}", retryable=True) from error
        if response.status_code >= 300:
            retryable = response.status_code in (408, 425, 429) or response.status_code >= 500
            detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
            raise ErpError(f"el ERP respondió {response.status_code}" + (f": {detail}" if detail else ""),
                           retryable=retryable)
        if len(response.content) > MAX_ANSWER_BYTES:
            return ErpAnswer()
        try:
            data = response.json() if response.content.strip() else {}
        except ValueError:
            data = {}
        return read_answer(data)


FILE_COLUMNS = (
    "idempotency_key", "payment_id", "paid_on", "applied_at", "client_id", "customer_name", "document_number",
    "payment_code", "amount", "currency", "applied_amount", "applied_currency", "bank", "reference", "method",
    "origin", "charges",
)


class FileDropConnector:
    """Appends one CSV row per payment to `pagos-YYYY-MM-DD.csv` in a folder (the day it was queued), under
    an exclusive lock, in one write, after cutting any half row a crash left; a key already in the file is
    not written again."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, day: date) -> Path:
        return self.folder / f"pagos-{day.isoformat()}.csv"

    async def deliver(self, request: ErpRequest) -> ErpAnswer:
        try:
            self._append(request)
        except OSError as error:
            raise ErpError(f"no se pudo escribir el archivo del ERP: {error.strerror or error}",
                           retryable=True) from error
        return ErpAnswer()

    def _append(self, request: ErpRequest) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path_for(request.queued_on)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            existing = os.pread(fd, size, 0) if size else b""
            whole = existing[: existing.rfind(b"\n") + 1]
            if len(whole) != size:
                os.ftruncate(fd, len(whole))
            if b"\n" + request.idempotency_key.encode() + b"," in whole:
                return
            os.write(fd, (b"" if whole else _row(FILE_COLUMNS)) + _row(file_row(request)))
            os.fsync(fd)
        finally:
            os.close(fd)


def _row(values: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def file_row(request: ErpRequest) -> tuple[str, ...]:
    payload = request.payload
    payment, customer = payload.get("payment", {}), payload.get("customer", {})
    contract, applied = payload.get("contract") or {}, payload.get("applied") or {}
    charges = "|".join(f"{c.get('description')}:{c.get('paid')}" for c in payload.get("charges_settled", []))
    values = (
        request.idempotency_key, str(payment.get("id", "")), str(payment.get("paid_on") or ""),
        str(payment.get("applied_at") or ""), str(customer.get("client_id", "")), str(customer.get("name", "")),
        str(customer.get("document_number", "")), str(contract.get("payment_code", "")),
        str(payment.get("amount", "")), str(payment.get("currency", "")), str(applied.get("amount", "")),
        str(applied.get("currency", "")), str(payment.get("bank", "")), str(payment.get("reference") or ""),
        str(payment.get("method", "")), str(payment.get("origin", "")), charges,
    )
    return tuple(value if value[:1] in "-+" and _numeric(value) else escape_text(value) for value in values)


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def connector_for(settings: Settings) -> ErpConnector | None:
    """The configured connector, None when PAYBOT_ERP_CONNECTOR is none."""
    if settings.erp_connector == "webhook":
        if not settings.erp_webhook_url.startswith(("https://", "http://")):
            raise ErpConfigError("PAYBOT_ERP_WEBHOOK_URL falta o no es una URL http(s)")
        if settings.erp_webhook_secret is None:
            raise ErpConfigError("PAYBOT_ERP_WEBHOOK_SECRET falta: el ERP no podría comprobar la firma")
        return WebhookConnector(settings.erp_webhook_url, settings.erp_webhook_secret.get_secret_value(),
                                settings.erp_timeout_seconds)
    if settings.erp_connector == "file":
        return FileDropConnector(settings.erp_dir)
    return None
