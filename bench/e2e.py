"""End to end: receipts posted by concurrent senders to a running paybot, against plain tesseract on the same cores.

One run measures, on the same generated receipts (held out: seeds no test uses; a quarter photographed):

- the floor: plain `tesseract IMAGE - -l spa` (OMP_THREAD_LIMIT=1) over every image, as many at a time as the
  service has readers, at the readers' CPU priority (`nice -n 10`, as the pool runs them), so both compete
  alike with whatever else the machine runs;
- for each installation and each pace: the receipts are posted to the sandbox's upload endpoint by `--senders`
  concurrent connections (many customers, a few receipts each), either all at once (`burst`: the readers are
  saturated from the first second and end to end is the readers' throughput) or at 1.15x the floor's pace
  (`paced`: posts go on for the whole run while the readers work, so end to end cannot be shorter than the
  posting, about 0.87x the floor); acknowledgement = each upload's HTTP response time (the receipt is stored and
  the customer's acknowledgement queued when it answers): p50, p99, max; end to end = first post to the last
  support card delivered, as receipts per minute and as a ratio to the floor's time;
- installations: SQLite with one `paybot run` (role all: since 28 November 2026 a web process with its worker
  and scheduler as child processes); PostgreSQL with a web process and 1 worker process (all cores' readers in
  it); PostgreSQL with a web process and 2 worker processes (half the readers each); both PostgreSQL runs have
  a scheduler process too. Not run by default: `sqlite1`, SQLite with a web, a worker and a scheduler process
  started separately (the roles of pg1 on one SQLite file); `sqlite0`, `paybot run` as one process
  (PAYBOT_SINGLE_PROCESS, as role all ran before).

With `--trace`, each run also says where the time of its slow acknowledgements went: the phases the service
reports in each answer's `Server-Timing` (headers: first bytes to the app; received: body and form until the
message is handed to the core; queued: waiting for the storing thread; media: files written and synced;
insert: waiting for the write turn (a background transaction in progress) and writing the intakes; commit:
the rest of the rows, and the commit; resumed: back on the event loop; answer: the response started), the rest of the
client's time (connecting, the event loop not yet reading the request, sending the answer, the client's
own threads), per thread of the web process, its CPU time and the time it was runnable but waiting for
a core (the kernel's schedstat) while posting, and the CPU each part (web, worker, scheduler, readers) used per
receipt from the first post to the last card, beside plain tesseract's per receipt in the floor.

Usage: python bench/e2e.py [--count 200] [--senders 8] [--runs sqlite,pg1,pg2] [--paces burst,paced] [--trace]
                           [--client socket|httpx] [--floor SECONDS]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import text
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.session import make_engine
from bot.ocr.pool import NICENESS
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.ocr.receipts import generate
from tests.processes import Service, clean_env, paybot

REPO = Path(__file__).resolve().parent.parent
SEED = 91_000
PHONES = 50
"""Distinct customers: each sends a few receipts, below the flood limit, as on a busy day."""


@dataclass
class Result:
    name: str
    acks: list[float]
    elapsed: float
    cards: int
    load: tuple[float, float]
    phases: list[dict[str, float]] = field(default_factory=list)
    threads: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    client_cpu: float = 0.0
    processes: dict[str, float] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)


def server_phases(header: str) -> dict[str, float]:
    """`Server-Timing` as {phase: seconds}."""
    phases = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";")
        found = re.search(r"dur=([\d.]+)", rest)
        if found:
            phases[name] = phases.get(name, 0.0) + float(found.group(1)) / 1000
    return phases


def thread_times(pid: int) -> dict[str, tuple[float, float, int]]:
    """{thread: (seconds on a core, seconds runnable waiting for one, time slices)} of process `pid`; threads
    of the same name summed, the main thread (the event loop) as `loop`."""
    times: dict[str, tuple[float, float, int]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = "loop" if task.name == str(pid) else (task / "comm").read_text().strip()
            ran, waited, slices = (int(value) for value in (task / "schedstat").read_text().split())
        except (OSError, ValueError):
            continue
        before = times.get(name, (0.0, 0.0, 0))
        times[name] = (before[0] + ran / 1e9, before[1] + waited / 1e9, before[2] + slices)
    return times


def thread_delta(after: dict[str, tuple[float, float, int]],
                 before: dict[str, tuple[float, float, int]]) -> dict[str, tuple[float, float, int]]:
    return {name: (ran - before.get(name, (0, 0, 0))[0], waited - before.get(name, (0, 0, 0))[1],
                   slices - before.get(name, (0, 0, 0))[2]) for name, (ran, waited, slices) in after.items()}


def process_times(leaders: list[int]) -> dict[int, tuple[str, float]]:
    """{pid: (part, seconds of CPU)} of every process in the process groups of `leaders` (each `paybot run`
    started in a group of its own): part is readers, or the `--role` of the command (run: none given)."""
    found = {}
    groups = set(leaders)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[2]) not in groups:
            continue
        if b"bot.ocr.worker" in command:
            part = "readers"
        elif b"--role" in command:
            part = command[command.index(b"--role") + 1].decode()
        else:
            part = "run"
        found[int(entry.name)] = (part, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return found


def process_delta(after: dict[int, tuple[str, float]], before: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per part between two `process_times` (a process started in between counts from zero)."""
    parts: dict[str, float] = {}
    for pid, (part, seconds) in after.items():
        parts[part] = parts.get(part, 0.0) + seconds - before.get(pid, (part, 0.0))[1]
    return parts


