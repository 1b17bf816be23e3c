"""The Telegram channel: translates Bot API updates to the neutral intake messages and back, nothing more."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import (
    Bot,
    Document,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.handlers.staff_commands import field_named
from bot.handlers.telegram_prompts import PromptBook
from bot.intake.messages import InboundMessage, IntakePort, OutboundMessage, SendError, StaffAction, StaffResult
from bot.vocabulary import FIELD_WORDS, RejectReason, StaffActionKind
from bot.web.limits import BodyTooLarge, read_body

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
DOWNLOAD_LIMIT = 20 * 1024 * 1024
"""Bot API getFile refuses files above 20 MB; such a receipt becomes media_error="too_large"."""
CAPTION_LIMIT = 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]

CORE_KEY = "paybot.core"
PROMPTS_KEY = "paybot.prompts"
SETTINGS_KEY = "paybot.settings"
MIGRATIONS_KEY = "paybot.chat_migrations"

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
"""Stored files Telegram shows as a photo (a receipt); anything else (a PDF, a spreadsheet) goes as a document."""
CALLBACK_PATTERN = r"^pay:"
CALLBACK_DATA = re.compile(r"^pay:(?P<kind>[a-z_]+):(?P<intake>\d+)(?::(?P<choice>[a-z0-9_]+))?$")

OTHER_REASON = "other"
REJECT_CHOICES: tuple[tuple[str, str], ...] = (
    *((reason.value, reason.button) for reason in RejectReason),
    (OTHER_REASON, "Otro motivo…"),
)
"""The buttons offered when support presses Rechazar: each reason, then a reason of their own."""


@dataclass(frozen=True)
class _Prompt:
    """A question the bot asks staff; the answer is a reply to it, matched by the question's message id (the
    prompt book), never by its words."""

    kind: StaffActionKind
    head: str
    ask: str
    placeholder: str

    def text(self, intake_id: int) -> str:
        return f"{self.head.format(id=intake_id)}\n{self.ask}"


PROMPTS: tuple[_Prompt, ...] = (
    _Prompt(
        StaffActionKind.CORRECT,
        "Corregir solicitud #{id}",
        "Responda a este mensaje con: campo valor (p. ej. monto 25000)",
        "monto 25000",
    ),
    _Prompt(
        StaffActionKind.REJECT,
        "Rechazar solicitud #{id}",
        "Responda a este mensaje con el motivo del rechazo",
        "motivo",
    ),
    _Prompt(
        StaffActionKind.SYNCED,
        "Sincronizar manualmente el pago {id} (no se toca el ERP)",
        "Responda a este mensaje con la explicación (p. ej. ya estaba pagado en el ERP con la misma referencia)",
        "explicación",
    ),
    _Prompt(
        StaffActionKind.FLAG,
        "Devolver a soporte la solicitud #{id}",
        "Responda a este mensaje con el problema encontrado",
        "problema",
    ),
    _Prompt(
        StaffActionKind.CLOSE_CASE,
        "Cerrar el caso escalado de la solicitud #{id}",
        "Responda a este mensaje con lo que decidió contabilidad",
        "decisión",
    ),
    _Prompt(StaffActionKind.TASK_DONE, "Cerrar la tarea #{id}", "Responda a este mensaje con el resultado de la "
            "llamada (p. ej. promete pagar el viernes)", "resultado"),
    _Prompt(StaffActionKind.RETURNED, "Pago {id} devuelto por el banco", "Responda a este mensaje con el motivo "
            "(p. ej. transferencia rebotada)", "motivo"),
    _Prompt(StaffActionKind.BLOCK, "Bloquear el acceso del cliente ID {id}", "Responda a este mensaje con el "
            "motivo del bloqueo", "motivo"),
    _Prompt(StaffActionKind.UNBLOCK, "Desbloquear el acceso del cliente ID {id}", "Responda a este mensaje con el "
            "motivo", "motivo"),
    _Prompt(StaffActionKind.TAG, "Etiquetar al cliente ID {id}", "Responda a este mensaje con la etiqueta "
            "(p. ej. llamar)", "etiqueta"),
    _Prompt(StaffActionKind.UNTAG, "Quitar una etiqueta al cliente ID {id}", "Responda a este mensaje con la "
            "etiqueta", "etiqueta"),
)
PROMPT_BY_KIND = {prompt.kind: prompt for prompt in PROMPTS}


TelegramApp = Application[Any, Any, Any, Any, Any, Any]


# ---------------------------------------------------------------- building and running


def build_telegram_application(settings: Settings, core: IntakePort, prompts: PromptBook) -> TelegramApp:
    """Build the bot against `settings`' Bot API URLs; nothing is contacted until it is initialized."""
    if settings.telegram_token is None:
        raise ValueError("PAYBOT_TELEGRAM_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter())
        .job_queue(None)
    )
    if not settings.telegram_polling:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[CORE_KEY] = core
    application.bot_data[PROMPTS_KEY] = prompts
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[MIGRATIONS_KEY] = {}
    register_handlers(application)
    return application


