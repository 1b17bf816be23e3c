"""Benchmark: what hostile requests cost the running service, against ordinary ones in the same run (issue 8).

1. WhatsApp webhook, peak memory (VmHWM) of the `paybot run` process: growth after 20 ordinary signed
   messages (baseline), then after the issue's attack (600 fields of 900 KB, declared and streamed,
   unsigned and forged).
2. Sandbox, /healthz latency: while idle (baseline), then while the service reads a 200 000-digit note.

Run: `.venv/bin/python bench/service_hostile.py`. Prints figures; exits 1 when the attack costs more than
50 MB or stalls /healthz past 1 s.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from bot.db import migrate

AUTH_TOKEN = "bench-auth-token-0123456789"
PUBLIC_URL = "https://paybot.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(folder: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    url = f"sqlite:///{folder / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(folder), PAYBOT_LOG_LEVEL="ERROR",
               PAYBOT_OCR_WORKERS="1", **settings)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port)], env=env, cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("paybot run did not come up")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM")


def fields() -> Iterator[bytes]:
    value = b"x" * (900 * 1024)
    for index in range(600):
        yield b"f%d=" % index + value + b"&"


def webhook_memory(folder: Path) -> tuple[float, float]:
    process, base = start(folder, PAYBOT_TWILIO_ACCOUNT_SID="AC" + "0" * 32, PAYBOT_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                          PAYBOT_TWILIO_WHATSAPP_FROM="whatsapp:+50640001000", PAYBOT_PUBLIC_URL=PUBLIC_URL,
                          PAYBOT_WHATSAPP_SUPPORT_NUMBERS="+50670000001",
                          PAYBOT_TWILIO_API_BASE=f"http://127.0.0.1:{free_port()}")
    validator = RequestValidator(AUTH_TOKEN)
    try:
        start_peak = peak_mb(process.pid)
        for index in range(20):
            params = {"MessageSid": f"SM{index:032d}", "From": "whatsapp:+50688112233", "Body": "Hola, ya pagué",
                      "NumMedia": "0"}
            signature = validator.compute_signature(f"{PUBLIC_URL}/webhooks/whatsapp", params)
            httpx.post(f"{base}/webhooks/whatsapp", data=params, headers={"X-Twilio-Signature": signature},
                       timeout=30).raise_for_status()
        ordinary = peak_mb(process.pid) - start_peak
        before = peak_mb(process.pid)
        total = sum(len(part) for part in fields())
        form = {"content-type": "application/x-www-form-urlencoded"}
        for headers in ({**form, "content-length": str(total)}, form,
                        {**form, "content-length": str(total), "X-Twilio-Signature": "Zm9yZ2Vk"},
                        {**form, "X-Twilio-Signature": "Zm9yZ2Vk"}):
            with contextlib.suppress(httpx.TransportError):  # refused and closed before the upload finished
                httpx.post(f"{base}/webhooks/whatsapp", content=fields(), headers=headers, timeout=120)
        attack = peak_mb(process.pid) - before
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"webhook peak memory: start {start_peak:.0f} MB; +{ordinary:.1f} MB after 20 ordinary messages; "
          f"+{attack:.1f} MB after 4 posts of 600 fields x 900 KB ({total / 2**20:.0f} MB each)")
    return ordinary, attack


def healthz_latency(folder: Path) -> tuple[float, float]:
    process, base = start(folder)
    latencies: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get(f"{base}/healthz")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

    try:
        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(2)
        idle = list(latencies)
        latencies.clear()
        response = httpx.post(f"{base}/sandbox/api/customer", data={"phone": "88112233", "text": "1" * 200_000},
                              timeout=30)
        intake_id = response.json()["intake_id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            messages = httpx.get(f"{base}/sandbox/api/messages?after=0", timeout=10).json()["messages"]
            if any(m["intake_id"] == intake_id and m["audience"] == "customer" for m in messages):
                break
            time.sleep(0.05)
        busy = list(latencies)
        stop.set()
        thread.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"/healthz latency: idle median {statistics.median(idle) * 1000:.1f} ms, max {max(idle) * 1000:.1f} ms "
          f"({len(idle)} calls); while reading a 200 000-digit note median {statistics.median(busy) * 1000:.1f} ms, "
          f"max {max(busy) * 1000:.1f} ms ({len(busy)} calls)")
    return max(idle), max(busy)


def main() -> int:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        _, attack = webhook_memory(Path(first))
        _, busy = healthz_latency(Path(second))
    return 0 if attack < 50 and busy < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
