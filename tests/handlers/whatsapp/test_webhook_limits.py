"""The WhatsApp webhook checks size and signature before it builds anything from the body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx

from tests.handlers.tapped_core import TappedCore
from tests.handlers.whatsapp.conftest import inbound, signed
from tests.handlers.whatsapp.fake_twilio import FakeTwilio

FORGED = {"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def big_form(fields: int, size: int) -> bytes:
    """`fields` fields adding up to about `size` bytes, as an attacker would post them."""
    value = "x" * (size // fields)
    return urlencode({f"Field{index}": value for index in range(fields)}).encode()


class CountingBody:
    """A streamed request body that remembers how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"a=" + b"x" * (self.chunk - 3) + b"&"


async def test_a_900_kb_form_of_600_fields_is_refused_as_too_large_from_its_declared_length(
    webhook: httpx.AsyncClient, core: TappedCore, twilio: FakeTwilio
) -> None:
    body = big_form(600, 900 * 1024)
    response = await webhook.post("/webhooks/whatsapp", content=body, headers={**FORM, **FORGED})
    assert response.status_code == 413
    assert core.received == [] and core.actions == [] and twilio.calls == []


async def test_an_unsigned_post_is_refused_before_its_body_is_read(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    body = CountingBody(5 * 1024 * 1024)
    response = await webhook.post("/webhooks/whatsapp", content=body, headers=FORM)
    assert response.status_code == 403
    assert body.sent <= body.chunk, "the body was never read"
    assert core.received == []


async def test_an_endless_body_without_a_length_is_cut_off_at_the_limit(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    body = CountingBody(5 * 1024 * 1024)
    response = await webhook.post("/webhooks/whatsapp", content=body, headers={**FORM, **FORGED})
    assert response.status_code == 413
    assert body.sent <= 256 * 1024 + 2 * body.chunk
    assert core.received == []


async def test_a_small_form_with_hundreds_of_fields_is_refused_without_being_parsed(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    body = big_form(600, 60 * 1024)
    response = await webhook.post("/webhooks/whatsapp", content=body, headers={**FORM, **FORGED})
    assert response.status_code == 413
    assert core.received == []


async def test_a_multipart_post_is_not_twilio_and_is_refused(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    params = inbound(body="Hola")
    response = await webhook.post("/webhooks/whatsapp", files={"Body": ("a.txt", b"Hola")}, data=params,
                                  headers=signed(params))
    assert response.status_code == 415
    assert core.received == []


async def test_a_signed_message_with_an_empty_body_field_still_passes(
    webhook: httpx.AsyncClient, core: TappedCore
) -> None:
    params = inbound(body="")
    response = await webhook.post("/webhooks/whatsapp", data=params, headers=signed(params))
    assert response.status_code == 200
    assert len(core.received) == 1