PHASES = ("headers", "received", "queued", "media", "insert", "commit", "resumed", "answer")


def trace_lines(result: Result) -> list[str]:
    """Where the acknowledgements' time went: mean per phase over all, the slowest 10% and the slowest 2%."""
    lines = []
    pairs = sorted(zip(result.acks, result.phases, strict=True), key=lambda pair: pair[0])
    for label, share in (("all", 1.0), ("slowest 10%", 0.10), ("slowest 2%", 0.02)):
        chosen = pairs[-max(1, round(share * len(pairs))):]
        mean = {phase: statistics.fmean(p.get(phase, 0.0) for _, p in chosen) for phase in PHASES}
        total = statistics.fmean(ack for ack, _ in chosen)
        server = sum(mean.values())
        lines.append(f"  {label} ({len(chosen)}): client {1000 * total:.1f} ms = "
                     + " + ".join(f"{phase} {1000 * mean[phase]:.1f}" for phase in PHASES)
                     + f" + outside the app {1000 * (total - server):.1f}")
    posted = len(result.acks)
    if result.order:
        slowest = sorted(zip(result.acks, result.order, strict=True))[-max(1, round(0.02 * posted)):]
        lines.append("  slowest 2% were posts number " + ", ".join(str(number) for _, number in reversed(slowest)))
    lines.append(f"  the posting client (one process, its senders' threads): "
                 f"{1000 * result.client_cpu / posted:.2f} ms CPU per upload")
    if result.processes:
        lines.append("  CPU per receipt from the first post to the last card: " + ", ".join(
            f"{part} {1000 * seconds / posted:.1f} ms" for part, seconds in sorted(result.processes.items(),
                                                                               key=lambda item: -item[1]))
            + f" (all {1000 * sum(result.processes.values()) / posted:.1f} ms)")
    for name, (ran, waited, slices) in sorted(result.threads.items(), key=lambda item: -item[1][0]):
        if ran > 0.005:
            lines.append(f"  thread {name}: {1000 * ran / posted:.2f} ms CPU and {1000 * waited / posted:.2f} ms "
                         f"waiting for a core per upload ({slices} slices)")
    return lines


