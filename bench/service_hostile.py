"""Benchmark: what hostile requests cost the running service, against ordinary ones in the same run (issue 8).

1. WhatsApp webhook, peak memory (VmHWM) of the `paybot run` process: growth after 20 ordinary signed
   messages (baseline), then after the issue's attack (600 fields of 900 KB, declared and streamed,
   unsigned and forged).
2. Sandbox, /healthz latency: while idle (baseline), then while the service reads a 200 000-digit note.
3. The red-team probes of signed WhatsApp webhooks: a media host that stalls, one that trickles a byte every
   half second, a NumMedia of 100 000, NUL and escape characters in Body and ProfileName. Each webhook must be
   answered within Twilio's 15 s and its message stored (at most ten intakes for the NumMedia lie).
4. The red-team probes of the CLI: careless operator files (UTF-16 with tabs, a workbook given as CSV, an
   endless cell, an unclosed quote, a 20-digit amount, a 1e30 typed amount, a 600 KB XLSX bomb); each must end
   with a Spanish reason, never a traceback, within 30 s.
5. A slowloris: 300 connections trickling header lines are each closed after the header deadline, while
   /healthz and an honest upload are served.
6. A connection flood: 12 000 idle connections opened as fast as one client can, against a cap of 500
   (PAYBOT_MAX_CONNECTIONS), while an honest client posts an upload every 0.2 s on a kept-alive connection:
   every upload stored, and the service never holds more descriptors than the cap and two accept batches.

Run: `.venv/bin/python bench/service_hostile.py`. Prints figures; exits 1 when the attack costs more than
50 MB, stalls /healthz past 1 s, or a probe of 3 to 6 fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
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


TWILIO_PATIENCE = 15.0
PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


class MediaHost:
    """Twilio's REST API and media host as a hostile sender would make it: `/stall` never starts answering,
    `/drip` sends a byte every half second, `/ok` a tiny PNG; every message posted to the API is accepted."""

    def __init__(self) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse, Response, StreamingResponse
        from starlette.routing import Route

        async def stall(_: object) -> Response:
            await asyncio.sleep(3600)
            return Response(b"")

        async def drip(_: object) -> Response:
            async def body() -> AsyncIterator[bytes]:
                for byte in PNG_1X1 * 100:
                    yield bytes([byte])
                    await asyncio.sleep(0.5)
            return StreamingResponse(body(), media_type="image/png")

        async def ok(_: object) -> Response:
            return Response(PNG_1X1, media_type="image/png")

        async def message(_: object) -> Response:
            return JSONResponse({"sid": "SM" + "0" * 32, "status": "queued"}, status_code=201)

        app = Starlette(routes=[Route("/m/stall", stall), Route("/m/drip", drip), Route("/m/ok", ok),
                                Route("/2010-04-01/Accounts/{account}/Messages.json", message, methods=["POST"])])
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, port=self.port, log_level="error", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def whatsapp_probes(folder: Path) -> bool:
    """Signed webhooks a hostile or broken sender could make; True when each is answered in time and stored."""
    import sqlite3

    ok = True
    with MediaHost() as host:
        process, base = start(folder, PAYBOT_TWILIO_ACCOUNT_SID="AC" + "0" * 32, PAYBOT_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                              PAYBOT_TWILIO_WHATSAPP_FROM="whatsapp:+50640001000", PAYBOT_PUBLIC_URL=PUBLIC_URL,
                              PAYBOT_TWILIO_API_BASE=host, PAYBOT_TWILIO_MEDIA_HOSTS="127.0.0.1")
        validator = RequestValidator(AUTH_TOKEN)
        probes = [
            ("media host that stalls", {"NumMedia": "1", "MediaUrl0": f"{host}/m/stall"}, 1),
            ("media host that trickles", {"NumMedia": "1", "MediaUrl0": f"{host}/m/drip"}, 1),
            ("NumMedia 100000, one MediaUrl", {"NumMedia": "100000", "MediaUrl0": f"{host}/m/ok"}, 10),
            ("NUL and ESC in Body, ProfileName", {"NumMedia": "0", "Body": "hola\x00 pagué\x1b[2J",
                                                 "ProfileName": "Ana\x00"}, 1),
        ]
        try:
            print("\nWhatsApp probes (signed webhooks)")
            print(f"{'probe':36} {'answer':>7} {'seconds':>8} {'intakes':>8}")
            for number, (label, fields, expected) in enumerate(probes):
                sid = f"SM{number:032d}"
                params = {"MessageSid": sid, "From": f"whatsapp:+5068800{number:04d}", "Body": "comprobante",
                          **fields}
                signature = validator.compute_signature(f"{PUBLIC_URL}/webhooks/whatsapp", params)
                started = time.monotonic()
                try:
                    status = httpx.post(f"{base}/webhooks/whatsapp", data=params, timeout=60,
                                        headers={"X-Twilio-Signature": signature}).status_code
                except httpx.TimeoutException:
                    status = 0
                seconds = time.monotonic() - started
                time.sleep(1)
                with sqlite3.connect(folder / "paybot.db") as db:
                    stored = db.execute("SELECT count(*) FROM intake WHERE external_id LIKE ?",
                                        (f"{sid}%",)).fetchone()[0]
                passed = status == 200 and seconds < TWILIO_PATIENCE and stored == expected
                ok = ok and passed
                print(f"{label:36} {status:>7} {seconds:>8.1f} {stored:>8}  {'ok' if passed else 'FAILED'}")
        finally:
            process.terminate()
            process.wait(timeout=30)
    return ok


def cli_probes(folder: Path) -> bool:
    """Careless operator files and numbers through the real commands; True when each ends with a Spanish reason."""
    import io
    import zipfile

    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=f"sqlite:///{folder / 'paybot.db'}", PAYBOT_DATA_DIR=str(folder))
    migrate.upgrade(env["PAYBOT_DATABASE_URL"])
    header = ("ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,Celular_1,"
              "Celular_2,Correo,Correo2")
    row = "2001,Cédula física,111111111,Pedro,Pérez,506,88887777,,pedro@example.cr,"
    files = {
        "utf16.txt": f"{header}\n{row}\n".replace(",", "\t").encode("utf-16"),
        "libro.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,
        "celda.csv": f"{header}\n2002,Cédula física,2,{'A' * 200_000},X,506,88886666,,b@example.cr,\n".encode(),
        "comillas.csv": f'{header}\n{row}\n2003,Cédula física,3,"Pérez,X,506,88885555,,c@example.cr,\n'.encode(),
    }
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/sheet.xml", "w") as part:
        for _ in range(300):
            part.write(b"A" * 2**20)
    files["bomba.xlsx"] = bomb.getvalue()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    probes = [
        ("customers: UTF-16 with tabs", ["import", "customers", "utf16.txt"], 0, "1 creadas"),
        ("customers: an Excel 97 .xls", ["import", "customers", "libro.xls"], 1, "libro de Excel"),
        ("customers: a 200 000-character cell", ["import", "customers", "celda.csv"], 1, "fila 2: una celda"),
        ("customers: an unclosed quote", ["import", "customers", "comillas.csv"], 1, "fila 3: unas comillas"),
        ("payments record --amount 1e30", ["payments", "record", "2001", "--method", "efectivo", "--date",
                                           "2026-11-27", "--amount", "1e30"], 2, "demasiado grande"),
        ("bank import: 300 MB XLSX bomb", ["bank", "import", "--bank", "POPULAR", "bomba.xlsx"], 1,
         "se descomprime a 300 MB"),
    ]
    ok = True
    print("\nCLI probes (careless operator files)")
    print(f"{'probe':38} {'exit':>4} {'seconds':>8}")
    for label, args, code, words in probes:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=folder, capture_output=True,
                              text=True, timeout=120)
        seconds = time.monotonic() - started
        said = done.stdout + done.stderr
        passed = done.returncode == code and words in said and "Traceback" not in said and seconds < 30
        ok = ok and passed
        print(f"{label:38} {done.returncode:>4} {seconds:>8.1f}  {'ok' if passed else 'FAILED: ' + said[-200:]}")
    return ok


def stop(process: subprocess.Popen[bytes], socks: list[socket.socket]) -> None:
    """Close the attacker's connections and stop the service."""
    for sock in socks:
        sock.close()
    process.terminate()
    process.wait(timeout=30)


