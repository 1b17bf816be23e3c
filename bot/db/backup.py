"""Backups of a SQLite installation while it runs: the database copied through SQLite's online backup API (a
consistent snapshot, never a file copy of a database being written), then the media folder, with a manifest
of row counts and file hashes that the restore checks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"
DATABASE = "paybot.db"
MEDIA = "media"
MEDIA_COLUMNS = (("intake", "media_path"), ("outboxmessage", "media_path"), ("payment", "invoice_path"))
"""Columns that hold a path under the media folder, rewritten when a backup is restored elsewhere."""


class BackupError(Exception):
    """A backup or restore that cannot be made as asked; the message says what to do."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore holds: rows per table, media files and their bytes, referenced files missing."""

    folder: Path
    tables: dict[str, int]
    media_files: int
    media_bytes: int
    missing_media: list[str]


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL; any other database is refused with what to use instead."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"paybot db backup copia bases SQLite; para {url.get_backend_name()} use pg_dump "
                          "(vea la sección Copias de seguridad del README)")
    if not url.database or url.database == ":memory:":
        raise BackupError("la base de datos SQLite está en memoria: no hay nada que copiar")
    return Path(url.database)


def media_files(folder: Path) -> Iterator[Path]:
    """Every finished file under `folder` (a `.part` is a file still being written, never a stored one)."""
    if not folder.is_dir():
        return
    for root, _dirs, names in os.walk(folder):
        for name in sorted(names):
            if not name.endswith(".part"):
                yield Path(root) / name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}


def _referenced(connection: sqlite3.Connection) -> set[str]:
    paths: set[str] = set()
    for table, column in MEDIA_COLUMNS:
        try:
            rows = connection.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
        except sqlite3.OperationalError:
            continue
        paths.update(str(row[0]) for row in rows)
    return paths


def _relative(path: str, media_dir: str) -> str | None:
    prefix = media_dir.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else None


def backup(database_url: str, media_dir: Path, destination: Path) -> BackupReport:
    """Copy the database (one consistent snapshot) and then the media folder into `destination`, a new or empty
    folder. Files are stored before the rows naming them are committed, so every file the snapshot names is
    copied (unless a retention job deleted it in between: the report lists those)."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"no existe la base de datos {source}")
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} ya existe y no está vacía: elija una carpeta nueva")
    destination.mkdir(parents=True, exist_ok=True)
    copy = destination / DATABASE
    with sqlite3.connect(source, timeout=30) as reader, sqlite3.connect(copy) as writer:
        reader.execute("PRAGMA busy_timeout=30000")
        reader.backup(writer)
    reader.close()
    writer.close()
    with sqlite3.connect(copy) as snapshot:
        tables = row_counts(snapshot)
        revision = snapshot.execute("SELECT version_num FROM alembic_version").fetchone()
        referenced = _referenced(snapshot)
    snapshot.close()
    hashes: dict[str, str] = {}
    total = 0
    for path in media_files(media_dir):
        relative = path.relative_to(media_dir).as_posix()
        target = destination / MEDIA / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(path, target)
        except FileNotFoundError:
            continue
        hashes[relative] = sha256_of(target)
        total += target.stat().st_size
    missing = sorted(path for path in referenced if _relative(path, str(media_dir)) not in hashes)
    manifest: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": DATABASE,
        "revision": revision[0] if revision else None,
        "tables": tables,
        "media_dir": str(media_dir),
        "media": hashes,
        "missing_media": missing,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return BackupReport(destination, tables, len(hashes), total, missing)


def restore(backup_folder: Path, database_url: str, media_dir: Path) -> BackupReport:
    """Put a backup in place for `database_url` (a SQLite file that must not exist yet) and `media_dir`, after
    checking every file against the manifest; paths to media are rewritten when the media folder moved."""
    manifest_path = backup_folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{backup_folder} no es una copia de paybot (falta {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    target = sqlite_path(database_url)
    if target.exists():
        raise BackupError(f"ya existe la base de datos {target}: restaure en una instalación nueva (o muévala antes)")
    copy = backup_folder / manifest.get("database", DATABASE)
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"la base de datos de la copia {copy} está dañada")
        if row_counts(check) != manifest["tables"]:
            raise BackupError(f"la base de datos de la copia {copy} no tiene las filas que anota el manifiesto")
    check.close()
    hashes: dict[str, str] = manifest["media"]
    for relative, expected in hashes.items():
        stored = backup_folder / MEDIA / relative
        if not stored.is_file() or sha256_of(stored) != expected:
            raise BackupError(f"el archivo {stored} de la copia falta o cambió: no se restauró nada")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(copy, partial)
    old_media, new_media = str(manifest["media_dir"]), str(media_dir)
    if old_media != new_media:
        with sqlite3.connect(partial) as connection:
            for table, column in MEDIA_COLUMNS:
                connection.execute(
                    f'UPDATE "{table}" SET "{column}" = ? || substr("{column}", ?) WHERE substr("{column}", 1, ?) = ?',
                    (new_media.rstrip("/") + "/", len(old_media.rstrip("/")) + 2, len(old_media.rstrip("/")) + 1,
                     old_media.rstrip("/") + "/"))
        connection.close()
    total = 0
    for relative in hashes:
        destination = media_dir / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            shutil.copyfile(backup_folder / MEDIA / relative, destination)
        total += destination.stat().st_size
    partial.replace(target)
    with sqlite3.connect(target) as restored:
        tables = row_counts(restored)
        referenced = _referenced(restored)
    restored.close()
    missing = sorted(path for path in referenced if not Path(path).is_file())
    return BackupReport(target, tables, len(hashes), total, missing)