def register_handlers(application: TelegramApp) -> None:
    """Every handler of the channel, in the order Telegram updates are matched against them."""
    new_message = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new_message
    groups = filters.ChatType.GROUPS & new_message
    # 1. Service message of a group upgraded to a supergroup: keep routing, tell the operator.
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, note_chat_migration))
    # 2. Staff buttons under cards (support and accounting groups): pay:<kind>:<id>[:<choice>].
    application.add_handler(CallbackQueryHandler(press_staff_button, pattern=CALLBACK_PATTERN))
    # 3. Staff answers to the bot's questions (correction, free-text reason) in their groups.
    application.add_handler(MessageHandler(groups & filters.REPLY & filters.TEXT, answer_staff_prompt))
    # 4. Customers in private chat: a photo, an image or PDF sent as a file, or pasted text.
    application.add_handler(MessageHandler(private & filters.PHOTO, receive_photo))
    application.add_handler(
        MessageHandler(private & (filters.Document.IMAGE | filters.Document.PDF), receive_document)
    )
    # A command (/start, the first thing every Telegram user sends) is text too: the customer gets the greeting.
    application.add_handler(MessageHandler(private & filters.TEXT, receive_text))
    # 5. Anything else a customer sends (other files, voice, video, stickers, polls, dice...) still gets an answer.
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, receive_unsupported))
    # Last: anything a handler raised reaches the log with the update that caused it.
    application.add_error_handler(report_error)


