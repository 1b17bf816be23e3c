"""Exchange rates (compra/venta) as values: read from a CSV file or an HTTP JSON service, checked, explained.

Storing them and looking them up by date is the application's (`bot/db/rates.py`); this module knows no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import httpx

from currency.money import MoneyError, format_amount, to_decimal
from currency.text.dates import parse_date
from currency.text.files import BadRow, UndecodableFile, csv_rows, decode_bytes
from currency.text.words import normalize_header

PAIR = "USD/CRC"
Day = date
"""`datetime.date`, for annotations inside classes that have a field named `date`."""


class RateSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


SIDE_LABELS = {RateSide.BUY: "compra", RateSide.SELL: "venta"}


class RateError(ValueError):
    """A rate that cannot be read, stored or found; the message is meant for the operator."""


class RateNotFound(RateError, LookupError):
    """No rate on or before the requested date."""


@dataclass(frozen=True)
class RateQuote:
    """One day's buy and sell rate as a provider gave it."""

    date: date
    buy: Decimal
    sell: Decimal
    source: str

    def applied(self, side: str, on_date: Day) -> AppliedRate:
        """This quote's `side` used for an amount of `on_date` (a fallback when the quote is of another day)."""
        chosen = RateSide(side)
        return AppliedRate(
            value=self.sell if chosen is RateSide.SELL else self.buy,
            rate_date=self.date,
            side=chosen.value,
            source=self.source,
            fallback=self.date != on_date,
            requested_date=on_date,
        )


@dataclass(frozen=True)
class AppliedRate:
    """The rate an amount was computed with, kept with the amount so it can be explained later."""

    value: Decimal
    rate_date: date
    side: str
    source: str
    fallback: bool
    requested_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": str(self.value),
            "rate_date": self.rate_date.isoformat(),
            "side": self.side,
            "source": self.source,
            "fallback": self.fallback,
            "requested_date": self.requested_date.isoformat() if self.requested_date else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppliedRate:
        requested = data.get("requested_date")
        return cls(
            value=Decimal(data["value"]),
            rate_date=date.fromisoformat(data["rate_date"]),
            side=data["side"],
            source=data["source"],
            fallback=bool(data["fallback"]),
            requested_date=date.fromisoformat(requested) if requested else None,
        )

    def describe(self) -> str:
        """Spanish one-liner for agents: which rate, from when, and whether it is a fallback."""
        label = SIDE_LABELS.get(RateSide(self.side), self.side)
        text = f"tipo de cambio de {label} ₡{format_amount(self.value)} del {self.rate_date:%d/%m/%Y}"
        if self.fallback and self.requested_date:
            text += f" (no hay tipo de cambio del {self.requested_date:%d/%m/%Y}; se usa el anterior)"
        return text


MAX_RATE = Decimal("10000")
"""More colones per dollar than anyone will see (about 500 today): a rate above it is a typo (50910 for 509.10,
1e30), which would price every dollar contract absurdly and overflow the account's amounts."""


def check_quote(quote: RateQuote) -> RateQuote:
    if quote.buy <= 0 or quote.sell <= 0:
        raise RateError(f"los tipos de cambio deben ser positivos: compra {quote.buy}, venta {quote.sell}")
    if max(quote.buy, quote.sell) > MAX_RATE:
        raise RateError(f"un tipo de cambio de {max(quote.buy, quote.sell)} colones por dólar no es creíble (a lo "
                        f"sumo {MAX_RATE}): ¿falta el punto decimal?")
    if quote.buy > quote.sell:
        raise RateError(f"la compra ({quote.buy}) no puede ser mayor que la venta ({quote.sell})")
    return quote


_DATE_HEADERS = {"fecha", "date", "dia", "day"}
_BUY_HEADERS = {"compra", "buy", "tipo cambio compra", "tc compra"}
_SELL_HEADERS = {"venta", "sell", "tipo cambio venta", "tc venta"}


def read_rates_csv(data: bytes, *, source: str = "csv") -> list[RateQuote]:
    """Parse a rates file (fecha, compra, venta; UTF-8 or Windows-1252; comma or semicolon)."""
    try:
        text = decode_bytes(data)
    except UndecodableFile as error:
        raise RateError(str(error)) from error
    try:
        rows = list(csv_rows(text))
    except BadRow as error:
        raise RateError(str(error)) from None
    header = rows[0][1] if rows else None
    if header is None:
        raise RateError("el archivo de tipos de cambio está vacío")
    names = [normalize_header(name) for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        for key, accepted in (("date", _DATE_HEADERS), ("buy", _BUY_HEADERS), ("sell", _SELL_HEADERS)):
            if name in accepted and key not in positions:
                positions[key] = index
    missing = [key for key in ("date", "buy", "sell") if key not in positions]
    if missing:
        raise RateError(f"faltan columnas: {', '.join(missing)} (se esperan fecha, compra, venta)")
    quotes: list[RateQuote] = []
    for row_number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {key: row[index].strip() for key, index in positions.items()}
            when = parse_date(cells["date"])
            if when is None:
                raise RateError(f"fecha inválida {cells['date']!r}")
            quote = RateQuote(when, _rate_value(cells["buy"]), _rate_value(cells["sell"]), source)
            quotes.append(check_quote(quote))
        except (IndexError, RateError, MoneyError) as error:
            raise RateError(f"fila {row_number}: {error}") from error
    return quotes


def _rate_value(raw: Any) -> Decimal:
    """A rate from JSON or CSV: a number, or text with '.' or (alone) ',' as decimal separator."""
    if isinstance(raw, bool) or raw is None:
        raise RateError(f"tipo de cambio inválido: {raw!r}")
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, int | Decimal):
        return to_decimal(raw)
    text = str(raw).strip().replace("₡", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise RateError(f"tipo de cambio inválido: {raw!r}")
    return Decimal(text)


def _pick(document: Any, path: str) -> Any:
    """Follow a dotted path (`data.0.venta`) through dicts and lists."""
    current = document
    for part in path.split("."):
        if isinstance(current, list) and part.lstrip("-").isdigit():
            try:
                current = current[int(part)]
            except IndexError as error:
                raise RateError(f"el campo {path!r} no está en la respuesta") from error
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise RateError(f"el campo {path!r} no está en la respuesta")
    return current


@dataclass(frozen=True)
class HttpJsonRateProvider:
    """Any JSON service: `url` may hold `{date}` (ISO) and the fields are dotted paths into the reply."""

    url: str
    buy_field: str = "compra"
    sell_field: str = "venta"
    timeout: float = 10.0

    def fetch(self, on_date: date, *, client: httpx.Client | None = None) -> RateQuote:
        """Ask the service for `on_date`; JSON numbers are read as Decimal, never float."""
        if not self.url:
            raise RateError("no hay URL de tipos de cambio: configure PAYBOT_RATES_URL")
        url = self.url.replace("{date}", on_date.isoformat())
        owned = client is None
        http = client or httpx.Client(timeout=self.timeout)
        try:
            response = http.get(url)
            response.raise_for_status()
            document = response.json(parse_float=Decimal)
        except httpx.HTTPError as error:
            raise RateError(f"el servicio de tipos de cambio falló: {error}") from error
        except ValueError as error:
            raise RateError("el servicio de tipos de cambio no respondió JSON") from error
        finally:
            if owned:
                http.close()
        quote = RateQuote(
            on_date,
            _rate_value(_pick(document, self.buy_field)),
            _rate_value(_pick(document, self.sell_field)),
            f"http:{httpx.URL(url).host}",
        )
        return check_quote(quote)