def floor_seconds(paths: list[Path], parallel: int) -> tuple[float, float]:
    """Wall time and CPU seconds of plain tesseract over every image, `parallel` at a time, at the readers'
    priority."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def read(path: Path) -> None:
        subprocess.run(["nice", "-n", str(NICENESS), "tesseract", str(path), "-", "-l", "spa"], check=True,
                       capture_output=True, env=env)

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(read, paths))
    wall = time.perf_counter() - started
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
PUBLIC_URL = "https://paybot.example.com"
OUR_NUMBER = "whatsapp:+50640001000"
SUPPORT_NUMBER = "+50670000001"
TEMPLATE_SID = "HX" + "1" * 32


def phone(number: int) -> str:
    return f"8{7000000 + number % PHONES}"


def webhook_request(host: str, number: int, media_url: str, content_type: str) -> bytes:
    """The whole HTTP request of one WhatsApp message as Twilio posts it: a signed form whose MediaUrl0 the
    bot downloads with our credentials (from the fake Twilio on loopback)."""
    sid = f"SM{number:032x}"
    params = {"SmsMessageSid": sid, "MessageSid": sid, "AccountSid": ACCOUNT_SID,
              "From": f"whatsapp:+506{phone(number)}", "To": OUR_NUMBER, "Body": "", "NumMedia": "1",
              "ProfileName": f"Cliente {number % PHONES}",
              "WaId": f"506{phone(number)}", "SmsStatus": "received", "NumSegments": "1", "ApiVersion": "2010-04-01",
              "MediaUrl0": media_url, "MediaContentType0": content_type}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}/webhooks/whatsapp", params)
    body = urlencode(params).encode()
    return (f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: {signature}\r\n\r\n").encode() \
        + body


def content_type_of(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def upload_request(host: str, number: int, data: bytes) -> bytes:
    """The whole HTTP request of one upload (multipart form: the customer's phone and the file), made before
    posting so that sending it costs the client one write."""
    boundary = f"paybot-bench-{number}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"phone\"\r\n\r\n"
            f"{phone(number)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"r{number}.img\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode() \
        + data + f"\r\n--{boundary}--\r\n".encode()
    return (f"POST /sandbox/api/customer HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode() + body


IDLE_SECONDS = 4.0
"""A sender's connection unused this long is opened again before its next post (uvicorn closes connections
idle for 5 s; a post racing that close would be lost, as with any HTTP client's pool)."""


def answer_of(sock: socket.socket, pending: bytearray) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response (with Content-Length) from a kept-alive connection."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the service closed the connection")
        pending += chunk
    head, _, rest = bytes(pending).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the service closed the connection")
        rest += chunk
    pending[:] = rest[length:]
    return int(status_line.split()[1]), headers, rest[:length]


