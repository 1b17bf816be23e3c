"""Morosos: collections' delinquent list (the one `paybot delinquents` prints, with its filters: days late,
band, tag, oldest due date between two days), in bounded pages with the same downloads, and bulk actions on
the customers ticked: tag, send a reminder, block with a reason, assign a call to a staff member. Each
customer's action is the collections desk's, one by one, with its own result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.collections import delinquents as delinquent_list
from bot.collections.arrears import BANDS, ArrearsCache
from bot.collections.tags import TagRefused, clean_tag
from bot.db.models import StaffMember
from bot.intake.messages import StaffResult
from bot.intake.staff import shown_name
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import StaffActionKind

PAGE_SIZE = 40
"""At most this many lines a page: all of them ticked still fit one form (the portal reads 50 fields)."""
MOST_AT_ONCE = PAGE_SIZE
DOWNLOADS = {"csv": "csv", "xlsx": "xlsx", "json": "json"}
MIMES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "json": "application/json"}
BULK = {"etiquetar": "Etiquetar", "recordar": "Enviar recordatorio", "bloquear": "Bloquear",
        "asignar": "Asignar llamada"}


@dataclass(frozen=True)
class Chosen:
    """The filters as the query gives them, and what was wrong with them."""

    filters: delinquent_list.Filters
    problem: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Chosen:
        problems = []
        days = params.get("dias", "")
        min_days = int(days) if days.isdigit() and len(days) < 6 else 1
        if days and not days.isdigit():
            problems.append("Días de atraso: un número entero.")
        band = params.get("tramo") or None
        if band is not None and band not in BANDS:
            problems.append("Tramo no válido.")
            band = None
        tag = None
        if params.get("etiqueta"):
            try:
                tag = clean_tag(params["etiqueta"])
            except TagRefused as refusal:
                problems.append(f"Etiqueta: {refusal}.")
        start = end = None
        try:
            start = date.fromisoformat(params["desde"]) if params.get("desde") else None
            end = date.fromisoformat(params["hasta"]) if params.get("hasta") else None
        except ValueError:
            problems.append("Fechas no válidas: use el calendario.")
        return cls(delinquent_list.Filters(min_days=max(1, min_days), band=band, tag=tag, start=start, end=end),
                   " ".join(problems))


@dataclass
class DelinquentsPage:
    lines: list[delinquent_list.Delinquent]
    total: int
    next_after: str | None
    staff: list[tuple[int, str]]


def _key(line: delinquent_list.Delinquent) -> tuple[int, str]:
    return (-line.arrears.days_late, line.client_id)


def _after(value: str) -> tuple[int, str] | None:
    """The page key `days:client_id` of the last line shown, or None."""
    days, _, client_id = value.partition(":")
    return (-int(days), client_id) if days.isdigit() and len(days) < 7 and client_id else None


def load_page(engine: Engine, today: date, filters: delinquent_list.Filters, after: str,
              arrears: ArrearsCache) -> DelinquentsPage:
    """One page of the list (most days late first), after the line `after` names."""
    with Session(engine) as session:
        lines = delinquent_list.delinquents(session, today, filters, arrears.of_everyone(session, today))
        staff = [(m.id or 0, shown_name(m)) for m in session.exec(
            select(StaffMember).where(col(StaffMember.active)).order_by(col(StaffMember.id))).all()]
    key = _after(after)
    rest = [line for line in lines if key is None or _key(line) > key]
    shown = rest[:PAGE_SIZE]
    last = shown[-1] if shown and len(rest) > PAGE_SIZE else None
    return DelinquentsPage(shown, len(lines), f"{last.arrears.days_late}:{last.client_id}" if last else None, staff)


def load_all(engine: Engine, today: date, filters: delinquent_list.Filters,
             arrears: ArrearsCache) -> list[delinquent_list.Delinquent]:
    with Session(engine) as session:
        return delinquent_list.delinquents(session, today, filters, arrears.of_everyone(session, today))


def summary(done: str, results: list[tuple[str, StaffResult]]) -> tuple[bool, str]:
    """One notice for a bulk action: how many were done, and each refusal with its customer."""
    good = [client_id for client_id, result in results if result.ok]
    bad = [f"{client_id}: {result.message}" for client_id, result in results if not result.ok]
    text = f"{done}: {len(good)} de {len(results)}" + (f" ({', '.join(good)})" if good else "") + "."
    if bad:
        text += " No se pudo con " + "; ".join(bad)
    return not bad, text


def routes(portal: Portal) -> list[BaseRoute]:
    arrears = ArrearsCache()

    async def index(request: Request, viewer: Viewer) -> Response:
        chosen = Chosen.from_query(request.query_params)
        today = portal.today()
        page = await portal.run(load_page, portal.engine, today, chosen.filters,
                                request.query_params.get("despues", "")[:60], arrears)
        return portal.pages.render(request, "delinquents.html", page=page, today=today, chosen=chosen,
                                   bands=BANDS, bulk=BULK)

    async def download(request: Request, viewer: Viewer) -> Response:
        fmt = DOWNLOADS.get(request.path_params["fmt"])
        if fmt is None:
            return Response(status_code=404)
        chosen = Chosen.from_query(request.query_params)
        today = portal.today()
        lines = await portal.run(load_all, portal.engine, today, chosen.filters, arrears)
        data = await portal.run(delinquent_list.render, lines, fmt, portal.settings.tz, today)
        return Response(data, media_type=MIMES[fmt], headers={
            "Content-Disposition": f'attachment; filename="morosos-{today.isoformat()}.{fmt}"',
            "Cache-Control": "private, no-store"})

    async def bulk(request: Request, viewer: Viewer) -> Response:
        form = request.state.form
        chosen = [" ".join(str(value).split())[:40] for value in form.getlist("cliente") if isinstance(value, str)]
        chosen = list(dict.fromkeys(c for c in chosen if c))
        action = form_text(request, "accion", 20)
        back = form_text(request, "back", 500)
        back = back if back.startswith("/portal/morosos") and "//" not in back else "/portal/morosos"
        if not chosen or action not in BULK:
            notify(request.session, False, "Marque al menos un cliente y elija qué hacer.")
            return back_to(back)
        if len(chosen) > MOST_AT_ONCE:
            notify(request.session, False, f"Como mucho {MOST_AT_ONCE} clientes a la vez.")
            return back_to(back)
        results: list[tuple[str, StaffResult]] = []
        if action == "etiquetar":
            tag = form_text(request, "etiqueta", 60)
            if not tag:
                notify(request.session, False, "Escriba la etiqueta.")
                return back_to(back)
            for client_id in chosen:
                results.append((client_id, await portal.collections.act(
                    viewer, StaffActionKind.TAG, client_id=client_id, said=tag)))
            try:
                done = f"Etiquetados «{clean_tag(tag)}»"
            except TagRefused:
                done = "Etiquetados"
        elif action == "recordar":
            for client_id in chosen:
                results.append((client_id, await portal.collections.act(viewer, StaffActionKind.REMIND,
                                                                        client_id=client_id)))
            done = "Recordatorios"
        elif action == "bloquear":
            reason = form_text(request, "motivo", 500)
            if not reason:
                notify(request.session, False, "Indique el motivo del bloqueo.")
                return back_to(back)
            for client_id in chosen:
                results.append((client_id, await portal.collections.act(
                    viewer, StaffActionKind.BLOCK, client_id=client_id, said=reason)))
            done = "Bloqueados"
        else:
            staff = form_text(request, "persona", 19)
            if not staff.isdigit():
                notify(request.session, False, "Elija a quién se asigna la llamada.")
                return back_to(back)
            note = form_text(request, "nota", 500)
            for client_id in chosen:
                results.append((client_id, await portal.run(portal.collections.assign, viewer, client_id,
                                                            int(staff), note)))
            done = "Llamadas asignadas"
        ok, text = summary(done, results)
        notify(request.session, ok, text)
        return back_to(back)

    return [
        Route("/morosos", portal.guard(index), methods=["GET"]),
        Route("/morosos.{fmt}", portal.guard(download), methods=["GET"]),
        Route("/morosos/acciones", portal.guard(bulk), methods=["POST"]),
        Route("/informes/morosos", portal.guard(index), methods=["GET"]),
        Route("/informes/morosos.{fmt}", portal.guard(download), methods=["GET"]),
    ]
