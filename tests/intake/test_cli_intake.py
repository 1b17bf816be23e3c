"""`paybot intake IMAGE --from PHONE` plays the whole conversation in the terminal, with no network."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import REPO
from tests.intake.conftest import receipt_png


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
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
