"""`/healthz`: answers 200 when the database is reachable, 503 otherwise."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.db.session import ping


async def healthz(request: Request) -> JSONResponse:
    """Report whether the service and its database are up."""
    engine = request.app.state.engine
    database_ok = ping(engine)
    body = {"status": "ok" if database_ok else "degraded", "database": database_ok}
    return JSONResponse(body, status_code=200 if database_ok else 503)
