"""Ley 8968 from the shell: `paybot customers export` shows everything held about a customer, `forget` removes
who they are and their receipt images while accounting keeps every amount, reference and account entry."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.accounting.sync import mark_synced
from bot.config import Settings
from bot.db.models import AccountEntry, BankImport, BankMovement, Intake, IntakeEvent, Payment, PaymentEvent
from tests.conftest import REPO
from tests.privacy.conftest import Sandbox
from tests.processes import clean_env, paybot

WITHOUT_ID = (REPO / "data" / "receipts" / "transferencia-sin-id.png").read_bytes()
PERSONAL = ("María", "Vargas", "88112233", "8811-2233", "112340567", "mjvargas@example.cr", "Solano")


def cli_env(settings: Settings) -> dict[str, str]:
    return clean_env(database_url=settings.database_url, data_dir=str(settings.data_dir))


async def test_export_then_forget_keeps_the_accounting_and_nothing_about_the_person(
        sandbox: Sandbox, settings: Settings, demo: Engine, tmp_path: Path) -> None:
    paid = await sandbox.send("88112233")
    await sandbox.act("approve", paid, "support")
    await sandbox.act("apply", paid, "accounting")
    other = await sandbox.send("87114455", WITHOUT_ID, name="José Pablo")
    with Session(demo) as session:
        payment = session.exec(select(Payment).where(Payment.intake_id == paid)).one()
        mark_synced(session, payment.id or 0, reason="María José Vargas mostró la factura del ERP",
                    actor="contabilidad")
        statement = BankImport(bank="BCR", file_name="bcr.csv", file_sha256="0" * 64, imported_by="contabilidad")
        session.add(statement)
        session.flush()
        session.add(BankMovement(source_key="bcr-1", import_id=statement.id or 0, bank="BCR",
                                 booked_on=payment.applied_at.date(), amount=payment.amount,
                                 reference=payment.reference or "", description="SINPE MOVIL MARIA JOSE VARGAS SOLANO",
                                 payment_id=payment.id))
        session.commit()
    env = cli_env(settings)

    exported = paybot("customers", "export", "1001", env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["customer"]["first_names"] == "María José"
    assert [r["id"] for r in document["receipts"]] == [paid], "only this customer's receipts"
    receipt = document["receipts"][0]
    assert receipt["state"] == "synced" and receipt["media_file_present"]
    assert {e["to_state"] for e in receipt["events"]} >= {"received", "in_review", "forwarded", "applied", "synced"}
    assert document["payments"] and document["account_entries"]
    assert any(m["audience"] == "customer" for m in document["messages"])
    assert any("María José Vargas" in (e["reason"] or "") for e in document["payment_audit"])
    assert document["bank_movements"][0]["description"] == "SINPE MOVIL MARIA JOSE VARGAS SOLANO"
    with Session(demo) as session:
        image = Path(session.get(Intake, paid).media_path or "")
        amount_before = [(p.amount, p.reference, p.bank) for p in session.exec(select(Payment)).all()]
        entries_before = [(e.kind, e.amount_cents, e.on_date) for e in session.exec(select(AccountEntry)).all()]
    assert image.is_file()

    refused = paybot("customers", "forget", "1002", env=env, cwd=tmp_path)
    assert refused.returncode == 1 and f"#{other}" in refused.stderr, "an open receipt is not anonymised by surprise"

    forgotten = paybot("customers", "forget", "1001", env=env, cwd=tmp_path)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "1 imágenes borradas" in forgotten.stdout
    assert not image.exists()

    after = paybot("customers", "export", "1001", env=env, cwd=tmp_path)
    assert after.returncode == 0
    for word in (*PERSONAL, "MARIA JOSE"):
        assert word.lower() not in after.stdout.lower(), word
    data = json.loads(after.stdout)
    assert data["customer"]["client_id"] == "1001" and "anonimizado" in data["customer"]["tags"]
    assert data["receipts"][0]["fields"]["amount"] == receipt["fields"]["amount"]
    assert data["receipts"][0]["fields"]["reference"] == receipt["fields"]["reference"]
    assert not data["receipts"][0]["media_file_present"]
    with Session(demo) as session:
        assert [(p.amount, p.reference, p.bank) for p in session.exec(select(Payment)).all()] == amount_before
        assert [(e.kind, e.amount_cents, e.on_date) for e in session.exec(select(AccountEntry)).all()] \
            == entries_before
        movement = session.exec(select(BankMovement)).one()
        assert movement.description == "SINPE MOVIL [anonimizado]"
        assert (movement.reference, movement.amount) == (amount_before[0][1], amount_before[0][0])
        reasons = [e.reason for e in session.exec(select(PaymentEvent).where(PaymentEvent.kind == "marked_synced"))]
        assert reasons == ["[anonimizado] [anonimizado] mostró la factura del ERP"]
        last = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == paid)
                            .order_by(IntakeEvent.id.desc())).first()  # type: ignore[union-attr]
        assert last is not None and "Ley 8968" in (last.reason or "")
        untouched = session.get(Intake, other)
        assert untouched is not None and untouched.sender_name == "José Pablo" and untouched.media_path

    unknown = paybot("customers", "export", "9999", env=env, cwd=tmp_path)
    assert unknown.returncode == 1 and "no hay un cliente con ID 9999" in unknown.stderr
