"""The access webhook: each block or unblock posted to the company's system as signed JSON
(`customer.blocked` / `customer.unblocked`, `X-Paybot-Signature` HMAC-SHA256 like the ERP connector), from the
outbox, so it is retried until accepted and sent once per change."""

from __future__ import annotations

import json

import httpx

from bot.accounting.signature import HEADER, IDEMPOTENCY_HEADER, sign
from bot.intake.messages import OutboundMessage, SendError

CHANNEL = "webhook"
USER_AGENT = "paybot-access/1"


class AccessWebhookSender:
    """Delivers outbox rows of channel `webhook`: the row's text is the exact JSON body signed and posted; 2xx is
    accepted, 408/425/429/5xx and network errors are retried, other answers are failures."""

    name = CHANNEL

    def __init__(self, secret: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.secret = secret
        self.timeout = timeout
        self.transport = transport

    async def send(self, message: OutboundMessage) -> str:
        body = message.text.encode()
        try:
            event_id = str(json.loads(body).get("id", message.outbox_id))
        except ValueError:
            event_id = str(message.outbox_id)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, HEADER: sign(self.secret, body),
                   IDEMPOTENCY_HEADER: event_id}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport,
                                         follow_redirects=False) as client:
                response = await client.post(message.recipient, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise SendError(f"el sistema de la empresa no respondió: {type(error).__name__}") from error
        if response.status_code >= 300:
            retryable = response.status_code in (408, 425, 429) or response.status_code >= 500
            raise SendError(f"el sistema de la empresa respondió {response.status_code}", retryable=retryable)
        return event_id
