"""Clientes: find a customer, and their page (contracts and their charges, open balance, statement as PDF,
payments, receipts, tags, the chat identities paybot knows them by, call tasks) with collections' actions
(tags, block/unblock with a reason, a reminder, a call task) through the collections desk; CSV import by
upload with the same all-or-nothing report as `paybot import`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.account import documents
from bot.account.documents import StatementFormat
from bot.account.operations import AccountPolicy, CustomerBalance, customer_balance, load_statement
from bot.account.statement import Statement
from bot.config import Settings
from bot.contracts.importer import ImportFileError, ImportReport, import_contracts, import_customers
from bot.db.models import AuditEvent, CallTask, Case, Contract, Customer, Intake, Payment, StaffMember
from bot.intake.messages import StaffResult
from bot.intake.staff import PORTAL, shown_name
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import StaffActionKind
from currency.text import international_phone

PAGE_SIZE = 50
RECENT = 50
IMPORT_KINDS = {"customers": "clientes", "contracts": "órdenes de pago"}


@dataclass
class CustomerView:
    customer: Customer
    contracts: list[Contract]
    balance: CustomerBalance
    payments: list[Payment]
    intakes: list[Intake]
    cases: list[Case]
    statement: Statement
    tasks: list[CallTask]
    staff: list[tuple[int, str]]


def find_customers(engine: Engine, text: str, before: int | None) -> tuple[list[Customer], int | None]:
    """Customers by client ID, document number, phone or part of the name; newest first, by id."""
    with Session(engine) as session:
        query = select(Customer)
        if text:
            pattern = f"%{text.replace('%', '').replace('_', ' ')}%"
            named = func.trim(func.coalesce(Customer.first_names, "") + " " + func.coalesce(Customer.last_names, ""))
            conditions = [col(Customer.client_id) == text, col(Customer.document_number) == text, named.like(pattern)]
            phone = international_phone(text) if sum(ch.isdigit() for ch in text) >= 8 else None
            if phone:
                conditions.append(col(Customer.whatsapp_number) == phone)
            query = query.where(or_(*conditions))
        if before:
            query = query.where(col(Customer.id) < before)
        found = list(session.exec(query.order_by(col(Customer.id).desc()).limit(PAGE_SIZE + 1)).all())
    rows = found[:PAGE_SIZE]
    return rows, (rows[-1].id if len(found) > PAGE_SIZE else None)


def load_customer(engine: Engine, settings: Settings, client_id: str, today: date) -> CustomerView | None:
    with Session(engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == client_id)).first()
        if customer is None or customer.id is None:
            return None
        contracts = list(session.exec(select(Contract).where(Contract.customer_id == customer.id)
                                      .order_by(col(Contract.payment_code), col(Contract.installment))).all())
        balance = customer_balance(session, customer.id, today=today, policy=AccountPolicy.from_settings(settings))
        payments = list(session.exec(select(Payment).where(Payment.customer_id == customer.id)
                                     .order_by(col(Payment.id).desc()).limit(RECENT)).all())
        intakes = list(session.exec(select(Intake).where(Intake.customer_id == customer.id)
                                    .order_by(col(Intake.id).desc()).limit(RECENT)).all())
        cases = list(session.exec(select(Case).where(Case.customer_id == customer.id)
                                  .order_by(col(Case.id).desc()).limit(RECENT)).all())
        statement = load_statement(session, customer.id, company=settings.company_name, today=today,
                                   policy=AccountPolicy.from_settings(settings))
        tasks = list(session.exec(select(CallTask).where(CallTask.customer_id == customer.id)
                                  .order_by(col(CallTask.id).desc()).limit(RECENT)).all())
        staff = [(m.id or 0, shown_name(m)) for m in session.exec(
            select(StaffMember).where(col(StaffMember.active)).order_by(col(StaffMember.id))).all()]
    return CustomerView(customer, contracts, balance, payments, intakes, cases, statement, tasks, staff)


def statement_pdf(engine: Engine, settings: Settings, client_id: str, today: date) -> tuple[str, bytes] | None:
    """The customer's statement as the PDF they would be sent, and its file name."""
    with Session(engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == client_id)).first()
        if customer is None or customer.id is None:
            return None
        statement = load_statement(session, customer.id, company=settings.company_name, today=today,
                                   policy=AccountPolicy.from_settings(settings))
    fmt = StatementFormat.PDF
    return documents.file_name(statement, fmt), documents.render(statement, fmt)