SLOW_CLIENTS = 300
HEADER_SECONDS = 2


def slow_clients(folder: Path) -> bool:
    """A slowloris: SLOW_CLIENTS connections trickle header lines; each must be closed by the service soon
    after PAYBOT_REQUEST_HEADER_SECONDS while /healthz and an honest upload are served."""
    process, base = start(folder, PAYBOT_REQUEST_HEADER_SECONDS=str(HEADER_SECONDS))
    host, port = base.removeprefix("http://").split(":")
    socks: list[socket.socket] = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"POST /sandbox/api/customer HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sock.setblocking(False)
            socks.append(sock)
        started = time.monotonic()
        healthz = httpx.get(f"{base}/healthz", timeout=10).elapsed.total_seconds()
        honest = httpx.post(f"{base}/sandbox/api/customer", data={"phone": "88112233", "text": "hola"}, timeout=30)
        open_ones = set(range(len(socks)))
        closed_after: list[float] = []
        while open_ones and time.monotonic() - started < HEADER_SECONDS * 10:
            for index in list(open_ones):
                try:
                    if socks[index].recv(4096) == b"":
                        raise ConnectionResetError
                    socks[index].sendall(b"X-Slow: 1\r\n")
                except BlockingIOError:
                    with contextlib.suppress(OSError):
                        socks[index].sendall(b"X-Slow: 1\r\n")
                except OSError:
                    open_ones.discard(index)
                    closed_after.append(time.monotonic() - started)
            time.sleep(0.2)
    finally:
        stop(process, socks)
    print(f"\nslowloris: {SLOW_CLIENTS} connections trickling headers, deadline {HEADER_SECONDS} s: "
          f"{len(closed_after)} closed by the service (last after {max(closed_after, default=0):.1f} s), "
          f"{len(open_ones)} still open; meanwhile /healthz in {healthz * 1000:.0f} ms and an honest upload "
          f"{honest.status_code}")
    return not open_ones and honest.status_code == 201


