"""`paybot db backup` while customers keep sending receipts, then `paybot db restore` into a fresh folder: the
same rows as the snapshot, every receipt file with its hash, and a service that serves them again."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.db.backup import BackupError, backup, restore
from tests.conftest import REPO
from tests.processes import Service, installation, paybot

RECEIPT = (REPO / "data" / "receipts" / "sinpe-1001-completo.png").read_bytes()


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        result = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    connection.close()
    return result


def intake_files(database: Path) -> dict[int, tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id, media_path, media_sha256 FROM intake WHERE media_path IS NOT NULL")
        result = {row[0]: (row[1], row[2]) for row in rows}
    connection.close()
    return result


class Customers(threading.Thread):
    """Customers sending distinct receipts to the sandbox until told to stop."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.sent, self.stop = url, 0, threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.is_set() and self.sent < 400:
                data = RECEIPT + self.sent.to_bytes(4, "big")
                answer = client.post("/sandbox/api/customer", data={"phone": f"8811{2000 + self.sent}"},
                                     files={"file": ("recibo.png", data, "image/png")})
                assert answer.status_code == 201, answer.text
                self.sent += 1


@pytest.mark.slow
def test_backup_while_receipts_arrive_restores_into_a_fresh_folder(tmp_path: Path) -> None:
    source = tmp_path / "live"
    env = installation(source, ocr_workers="1")
    service = Service(env, source).start()
    customers = Customers(service.url)
    try:
        customers.start()
        while customers.sent < 10:
            time.sleep(0.05)
        made = paybot("db", "backup", str(tmp_path / "copy"), env=env, cwd=source)
        sent_during = customers.sent
        time.sleep(0.5)
    finally:
        customers.stop.set()
        customers.join(timeout=60)
        service.stop()
    assert made.returncode == 0, made.stderr
    assert "copia en" in made.stdout
    assert customers.sent > sent_during > 10, "receipts kept arriving during and after the backup"

    snapshot = counts(tmp_path / "copy" / "paybot.db")
    manifest = json.loads((tmp_path / "copy" / "manifest.json").read_text())
    assert manifest["tables"] == snapshot
    assert 10 <= snapshot["intake"] < counts(source / "paybot.db")["intake"]

    fresh = tmp_path / "fresh"
    fresh_env = installation(fresh, migrated=False)
    restored = paybot("db", "restore", str(tmp_path / "copy"), env=fresh_env, cwd=fresh)
    assert restored.returncode == 0, restored.stderr
    assert counts(fresh / "paybot.db") == snapshot

    files = intake_files(fresh / "paybot.db")
    live = intake_files(source / "paybot.db")
    assert len(files) == snapshot["intake"]
    for intake_id, (path, digest) in files.items():
        assert path.startswith(str(fresh / "media")), path
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest == live[intake_id][1]

    again = Service(fresh_env, fresh).start()
    try:
        first = min(files)
        image = httpx.get(f"{again.url}/sandbox/media/{first}", timeout=10)
        assert image.status_code == 200 and hashlib.sha256(image.content).hexdigest() == files[first][1]
    finally:
        again.stop()


def test_restore_refuses_a_changed_file_and_an_existing_database(tmp_path: Path) -> None:
    env = installation(tmp_path / "live")
    media = tmp_path / "live" / "media" / "ab"
    media.mkdir(parents=True)
    (media / "ab12.png").write_bytes(RECEIPT)
    backup(env["PAYBOT_DATABASE_URL"], tmp_path / "live" / "media", tmp_path / "copy")
    with pytest.raises(BackupError, match="ya existe"):
        restore(tmp_path / "copy", env["PAYBOT_DATABASE_URL"], tmp_path / "live" / "media")
    (tmp_path / "copy" / "media" / "ab" / "ab12.png").write_bytes(RECEIPT + b"x")
    target = tmp_path / "other" / "paybot.db"
    with pytest.raises(BackupError, match="cambió"):
        restore(tmp_path / "copy", f"sqlite:///{target}", tmp_path / "other" / "media")
    assert not target.exists(), "nothing is restored from a damaged copy"


def test_postgresql_is_sent_to_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+psycopg://u@127.0.0.1/db", tmp_path / "media", tmp_path / "copy")
