"""The local sandbox channel: a web page where one person plays customer, support and accounting.

It translates form posts to the same neutral messages the real channels produce, and shows what the
core says it delivered on the sandbox, so what a new user sees is exactly the core's output.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.intake.messages import DeliveredMessage, InboundMessage, LocalChannelPort, OutboundMessage, StaffAction
from bot.media_store import content_type_of
from bot.vocabulary import ReceiptField, RejectReason, StaffActionKind
from bot.web.limits import FORM_OVERHEAD, BodyTooLarge, declared_length, read_body, row_id
from bot.web.local_only import refusal
from currency.text import international_phone

log = logging.getLogger(__name__)

PAGE = Path(__file__).resolve().parent.parent / "web" / "sandbox.html"


CHANNEL = "sandbox"
DEMO_PHONE = "+50688112233"
"""The customer the page plays when no phone is typed (the demo data's first customer)."""


class SandboxSender:
    """Delivery on the sandbox is the outbox row itself; the page asks the core for what was sent."""

    name = CHANNEL

    async def send(self, message: OutboundMessage) -> str:
        return f"sandbox:{message.outbox_id}"


ACTION_MAX_BYTES = 16 * 1024


def page_html() -> str:
    """The page, with the fields staff may correct and the reasons they may reject with filled in."""
    vocabulary = {
        "fields": [[field.value, field.label] for field in ReceiptField],
        "reasons": [[reason.value, reason.button] for reason in RejectReason],
    }
    return PAGE.read_text(encoding="utf-8").replace("/*VOCABULARY*/null", json.dumps(vocabulary, ensure_ascii=False))


def sandbox_routes(core: LocalChannelPort, max_upload_bytes: int) -> list[Route]:
    """The page and its small JSON API, for mounting on the one web app."""
    html = page_html()

    async def page(request: Request) -> Response:
        if (refused := _refused(request, changes_state=False)) is not None:
            return refused
        return HTMLResponse(html)

    async def customer_message(request: Request) -> Response:
        """A customer sends a receipt file and/or text from the page."""
        if (refused := _refused(request, changes_state=True)) is not None:
            return refused
        try:
            if (declared_length(request) or 0) > max_upload_bytes + FORM_OVERHEAD:
                raise BodyTooLarge("declared length")
        except BodyTooLarge:
            return JSONResponse({"error": "El envío es demasiado grande."}, status_code=413)
        try:
            form = await request.form(max_files=1, max_fields=10, max_part_size=max_upload_bytes + 1)
        except HTTPException as error:
            if error.status_code == 413:
                return JSONResponse({"error": "El envío es demasiado grande."}, status_code=413)
            log.info("sandbox refused a malformed form: %s", error.detail)
            return JSONResponse({"error": "El envío no es un formulario válido: adjunte un solo archivo y "
                                          "escriba el teléfono y el mensaje en sus campos."}, status_code=400)
        typed_phone = str(form.get("phone") or "").strip()
        phone = international_phone(typed_phone) if typed_phone else DEMO_PHONE
        if not phone:
            await form.close()
            return JSONResponse({"error": f"«{typed_phone[:40]}» no es un número de teléfono: escríbalo como "
                                          "8811 2233 o +506 8811 2233."}, status_code=400)
        text = str(form.get("text") or "").strip() or None
        upload = form.get("file")
        media: bytes | None = None
        media_type = file_name = media_error = None
        if isinstance(upload, UploadFile) and upload.filename:
            media = await upload.read(max_upload_bytes + 1)
            if len(media) > max_upload_bytes:
                media, media_error = None, "too_large"
            media_type, file_name = upload.content_type, upload.filename
        await form.close()
        if media is None and text is None and media_error is None:
            return JSONResponse({"error": "Adjunte un comprobante o escriba un mensaje."}, status_code=400)
        intake_id = await core.receive(InboundMessage(
            channel=CHANNEL,
            external_id=str(form.get("message_id") or uuid.uuid4())[:120],
            sender=phone,
            reply_to=phone,
            sender_name=str(form.get("name") or ""),
            text=text,
            media=media,
            media_type=media_type,
            file_name=file_name,
            media_error=media_error,
        ))
        return JSONResponse({"intake_id": intake_id}, status_code=201 if intake_id else 200)

    async def staff_action(request: Request) -> Response:
        """Support or accounting presses a button on the page (JSON only, so no plain form can forge it)."""
        if (refused := _refused(request, changes_state=True)) is not None:
            return refused
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return JSONResponse({"ok": False, "message": "Envíe la acción como application/json."},
                                status_code=415)
        try:
            body = json.loads(await read_body(request, ACTION_MAX_BYTES))
        except BodyTooLarge:
            return JSONResponse({"ok": False, "message": "Acción demasiado grande."}, status_code=413)
        except ValueError:
            return JSONResponse({"ok": False, "message": "Acción no válida."}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"ok": False, "message": "Acción no válida."}, status_code=400)
        try:
            kind = StaffActionKind(body["kind"])
            intake_id = row_id(str(body["intake_id"]), "intake_id")
        except (KeyError, ValueError, HTTPException):
            return JSONResponse({"ok": False, "message": "Acción no válida."}, status_code=400)
        role = str(body.get("role") or "")
        result = await core.act(StaffAction(
            channel=CHANNEL, user=role, chat=role, kind=kind, intake_id=intake_id,
            field=_text(body.get("field")), value=_text(body.get("value")), reason=_text(body.get("reason")),
        ))
        return JSONResponse({"ok": result.ok, "message": result.message})

    async def messages(request: Request) -> Response:
        """Messages the core delivered on the sandbox since `after` (an outbox id)."""
        if (refused := _refused(request, changes_state=False)) is not None:
            return refused
        after = row_id(request.query_params.get("after"), "after", default=0)
        delivered = await core.delivered(CHANNEL, after)
        return JSONResponse({"messages": [shown(message) for message in delivered]})

    async def media(request: Request) -> Response:
        if (refused := _refused(request, changes_state=False)) is not None:
            return refused
        intake_id = row_id(str(request.path_params["intake_id"]), "intake_id")
        data = await core.media_file(CHANNEL, intake_id)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type=content_type_of(data),
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    return [
        Route("/", page),
        Route("/sandbox/api/customer", customer_message, methods=["POST"]),
        Route("/sandbox/api/action", staff_action, methods=["POST"]),
        Route("/sandbox/api/messages", messages),
        Route("/sandbox/media/{intake_id:int}", media),
    ]


def _refused(request: Request, *, changes_state: bool) -> Response | None:
    why = refusal(request, changes_state=changes_state)
    if why is None:
        return None
    log.warning("sandbox refused %s %s: %s", request.method, request.url.path, why)
    return JSONResponse({"ok": False, "error": "Solo desde esta misma página, en esta máquina."}, status_code=403)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:1000]


def shown(message: DeliveredMessage) -> dict[str, Any]:
    """A delivered message as the page shows it."""
    return {
        "id": message.outbox_id,
        "audience": message.audience.value,
        "recipient": message.recipient,
        "kind": message.kind,
        "text": message.text,
        "intake_id": message.intake_id,
        "has_media": message.has_media,
        "buttons": [{"label": button.label, "data": button.data} for button in message.buttons],
    }