FLOOD_CONNECTIONS = 12_000
FLOOD_CAP = 500
ACCEPT_BATCH = 2048
"""uvicorn's listen backlog at this machine's file limit: connections one turn of the loop may accept."""


def connection_flood(folder: Path) -> bool:
    """Idle connections opened faster than any deadline closes them must not exhaust the service's file
    descriptors (it needs them to store receipts): honest uploads posted meanwhile are all stored."""
    process, base = start(folder, PAYBOT_MAX_CONNECTIONS=str(FLOOD_CAP))
    host, port = base.removeprefix("http://").split(":")
    statuses: list[int] = []
    seconds: list[float] = []
    descriptors: list[int] = []
    flooding = threading.Event()
    flooding.set()

    def honest() -> None:
        with httpx.Client(timeout=30) as client:
            while flooding.is_set():
                started = time.monotonic()
                try:
                    answer = client.post(f"{base}/sandbox/api/customer",
                                         data={"phone": "88112233", "text": f"pago {len(statuses)}"})
                    statuses.append(answer.status_code)
                except httpx.HTTPError as error:
                    print("honest upload failed:", repr(error), time.monotonic() - started)
                    statuses.append(0)
                seconds.append(time.monotonic() - started)
                descriptors.append(len(os.listdir(f"/proc/{process.pid}/fd")))
                time.sleep(0.2)

    poster = threading.Thread(target=honest)
    socks: list[socket.socket] = []
    refused = 0
    try:
        poster.start()
        for _ in range(FLOOD_CONNECTIONS):
            try:
                socks.append(socket.create_connection((host, int(port)), timeout=5))
            except OSError:
                refused += 1
        time.sleep(1)
    finally:
        flooding.clear()
        poster.join(timeout=60)
        stop(process, socks)
    print(f"\nconnection flood: {len(socks)} idle connections opened ({refused} refused), cap {FLOOD_CAP}: "
          f"{statuses.count(201)} of {len(statuses)} honest uploads stored {sorted(set(statuses))}, slowest "
          f"{max(seconds, default=0) * 1000:.0f} ms; the service held at most {max(descriptors, default=0)} "
          "file descriptors")
    stored = bool(statuses) and all(status == 201 for status in statuses)
    return stored and max(descriptors) < FLOOD_CAP + 2 * ACCEPT_BATCH


def main() -> int:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        _, attack = webhook_memory(Path(first))
        _, busy = healthz_latency(Path(second))
    with tempfile.TemporaryDirectory() as third, tempfile.TemporaryDirectory() as fourth:
        whatsapp_ok = whatsapp_probes(Path(third))
        cli_ok = cli_probes(Path(fourth))
    with tempfile.TemporaryDirectory() as fifth:
        slow_ok = slow_clients(Path(fifth))
    with tempfile.TemporaryDirectory() as sixth:
        flood_ok = connection_flood(Path(sixth))
    return 0 if attack < 50 and busy < 1.0 and whatsapp_ok and cli_ok and slow_ok and flood_ok else 1


if __name__ == "__main__":
    sys.exit(main())