async def start_telegram(application: TelegramApp, settings: Settings, *, receives: bool = True) -> None:
    """Start processing updates: by polling in development, else through our webhook route. A process that
    only sends (`receives` false: a worker) just gets the bot ready."""
    await application.initialize()
    await learn_staff_chat_migrations(application, settings)
    if not receives:
        return
    if settings.telegram_polling:
        if application.updater is None:
            raise RuntimeError("polling needs an application built with PAYBOT_TELEGRAM_POLLING on")
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    elif settings.public_url:
        secret = settings.telegram_webhook_secret
        if secret is None or not secret.get_secret_value():
            raise ValueError("a Telegram webhook needs PAYBOT_TELEGRAM_WEBHOOK_SECRET")
        await application.bot.set_webhook(
            url=f"{settings.public_url.rstrip('/')}{WEBHOOK_PATH}",
            secret_token=secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        log.warning(
            "Telegram webhook mode without PAYBOT_PUBLIC_URL: Telegram cannot reach %s; "
            "set the public URL or PAYBOT_TELEGRAM_POLLING=true",
            WEBHOOK_PATH,
        )
    await application.start()


START_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds between attempts to start Telegram while it is unreachable (the last one repeats)."""


async def keep_starting_telegram(
    application: TelegramApp,
    settings: Settings,
    *,
    on_started: Callable[[], None] = lambda: None,
    delays: Sequence[float] = START_RETRY_DELAYS,
    receives: bool = True,
) -> None:
    """Start Telegram, retrying in the background for as long as it is down; the rest of the service runs."""
    attempt = 0
    while True:
        try:
            await start_telegram(application, settings, receives=receives)
        except (TelegramError, OSError, RuntimeError) as error:
            delay = delays[min(attempt, len(delays) - 1)]
            attempt += 1
            log.warning("Telegram could not be started (attempt %d: %s); trying again in %.0f s",
                        attempt, error, delay)
            await asyncio.sleep(delay)
            continue
        log.info("Telegram started after %d attempt(s)", attempt + 1)
        on_started()
        return


async def stop_telegram(application: TelegramApp) -> None:
    """Stop taking updates and close the bot's connections; the webhook stays set so nothing is lost."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    await application.bot.shutdown()  # a start that never got past getMe still holds open connections


def telegram_webhook_route(
    application: TelegramApp, secret: str, path: str = WEBHOOK_PATH, *, max_bytes: int = 256 * 1024
) -> Route:
    """A Starlette route that accepts Telegram's POSTs only with our secret token and handles the update."""
    if not secret:
        raise ValueError("a Telegram webhook needs PAYBOT_TELEGRAM_WEBHOOK_SECRET")
    expected = secret.encode()

    async def telegram_webhook(request: Request) -> Response:
        """Secret first, then the size, then the update, handled before Telegram is answered."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        client = request.client.host if request.client else "?"
        if not hmac.compare_digest(given, expected):
            log.warning("Telegram webhook refused: wrong or missing secret token from %s", client)
            return PlainTextResponse("forbidden", status_code=403)
        try:
            body = await read_body(request, max_bytes)
        except BodyTooLarge as error:
            log.warning("Telegram webhook refused: body over %d bytes from %s (%s)", max_bytes, client, error)
            return PlainTextResponse("request too large", status_code=413)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("an update is a JSON object")
            update = Update.de_json(payload, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return PlainTextResponse("bad update", status_code=400)
        if not await process_now(application, update):
            return PlainTextResponse("not stored, send it again", status_code=503)
        return Response(status_code=200)

    return Route(path, telegram_webhook, methods=["POST"])


_UNSTORED: ContextVar[list[str] | None] = ContextVar("telegram_unstored", default=None)
"""Messages of the update being handled that the core could not store (a database down)."""


async def process_now(application: TelegramApp, update: Update) -> bool:
    """Handle `update` before Telegram is answered, so its message is stored first: a process that dies
    meanwhile never answers, and Telegram sends the update again (the core takes a message only once).
    False when a message could not be stored (answered 503: sent again later) or the application is not
    ready; a handler's own bug is logged and answered 200, so one update never holds up the ones after it."""
    unstored: list[str] = []
    token = _UNSTORED.set(unstored)
    try:
        await application.process_update(update)
    except RuntimeError as error:
        log.warning("Telegram update %s not handled yet: %s", update.update_id, error)
        return False
    finally:
        _UNSTORED.reset(token)
    return not unstored


# ---------------------------------------------------------------- customers


async def receive_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo of a receipt: Telegram sends several sizes, the largest reads best."""
    message = _message(update)
    largest = message.photo[-1]
    media, error = await _download(largest)
    await _receive(
        context,
        message,
        media=media,
        media_type="image/jpeg",
        file_name=f"{largest.file_unique_id}.jpg",
        media_error=error,
    )


async def receive_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A receipt sent as a file (uncompressed image or PDF)."""
    message = _message(update)
    document = message.document
    if document is None:
        return
    media, error = await _download(document)
    await _receive(
        context,
        message,
        media=media,
        media_type=document.mime_type,
        file_name=document.file_name,
        media_error=error,
    )


async def receive_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file or message kind that cannot be a receipt: passed on undownloaded, so the core answers."""
    message = _message(update)
    document = message.document
    await _receive(
        context,
        message,
        media_type=document.mime_type if document else None,
        file_name=document.file_name if document else None,
        media_error="unsupported_type",
    )


async def receive_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pasted text (a bank's SMS or a question) goes to the core like any other message."""
    await _receive(context, _message(update))


async def _receive(
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    *,
    media: bytes | None = None,
    media_type: str | None = None,
    file_name: str | None = None,
    media_error: str | None = None,
) -> None:
    user = message.from_user
    inbound = InboundMessage(
        channel=CHANNEL,
        external_id=f"{message.chat_id}:{message.message_id}",
        sender=str(user.id if user else message.chat_id),
        reply_to=str(message.chat_id),
        sender_name=user.full_name if user else "",
        text=message.caption or message.text,
        media=media,
        media_type=media_type if media is not None or media_error else None,
        file_name=file_name if media is not None or media_error else None,
        media_error=media_error,
        received_at=message.date,
    )
    try:
        intake_id = await _core(context).receive(inbound)
    except Exception:
        unstored = _UNSTORED.get()
        if unstored is not None:
            unstored.append(inbound.external_id)
        raise
    if intake_id is None:
        log.info("Telegram message %s was already received", inbound.external_id)


async def _download(attachment: PhotoSize | Document) -> tuple[bytes | None, str | None]:
    """The file's bytes, or why there are none ("too_large" above the Bot API limit, "download_failed")."""
    if attachment.file_size is not None and attachment.file_size > DOWNLOAD_LIMIT:
        return None, "too_large"
    try:
        telegram_file = await attachment.get_file()
        return bytes(await telegram_file.download_as_bytearray()), None
    except BadRequest as error:
        if "too big" in error.message.lower():
            return None, "too_large"
        log.warning("Telegram file %s could not be fetched: %s", attachment.file_id, error)
    except TelegramError as error:
        log.warning("Telegram file %s could not be fetched: %s", attachment.file_id, error)
    return None, "download_failed"


# ---------------------------------------------------------------- staff


async def press_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under a card: answered first, then translated into a staff action or a question."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    card = query.message if isinstance(query.message, Message) else None
    found = CALLBACK_DATA.match(query.data or "")
    kind = StaffActionKind.named(found["kind"]) if found else None
    if found is None or kind is None or card is None:
        log.warning("Telegram button with unknown data %r ignored", query.data)
        return
    intake_id, choice = int(found["intake"]), found["choice"]
    if kind is StaffActionKind.REJECT and choice is None:
        await card.reply_text(
            f"Rechazar solicitud #{intake_id}: elija el motivo",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=StaffActionKind.REJECT.callback(intake_id, code))]
                 for code, label in REJECT_CHOICES]
            ),
            do_quote=True,
        )
        return
    named_client = int(choice) if kind.on_customer and intake_id == 0 and choice and choice.isdigit() else None
    if kind is StaffActionKind.RETURNED and intake_id == 0 and choice and choice.isdigit():
        intake_id = int(choice)  # the button under "applied" names the payment
    if (kind is StaffActionKind.REJECT and choice == OTHER_REASON) or kind in (
        StaffActionKind.CORRECT,
        StaffActionKind.FLAG,
        StaffActionKind.CLOSE_CASE,
        StaffActionKind.SYNCED,
        StaffActionKind.TASK_DONE,
        StaffActionKind.RETURNED,
    ):
        await _ask(context, card, PROMPT_BY_KIND[kind], intake_id)
        return
    if kind in PROMPT_BY_KIND and named_client is not None:
        await _ask(context, card, PROMPT_BY_KIND[kind], named_client)  # the answer names the customer by this ID
        return
    if kind.on_customer and named_client is None:
        choice = None  # on a card, the client's ID rides along only for WhatsApp's written hint: the receipt says
    if named_client is not None:
        action, choice = _staff_action(update, context, kind, 0, value=str(named_client)), None
    elif kind is StaffActionKind.CONTRACT and choice is not None:
        action = _staff_action(update, context, kind, intake_id, value=f"#{choice}")
    else:
        action = _staff_action(update, context, kind, intake_id, reason=choice)
    if action is None:
        return
    result = await _core(context).act(action)
    if result.ok and choice is not None:
        await _drop_keyboard(card)
    await _show_result(card, result)


