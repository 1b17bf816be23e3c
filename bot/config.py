"""All of paybot's settings in one place, read once from `PAYBOT_*` variables and an optional `.env`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.ocr import defaults as ocr_defaults

SECRET_MINIMUMS = {"portal_secret": 32, "media_url_secret": 16, "metrics_token": 16, "erp_webhook_secret": 16,
                   "access_webhook_secret": 16}
"""Shortest key each secret setting accepts: the portal's signs sessions, the others sign or admit requests."""

CommaList = Annotated[list[str], NoDecode]
CommaIntList = Annotated[list[int], NoDecode]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


REMINDER_TEMPLATE_KINDS = ("reminder_short_payment", "reminder_due", "reminder_overdue", "reminder_grace",
                           "reminder_statement")
"""Each reminder kind's own template; one not configured uses "reminder", then "default"."""
TEMPLATE_KINDS = ("support_card", "accounting_card", "reminder", *REMINDER_TEMPLATE_KINDS, "customer_reply",
                  "staff_note", "default")
"""The message kinds an approved WhatsApp template can be configured for ("default" covers the others)."""

TEMPLATE_VARIABLES = ("text", "intake_id", "title", "media")
"""What can fill a template variable: the message as one line, the intake number, the message's first
line, and the signed receipt link's path after PAYBOT_PUBLIC_URL (for media templates)."""


class TwilioTemplate(BaseModel):
    """One approved WhatsApp template: its ContentSid and what fills each of its variables."""

    sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: dict[str, str] = Field(default_factory=lambda: {"1": "text"})

    @field_validator("variables")
    @classmethod
    def _known_sources(cls, variables: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(variables.values()) - set(TEMPLATE_VARIABLES))
        if unknown:
            raise ValueError(f"unknown template variable source {unknown}; use {', '.join(TEMPLATE_VARIABLES)}")
        return variables


def _templates(value: Any) -> Any:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else {}
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(TEMPLATE_KINDS))
        if unknown:
            raise ValueError(f"unknown message kind {unknown}; use {', '.join(TEMPLATE_KINDS)}")
        return {kind: {"sid": spec} if isinstance(spec, str) else spec for kind, spec in value.items()}
    return value


