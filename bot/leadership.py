"""Exactly one process runs the periodic jobs: the one holding a lock that dies with it. On PostgreSQL an advisory
lock held by a connection kept open for the life of the process (the server drops it when that connection
ends, and notices a vanished machine by TCP keepalive); on SQLite, one machine, a lock on a file beside the
data. The others wait and try again, so one of them takes over within a minute."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

LOCK_KEY = zlib.crc32(b"paybot:scheduler")
"""The advisory lock's number: the same in every paybot process, unlikely to be anyone else's."""
RETRY_SECONDS = 15.0
"""How often a standby tries to take over, and the leader checks it still holds the lock."""
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
"""Both ends probe the lock's connection: the server drops the lock of a machine gone silent after about 25 s
(idle 10 s, then 3 probes 5 s apart), so with RETRY_SECONDS a standby leads within a minute."""


class LeaderLock(Protocol):
    """A lock that at most one process holds and that is released when its holder dies."""

    description: str

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    """`pg_try_advisory_lock` on a connection of its own, kept open while the lock is held."""

    def __init__(self, database_url: str, key: int = LOCK_KEY) -> None:
        self.key = key
        self.engine: Engine = create_engine(
            make_url(database_url), poolclass=NullPool,
            connect_args={"keepalives": 1, "keepalives_idle": KEEPALIVE["tcp_keepalives_idle"],
                          "keepalives_interval": KEEPALIVE["tcp_keepalives_interval"],
                          "keepalives_count": KEEPALIVE["tcp_keepalives_count"], "connect_timeout": 10,
                          "application_name": "paybot-scheduler"})
        self.connection: Connection | None = None
        self.description = f"el bloqueo consultivo {key} de PostgreSQL"

    def try_acquire(self) -> bool:
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                for name, value in KEEPALIVE.items():
                    self.connection.execute(text(f"SET {name} = {int(value)}"))
            got = bool(self.connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        except Exception as error:
            log.warning("could not ask PostgreSQL for the scheduler lock: %s", error)
            self._drop()
            return False
        return got

    def still_held(self) -> bool:
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                     "AND granted AND objid = :low"), {"low": self.key & 0xFFFFFFFF}).scalar()
        except Exception as error:
            log.warning("the scheduler lock's connection to PostgreSQL is gone: %s", error)
            self._drop()
            return False
        return bool(held)

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


class FileLock:
    """`flock` on a file: the kernel releases it when the holding process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None
        self.description = f"el archivo {path}"

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def still_held(self) -> bool:
        return self.handle is not None

    def release(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def scheduler_lock(database_url: str, data_dir: Path) -> LeaderLock:
    """The lock that elects the scheduler: PostgreSQL's advisory lock, or a file lock for SQLite."""
    if make_url(database_url).get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(database_url)
    return FileLock(data_dir / "scheduler.lock")


async def lead(lock: LeaderLock, start: Callable[[], None], stop: Callable[[], None], *,
               retry_seconds: float = RETRY_SECONDS, say: Callable[[str], None] | None = None) -> None:
    """Run `start` while this process holds `lock` and `stop` when it loses it; wait and retry otherwise.
    Forever, until cancelled (which stops and releases). What happens is said in the log (or to `say`)."""
    tell = say or log.info
    warn = say or log.warning
    leading = False
    waiting_said = False
    try:
        while True:
            if not leading:
                if await asyncio.to_thread(lock.try_acquire):
                    leading = True
                    waiting_said = False
                    tell(f"este proceso ejecuta las tareas programadas ({lock.description})")
                    start()
                elif not waiting_said:
                    waiting_said = True
                    warn(f"otro proceso ya ejecuta las tareas programadas ({lock.description}); este espera y las "
                        "toma si ese proceso termina")
            elif not await asyncio.to_thread(lock.still_held):
                leading = False
                stop()
                warn(f"este proceso perdió {lock.description}: deja las tareas programadas y espera")
            await asyncio.sleep(retry_seconds)
    finally:
        if leading:
            stop()
        await asyncio.to_thread(lock.release)
