"""The sandbox lets anyone act as staff, so it answers only this machine, only its own page, and never a 500."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.db import migrate
from bot.db.models import AuditEvent, Intake
from bot.db.session import make_engine
from tests.stories import ServiceProcess

HOSTILE_PAGE = "http://evil.example"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, str]]:
    """One `paybot run` on loopback with no channel configured: the sandbox."""
    folder = tmp_path_factory.mktemp("sandbox")
    url = f"sqlite:///{folder / 'paybot.db'}"
    migrate.upgrade(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(folder), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="1")
    service = ServiceProcess(env, folder)
    service.start()
    yield service, url
    service.stop()


def intake_count(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = len(session.exec(select(Intake)).all())
    engine.dispose()
    return count


def a_customer_message(service: ServiceProcess, text: str) -> int:
    response = httpx.post(f"{service.url}/sandbox/api/customer",
                          data={"phone": "88112233", "name": "Ana", "text": text}, timeout=10)
    assert response.status_code == 201, response.text
    intake_id: int = response.json()["intake_id"]
    return intake_id


def test_the_page_api_keeps_its_paths_and_fields(sandbox: tuple[ServiceProcess, str]) -> None:
    service, _ = sandbox
    response = httpx.post(f"{service.url}/sandbox/api/customer",
                          data={"phone": "88112233", "name": "Ana", "text": "Hola, ¿cómo pago?"},
                          files={"file": ("", b"", "application/octet-stream")}, timeout=10)
    assert response.status_code == 201 and isinstance(response.json()["intake_id"], int)
    deadline = time.monotonic() + 20
    messages: list[dict[str, object]] = []
    while time.monotonic() < deadline and not messages:
        messages = httpx.get(f"{service.url}/sandbox/api/messages?after=0", timeout=5).json()["messages"]
        time.sleep(0.1)
    assert messages and {"id", "audience", "kind", "text", "intake_id"} <= set(messages[0])
    action = httpx.post(f"{service.url}/sandbox/api/action", timeout=10,
                        json={"kind": "approve", "intake_id": response.json()["intake_id"], "role": "support"})
    assert action.status_code == 200 and set(action.json()) == {"ok", "message"}


def test_an_action_by_someone_who_is_not_staff_is_refused_and_audited(sandbox: tuple[ServiceProcess, str]) -> None:
    service, url = sandbox
    intake_id = a_customer_message(service, "Hola")
    response = httpx.post(f"{service.url}/sandbox/api/action", timeout=10,
                          json={"kind": "reject", "intake_id": intake_id, "role": "customer", "reason": "x"})
    assert response.status_code == 200 and response.json()["ok"] is False
    engine = make_engine(url)
    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.intake_id == intake_id)).all()
    engine.dispose()
    assert [(r.channel, r.user, r.action, r.reason) for r in refusals] == [
        ("sandbox", "customer", "reject", "not_staff")]


def test_a_form_posted_from_another_site_cannot_act_as_staff_or_customer(
    sandbox: tuple[ServiceProcess, str],
) -> None:
    service, url = sandbox
    intake_id = a_customer_message(service, "Hola")
    before = intake_count(url)

    as_plain_text = httpx.post(
        f"{service.url}/sandbox/api/action", timeout=10,
        content=f'{{"kind": "reject", "intake_id": {intake_id}, "role": "support", "reason": "x"}}',
        headers={"content-type": "text/plain", "origin": HOSTILE_PAGE})
    as_json = httpx.post(f"{service.url}/sandbox/api/action", timeout=10,
                         json={"kind": "reject", "intake_id": intake_id, "role": "support", "reason": "x"},
                         headers={"origin": HOSTILE_PAGE})
    as_customer = httpx.post(f"{service.url}/sandbox/api/customer", data={"text": "hola"}, timeout=10,
                             headers={"origin": HOSTILE_PAGE})
    fetch_metadata = httpx.post(f"{service.url}/sandbox/api/customer", data={"text": "hola"}, timeout=10,
                                headers={"sec-fetch-site": "cross-site"})

    assert [r.status_code for r in (as_plain_text, as_json, as_customer, fetch_metadata)] == [403] * 4
    assert intake_count(url) == before
    engine = make_engine(url)
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None and intake.state != "rejected"
    engine.dispose()


def test_the_action_endpoint_takes_only_json(sandbox: tuple[ServiceProcess, str]) -> None:
    service, _ = sandbox
    body = '{"kind": "approve", "intake_id": 1, "role": "support"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = httpx.post(f"{service.url}/sandbox/api/action", content=body,
                              headers={"content-type": content_type}, timeout=10)
        assert response.status_code == 415, content_type


def test_a_page_on_another_name_for_this_machine_is_refused(sandbox: tuple[ServiceProcess, str]) -> None:
    """DNS rebinding: a hostile name resolving to 127.0.0.1 is still a hostile Host."""
    service, _ = sandbox
    for path in ("/", "/sandbox/api/messages?after=0"):
        response = httpx.get(f"{service.url}{path}", headers={"host": f"evil.example:{service.port}"}, timeout=10)
        assert response.status_code == 403, path
    same_origin = httpx.get(f"{service.url}/", headers={"host": f"localhost:{service.port}"}, timeout=10)
    assert same_origin.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/sandbox/api/messages?after=abc", None),
        ("GET", "/sandbox/api/messages?after=-1", None),
        ("GET", "/sandbox/api/messages?after=99999999999999999999999999", None),
        ("GET", "/sandbox/api/messages?after=1e3", None),
        ("GET", "/sandbox/media/99999999999999999999999999", None),
        ("POST", "/sandbox/api/action", '{"kind": "approve", "intake_id": 99999999999999999999999999}'),
        ("POST", "/sandbox/api/action", '{"kind": "approve", "intake_id": "abc"}'),
        ("POST", "/sandbox/api/action", '{"kind": "approve", "intake_id": 1.5}'),
        ("POST", "/sandbox/api/action", '{"kind": "nonsense", "intake_id": 1}'),
        ("POST", "/sandbox/api/action", '{"kind": "approve"'),
        ("POST", "/sandbox/api/action", "[1, 2]"),
    ],
)
def test_bad_parameters_are_the_clients_error_never_a_500(
    sandbox: tuple[ServiceProcess, str], method: str, path: str, body: str | None
) -> None:
    service, _ = sandbox
    response = httpx.request(method, f"{service.url}{path}", content=body, timeout=10,
                             headers={"content-type": "application/json"} if body else {})
    assert response.status_code == 400, response.text


def endless_upload(total: int) -> Iterator[bytes]:
    yield (b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="r.png"\r\n'
           b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n")
    chunk = b"\x00" * (1024 * 1024)
    for _ in range(total // len(chunk)):
        yield chunk


def test_an_upload_past_the_size_limit_is_cut_off_whether_declared_or_streamed(
    sandbox: tuple[ServiceProcess, str],
) -> None:
    service, url = sandbox
    before = intake_count(url)
    multipart = {"content-type": "multipart/form-data; boundary=b0undary"}
    outcomes = []
    for headers in ({**multipart, "content-length": str(40 * 1024 * 1024)}, multipart):
        try:
            outcomes.append(httpx.post(f"{service.url}/sandbox/api/customer", content=endless_upload(40 * 1024 * 1024),
                                       headers=headers, timeout=30).status_code)
        except httpx.TransportError:
            outcomes.append(0)  # answered 413 and closed while the upload was still going
    assert all(status in (413, 0) for status in outcomes) and 413 in outcomes, outcomes
    assert intake_count(url) == before
    assert httpx.get(f"{service.url}/healthz", timeout=5).status_code == 200


def test_run_refuses_to_serve_the_sandbox_on_every_interface(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'paybot.db'}", PAYBOT_DATA_DIR=str(tmp_path),
               PAYBOT_HOST="0.0.0.0")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--port", "1"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "sandbox" in result.stderr and "0.0.0.0" in result.stderr and "127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_phone_that_is_not_a_number_is_refused_instead_of_playing_the_demo_customer(
    sandbox: tuple[ServiceProcess, str],
) -> None:
    service, url = sandbox
    before = intake_count(url)
    response = httpx.post(f"{service.url}/sandbox/api/customer",
                          data={"phone": "mi casa", "name": "Ana", "text": "Hola"}, timeout=10)
    assert response.status_code == 400 and "no es un número de teléfono" in response.json()["error"]
    assert intake_count(url) == before


def test_a_malformed_upload_gets_a_spanish_answer_and_stores_nothing(sandbox: tuple[ServiceProcess, str]) -> None:
    service, url = sandbox
    before = intake_count(url)
    no_boundary = httpx.post(f"{service.url}/sandbox/api/customer", content=b"--x\r\n\r\nhola",
                             headers={"content-type": "multipart/form-data"}, timeout=10)
    two_files = httpx.post(f"{service.url}/sandbox/api/customer", data={"phone": "88112233"}, timeout=10,
                           files=[("file", ("a.png", b"a", "image/png")), ("file", ("b.png", b"b", "image/png"))])
    for response in (no_boundary, two_files):
        assert response.status_code == 400 and "formulario válido" in response.json()["error"], response.text
    assert intake_count(url) == before
