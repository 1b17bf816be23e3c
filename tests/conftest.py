"""Shared fixtures: settings pointed at a temporary folder, a migrated real SQLite database (empty, or with the
demo customers), a conversation through the real core, and an installation for `paybot run`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from bot.config import Settings
from bot.db import migrate
from bot.db.session import make_engine
from tests.rate_service import RateService

if TYPE_CHECKING:
    from tests.stories import Conversation

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def answered_at_any_hour() -> Iterator[None]:
    """Tests do not depend on the wall clock: the out-of-hours answer is off unless a test turns it on."""
    before = os.environ.get("PAYBOT_OUT_OF_HOURS_REPLY")
    os.environ["PAYBOT_OUT_OF_HOURS_REPLY"] = "false"
    yield
    if before is None:
        os.environ.pop("PAYBOT_OUT_OF_HOURS_REPLY", None)
    else:
        os.environ["PAYBOT_OUT_OF_HOURS_REPLY"] = before


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


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test's database whose objects stay readable after commit."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


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


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    """The demo customers and contracts from data/, and today's exchange rate."""
    from tests.stories import load_demo

    load_demo(engine)
    return engine


@pytest.fixture
def conversation(demo_engine: Engine, settings: Settings) -> Conversation:
    """The real core with the demo customers, at 15:00 on the demo day; every delivery recorded."""
    from tests.stories import conversation_with

    return conversation_with(demo_engine, settings)


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A migrated database with the demo customers, and the environment `paybot run` needs to use it."""
    from bot.contracts.importer import import_contracts, import_customers

    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        import_customers(session, (REPO / "data" / "customers.csv").read_bytes())
        import_contracts(session, (REPO / "data" / "contracts.csv").read_bytes())
        session.commit()
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING")
    yield env, url