def import_upload(engine: Engine, settings: Settings, viewer: Viewer, kind: str, file_name: str, data: bytes,
                  dry_run: bool, today: date) -> ImportReport | str:
    """The whole file validated, then all of it written in one transaction, or nothing (as `paybot import`);
    what was imported, or refused, is audited with the viewer's name."""
    with Session(engine) as session:
        try:
            if kind == "customers":
                report = import_customers(session, data, dry_run=dry_run)
            else:
                report = import_contracts(session, data, dry_run=dry_run, default_tax_rate=settings.iva_rate,
                                          today=today, whole_colones=settings.whole_colones)
        except ImportFileError as error:
            session.rollback()
            return str(error)
        if not report.applied:
            session.rollback()
        if not report.dry_run:
            session.add(AuditEvent(
                kind="portal_import", channel=PORTAL, user=str(viewer.id), chat=PORTAL, action=kind[:20],
                reason="imported" if report.applied else "refused", staff_id=viewer.id,
                detail=f"{viewer.name}: {file_name[:200]}: {report.to_text()[:1500]}"))
        session.commit()
    return report


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        text = " ".join(request.query_params.get("q", "").split())[:80]
        before = request.query_params.get("antes", "")
        rows, next_before = await portal.run(find_customers, portal.engine, text,
                                             int(before) if before.isdigit() and len(before) < 19 else None)
        return portal.pages.render(request, "customers.html", rows=rows, text=text, next_before=next_before)

    async def show(request: Request, viewer: Viewer) -> Response:
        client_id = request.path_params["client_id"][:40]
        view = await portal.run(load_customer, portal.engine, portal.settings, client_id, portal.today())
        if view is None:
            return portal.pages.render(request, "not_found.html", status_code=404,
                                       what=f"No hay cliente con ID {client_id}.")
        return portal.pages.render(request, "customer.html", view=view, today=portal.today())

    async def statement(request: Request, viewer: Viewer) -> Response:
        client_id = request.path_params["client_id"][:40]
        found = await portal.run(statement_pdf, portal.engine, portal.settings, client_id, portal.today())
        if found is None:
            return Response(status_code=404)
        name, data = found
        return Response(data, media_type=StatementFormat.PDF.mime_type, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})

    async def import_page(request: Request, viewer: Viewer) -> Response:
        return portal.pages.render(request, "import.html", kinds=IMPORT_KINDS, report=None, error="")

    async def import_file(request: Request, viewer: Viewer) -> Response:
        form = request.state.form
        kind = str(form.get("kind") or "")
        upload = form.get("file")
        if kind not in IMPORT_KINDS or not isinstance(upload, UploadFile) or not upload.filename:
            await form.close()
            return portal.pages.render(request, "import.html", status_code=400, kinds=IMPORT_KINDS, report=None,
                                       error="Elija qué importa y adjunte el archivo CSV.")
        data = await upload.read(portal.settings.max_upload_bytes + 1)
        await form.close()
        if len(data) > portal.settings.max_upload_bytes:
            return portal.pages.render(request, "import.html", status_code=413, kinds=IMPORT_KINDS, report=None,
                                       error="El archivo es demasiado grande.")
        found = await portal.run(import_upload, portal.engine, portal.settings, viewer, kind, upload.filename, data,
                                 form.get("dry_run") == "1", portal.today())
        if isinstance(found, str):
            return portal.pages.render(request, "import.html", status_code=400, kinds=IMPORT_KINDS, report=None,
                                       error=f"{upload.filename}: {found}")
        return portal.pages.render(request, "import.html", status_code=200 if found.ok else 422, kinds=IMPORT_KINDS,
                                   report=found, error="")

    def accounting(viewer: Viewer) -> bool:
        return viewer.does_accounting

    def told(request: Request, client_id: str, result: StaffResult) -> Response:
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/clientes/{quote(client_id)}")

    async def tag(request: Request, viewer: Viewer) -> Response:
        """Add a tag, or take one off (`quitar`), through the collections desk as from the chat."""
        client_id = request.path_params["client_id"][:40]
        kind = StaffActionKind.UNTAG if form_text(request, "quitar", 5) == "1" else StaffActionKind.TAG
        return told(request, client_id, await portal.collections.act(
            viewer, kind, client_id=client_id, said=form_text(request, "etiqueta", 60)))

    async def set_access(request: Request, viewer: Viewer) -> Response:
        client_id = request.path_params["client_id"][:40]
        kind = StaffActionKind.UNBLOCK if form_text(request, "desbloquear", 5) == "1" else StaffActionKind.BLOCK
        reason = form_text(request, "motivo", 500)
        if not reason:
            return told(request, client_id, StaffResult(False, "Indique el motivo."))
        return told(request, client_id, await portal.collections.act(viewer, kind, client_id=client_id, said=reason))

    async def remind(request: Request, viewer: Viewer) -> Response:
        client_id = request.path_params["client_id"][:40]
        return told(request, client_id, await portal.collections.act(
            viewer, StaffActionKind.REMIND, client_id=client_id, said=form_text(request, "tipo", 20)))

    async def assign(request: Request, viewer: Viewer) -> Response:
        client_id = request.path_params["client_id"][:40]
        staff = form_text(request, "persona", 19)
        if not staff.isdigit():
            return told(request, client_id, StaffResult(False, "Elija a quién se asigna la llamada."))
        return told(request, client_id, await portal.run(portal.collections.assign, viewer, client_id, int(staff),
                                                         form_text(request, "nota", 500)))

    return [
        Route("/clientes", portal.guard(index), methods=["GET"]),
        Route("/clientes/importar", portal.guard(import_page, may=accounting), methods=["GET"]),
        Route("/clientes/importar", portal.guard(import_file, upload_bytes=portal.settings.max_upload_bytes,
                                                 may=accounting), methods=["POST"]),
        Route("/clientes/{client_id}", portal.guard(show), methods=["GET"]),
        Route("/clientes/{client_id}/estado.pdf", portal.guard(statement), methods=["GET"]),
        Route("/clientes/{client_id}/etiquetas", portal.guard(tag), methods=["POST"]),
        Route("/clientes/{client_id}/acceso", portal.guard(set_access, may=accounting), methods=["POST"]),
        Route("/clientes/{client_id}/recordar", portal.guard(remind), methods=["POST"]),
        Route("/clientes/{client_id}/tarea", portal.guard(assign), methods=["POST"]),
    ]