class Settings(BaseSettings):
    """Effective configuration; build it once (see `load_settings`) and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="PAYBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # Storage and service
    database_url: str = Field(
        "sqlite:///data/paybot.db",
        description="SQLAlchemy URL: SQLite (default) or postgresql+psycopg://...",
    )
    data_dir: Path = Field(Path("data"), description="Where media and the SQLite file live")
    media_store: Literal["folder", "s3"] = Field(
        "folder", description="Where receipt files are kept: folder (PAYBOT_DATA_DIR/media, local or shared by every "
        "machine) or s3 (an S3-compatible bucket)"
    )
    s3_bucket: str = Field("", description="Bucket of receipt files when PAYBOT_MEDIA_STORE=s3")
    s3_prefix: str = Field("media", description="Folder inside the bucket")
    s3_endpoint_url: str = Field("", description="S3-compatible endpoint (empty: AWS S3)")
    s3_region: str = Field("", description="Region of the bucket")
    s3_access_key_id: str = Field("", description="Access key (empty: the usual AWS credential chain)")
    s3_secret_access_key: SecretStr | None = Field(None, description="Secret key of that access key")
    host: str = Field("127.0.0.1", description="Address `paybot run` listens on")
    port: int = Field(8080, description="Port `paybot run` listens on")
    single_process: bool = Field(
        False, description="`paybot run` (role all) in one process, instead of a web process with its worker and "
        "scheduler as child processes at a lower CPU priority",
    )
    public_url: str = Field(
        "",
        description="Public https URL of this service (Twilio signatures, Telegram webhook)",
    )
    timezone: str = Field("America/Costa_Rica", description="Time zone of receipts and reports")
    language: str = Field("es-CR", description="Language of replies")
    log_level: str = Field("INFO", description="Logging level")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or as one JSON object per line (for a log collector)"
    )
    webhook_max_bytes: int = Field(
        256 * 1024, description="Largest webhook body accepted from Twilio or Telegram (larger: 413)"
    )
    request_header_seconds: float = Field(
        10.0, gt=0, description="Most time a client may take to send a request's headers (then disconnected)"
    )
    request_body_seconds: float = Field(
        120.0, gt=0, description="Most time a client may take to send a request's body (then disconnected)"
    )
    max_connections: int = Field(
        1000, ge=8, description="Most connections held at once; past it the one waiting longest for its headers "
        "is closed (also kept under half the process's file limit)"
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token /metrics asks for (at least 16 characters; unset: /metrics is open)"
    )

    # The company that must be the payee
    company_name: str = Field("Wolk Software", description="Name used in replies")
    payee_names: CommaList = Field(
        default_factory=lambda: ["Wolk Software S.A.", "Wolk Software"],
        description="Accepted payee names (comma-separated)",
    )
    payee_phones: CommaList = Field(
        default_factory=lambda: ["88887777"],
        description="Accepted SINPE Movil numbers (comma-separated)",
    )

    # Checks and money
    recent_days: int = Field(30, description="A receipt older than this many days is too old")
    amount_tolerance: Decimal = Field(Decimal("1"), description="CRC difference treated as exact")
    iva_rate: Decimal = Field(Decimal("0.13"), description="Default IVA for contracts")
    rate_side: Literal["buy", "sell"] = Field("sell", description="Exchange rate side used")
    whole_colones: bool = Field(False, description="Round colones to whole units")
    rates_url: str = Field("", description="HTTP JSON exchange-rate provider URL")
    rates_buy_field: str = Field("compra", description="Field of the buy rate in that JSON")
    rates_sell_field: str = Field("venta", description="Field of the sell rate in that JSON")
    client_id_pattern: str = Field(
        ocr_defaults.CLIENT_ID_PATTERN,
        description="Regex (case-insensitive) finding the client ID in a description",
    )

    # Reader
    ocr_timeout_seconds: float = Field(
        ocr_defaults.OCR_TIMEOUT_SECONDS, description="Most wall time one read of one file may take (seconds)"
    )
    max_upload_bytes: int = Field(ocr_defaults.MAX_UPLOAD_BYTES, description="Largest accepted file")
    ocr_workers: int = Field(0, description="Reader processes (0: one per core)")
    ocr_engine: Literal["library", "pytesseract", "subprocess"] = Field(
        ocr_defaults.OCR_ENGINE,
        description="Tesseract engine: library (libtesseract kept warm) or pytesseract (a tesseract process per "
        "image; also used when libtesseract cannot be loaded)",
    )
    max_text_chars: int = Field(
        10_000, description="A customer's text is cut to this many characters before it is stored and read"
    )
    rejected_media_days: int = Field(
        30, description="Days files that were not receipts (refused or unreadable) are kept before deletion"
    )
    media_retention_days: int | None = Field(
        None, ge=1, description="Days receipt images are kept (empty: kept for good); those of open cases and "
        "of payments not yet synced are always kept"
    )

    flood_per_minute: int = Field(
        10, ge=0, description="Receipts a minute one sender may send before theirs wait behind everyone else's "
        "(they are told once); 0: no limit"
    )

    # Workflow
    auto_forward: bool = Field(
        False, description="Forward straight to accounting when every check passes"
    )
    auto_forward_confidence: float = Field(
        0.95,
        description="Reading confidence every key field needs for auto-forward (bench/RESULTS-ocr.md: fields read"
        " at or above 0.95 were right in 99.55% of the reader benchmark, the four key fields in 100%)",
    )
    grace_days: int = Field(3, ge=1, description="Days a grace extension keeps the customer's system active")
    grace_max: int = Field(1, ge=0, description="Grace extensions allowed per overdue charge")
    reminder_hours: CommaIntList = Field(
        default_factory=lambda: [24, 72],
        description="Hours after a short payment at which reminders go out",
    )
    templates_dir: Path | None = Field(None, description="Folder overriding reply templates")

    # Collections: reminders, business hours, access block
    reminder_due_days: CommaIntList = Field(
        default_factory=lambda: [3], description="Days before a charge's due date a reminder goes out"
    )
    reminder_overdue_days: CommaIntList = Field(
        default_factory=lambda: [1, 7, 15], description="Days after a charge's due date a reminder goes out"
    )
    statement_day: int = Field(
        1, ge=0, le=28, description="Day of the month the statement goes to customers who owe (0: never)"
    )
    business_hours: str = Field(
        "08:00-19:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="When reminders go out and support answers (HH:MM-HH:MM, local time)",
    )
    closed_weekdays: CommaIntList = Field(
        default_factory=lambda: [6], description="Days without reminders (0 Monday ... 6 Sunday)"
    )
    holidays_country: str = Field(
        "CR", description="Public holidays without reminders, from the holidays library (empty: none)"
    )
    out_of_hours_reply: bool = Field(
        True, description="Tell a customer who writes outside business hours when support answers (once each time)"
    )
    reminders_per_day: int = Field(1, ge=1, description="Reminders one customer gets per day at most")
    reminder_late_hours: int = Field(
        24, ge=1, description="A reminder missed by more than this many hours is dropped, not sent late"
    )
    block_after_days: int | None = Field(
        None, ge=1, description="Block a customer whose charge is overdue more than this many days (empty: never)"
    )
    access_webhook_url: str = Field(
        "", description="The company's URL told of each block and unblock (customer.blocked / customer.unblocked)"
    )
    access_webhook_secret: SecretStr | None = Field(
        None, description="Key of the X-Paybot-Signature HMAC-SHA256 of the access webhook (at least 16 characters)"
    )

    cli_staff_id: int | None = Field(
        None, description="The staff record `paybot` commands act as (paybot staff list): tasks --mine, the audit"
    )

    # E-mail (customers reachable only by e-mail: reminders and statements)
    smtp_host: str = Field("", description="SMTP server; enables e-mail")
    smtp_port: int = Field(587, description="SMTP port")
    smtp_user: str = Field("", description="SMTP user (empty: no login)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_from: str = Field("", description="From address of paybot's e-mails")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls, ssl (implicit TLS) or none (a local relay)"
    )
    smtp_timeout_seconds: float = Field(20.0, gt=0, description="How long one SMTP delivery may take")
    agent_name: str = Field("el equipo de soporte", description="Who greets in replies")

    # Accounting: the ERP, the morning messages, the bank's movements
    erp_connector: Literal["none", "webhook", "file"] = Field(
        "none", description="Where applied payments go: none, webhook (signed HTTP POST) or file (a CSV per day)"
    )
    erp_webhook_url: str = Field("", description="The ERP's URL receiving each payment (connector webhook)")
    erp_webhook_secret: SecretStr | None = Field(
        None, description="Key of the X-Paybot-Signature HMAC-SHA256 (connector webhook; at least 16 characters)"
    )
    erp_timeout_seconds: float = Field(10.0, gt=0, le=120, description="How long one delivery to the ERP may take")
    erp_file_dir: Path | None = Field(
        None, description="Folder of the daily CSV files (connector file; default DATA_DIR/erp)"
    )
    erp_max_attempts: int = Field(
        5, ge=1, le=50, description="Deliveries tried before a payment is «pagado sin sincronizar»"
    )
    erp_retry_seconds: float = Field(30.0, gt=0, description="Wait before the second attempt; doubles each time")
    erp_retry_max_seconds: float = Field(900.0, gt=0, description="Longest wait between two attempts")
    accounting_summary_time: str = Field(
        "07:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When accounting gets the morning summary of payments not synced (HH:MM, local time)",
    )
    accounting_report_time: str = Field(
        "07:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When accounting gets the previous day's payments report (HH:MM, local time)",
    )
    bank_profiles_dir: Path | None = Field(
        None, description="Folder of extra bank export mappings (*.toml), added to the built-in ones"
    )
    bank_match_days: int = Field(1, ge=0, le=10, description="Days a bank movement's date may differ from a payment's")
    bank_match_tolerance: Decimal = Field(
        Decimal("1"), ge=0, description="Colones a bank movement may differ from a payment's amount"
    )
    bank_match_tolerance_usd: Decimal = Field(
        Decimal("0.01"), ge=0, description="Dollars a bank movement may differ from a payment's amount"
    )
    bank_unmatched_days: int = Field(
        3, ge=0, description="Days after which an applied payment with no bank movement is listed as unmatched"
    )

    # Staff portal (/portal/)
    portal_secret: SecretStr | None = Field(
        None, description="Key signing the portal's session cookies (default: a random key kept in "
        "PAYBOT_DATA_DIR/portal.key; set the same one on every machine that serves the portal)"
    )
    portal_session_hours: float = Field(12.0, gt=0, description="How long a portal login lasts (hours)")
    portal_login_attempts: int = Field(
        5, ge=1, description="Failed portal logins allowed for one user (four times as many from one address) "
        "within the window before further tries are refused"
    )
    portal_login_window_minutes: int = Field(15, ge=1, description="The window of that limit (minutes)")

    # Telegram
    telegram_token: SecretStr | None = Field(None, description="Bot token; enables Telegram")
    telegram_webhook_secret: SecretStr | None = Field(
        None, description="Secret token Telegram sends in X-Telegram-Bot-Api-Secret-Token"
    )
    telegram_base_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base URL (tests use a local fake)"
    )
    telegram_base_file_url: str = Field(
        "https://api.telegram.org/file/bot", description="Bot API file base URL"
    )
    telegram_polling: bool = Field(False, description="Use polling instead of the webhook")
    telegram_support_chat_id: int | None = Field(None, description="Support group chat id")
    telegram_accounting_chat_id: int | None = Field(None, description="Accounting group chat id")
    telegram_support_user_ids: CommaIntList = Field(
        default_factory=list, description="Telegram user ids of support agents"
    )
    telegram_accounting_user_ids: CommaIntList = Field(
        default_factory=list, description="Telegram user ids of accounting"
    )

    # WhatsApp through Twilio
    twilio_account_sid: str = Field("", description="Account SID; enables WhatsApp")
    twilio_auth_token: SecretStr | None = Field(None, description="Auth token")
    twilio_whatsapp_from: str = Field("", description="Our WhatsApp sender, whatsapp:+506...")
    twilio_api_base: str = Field(
        "https://api.twilio.com", description="REST API base URL (tests use a local fake)"
    )
    twilio_media_hosts: CommaList = Field(
        default_factory=lambda: ["api.twilio.com", "media.twiliocdn.com"],
        description="Hosts media may be fetched from with our credentials",
    )
    twilio_template_sid: str = Field(
        "", description="Approved ContentSid used outside WhatsApp's 24-hour window (the default template)"
    )
    twilio_templates: Annotated[dict[str, TwilioTemplate], NoDecode] = Field(
        default_factory=dict,
        description='JSON: message kind -> ContentSid, or {"sid": ..., "variables": {"1": "intake_id", '
        '"2": "text"}}; kinds: ' + ", ".join(TEMPLATE_KINDS),
    )
    media_url_secret: SecretStr | None = Field(
        None, description="Key signing receipt links for Twilio (default: derived from the auth token)"
    )
    media_url_seconds: int = Field(300, ge=30, le=3600, description="How long a signed receipt link works")
    send_retry_hours: float = Field(
        24.0, gt=0, description="How long a message is retried before it counts as failed"
    )
    whatsapp_messages_per_second: float = Field(10.0, description="Outbound WhatsApp messages per second")
    whatsapp_support_numbers: CommaList = Field(
        default_factory=list, description="WhatsApp numbers of support agents (+506...)"
    )
    whatsapp_accounting_numbers: CommaList = Field(
        default_factory=list, description="WhatsApp numbers of accounting"
    )

    _split = field_validator(
        "payee_names",
        "payee_phones",
        "reminder_hours",
        "reminder_due_days",
        "reminder_overdue_days",
        "closed_weekdays",
        "telegram_support_user_ids",
        "telegram_accounting_user_ids",
        "twilio_media_hosts",
        "whatsapp_support_numbers",
        "whatsapp_accounting_numbers",
        mode="before",
    )(_split_commas)
    _templates = field_validator("twilio_templates", mode="before")(_templates)

    @field_validator("portal_secret", "media_url_secret", "metrics_token", "erp_webhook_secret",
                     "access_webhook_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        shortest = SECRET_MINIMUMS[info.field_name or ""]
        if value is not None and len(value.get_secret_value()) < shortest:
            raise ValueError(f"PAYBOT_{(info.field_name or '').upper()} must be at least {shortest} characters "
                             "(or unset)")
        return value

    @field_validator("block_after_days", "cli_staff_id", mode="before")
    @classmethod
    def _empty_is_never(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def erp_dir(self) -> Path:
        return self.erp_file_dir or self.data_dir / "erp"

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    def whatsapp_template(self, kind: str) -> TwilioTemplate | None:
        """The template for messages of `kind` outside the 24-hour window: its own (a reminder kind's, else
        every reminder's), else the default."""
        if kind in self.twilio_templates:
            return self.twilio_templates[kind]
        if kind in REMINDER_TEMPLATE_KINDS and "reminder" in self.twilio_templates:
            return self.twilio_templates["reminder"]
        if "default" in self.twilio_templates:
            return self.twilio_templates["default"]
        return TwilioTemplate(sid=self.twilio_template_sid) if self.twilio_template_sid else None


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build the settings once, from `environ` (default: the process environment) and `.env`."""
    if environ is None:
        return Settings(_env_file=env_file or Path(".env"))
    values: dict[str, Any] = {
        key.removeprefix("PAYBOT_").lower(): value
        for key, value in environ.items()
        if key.startswith("PAYBOT_")
    }
    return Settings(_env_file=env_file, **values)


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, effective value with secrets masked, description) for `paybot config`."""
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "********"
        elif value is None:
            shown = ""
        elif isinstance(value, list):
            shown = ",".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = json.dumps({k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in value.items()})
        else:
            shown = str(value)
        rows.append((f"PAYBOT_{name.upper()}", shown, field.description or ""))
    return rows
