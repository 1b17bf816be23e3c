"""Slow clients (slowloris): a connection that trickles its headers or stalls its body is cut off after
its deadline, so an attacker cannot hold the service's connections open, and honest clients are served."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.db import migrate
from tests.service.test_hostile_requests import intakes
from tests.stories import ServiceProcess

HEADER_SECONDS = 1.0
BODY_SECONDS = 2.0
MAX_CONNECTIONS = 20
HANG_GUARD = 15.0
"""Far beyond either deadline: a connection still open by then was never going to be closed."""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[ServiceProcess, str]]:
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="1", PAYBOT_REQUEST_HEADER_SECONDS=str(HEADER_SECONDS),
               PAYBOT_REQUEST_BODY_SECONDS=str(BODY_SECONDS), PAYBOT_MAX_CONNECTIONS=str(MAX_CONNECTIONS))
    running = ServiceProcess(env, tmp_path).start()
    yield running, url
    running.stop()


def connect(service: ServiceProcess, first_bytes: bytes) -> socket.socket:
    host, port = service.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=HANG_GUARD)
    sock.sendall(first_bytes)
    return sock


def closed_by_server(sock: socket.socket, trickle: bytes, until: float) -> bool:
    """Keep trickling `trickle` every 0.2 s; True once the server has closed the connection."""
    sock.settimeout(0.2)
    while time.monotonic() < until:
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            pass
        except OSError:
            return True
        try:
            sock.sendall(trickle)
        except OSError:
            return True
    return False


def closed_already(sock: socket.socket) -> bool:
    """Whether the server has closed this connection, without waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_clients_trickling_their_headers_are_cut_off_while_honest_ones_are_served(
    service: tuple[ServiceProcess, str],
) -> None:
    running, _ = service
    slow = [connect(running, b"POST /sandbox/api/customer HTTP/1.1\r\nHost: paybot\r\n") for _ in range(40)]
    started = time.monotonic()
    try:
        assert httpx.get(f"{running.url}/healthz", timeout=5).status_code == 200
        cut_off = [closed_by_server(sock, b"X-Slow: 1\r\n", started + HANG_GUARD) for sock in slow]
        took = time.monotonic() - started
    finally:
        for sock in slow:
            sock.close()

    assert all(cut_off)
    assert took < HANG_GUARD
    assert httpx.get(f"{running.url}/healthz", timeout=5).status_code == 200


def test_a_flood_of_idle_connections_makes_room_for_honest_clients_at_once(
    service: tuple[ServiceProcess, str],
) -> None:
    running, url = service
    flood = [connect(running, b"") for _ in range(MAX_CONNECTIONS * 3)]
    try:
        honest = httpx.post(f"{running.url}/sandbox/api/customer", timeout=HEADER_SECONDS / 2,
                            data={"phone": "88112255", "text": "hola"})
        time.sleep(HEADER_SECONDS / 4)
        cut_off = sum(closed_already(sock) for sock in flood)
    finally:
        for sock in flood:
            sock.close()

    assert honest.status_code == 201
    assert [intake.id for intake in intakes(url)] == [honest.json()["intake_id"]]
    assert cut_off >= MAX_CONNECTIONS * 2 - 1
    assert httpx.get(f"{running.url}/healthz", timeout=5).status_code == 200


def test_an_idle_kept_alive_connection_is_closed_too(service: tuple[ServiceProcess, str]) -> None:
    running, _ = service
    sock = connect(running, b"GET /healthz HTTP/1.1\r\nHost: paybot\r\n\r\n")
    sock.settimeout(5)
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")

    assert closed_by_server(sock, b"", time.monotonic() + HANG_GUARD)
    sock.close()


def test_an_upload_that_stalls_mid_body_is_dropped_and_nothing_is_stored(
    service: tuple[ServiceProcess, str],
) -> None:
    running, url = service
    boundary = "paybotslow"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"phone\"\r\n\r\n88112233\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.png\"\r\n"
            "Content-Type: image/png\r\n\r\n\x89PNG").encode("latin-1")
    request = (f"POST /sandbox/api/customer HTTP/1.1\r\nHost: paybot\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 50000\r\n\r\n")
    sock = connect(running, request.encode() + head)
    started = time.monotonic()

    assert closed_by_server(sock, b"\0", started + HANG_GUARD)
    assert time.monotonic() - started > BODY_SECONDS * 0.9
    sock.close()

    honest = httpx.post(f"{running.url}/sandbox/api/customer", timeout=30,
                        data={"phone": "88112244", "text": "hola"})
    assert honest.status_code == 201
    assert [intake.id for intake in intakes(url)] == [honest.json()["intake_id"]]
