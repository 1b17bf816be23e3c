"""Settings come from PAYBOT_* variables and an optional .env, with defaults that work locally."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.config import Settings, describe, load_settings


def test_defaults_work_with_nothing_set(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite:///data/paybot.db"
    assert settings.timezone == "America/Costa_Rica"
    assert settings.language == "es-CR"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.iva_rate == Decimal("0.13")
    assert not settings.telegram_enabled and not settings.whatsapp_enabled


def test_environment_variables_override_defaults() -> None:
    settings = load_settings(
        {
            "PAYBOT_DATABASE_URL": "postgresql+psycopg://paybot@db/paybot",
            "PAYBOT_PORT": "9090",
            "PAYBOT_PAYEE_PHONES": "88887777, 60001111",
            "PAYBOT_TELEGRAM_SUPPORT_USER_IDS": "11,22",
            "OTHER_VARIABLE": "ignored",
        }
    )
    assert settings.database_url == "postgresql+psycopg://paybot@db/paybot"
    assert settings.port == 9090
    assert settings.payee_phones == ["88887777", "60001111"]
    assert settings.telegram_support_user_ids == [11, 22]


def test_dot_env_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PAYBOT_PORT=8181\nPAYBOT_TELEGRAM_TOKEN=123:abc\n", encoding="utf-8")
    settings = load_settings({}, env_file=env_file)
    assert settings.port == 8181
    assert settings.telegram_enabled


def test_secrets_are_masked_when_described() -> None:
    settings = load_settings({"PAYBOT_TWILIO_AUTH_TOKEN": "very-secret-token"})
    shown = dict((name, value) for name, value, _ in describe(settings))
    assert shown["PAYBOT_TWILIO_AUTH_TOKEN"] == "********"
    assert "very-secret-token" not in repr(settings)
