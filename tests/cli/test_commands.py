"""The `paybot` command as a user meets it: real subprocesses, one-line errors, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO

PAYBOT = [sys.executable, "-m", "bot"]


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PAYBOT, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env["PAYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["PAYBOT_DATA_DIR"] = str(tmp_path)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_commands(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("--help", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "db", "config"):
        assert command in result.stdout


def test_unknown_command_is_one_line_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("bogus", env=cli_env, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "opción no válida: 'bogus'" in result.stderr


def test_bad_database_url_is_one_line_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    cli_env["PAYBOT_DATABASE_URL"] = "nosuchdb://x"
    result = run_cli("db", "upgrade", env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("paybot: error:")


def test_config_masks_secrets(cli_env: dict[str, str], tmp_path: Path) -> None:
    cli_env["PAYBOT_TELEGRAM_TOKEN"] = "123456:super-secret"
    result = run_cli("config", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0
    assert "super-secret" not in result.stdout
    assert "PAYBOT_TELEGRAM_TOKEN" in result.stdout and "********" in result.stdout


def test_run_serves_healthz_and_stops_cleanly_on_sigterm(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*PAYBOT, "run", "--port", str(port)], env=cli_env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                body = response.json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert set(body.pop("heartbeats")) == {"worker", "outbox", "scheduler"}
        assert body == {"status": "ok", "database": "ok",
                        "channels": {"telegram": "off", "whatsapp": "off", "sandbox": "ok"}}
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Telegram: apagado (configure PAYBOT_TELEGRAM_TOKEN" in stdout
    assert "Sandbox: activo" in stdout
    assert "Traceback" not in stderr


def test_seed_loads_the_sample_data_once(cli_env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("customers.csv", "contracts.csv"):
        (data / name).write_bytes((REPO / "data" / name).read_bytes())
    first = run_cli("db", "seed", env=cli_env, cwd=tmp_path)
    again = run_cli("db", "seed", env=cli_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "cargados" in first.stdout
    assert again.returncode == 0 and "ya tiene clientes" in again.stdout
    quote = run_cli("quote", "1001", env=cli_env, cwd=tmp_path)
    assert quote.returncode == 0, quote.stderr
    assert "28" in quote.stdout and "250,00" in quote.stdout
