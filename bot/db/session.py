"""The database engine and sessions: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from bot.db.turns import TurnTakingConnection, turns_for, wait_for_turn

BUSY_TIMEOUT_SECONDS = 30


def make_engine(database_url: str) -> Engine:
    """Create an engine; for SQLite, make the folder and turn on WAL and foreign keys."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS,
                                  "factory": TurnTakingConnection}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if sqlite:
        turns = turns_for(str(Path(url.database).resolve()) if url.database and url.database != ":memory:"
                          else f"memory:{id(engine)}", BUSY_TIMEOUT_SECONDS)

        def prepare(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection)
            if isinstance(dbapi_connection, TurnTakingConnection):
                dbapi_connection.turns = turns

        event.listen(engine, "connect", prepare)
        event.listen(engine, "before_cursor_execute", wait_for_turn)
    return engine


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def migrated_session(database_url: str) -> Iterator[Session]:
    """For one-shot commands: the schema brought up to date, a committing session, the engine closed after."""
    from bot.db import migrate

    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def rowcount(result: Any) -> int:
    """Rows an UPDATE matched: how a claim learns whether it won."""
    return int(getattr(result, "rowcount", 0))


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