def post_all(url: str, images: list[bytes], senders: int, pace: float,
             phases: list[dict[str, float]] | None = None, client: str = "socket",
             media_urls: list[str] | None = None, order: list[int] | None = None) -> tuple[list[float], float]:
    """Post every image (one customer per few images) from `senders` kept-alive connections, one every `pace`
    seconds overall; the upload response times and the time of the first post (each answer's server phases
    added to `phases`, in the order of the times). Each request is built before posting and read back with
    a few socket calls, so the client's own CPU (an HTTP library's costs several ms per upload on 2 cores
    shared with the service) does not take the cores the acknowledgements are measured on; `client="httpx"`
    posts with httpx instead (as this bench did before 28 November 2026). With `media_urls`, each receipt is a
    signed WhatsApp webhook whose file is at its URL instead of an upload; `order` gets each answer's post number
    (0: the first posted), in the order of the times."""
    acks: list[float] = []
    lock = threading.Lock()
    host, port = url.removeprefix("http://").split(":")
    if media_urls is None:
        requests = [upload_request(f"{host}:{port}", number, data) for number, data in enumerate(images)]
        expected = 201
    else:
        requests = [webhook_request(f"{host}:{port}", number, media_url, content_type_of(data))
                    for number, (data, media_url) in enumerate(zip(images, media_urls, strict=True))]
        expected = 200
    start = time.perf_counter() + 0.5
    queue = list(enumerate(requests))

    def turns() -> Iterator[tuple[int, bytes]]:
        """This sender's share of the queue, each at its time."""
        while True:
            with lock:
                if not queue:
                    return
                number, request = queue.pop(0)
            wait = start + number * pace - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            yield number, request

    def record(number: int, took: float, headers: Mapping[str, str]) -> None:
        with lock:
            acks.append(took)
            if order is not None:
                order.append(number)
            if phases is not None:
                phases.append(server_phases(headers.get("server-timing", "")))

    def httpx_sender() -> None:
        with httpx.Client(base_url=url, timeout=60) as session:
            for number, _ in turns():
                began = time.perf_counter()
                answer = session.post("/sandbox/api/customer", data={"phone": phone(number)},
                                      files={"file": (f"r{number}.img", images[number], "application/octet-stream")})
                took = time.perf_counter() - began
                assert answer.status_code == 201, answer.text
                record(number, took, answer.headers)

    def connect() -> socket.socket:
        sock = socket.create_connection((host, int(port)), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def sender() -> None:
        """Posts on one kept-alive connection, opened again (untimed) after IDLE_SECONDS without a post, as an
        HTTP client's pool does, since the service closes connections idle for 5 s."""
        sock, pending, last = connect(), bytearray(), time.perf_counter()
        try:
            for number, request in turns():
                if time.perf_counter() - last > IDLE_SECONDS:
                    sock.close()
                    sock, pending = connect(), bytearray()
                began = time.perf_counter()
                sock.sendall(request)
                status, headers, body = answer_of(sock, pending)
                last = time.perf_counter()
                assert status == expected, body
                record(number, last - began, headers)
        finally:
            sock.close()

    if client == "httpx" and media_urls is not None:
        raise ValueError("the httpx client posts uploads only")
    threads = [threading.Thread(target=httpx_sender if client == "httpx" else sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks, start


def wait_for_cards(database_url: str, count: int, started: float, limit: float) -> tuple[float, int]:
    """Seconds from `started` until `count` support cards were delivered (or `limit` passed)."""
    engine = make_engine(database_url)
    try:
        while True:
            with engine.connect() as connection:
                cards = int(connection.execute(text(
                    "SELECT count(*) FROM outboxmessage WHERE kind = 'support_card' AND state = 'sent'")).scalar() or 0)
            now = time.perf_counter()
            if cards >= count or now - started > limit:
                return now - started, cards
            time.sleep(0.05)
    finally:
        engine.dispose()


def wait_for_heartbeats(url: str, limit: float = 120) -> None:
    """Until the worker, the outbox and the scheduler have started (wherever they run: child processes of
    `paybot run` start after its web part answers)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        beats = httpx.get(f"{url}/healthz", timeout=10).json().get("heartbeats", {})
        if all(beats.get(part) for part in ("worker", "outbox", "scheduler")):
            return
        time.sleep(0.2)
    raise RuntimeError("the worker, outbox or scheduler did not start")


@contextmanager
def installation(kind: str, folder: Path, readers: int,
                 channel: Mapping[str, str] | None = None) -> Iterator[tuple[str, str, list[int]]]:
    """(upload URL, database URL, process ids: the web one first) of a running installation of `kind`: sqlite,
    sqlite1 (SQLite with a web, a worker and a scheduler process), pg1 or pg2; `channel`: settings of its chat
    channel (none: the sandbox)."""
    with ExitStack() as stack:
        if kind.startswith("sqlite"):
            database = f"sqlite:///{folder / 'paybot.db'}"
        else:
            from tests.postgres import postgres_server

            database = stack.enter_context(postgres_server())
        env = clean_env(database_url=database, data_dir=str(folder), log_level="WARNING", **(channel or {}))
        setup = paybot("db", "seed", "--customers", str(REPO / "data" / "customers.csv"), "--contracts",
                       str(REPO / "data" / "contracts.csv"), env=env, cwd=folder)
        assert setup.returncode == 0, setup.stderr
        services: list[Service] = []
        if kind in ("sqlite", "sqlite0"):
            single = "true" if kind == "sqlite0" else "false"
            services.append(Service(dict(env, PAYBOT_OCR_WORKERS=str(readers), PAYBOT_SINGLE_PROCESS=single), folder,
                                    "--no-migrate"))
        else:
            services.append(Service(env, folder, "--role", "web", "--no-migrate"))
            processes = 2 if kind == "pg2" else 1
            for _ in range(processes):
                services.append(Service(dict(env, PAYBOT_OCR_WORKERS=str(max(1, readers // processes))), folder,
                                        "--role", "worker", "--no-migrate"))
            services.append(Service(env, folder, "--role", "scheduler", "--no-migrate"))
        for service in services:
            service.start(wait=False)
            stack.callback(service.stop)
        for service in services:
            service.wait_healthy()
        wait_for_heartbeats(services[0].url)
        time.sleep(3)  # the readers load their models
        yield services[0].url, database, [service.pid for service in services]


@contextmanager
def fake_twilio(images: list[bytes]) -> Iterator[tuple[FakeTwilio, list[str]]]:
    """A fake of Twilio's REST API and media host on loopback serving every image (as MediaUrl0 of a message),
    and the channel settings of an installation that talks to it (support on WhatsApp, so staff cards too)."""
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    try:
        yield fake, [fake.serve_media(f"r{number}", data, content_type_of(data)) for number, data in enumerate(images)]
    finally:
        fake.stop()


def whatsapp_settings(fake: FakeTwilio) -> dict[str, str]:
    return {"public_url": PUBLIC_URL, "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN,
            "twilio_whatsapp_from": OUR_NUMBER, "twilio_api_base": fake.base_url, "twilio_media_hosts": "127.0.0.1",
            "twilio_template_sid": TEMPLATE_SID, "whatsapp_support_numbers": SUPPORT_NUMBER,
            "whatsapp_accounting_numbers": SUPPORT_NUMBER, "out_of_hours_reply": "false"}


def run(kind: str, images: list[bytes], senders: int, pace: float, readers: int, trace: bool = False,
        client: str = "socket", via: str = "sandbox") -> Result:
    folder = Path(tempfile.mkdtemp(prefix=f"paybot-e2e-{kind}-"))
    try:
        with ExitStack() as stack:
            media_urls: list[str] | None = None
            channel: dict[str, str] = {}
            if via == "whatsapp":
                fake, media_urls = stack.enter_context(fake_twilio(images))
                channel = whatsapp_settings(fake)
            url, database, leaders = stack.enter_context(installation(kind, folder, readers, channel))
            web = leaders[0]
            if via == "whatsapp":
                fake.proxies[PUBLIC_URL] = url
            load_before = os.getloadavg()[0]
            phases: list[dict[str, float]] = []
            threads_before, client_before = thread_times(web), time.process_time()
            processes_before = process_times(leaders)
            order: list[int] = []
            acks, started = post_all(url, images, senders, pace, phases, client, media_urls, order)
            if len(acks) < len(images):
                raise RuntimeError(f"only {len(acks)} of {len(images)} posts were answered (see the senders' errors)")
            threads, client_cpu = thread_delta(thread_times(web), threads_before), time.process_time() - client_before
            elapsed, cards = wait_for_cards(database, len(images), started, limit=20 * 60)
            processes = process_delta(process_times(leaders), processes_before)
            return Result(f"{kind} {via}", acks, elapsed, cards, (load_before, os.getloadavg()[0]),
                          phases if trace else [], threads if trace else {}, client_cpu,
                          processes if trace else {}, order)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--runs", default="sqlite,pg1,pg2")
    parser.add_argument("--paces", default="burst,paced")
    parser.add_argument("--trace", action="store_true", help="say where the slow acknowledgements' time went")
    parser.add_argument("--client", choices=("socket", "httpx"), default="socket",
                        help="post with prepared requests on plain sockets (default) or with httpx")
    parser.add_argument("--via", default="sandbox",
                        help="how receipts come in, comma-separated: sandbox (uploads with the image) and/or "
                             "whatsapp (signed Twilio webhooks; the bot downloads each image from a fake Twilio)")
    parser.add_argument("--floor", type=float, help="the floor's seconds from an earlier run (not measured again)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    receipts = [generate(SEED + i, photographed=i % 4 == 3) for i in range(args.count)]
    images = [r.data for r in receipts]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, data in enumerate(images):
            path = Path(folder) / f"r{number}.img"
            path.write_bytes(data)
            paths.append(path)
        print(f"{args.count} receipts ({sum(r.photographed for r in receipts)} photographed), {args.senders} senders, "
              f"{cores} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
        floor, floor_cpu = (args.floor, 0.0) if args.floor else floor_seconds(paths, cores)
    print(f"floor: plain tesseract, {cores} at a time, nice {NICENESS}: {floor:.1f} s "
          f"({60 * args.count / floor:.0f} receipts/min"
          + (f", {1000 * floor_cpu / args.count:.0f} ms CPU per receipt)" if floor_cpu else ")"), flush=True)
    paces = {"burst": 0.0, "paced": floor / args.count / 1.15}
    for kind in args.runs.split(","):
        for pace_name, via in ((pace, via) for pace in args.paces.split(",") for via in args.via.split(",")):
            result = run(kind, images, args.senders, paces[pace_name], cores, args.trace, args.client, via)
            print(f"{result.name} {pace_name}: support cards {result.cards}/{args.count} after {result.elapsed:.1f} s "
                  f"({60 * result.cards / result.elapsed:.0f} receipts/min, {result.elapsed / floor:.2f}x the floor); "
                  f"acknowledgement p50 {1000 * statistics.median(result.acks):.0f} ms, "
                  f"p99 {1000 * percentile(result.acks, 0.99):.0f} ms, max {1000 * max(result.acks):.0f} ms; "
                  f"load average {result.load[0]:.1f} -> {result.load[1]:.1f}", flush=True)
            if args.trace:
                print("\n".join(trace_lines(result)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
