"""Bot API update payloads as Telegram sends them, built from the few facts a story cares about."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.handlers.telegram.fake_bot_api import BOT_ID

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)

BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Paybot", "username": "paybot_test_bot"}


def user(user_id: int, first_name: str = "Ana", last_name: str = "Mora") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "last_name": last_name}


def private_chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Ana"}


def group_chat(chat_id: int, kind: str = "supergroup") -> dict[str, Any]:
    return {"id": chat_id, "type": kind, "title": "Soporte"}


def message(chat: dict[str, Any], sender: dict[str, Any], **content: Any) -> dict[str, Any]:
    body = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat, "from": sender}
    return body | content


def update(**kinds: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **kinds}


def photo_sizes(prefix: str, largest_size: int = 150_000) -> list[dict[str, Any]]:
    """The sizes Telegram makes of one photo, smallest first (as the Bot API lists them)."""
    return [
        {"file_id": f"{prefix}-s", "file_unique_id": f"{prefix}-s", "width": 90, "height": 160,
         "file_size": 2_000},
        {"file_id": f"{prefix}-m", "file_unique_id": f"{prefix}-m", "width": 320, "height": 570,
         "file_size": 20_000},
        {"file_id": f"{prefix}-l", "file_unique_id": f"{prefix}-l", "width": 900, "height": 1600,
         "file_size": largest_size},
    ]


def customer_photo(
    customer_id: int, prefix: str, caption: str | None = None, media_group_id: str | None = None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"photo": photo_sizes(prefix)}
    if caption:
        extra["caption"] = caption
    if media_group_id:
        extra["media_group_id"] = media_group_id
    return update(message=message(private_chat(customer_id), user(customer_id), **extra))


def customer_document(
    customer_id: int, file_id: str, file_name: str, mime_type: str, size: int | None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": file_id, "file_unique_id": file_id, "file_name": file_name, "mime_type": mime_type,
    }
    if size is not None:
        document["file_size"] = size
    return update(message=message(private_chat(customer_id), user(customer_id), document=document))


def customer_text(customer_id: int, text: str) -> dict[str, Any]:
    return update(message=message(private_chat(customer_id), user(customer_id), text=text))


def bot_message(
    chat_id: int, message_id: int, text: str, buttons: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """A message the bot sent earlier (a card or a question), as it comes back inside an update."""
    body: dict[str, Any] = {
        "message_id": message_id, "date": int(time.time()), "chat": group_chat(chat_id), "from": BOT,
        "text": text,
    }
    if buttons:
        body["reply_markup"] = {
            "inline_keyboard": [[{"text": label, "callback_data": data}] for label, data in buttons]
        }
    return body


def button_press(staff: dict[str, Any], card: dict[str, Any], data: str) -> dict[str, Any]:
    query = {
        "id": f"q{next(_update_ids)}", "from": staff, "chat_instance": "ci", "message": card, "data": data,
    }
    return update(callback_query=query)


def staff_reply(chat_id: int, staff: dict[str, Any], question: dict[str, Any], text: str) -> dict[str, Any]:
    return update(message=message(group_chat(chat_id), staff, text=text, reply_to_message=question))


def group_migrated(old_chat_id: int, new_chat_id: int, staff: dict[str, Any]) -> list[dict[str, Any]]:
    """The two service messages Telegram sends when a group becomes a supergroup."""
    return [
        update(message=message(group_chat(old_chat_id, "group"), staff, migrate_to_chat_id=new_chat_id)),
        update(message=message(group_chat(new_chat_id), staff, migrate_from_chat_id=old_chat_id)),
    ]
