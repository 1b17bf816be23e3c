"""`paybot intake IMAGE --from PHONE` plays the whole conversation in the terminal, with no network."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import REPO
from tests.stories import receipt_png


def paybot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=f"sqlite:///{cwd / 'paybot.db'}", PAYBOT_DATA_DIR=str(cwd),
               PAYBOT_TELEGRAM_TOKEN="123:would-need-the-network")
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_terminal_conversation_prints_what_each_party_receives(tmp_path: Path) -> None:
    for name in ("customers.csv", "contracts.csv"):
        seeded = paybot("import", name.removesuffix(".csv"), str(REPO / "data" / name), cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
    today = datetime.now(ZoneInfo("America/Costa_Rica")).date()
    receipt = tmp_path / "comprobante.png"
    receipt.write_bytes(receipt_png("28250.00", description="Pago ID 1001", on=today))

    result = paybot("intake", str(receipt), "--from", "8811-2233", "--approve", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout.replace("\u00a0", " ")
    assert "── Cliente (+50688112233) · ack ──" in out
    assert "── Soporte (support) · support_card ──" in out and "✅ Pagado a la empresa" in out
    assert "── Contabilidad (accounting) · accounting_card ──" in out
    assert "ya se encuentra aplicado" in out and "₡28 250,00" in out
    assert out.index("· ack ──") < out.index("support_card") < out.index("accounting_card")


def test_terminal_conversation_refuses_a_missing_file_in_one_line(tmp_path: Path) -> None:
    result = paybot("intake", str(tmp_path / "nada.png"), "--from", "88112233", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no existe el archivo" in result.stderr


def paybot_process(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBOT_")}
    env.update(PAYBOT_DATABASE_URL=f"sqlite:///{cwd / 'paybot.db'}", PAYBOT_DATA_DIR=str(cwd))
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_terminal_conversations_at_once_each_print_only_their_own_receipt(tmp_path: Path) -> None:
    for name in ("customers.csv", "contracts.csv"):
        assert paybot("import", name.removesuffix(".csv"), str(REPO / "data" / name), cwd=tmp_path).returncode == 0
    today = datetime.now(ZoneInfo("America/Costa_Rica")).date()
    first, second = tmp_path / "primero.png", tmp_path / "segundo.png"
    first.write_bytes(receipt_png("28250.00", description="Pago ID 1001", on=today, seed=11))
    second.write_bytes(receipt_png("19775.00", description="Pago ID 1002", on=today, seed=12))

    runs = [paybot_process("intake", str(first), "--from", "8811-2233", "--approve", cwd=tmp_path),
            paybot_process("intake", str(second), "--from", "8722-4455", "--approve", cwd=tmp_path)]
    outputs = [run.communicate(timeout=180) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    mine, theirs = (out.replace("\u00a0", " ") for out, _ in outputs)
    assert "(+50688112233)" in mine and "+50687224455" not in mine and "19 775" not in mine
    assert "(+50687224455)" in theirs and "+50688112233" not in theirs and "28 250" not in theirs
    for out in (mine, theirs):
        assert out.count("· ack ──") == 1 and out.count("· support_card ──") == 1
        assert out.count("· accounting_card ──") == 1 and "ya se encuentra aplicado" in out


def test_a_failed_approval_ends_the_terminal_conversation_with_an_error_status(tmp_path: Path) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("Ha recibido 15.000,00 colones por SINPE MOVIL de ALGUIEN. Referencia 2026112700001", "utf-8")

    result = paybot("intake", str(note), "--from", "8000-0001", "--approve", cwd=tmp_path)

    assert result.returncode == 1, result.stdout
    assert "Falta identificar al cliente" in result.stdout
    assert result.stderr.startswith("paybot: error:") and "#" in result.stderr


def test_a_note_of_200000_digits_is_answered_in_a_few_seconds(tmp_path: Path) -> None:
    note = tmp_path / "nota.txt"
    note.write_text("1" * 200_000, "utf-8")

    started = time.monotonic()
    result = paybot("intake", str(note), "--from", "8811-2233", cwd=tmp_path)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert elapsed < 15, f"took {elapsed:.1f} s"
    assert "· ask_receipt ──" in result.stdout and "· customer_note ──" in result.stdout
    assert "caracteres)" in result.stdout, "support sees the start of the note and its length, not 200 000 digits"
    assert len(result.stdout) < 20_000


def test_a_binary_file_named_txt_is_answered_as_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    disguised = tmp_path / "comprobante.txt"
    disguised.write_bytes(bytes(range(256)) * 8)

    result = paybot("intake", str(disguised), "--from", "8811-2233", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "· unreadable ──" in result.stdout and "No logramos leer" in result.stdout
    assert "customer_note" not in result.stdout
