"""The deployment files hold together (Docker is not available on this machine, so nothing here builds or starts
them): every PAYBOT_* variable they set is a real setting with a valid value, every paybot service runs
`paybot run --role ROLE`, the image is Debian slim with Tesseract's Spanish and English, run by a non-root user."""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.cli.main import build_parser
from bot.config import Settings, load_settings
from tests.conftest import REPO

ROLES = ("web", "worker", "scheduler", "all")
"""The roles `paybot run --role` takes (the parser below refuses any other)."""
SETTINGS = {f"PAYBOT_{name.upper()}" for name in Settings.model_fields}


def compose() -> dict[str, Any]:
    document = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def paybot_services() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in compose()["services"].items()
            if service.get("image", "").startswith("paybot")}


def interpolated(value: str) -> str:
    """Compose's `${NAME:-default}` as compose would fill it with nothing set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_every_paybot_variable_compose_sets_is_a_real_setting_with_a_valid_value() -> None:
    services = paybot_services()
    assert {"web", "worker", "scheduler", "migrate"} <= set(services)
    for name, service in services.items():
        environment = {key: interpolated(str(value)) for key, value in service["environment"].items()}
        unknown = sorted(set(environment) - SETTINGS)
        assert unknown == [], f"{name}: {unknown} are no paybot settings"
        settings = load_settings(environment)
        assert settings.database_url.startswith("postgresql+psycopg://paybot:paybot@db:5432/")
        assert str(settings.media_dir) == "/var/lib/paybot/data/media"
        assert "media:/var/lib/paybot/data/media" in service["volumes"], f"{name} shares the media volume"


def test_each_service_runs_one_role_of_paybot_run_after_the_migration() -> None:
    roles = {}
    for name, service in paybot_services().items():
        command = service["command"]
        if name == "migrate":
            assert command == ["paybot", "db", "upgrade"]
            continue
        assert command[:3] == ["paybot", "run", "--role"], name
        parsed = build_parser().parse_args(command[1:])
        assert parsed.role == command[3] and parsed.role in ROLES
        assert parsed.no_migrate, "only the migrate service changes the schema"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        roles[name] = command[3]
    assert sorted(roles.values()) == ["scheduler", "web", "worker"]
    assert compose()["services"]["web"]["ports"], "only web is published"
    assert not any("ports" in compose()["services"][name] for name in ("worker", "scheduler"))
    assert "media" in compose()["volumes"] and "pgdata" in compose()["volumes"]


def test_the_image_is_debian_slim_with_spanish_and_english_tesseract_and_no_root() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert base is not None and "slim" in base.group(1) and "bookworm" in base.group(1)
    for package in ("tesseract-ocr", "tesseract-ocr-spa", "tesseract-ocr-eng", "libtesseract5"):
        assert re.search(rf"\s{re.escape(package)}(\s|$)", dockerfile), package
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^CMD \[\"paybot\", \"run\", \"--role\", \"all\"\]", dockerfile, re.MULTILINE)
    declared = set(re.findall(r"(PAYBOT_[A-Z_]+)=", dockerfile))
    assert declared and declared <= SETTINGS


def test_the_systemd_unit_runs_a_role_as_paybot_with_a_settings_file_of_real_settings() -> None:
    unit = (REPO / "deploy" / "paybot@.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S+/paybot run --role %i --no-migrate$", unit, re.MULTILINE)
    assert re.search(r"^User=paybot$", unit, re.MULTILINE)
    assert "EnvironmentFile=/etc/paybot/paybot.env" in unit
    example = (REPO / "deploy" / "paybot.env.example").read_text(encoding="utf-8")
    written = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    mentioned = set(re.findall(r"^#?(PAYBOT_[A-Z_]+)=", example, re.MULTILINE))
    assert sorted(mentioned - SETTINGS) == []
    settings = load_settings(written)
    assert settings.media_retention_days == 365 and settings.log_format == "json"
    assert not settings.telegram_enabled and not settings.whatsapp_enabled, "no channel is on by an empty line"
