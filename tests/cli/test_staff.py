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
    assert header.split() == ["#", "nombre", "rol", "telegram", "whatsapp", "estado"]
    assert first.split() == ["1", "Laura", "Mora", "soporte", "501", "—", "desactivado"]
    assert second.split() == ["2", "Mario", "Solís", "contabilidad", "—", "+50688112233", "activo"]


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
        (("add", "Laura", "--role", "support"), "indique cómo se le reconoce: --telegram-id o --whatsapp"),
        (("add", "Laura", "--role", "support", "--whatsapp", "12"), "«12» no es un número de teléfono válido"),
        (("add", " ", "--role", "support", "--telegram-id", "5"), "el nombre no puede quedar vacío"),
        (("disable", "9"), "no hay nadie con el número #9"),
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