async def answer_staff_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A staff reply to one of the bot's questions becomes the action that question was about."""
    message = _message(update)
    question = message.reply_to_message
    if question is None or question.from_user is None or question.from_user.id != context.bot.id:
        return
    asked = await asyncio.to_thread(_prompts(context).find, question.chat_id, question.message_id)
    if asked is None:
        return
    kind, intake_id = asked
    prompt = PROMPT_BY_KIND[kind]
    answer = (message.text or "").strip()
    if prompt.kind is StaffActionKind.CORRECT:
        word, _, value = answer.partition(" ")
        field = field_named(word)
        if field is None or not value.strip():
            await message.reply_text(f"Campos: {FIELD_WORDS}.", do_quote=True)
            await _ask(context, message, prompt, intake_id)
            return
        action = _staff_action(update, context, prompt.kind, intake_id, field=field.value, value=value.strip())
    else:
        if not answer:
            await _ask(context, message, prompt, intake_id)
            return
        action = (_staff_action(update, context, prompt.kind, 0, value=str(intake_id), reason=answer)
                  if prompt.kind.on_customer else _staff_action(update, context, prompt.kind, intake_id, reason=answer))
    if action is None:
        return
    await _show_result(message, await _core(context).act(action))


async def note_chat_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember a group's new supergroup id and tell the operator which setting to update."""
    message = _message(update)
    if message.migrate_to_chat_id is not None:
        old_id, new_id = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old_id, new_id = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if remember_migration(context.application, old_id, new_id):
        context.application.migrate_chat_data(old_chat_id=old_id, new_chat_id=new_id)


