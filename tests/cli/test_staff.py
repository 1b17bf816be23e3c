"""`paybot staff` as an admin runs it: real processes on a real database, the settings' staff included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PAYBOT = [sys.executable, "-m", "bot"]


def staff(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PAYBOT, "staff", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env["PAYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'paybot.db'}"
    env["PAYBOT_DATA_DIR"] = str(tmp_path)
    return env


def test_an_admin_adds_lists_and_disables_staff(cli_env: dict[str, str], tmp_path: Path) -> None:
    laura = staff("add", "Laura  Mora", "--role", "support", "--telegram-id", "501", env=cli_env, cwd=tmp_path)
    mario = staff("add", "Mario Solís", "--role", "accounting", "--whatsapp", "8811-2233", env=cli_env, cwd=tmp_path)
    assert (laura.returncode, laura.stdout.strip()) == (0, "#1 Laura Mora (soporte) agregado")
    assert (mario.returncode, mario.stdout.strip()) == (0, "#2 Mario Solís (contabilidad) agregado")

    disabled = staff("disable", "1", env=cli_env, cwd=tmp_path)
    assert (disabled.returncode, disabled.stdout.strip()) == (0, "#1 Laura Mora desactivado: ya no puede actuar")

    listed = staff("list", env=cli_env, cwd=tmp_path)
    assert listed.returncode == 0
    header, first, second = listed.stdout.splitlines()
    assert header.split() == ["#", "nombre", "rol", "telegram", "whatsapp", "portal", "estado"]
    assert first.split() == ["1", "Laura", "Mora", "soporte", "501", "—", "—", "desactivado"]
    assert second.split() == ["2", "Mario", "Solís", "contabilidad", "—", "+50688112233", "—", "activo"]


def test_the_staff_the_settings_name_are_on_the_list_and_an_admin_gives_them_a_name(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = cli_env | {"PAYBOT_TELEGRAM_SUPPORT_USER_IDS": "501", "PAYBOT_WHATSAPP_ACCOUNTING_NUMBERS": "+50670000002"}

    listed = staff("list", env=env, cwd=tmp_path)
    assert [line.split()[:4] for line in listed.stdout.splitlines()[1:]] == [
        ["1", "(sin", "nombre)", "soporte"], ["2", "(sin", "nombre)", "contabilidad"]]

    named = staff("add", "Laura Mora", "--role", "support", "--telegram-id", "501", env=env, cwd=tmp_path)
    assert (named.returncode, named.stdout.strip()) == (0, "#1 Laura Mora (soporte) actualizado")
    again = staff("add", "Otra Persona", "--role", "support", "--telegram-id", "501", env=env, cwd=tmp_path)
    assert again.returncode == 1 and "ya está en la lista como #1 Laura Mora" in again.stderr
    assert len(staff("list", env=env, cwd=tmp_path).stdout.splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("add", "Laura", "--role", "support"), "indique cómo se le reconoce: --telegram-id, --whatsapp o --login"),
        (("add", "Laura", "--role", "support", "--whatsapp", "12"), "«12» no es un número de teléfono válido"),
        (("add", " ", "--role", "support", "--telegram-id", "5"), "el nombre no puede quedar vacío"),
        (("disable", "9"), "no hay nadie con el número #9"),
        (("add", "Laura", "--role", "support", "--login", "laura", "--password", "corta"),
         "la contraseña debe tener al menos 10 caracteres"),
        (("add", "Laura", "--role", "support", "--login", "Laura Mora", "--password", "x" * 12),
         "no sirve como usuario"),
        (("add", "Laura", "--role", "support", "--telegram-id", "5", "--password", "x" * 12),
         "--password va con --login"),
        (("password", "nadie", "--password", "x" * 12), "nadie entra al portal como «nadie»"),
    ],
)
def test_what_cannot_be_done_is_one_line_in_spanish(
    cli_env: dict[str, str], tmp_path: Path, args: tuple[str, ...], error: str
) -> None:
    result = staff(*args, env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert error in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_role_that_is_not_one_of_the_three_is_refused_by_the_parser(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = staff("add", "Laura", "--role", "jefe", "--telegram-id", "5", env=cli_env, cwd=tmp_path)
    assert result.returncode == 2 and "jefe" in result.stderr


def test_an_admin_gives_staff_a_portal_login_and_resets_its_password(cli_env: dict[str, str], tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from bot.db.models import StaffMember
    from bot.db.session import make_engine
    from bot.portal.passwords import verify_password

    added = staff("add", "Laura Mora", "--role", "support", "--telegram-id", "501", "--login", "Laura",
                  "--password", "cafe con leche", env=cli_env, cwd=tmp_path)
    assert (added.returncode, added.stdout.strip()) == (0, "#1 Laura Mora (soporte) agregado")
    taken = staff("add", "Otra", "--role", "accounting", "--login", "laura", "--password", "x" * 12,
                  env=cli_env, cwd=tmp_path)
    assert taken.returncode == 1 and "el usuario «laura» ya es de #1 Laura Mora" in taken.stderr
    reset = staff("password", "laura", "--password", "té de manzanilla", env=cli_env, cwd=tmp_path)
    assert reset.returncode == 0 and "contraseña del portal cambiada" in reset.stdout
    assert staff("list", env=cli_env, cwd=tmp_path).stdout.splitlines()[1].split()[6] == "laura"

    engine = make_engine(cli_env["PAYBOT_DATABASE_URL"])
    with Session(engine) as session:
        member = session.exec(select(StaffMember)).one()
    engine.dispose()
    assert member.password_hash is not None and "manzanilla" not in member.password_hash
    assert member.password_hash.startswith("$argon2id$")
    assert verify_password(member.password_hash, "té de manzanilla")
    assert not verify_password(member.password_hash, "cafe con leche")
    assert member.login_version == 2


def test_without_password_option_the_password_is_asked_twice_without_echo(cli_env: dict[str, str],
                                                                          tmp_path: Path) -> None:
    import pty
    import select as waiting
    import signal
    import time

    def run(answers: list[str]) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: paybot on the terminal's other end
            os.chdir(tmp_path)
            os.execve(sys.executable, [*PAYBOT, "staff", "add", "Mario", "--role", "accounting", "--login", "mario"],
                      cli_env)
        shown, answered, deadline = b"", 0, time.monotonic() + 60
        while time.monotonic() < deadline:
            asked = shown.count("Contraseña del portal".encode()) + shown.count("Repítala".encode())
            if answered < min(asked, len(answers)):
                os.write(fd, (answers[answered] + "\n").encode())
                answered += 1
            ready, _, _ = waiting.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        else:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")

    status, screen = run(["una clave larga", "otra distinta"])
    assert status == 1 and "las dos contraseñas no coinciden" in screen
    status, screen = run(["una clave larga", "una clave larga"])
    assert status == 0 and "#1 Mario (contabilidad) agregado" in screen
    assert "una clave larga" not in screen
