"""An upload's answer says where its time went (`Server-Timing`), so a slow acknowledgement can be explained
from outside: waiting for the body, waiting for the storing thread, the file reaching the disk, the commit."""

from __future__ import annotations

import concurrent.futures
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.db import migrate
from tests.stories import ServiceProcess, receipt_png

PHASES = ["headers", "received", "queued", "media", "insert", "commit", "resumed", "answer"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ServiceProcess]:
    url = f"sqlite:///{tmp_path / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(tmp_path), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="1")
    running = ServiceProcess(env, tmp_path).start()
    yield running
    running.stop()


def phases(header: str) -> list[tuple[str, float]]:
    return [(name, float(ms)) for name, ms in re.findall(r"(\w+);dur=([\d.]+)", header)]


def test_each_upload_of_a_burst_says_where_its_own_time_went(service: ServiceProcess) -> None:
    images = [receipt_png(amount=f"{n + 1}000.00") for n in range(8)]

    def post(n: int) -> httpx.Response:
        return httpx.post(f"{service.url}/sandbox/api/customer", timeout=30, data={"phone": f"8811{n:04d}"},
                          files={"file": (f"r{n}.png", images[n], "image/png")})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))

    assert [answer.status_code for answer in answers] == [201] * 8
    for answer in answers:
        timing = phases(answer.headers["server-timing"])
        assert [name for name, _ in timing] == ["app", *PHASES]
        app = timing[0][1]
        inside = sum(ms for name, ms in timing[1:] if name != "headers")
        assert abs(inside - app) < 0.1 * len(PHASES), timing


def test_an_upload_whose_body_comes_late_shows_the_wait_as_receiving_it(service: ServiceProcess) -> None:
    boundary = "paybotlate"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"phone\"\r\n\r\n88112233\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + receipt_png(amount="5000.00") \
        + f"\r\n--{boundary}--\r\n".encode()
    host, port = service.url.removeprefix("http://").split(":")
    head = (f"POST /sandbox/api/customer HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(head.encode())
        time.sleep(0.4)
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    headers = answer.split(b"\r\n\r\n")[0].decode("latin-1")
    assert headers.startswith("HTTP/1.1 201")
    timing = dict(phases(re.search(r"server-timing: (.*)", headers, re.IGNORECASE).group(1)))  # type: ignore[union-attr]
    assert timing["received"] >= 350, timing
    assert timing["headers"] < 300 and timing["commit"] < 300, timing