def remember_migration(application: TelegramApp, old_id: int, new_id: int) -> bool:
    """Record old -> new so staff actions and cards keep flowing; warn when a configured chat moved.
    Telegram announces a move twice (in the old chat and in the new one); False when already known."""
    migrations: dict[int, int] = application.bot_data.setdefault(MIGRATIONS_KEY, {})
    if migrations.get(old_id) == new_id:
        return False
    migrations[old_id] = new_id
    settings: Settings | None = application.bot_data.get(SETTINGS_KEY)
    names = {
        "PAYBOT_TELEGRAM_SUPPORT_CHAT_ID": settings.telegram_support_chat_id if settings else None,
        "PAYBOT_TELEGRAM_ACCOUNTING_CHAT_ID": settings.telegram_accounting_chat_id if settings else None,
    }
    for variable, configured in names.items():
        if configured == old_id:
            log.warning(
                "Telegram group %s became supergroup %s: still routing to it, but set %s=%s",
                old_id, new_id, variable, new_id,
            )
            return True
    log.info("Telegram group %s became supergroup %s", old_id, new_id)
    return True


def configured_chat_id(application: TelegramApp, chat_id: int) -> int:
    """The staff chat id as the settings know it: a supergroup we saw a configured group become is
    reported under the configured id, so the core's check of the chat keeps passing until the
    operator updates the setting (the user is still checked by the core as always)."""
    settings: Settings | None = application.bot_data.get(SETTINGS_KEY)
    if settings is None:
        return chat_id
    configured = {settings.telegram_support_chat_id, settings.telegram_accounting_chat_id} - {None}
    migrations: dict[int, int] = application.bot_data.get(MIGRATIONS_KEY, {})
    for old_id, new_id in migrations.items():
        if new_id == chat_id and old_id in configured and chat_id not in configured:
            log.warning(
                "Telegram staff action from supergroup %s counted as configured group %s; "
                "update the PAYBOT_TELEGRAM_*_CHAT_ID setting to %s",
                chat_id, old_id, chat_id,
            )
            return old_id
    return chat_id


async def learn_staff_chat_migrations(
    application: TelegramApp, settings: Settings
) -> None:
    """Ask Telegram about the configured staff chats at start, so a migration survives restarts."""
    for chat_id in (settings.telegram_support_chat_id, settings.telegram_accounting_chat_id):
        if chat_id is None:
            continue
        try:
            await application.bot.get_chat(chat_id)
        except ChatMigrated as moved:
            remember_migration(application, chat_id, moved.new_chat_id)
        except TelegramError as error:
            log.warning("Telegram staff chat %s is not reachable: %s", chat_id, error)


def _staff_action(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    kind: StaffActionKind,
    intake_id: int,
    *,
    field: str | None = None,
    value: str | None = None,
    reason: str | None = None,
) -> StaffAction | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return StaffAction(
        channel=CHANNEL,
        user=str(user.id),
        chat=str(configured_chat_id(context.application, chat.id)),
        kind=kind,
        intake_id=intake_id,
        field=field,
        value=value,
        reason=reason,
        user_name=user.full_name,
    )


async def _ask(context: ContextTypes.DEFAULT_TYPE, anchor: Message, prompt: _Prompt, intake_id: int) -> None:
    """Ask `prompt` about intake `intake_id` and remember that this message asks it."""
    question = await anchor.reply_text(
        prompt.text(intake_id),
        reply_markup=ForceReply(input_field_placeholder=prompt.placeholder),
        do_quote=True,
    )
    await asyncio.to_thread(_prompts(context).remember, question.chat_id, question.message_id, prompt.kind,
                            intake_id)


