"""The company's bank movements: each bank's export loaded all or nothing and only once, movements matched to
payments by reference, amount and date within the tolerances, and what is left over listed for accounting
(a payment the bank never showed) and for support (money that came with no receipt)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.account.entries import PaymentMethod
from bot.accounting.bank_import import import_movements
from bot.accounting.bank_profiles import ProfileError, find_profile
from bot.accounting.matching import MatchPolicy, match_movements, seen_in_bank, unmatched
from bot.cli import main
from bot.config import Settings
from bot.db.models import BankMovement
from tests.accounting.conftest import CR, pay

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "bank"
POLICY = MatchPolicy(days=1, tolerance_crc=Decimal("1"), tolerance_usd=Decimal("0.01"))


def load(session: Session, file_name: str, bank: str) -> list[BankMovement]:
    report = import_movements(session, (SAMPLES / file_name).read_bytes(), find_profile(bank),
                              file_name=file_name, actor="test")
    assert report.ok, report.to_text()
    session.commit()
    return list(session.exec(select(BankMovement).where(BankMovement.bank == find_profile(bank).bank)).all())


@pytest.mark.parametrize(("file_name", "bank", "expected"), [
    ("bcr-movimientos.csv", "BCR", [(date(2026, 11, 2), "39550.00", "CRC", "00012345678"),
                                    (date(2026, 11, 3), "-250000.00", "CRC", "87654321"),
                                    (date(2026, 11, 5), "120000.00", "CRC", "45678912"),
                                    (date(2026, 11, 5), "-1500.00", "CRC", "45678913")]),
    ("bn-movimientos.csv", "bn", [(date(2026, 11, 4), "79100.00", "CRC", "2026110400998877"),
                                  (date(2026, 11, 6), "-45300.50", "CRC", "2026110600112233"),
                                  (date(2026, 11, 9), "1250000.00", "CRC", "2026110900445566")]),
    ("bac-estado-de-cuenta.csv", "BAC Credomatic", [(date(2026, 11, 10), "45200.00", "CRC", "FT26314ABC123"),
                                                    (date(2026, 11, 11), "39550.00", "CRC", "91827364"),
                                                    (date(2026, 11, 12), "-150000.00", "CRC", "55501234")]),
    ("popular-movimientos.xlsx", "Banco Popular", [(date(2026, 11, 13), "79100.00", "CRC", "33445566"),
                                                   (date(2026, 11, 14), "350.75", "USD", "33445567"),
                                                   (date(2026, 11, 16), "-20000.00", "CRC", "33445568")]),
])
def test_each_banks_own_export_is_read_row_by_row(session: Session, file_name: str, bank: str,
                                                  expected: list[tuple[date, str, str, str]]) -> None:
    movements = load(session, file_name, bank)

    assert [(m.booked_on, str(m.amount), m.currency, m.reference) for m in movements] == [
        (on, Decimal(amount).quantize(Decimal("0.01")).__str__(), currency, reference)
        for on, amount, currency, reference in expected]
    again = import_movements(session, (SAMPLES / file_name).read_bytes(), find_profile(bank),
                             file_name=file_name, actor="test")
    assert (again.ok, again.new_rows, again.already_loaded) == (True, 0, len(expected))


def test_a_file_with_one_bad_row_loads_nothing_and_names_the_row(session: Session) -> None:
    text = (SAMPLES / "bcr-movimientos.csv").read_bytes().decode("cp1252")
    broken = text.replace("03/11/2026;03/11/2026", "31/02/2026;03/11/2026").replace("120.000,00", "ciento veinte")

    report = import_movements(session, broken.encode("cp1252"), find_profile("BCR"), file_name="bcr.csv",
                              actor="test")

    assert not report.ok
    assert [row for row, _ in report.errors] == [9, 10]
    assert "fecha no válida «31/02/2026»" in report.errors[0][1]
    assert "crédito no válido «ciento veinte»" in report.errors[1][1]
    assert "no se importó nada" in report.to_text()
    assert session.exec(select(BankMovement)).all() == []


def test_a_small_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_before_it_is_read(
    session: Session, tmp_path: Path
) -> None:
    """A 200 KB XLSX whose one cell unpacks to 200 MB took openpyxl to 1.3 GB and 9 s (red-team probe)."""
    sample = zipfile.ZipFile(SAMPLES / "popular-movimientos.xlsx")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sample.infolist():
            data = sample.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                before, after = data.split(b"PAGO PROVEEDOR OFICINA")
                with archive.open(item.filename, "w", force_zip64=True) as part:
                    part.write(before)
                    for _ in range(200):
                        part.write(b"A" * 2**20)
                    part.write(after)
            else:
                archive.writestr(item, data)
    assert len(bomb.getvalue()) < 1_000_000

    report = import_movements(session, bomb.getvalue(), find_profile("POPULAR"), file_name="bomba.xlsx",
                              actor="test")

    assert not report.ok
    assert "se descomprime a 200 MB" in report.to_text() and "fila 0" not in report.to_text()
    assert session.exec(select(BankMovement)).all() == []


def test_an_overlapping_export_adds_only_the_new_rows_and_keeps_two_equal_transfers(session: Session) -> None:
    load(session, "bcr-movimientos.csv", "BCR")
    text = (SAMPLES / "bcr-movimientos.csv").read_bytes().decode("cp1252")
    repeat = "06/11/2026;06/11/2026;;SINPE MOVIL SIN REFERENCIA;;5.000,00;1.113.050,00\r\n"
    longer = text.replace("Saldo final", repeat + repeat + "Saldo final")

    report = import_movements(session, longer.encode("cp1252"), find_profile("BCR"), file_name="bcr2.csv",
                              actor="test")

    assert (report.rows, report.new_rows, report.already_loaded) == (6, 2, 4)


def test_an_operator_adds_a_bank_by_dropping_its_mapping_in_a_folder(session: Session, tmp_path: Path) -> None:
    (tmp_path / "coopenae.toml").write_text(
        'bank = "COOPENAE"\nname = "Coopenae"\n[columns]\ndate = "Fecha"\namount = "Importe"\n'
        'reference = "Referencia"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="banco desconocido"):
        find_profile("coopenae")
    profile = find_profile("Coopenae", tmp_path)

    report = import_movements(session, b"Fecha,Referencia,Importe\n20/11/2026,777888,\"25.000,00\"\n",
                              profile, file_name="coopenae.csv", actor="test")

    assert report.ok and report.new_rows == 1
    assert session.exec(select(BankMovement)).one().amount == Decimal("25000.00")


def test_movements_match_payments_by_reference_or_by_amount_and_date_within_the_tolerances(
        customers: Session) -> None:
    by_reference = pay(customers, "1001", "39550.00", on=date(2026, 11, 1), reference="12345678")
    cut_reference = pay(customers, "1002", "79100.00", on=date(2026, 11, 4), reference="998877", bank="BN")
    one_colon_off = pay(customers, "1012", "45201.00", on=date(2026, 11, 9), reference=None, bank="BAC")
    never_at_bank = pay(customers, "1001", "15000.00", on=date(2026, 11, 3), reference="31415926")
    pay(customers, "1001", "10000.00", on=date(2026, 11, 3), method=PaymentMethod.CASH, reference="caja-1")
    two_colones_off = pay(customers, "1002", "1250002.00", on=date(2026, 11, 9), reference=None, bank="BN")
    edited = pay(customers, "1012", "93550.00", on=date(2026, 11, 11), reference="91827364", bank="BAC")
    for file_name, bank in (("bcr-movimientos.csv", "BCR"), ("bn-movimientos.csv", "BN"),
                            ("bac-estado-de-cuenta.csv", "BAC"), ("popular-movimientos.xlsx", "POPULAR")):
        load(customers, file_name, bank)

    assert match_movements(customers, POLICY, CR) == 3
    customers.commit()

    paired = {m.payment_id: (m.reference, m.match_rule) for m in customers.exec(select(BankMovement)).all()
              if m.payment_id is not None}
    assert paired[by_reference.id] == ("00012345678", "referencia")
    assert paired[cut_reference.id] == ("2026110400998877", "referencia")
    assert paired[one_colon_off.id] == ("FT26314ABC123", "monto_fecha")
    assert two_colones_off.id not in paired and edited.id not in paired and never_at_bank.id not in paired
    assert match_movements(customers, POLICY, CR) == 0

    found = unmatched(customers, today=date(2026, 11, 27), days=3, policy=POLICY, tz=CR)
    assert found.covered_until == date(2026, 11, 16)
    assert [row.payment.id for row in found.payments] == [never_at_bank.id, two_colones_off.id, edited.id]
    flagged = found.payments[2].same_reference
    assert flagged is not None and flagged.amount == Decimal("39550.00")
    assert [(m.bank, m.amount) for m in found.movements] == [
        ("BCR", Decimal("120000.00")), ("BN", Decimal("1250000.00")), ("BAC", Decimal("39550.00")),
        ("POPULAR", Decimal("79100.00")), ("POPULAR", Decimal("350.75"))]


def test_a_receipt_reference_already_in_the_banks_file_is_seen_in_the_bank(session: Session) -> None:
    load(session, "bn-movimientos.csv", "BN")

    seen = seen_in_bank(session, "998877")
    assert seen is not None and seen.amount == Decimal("79100.00")
    assert seen_in_bank(session, "2026110400998877") is not None
    assert seen_in_bank(session, "112233") is None, "an outgoing payment is not a customer's money"
    assert seen_in_bank(session, "77") is None and seen_in_bank(session, None) is None


def test_paybot_bank_import_and_unmatched_from_the_shell(customers: Session, settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))
    pay(customers, "1001", "15000.00", on=date(2026, 11, 5), reference="31415926")
    pay(customers, "1002", "79100.00", on=date(2026, 11, 4), reference="998877", bank="BN")

    assert main(["bank", "import", str(SAMPLES / "bn-movimientos.csv"), "--bank", "BN"]) == 0
    assert "3 movimientos, 3 nuevos, 0 ya estaban; 1 pagos conciliados" in capsys.readouterr().out
    assert main(["bank", "import", str(SAMPLES / "bn-movimientos.csv"), "--bank", "BN"]) == 0
    assert "0 nuevos, 3 ya estaban" in capsys.readouterr().out
    assert main(["bank", "import", str(SAMPLES / "bcr-movimientos.csv"), "--bank", "BNX"]) == 1
    assert "el archivo dice ser de Banco de Costa Rica, no de BNX: use --bank BCR" in capsys.readouterr().err
    assert main(["bank", "import", str(SAMPLES / "bcr-movimientos.csv"), "--bank", "BN"]) == 1
    assert "el archivo dice ser de Banco de Costa Rica, no de Banco Nacional de Costa Rica" in capsys.readouterr().err

    assert main(["bank", "unmatched", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert "31415926" in out and "posible comprobante falso o editado" in out
    assert "1250000,00" in out and "Dinero sin comprobante" in out
