"""Shared fixtures: settings pointed at a temporary folder and a migrated real SQLite database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from bot.config import Settings
from bot.db import migrate
from bot.db.session import make_engine
from tests.rate_service import RateService

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a throwaway installation under `tmp_path` (ignores the developer's .env)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'paybot.db'}",
        data_dir=tmp_path,
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head once per run; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "paybot.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def engine(settings: Settings, migrated_template: Path) -> Iterator[Engine]:
    """A real SQLite database at the newest schema (a copy of the migrated template)."""
    target = Path(make_url(settings.database_url).database or "")
    shutil.copyfile(migrated_template, target)
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the whole run (started on first use)."""
    from tests.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A fresh schema on the PostgreSQL server: migrated up for the test, down again after it."""
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()
    migrate.downgrade(postgres_url)


@pytest.fixture
def rate_service() -> Iterator[RateService]:
    """A JSON exchange-rate service on loopback, answering what the test sets."""
    service = RateService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()
    service.thread.join()