async def _show_result(anchor: Message, result: StaffResult) -> None:
    mark = "✅" if result.ok else "⛔"
    keyboard = (InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)] for b in result.buttons])
                if result.buttons else None)
    await anchor.reply_text(f"{mark} {result.message}", do_quote=True, reply_markup=keyboard)


async def _drop_keyboard(card: Message) -> None:
    try:
        await card.edit_reply_markup(reply_markup=None)
    except BadRequest as error:
        log.info("Telegram keyboard of message %s left as is: %s", card.message_id, error)


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what failed with the update that caused it; the customer never sees a traceback."""
    where = update.to_dict() if isinstance(update, Update) else update
    log.error("Telegram update failed: %s", where, exc_info=context.error)


def _prompts(context: ContextTypes.DEFAULT_TYPE) -> PromptBook:
    prompts: PromptBook = context.bot_data[PROMPTS_KEY]
    return prompts


def _core(context: ContextTypes.DEFAULT_TYPE) -> IntakePort:
    core: IntakePort = context.bot_data[CORE_KEY]
    return core


def _message(update: Update) -> Message:
    if update.effective_message is None:
        raise ValueError("update without a message")
    return update.effective_message


# ---------------------------------------------------------------- sending


class TelegramSender:
    """Delivers outbox messages through the Bot API and says which failures are worth retrying."""

    name = CHANNEL

    def __init__(self, bot: Bot, application: TelegramApp | None = None,
                 read_media: Callable[[str], bytes] | None = None) -> None:
        self.bot = bot
        self.application = application
        self.read_media = read_media or (lambda reference: Path(reference).read_bytes())

    async def send(self, message: OutboundMessage) -> str:
        """Send text (with the receipt and buttons when given); return the Bot API message id."""
        try:
            chat_id = self._route(int(message.recipient.strip()))
        except ValueError as error:
            raise SendError(f"not a Telegram chat id: {message.recipient!r}", retryable=False) from error
        try:
            try:
                sent = await self._send_to(chat_id, message)
            except ChatMigrated as moved:
                if self.application is not None:
                    remember_migration(self.application, chat_id, moved.new_chat_id)
                else:
                    log.warning("Telegram chat %s moved to %s; update settings", chat_id, moved.new_chat_id)
                sent = await self._send_to(moved.new_chat_id, message)
        except (RetryAfter, TimedOut) as error:
            raise SendError(f"Telegram: {error}", retryable=True) from error
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as error:
            raise SendError(f"Telegram refused: {error}", retryable=False) from error
        except NetworkError as error:
            raise SendError(f"Telegram unreachable: {error}", retryable=True) from error
        except TelegramError as error:
            raise SendError(f"Telegram: {error}", retryable=True) from error
        except OSError as error:
            raise SendError(f"attachment unreadable: {error}", retryable=False) from error
        return str(sent.message_id)

    def _route(self, chat_id: int) -> int:
        if self.application is None:
            return chat_id
        migrations: dict[int, int] = self.application.bot_data.get(MIGRATIONS_KEY, {})
        return migrations.get(chat_id, chat_id)

    async def _send_to(self, chat_id: int, message: OutboundMessage) -> Message:
        keyboard = _keyboard(message)
        if message.media_path is None:
            return await self.bot.send_message(chat_id, message.text, reply_markup=keyboard)
        name = message.media_path.rpartition("/")[2]
        fits = len(message.text) <= CAPTION_LIMIT
        caption = message.text if fits else None
        markup = keyboard if fits else None
        media = await asyncio.to_thread(self.read_media, message.media_path)
        if not message.media_path.lower().endswith(PHOTO_SUFFIXES):
            attached = await self.bot.send_document(chat_id, media, filename=message.media_name or name,
                                                    caption=caption, reply_markup=markup)
        else:
            attached = await self.bot.send_photo(chat_id, media, caption=caption, reply_markup=markup)
        if fits:
            return attached
        return await self.bot.send_message(
            chat_id,
            message.text,
            reply_markup=keyboard,
            reply_parameters=ReplyParameters(attached.message_id, allow_sending_without_reply=True),
        )


def _keyboard(message: OutboundMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    buttons = [InlineKeyboardButton(b.label, callback_data=b.data) for b in message.buttons]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
