"""Signing what paybot posts to other systems (the ERP, later the block/unblock webhook): HMAC-SHA256 over
the timestamp and the body, sent as `X-Paybot-Signature: t=<unix seconds>,v1=<hex>` like Stripe's, so the
receiver can refuse a forged body and a replayed old one."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Paybot-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE_SECONDS = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body` sent at `timestamp` (default: now)."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},v1={_digest(secret, when, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True when `header` signs `body` with `secret` and was made within `tolerance_seconds` of `now`."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", []))
