"""Who may use pages that act without a login (the sandbox): this machine only, never another site."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.requests import Request

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for a loopback name or address (`127.0.0.1`, `::1`, `localhost`), without a port."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _hostname(netloc: str) -> str:
    return urlsplit(f"//{netloc}").hostname or ""


def refusal(request: Request, *, changes_state: bool) -> str | None:
    """Why this request may not use a local-only page (None when it may).

    The Host must be a loopback name, which stops a DNS-rebinding page; a state-changing request that
    names its Origin must come from that same host, which stops a cross-site form or fetch.
    """
    host = request.headers.get("host", "")
    if not is_loopback(_hostname(host)):
        return f"host {host[:80]!r} is not this machine"
    if not changes_state:
        return None
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return "cross-site request"
    origin = request.headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
        return f"origin {origin[:80]!r} is another site"
    return None
