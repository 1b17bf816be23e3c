"""Nothing in the portal answers without a staff login: pages and actions send to the login page, forms
need the session's token, passwords are tried a limited number of times, and each role sees what it may."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlmodel import Session, col, select

from bot.db.models import AuditEvent, IntakeNote, LoginAttempt, StaffMember
from bot.db.session import make_engine
from tests.portal.conftest import CSRF, Portal, start_portal

PAGES = ["/portal/", "/portal/pagos", "/portal/clientes", "/portal/clientes/1001", "/portal/clientes/1001/estado.pdf",
         "/portal/informes", "/portal/casos", "/portal/casos/1", "/portal/comprobantes/1",
         "/portal/comprobantes/1/imagen", "/portal/personal", "/portal/clientes/importar", "/portal/pagos/1",
         "/portal/informes/pagos.csv", "/portal/informes/pagos.xlsx", "/portal/informes/morosos",
         "/portal/informes/morosos.csv"]
ACTIONS = ["/portal/comprobantes/1/accion", "/portal/comprobantes/1/nota", "/portal/comprobantes/1/asignar",
           "/portal/casos/1/cerrar", "/portal/personal", "/portal/clientes/importar", "/portal/logout",
           "/portal/pagos/1/sincronizar", "/portal/pagos/1/sincronizar-manual"]


def test_a_request_without_a_session_is_sent_to_the_login_page(portal: Portal) -> None:
    client = portal.client()
    for path in PAGES:
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/portal/login?next=" + quote(path), path
    for path in ACTIONS:
        answer = client.post(path, data={"kind": "approve", "text": "hola"})
        assert (answer.status_code, answer.headers["location"][:19]) == (303, "/portal/login?next="), path
    assert client.get("/portal/login").status_code == 200


def test_logging_in_sets_a_signed_http_only_cookie_for_the_portal_alone(portal: Portal) -> None:
    portal.add_staff("Ana Soporte", "support", "ana", "clave de ana 1")
    client = portal.client()
    answer = client.log_in("ana", "clave de ana 1")
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/portal" in cookie
    assert "secure" not in cookie
    page = client.get("/portal/")
    assert page.status_code == 200 and "Ana Soporte · Soporte" in page.text
    assert page.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in page.headers[
        "content-security-policy"]

    forged = portal.client()
    name, value = cookie.split(";")[0].split("=", 1)
    forged.cookies.set(name, value[:-3] + "abc", path="/portal")
    assert forged.get("/portal/").status_code == 303


def test_a_form_without_the_session_token_is_refused_and_changes_nothing(portal: Portal) -> None:
    portal.add_staff("Beto Soporte", "support", "beto", "clave de beto 1")
    client = portal.client()
    client.log_in("beto", "clave de beto 1")
    for data in ({"text": "nota sin token"}, {"text": "nota con token ajeno", "csrf": "x" * 43}):
        answer = client.post("/portal/comprobantes/1/nota", data=data)
        assert answer.status_code == 403 and "El formulario venció" in answer.text
    engine = make_engine(portal.url)
    with Session(engine) as session:
        assert session.exec(select(IntakeNote)).all() == []
    engine.dispose()


def test_wrong_passwords_are_refused_and_too_many_lock_the_user_out_for_the_window(portal: Portal) -> None:
    portal.add_staff("Carla Conta", "accounting", "carla", "clave de carla")
    client = portal.client()
    assert client.log_in("carla", "otra cosa").status_code == 401
    assert client.log_in("nadie", "clave de carla").status_code == 401
    for _ in range(4):
        assert client.log_in("carla", "otra cosa").status_code == 401
    limited = client.log_in("carla", "clave de carla")
    assert limited.status_code == 429 and "Demasiados intentos fallidos" in limited.text
    assert client.get("/portal/").status_code == 303
    engine = make_engine(portal.url)
    with Session(engine) as session:
        tries = session.exec(select(LoginAttempt).where(LoginAttempt.login == "carla")
                             .order_by(col(LoginAttempt.id))).all()
    engine.dispose()
    assert [t.succeeded for t in tries] == [False] * 6 and tries[0].address == "127.0.0.1"


def test_a_support_login_sees_no_accounting_or_admin_action_and_is_refused_them(portal: Portal) -> None:
    portal.add_staff("Diego Soporte", "support", "diego", "clave de diego")
    client = portal.client()
    client.log_in("diego", "clave de diego")
    payments = client.get("/portal/pagos")
    assert payments.status_code == 200
    assert "Sincronizar" not in payments.text and "Personal" not in payments.text
    token = client.token("/portal/")
    assert client.get("/portal/personal").status_code == 403
    assert client.post("/portal/personal", data={"csrf": token, "name": "X", "role": "admin", "login": "x",
                                                 "password": "y" * 12}).status_code == 403
    assert client.post("/portal/casos/1/cerrar", data={"csrf": token, "decision": "ok"}).status_code == 403
    for action in ("sincronizar", "sincronizar-manual"):
        refused = client.post(f"/portal/pagos/1/{action}", data={"csrf": token, "explanation": "ya estaba en el ERP"})
        assert refused.status_code == 403 and "Su rol no permite" in refused.text
    assert client.get("/portal/clientes/importar").status_code == 403
    engine = make_engine(portal.url)
    with Session(engine) as session:
        assert session.exec(select(StaffMember).where(StaffMember.login == "x")).first() is None
    engine.dispose()


def test_an_admin_changes_a_password_and_the_old_session_ends(portal: Portal) -> None:
    admin_id = portal.add_staff("Eva Admin", "admin", "eva", "clave de eva 1")
    elena = portal.add_staff("Elena Soporte", "support", "elena", "clave de elena")
    admin, staff = portal.client(), portal.client()
    admin.log_in("eva", "clave de eva 1")
    staff.log_in("elena", "clave de elena")
    assert staff.get("/portal/").status_code == 200
    changed = admin.post(f"/portal/personal/{elena}/contrasena",
                         data={"csrf": admin.token("/portal/personal"), "password": "nueva clave de elena"},
                         follow_redirects=True)
    assert "sus sesiones se cerraron" in changed.text
    assert staff.get("/portal/").status_code == 303
    assert staff.log_in("elena", "clave de elena").status_code == 401
    assert staff.log_in("elena", "nueva clave de elena").status_code == 303
    engine = make_engine(portal.url)
    with Session(engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_changed")).all()
    engine.dispose()
    assert [(a.staff_id, a.action) for a in audit] == [(admin_id, "staff_password")]
    assert "Eva Admin: cambió la contraseña de" in (audit[0].detail or "")


@pytest.mark.slow
def test_the_cookie_is_secure_when_the_public_url_is_https(tmp_path_factory: pytest.TempPathFactory) -> None:
    running = start_portal(tmp_path_factory.mktemp("https"), PAYBOT_PUBLIC_URL="https://pagos.example.com")
    try:
        running.add_staff("Fede Soporte", "support", "fede", "clave de fede")
        client = running.client()
        form = client.get("/portal/login")
        anonymous = form.headers["set-cookie"]
        assert "; secure" in anonymous.lower()
        # Over plain loopback HTTP a client keeps Secure cookies to itself: hand it back as a proxy's TLS would.
        answer = client.post("/portal/login", headers={"cookie": anonymous.split(";")[0]}, data={
            "csrf": CSRF.search(form.text).group(1), "login": "fede", "password": "clave de fede"})  # type: ignore[union-attr]
        assert answer.status_code == 303
        assert "; secure" in answer.headers["set-cookie"].lower()
    finally:
        running.close_clients()
        running.service.stop()


def test_a_form_field_pasted_with_control_characters_is_read_without_them(portal: Portal) -> None:
    """NUL in any form field reached the database, which PostgreSQL refuses with a 500 (red-team probe)."""
    portal.add_staff("Dora Soporte", "support", "dora", "clave de dora 1")
    client = portal.client()

    answer = client.log_in("do\x00ra\x1b", "clave de dora 1")

    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/")
    engine = make_engine(portal.url)
    with Session(engine) as session:
        logins = session.exec(select(LoginAttempt.login).where(col(LoginAttempt.login).like("do%"))).all()
    engine.dispose()
    assert logins == ["dora"]


def test_logging_out_ends_the_session_even_for_a_copy_of_its_cookie(portal: Portal) -> None:
    """The cookie is only signed: a copy kept (another browser, a shared computer) still opened the portal after
    «Salir» until it expired 12 hours later (red-team probe)."""
    portal.add_staff("Elsa Soporte", "support", "elsa", "clave de elsa 1")
    client = portal.client()
    client.log_in("elsa", "clave de elsa 1")
    copy = portal.client()
    copy.cookies.set("paybot_portal", client.cookies["paybot_portal"], path="/portal")
    assert copy.get("/portal/").status_code == 200

    assert client.post("/portal/logout", data={"csrf": client.token("/portal/")}).status_code == 303

    assert copy.get("/portal/").status_code == 303
    assert client.log_in("elsa", "clave de elsa 1").status_code == 303, "a new login works as before"
    assert client.get("/portal/").status_code == 200
