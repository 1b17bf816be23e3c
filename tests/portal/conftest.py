"""What the portal's tests share: `paybot run` on loopback with the demo customers, staff with portal logins
written straight into its database, and a browser-less client that logs in the way the form does."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.db import migrate
from bot.db.models import StaffMember
from bot.db.session import make_engine
from bot.portal.passwords import hash_password
from tests.processes import free_port
from tests.stories import ServiceProcess, load_demo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Portal:
    """A running service and the database URL behind it."""

    service: ServiceProcess
    url: str
    folder: Path
    clients: list[PortalClient] = field(default_factory=list)

    def add_staff(self, name: str, role: str, login: str, password: str) -> int:
        engine = make_engine(self.url)
        with Session(engine) as session:
            member = StaffMember(name=name, role=role, login=login, password_hash=hash_password(password))
            session.add(member)
            session.commit()
            staff_id = member.id
        engine.dispose()
        assert staff_id is not None
        return staff_id

    def client(self) -> PortalClient:
        """A new browser-less visitor, closed after the test."""
        client = PortalClient(self.service.url)
        self.clients.append(client)
        return client

    def close_clients(self) -> None:
        while self.clients:
            self.clients.pop().close()


class PortalClient(httpx.Client):
    """An HTTP client that keeps the session cookie and reads each form's CSRF token like a browser."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url, follow_redirects=False, timeout=30)

    def token(self, path: str = "/portal/login") -> str:
        found = CSRF.search(self.get(path, follow_redirects=True).text)
        assert found is not None, f"no form token on {path}"
        return found.group(1)

    def log_in(self, login: str, password: str) -> httpx.Response:
        return self.post("/portal/login", data={"csrf": self.token(), "login": login, "password": password,
                                                "next": "/portal/"})


def start_portal(folder: Path, **settings: str) -> Portal:
    url = f"sqlite:///{folder / 'paybot.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    load_demo(engine)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=url, PAYBOT_DATA_DIR=str(folder), PAYBOT_LOG_LEVEL="WARNING",
               PAYBOT_OCR_WORKERS="1", **settings)
    service = ServiceProcess(env, folder)
    service.start()
    return Portal(service, url, folder)


ERP_DOWN = {"PAYBOT_ERP_CONNECTOR": "webhook", "PAYBOT_ERP_WEBHOOK_SECRET": "clave-del-erp-de-pruebas",
            "PAYBOT_ERP_MAX_ATTEMPTS": "1", "PAYBOT_ERP_TIMEOUT_SECONDS": "2"}
"""An ERP that never answers (a loopback port nobody listens on): every sync fails at once."""


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """One `paybot run` (sandbox, demo customers, an ERP that is down) for a module's tests; each test adds
    its own staff."""
    running = start_portal(tmp_path_factory.mktemp("portal"), PAYBOT_ERP_WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/erp",
                           **ERP_DOWN)
    yield running
    running.close_clients()
    running.service.stop()


@pytest.fixture(autouse=True)
def _clients_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "portal" in request.fixturenames:
        request.getfixturevalue("portal").close_clients()
