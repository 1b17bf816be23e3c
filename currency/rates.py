"""Exchange rates per date (compra/venta) from manual entry, CSV or an HTTP JSON service, and lookup."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, col, select

from bot.db.models import ExchangeRate
from currency.money import MoneyError, format_amount, to_decimal
from currency.text import UndecodableFile, decode_bytes, normalize_header, parse_date, sniff_delimiter

PAIR = "USD/CRC"


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


def _check_quote(quote: RateQuote) -> RateQuote:
    if quote.buy <= 0 or quote.sell <= 0:
        raise RateError(f"los tipos de cambio deben ser positivos: compra {quote.buy}, venta {quote.sell}")
    if quote.buy > quote.sell:
        raise RateError(f"la compra ({quote.buy}) no puede ser mayor que la venta ({quote.sell})")
    return quote


def store_rate(session: Session, quote: RateQuote, *, pair: str = PAIR) -> ExchangeRate:
    """Insert or replace the rate of `quote.date` (one row per date and pair)."""
    _check_quote(quote)
    row = session.exec(
        select(ExchangeRate).where(ExchangeRate.date == quote.date, ExchangeRate.pair == pair)
    ).first()
    if row is None:
        row = ExchangeRate(date=quote.date, pair=pair, buy=quote.buy, sell=quote.sell, source=quote.source)
    else:
        row.buy, row.sell, row.source = quote.buy, quote.sell, quote.source
        row.fetched_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    return row


def set_manual_rate(session: Session, on_date: date, buy: Decimal, sell: Decimal) -> ExchangeRate:
    """What an operator types: `paybot rates set 2026-11-27 --buy 503.10 --sell 509.85`."""
    return store_rate(session, RateQuote(on_date, to_decimal(buy), to_decimal(sell), "manual"))


def rate_for(
    session: Session, on_date: date, side: str = RateSide.SELL, *, pair: str = PAIR
) -> AppliedRate:
    """The rate of `on_date`, else the latest earlier one flagged as a fallback; RateNotFound if none."""
    chosen = RateSide(side)
    row = session.exec(
        select(ExchangeRate)
        .where(ExchangeRate.pair == pair, ExchangeRate.date <= on_date)
        .order_by(col(ExchangeRate.date).desc())
        .limit(1)
    ).first()
    if row is None:
        raise RateNotFound(f"no hay tipo de cambio {pair} registrado al {on_date:%d/%m/%Y} ni antes")
    value = row.sell if chosen is RateSide.SELL else row.buy
    return AppliedRate(
        value=value,
        rate_date=row.date,
        side=chosen.value,
        source=row.source,
        fallback=row.date != on_date,
        requested_date=on_date,
    )


_DATE_HEADERS = {"fecha", "date", "dia", "day"}
_BUY_HEADERS = {"compra", "buy", "tipo cambio compra", "tc compra"}
_SELL_HEADERS = {"venta", "sell", "tipo cambio venta", "tc venta"}


def read_rates_csv(data: bytes, *, source: str = "csv") -> list[RateQuote]:
    """Parse a rates file (fecha, compra, venta; UTF-8 or Windows-1252; comma or semicolon)."""
    try:
        text = decode_bytes(data)
    except UndecodableFile as error:
        raise RateError(str(error)) from error
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = next(reader, None)
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
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {key: row[index].strip() for key, index in positions.items()}
            when = parse_date(cells["date"])
            if when is None:
                raise RateError(f"fecha inválida {cells['date']!r}")
            quote = RateQuote(when, _rate_value(cells["buy"]), _rate_value(cells["sell"]), source)
            quotes.append(_check_quote(quote))
        except (IndexError, RateError, MoneyError) as error:
            raise RateError(f"fila {row_number}: {error}") from error
    return quotes


def import_rates_csv(session: Session, path: Path) -> list[ExchangeRate]:
    """Store every rate of a CSV file (all of them or, on the first bad row, none)."""
    quotes = read_rates_csv(path.read_bytes(), source=f"csv:{path.name}")
    return [store_rate(session, quote) for quote in quotes]


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
        return _check_quote(quote)


def fetch_rate(
    session: Session,
    provider: HttpJsonRateProvider,
    on_date: date,
    *,
    client: httpx.Client | None = None,
    refresh: bool = False,
) -> ExchangeRate:
    """The stored rate of `on_date` if there is one (cached per day), else fetched and stored."""
    if not refresh:
        cached = session.exec(
            select(ExchangeRate).where(ExchangeRate.date == on_date, ExchangeRate.pair == PAIR)
        ).first()
        if cached is not None:
            return cached
    return store_rate(session, provider.fetch(on_date, client=client))


def rates_between(session: Session, start: date, end: date) -> Iterable[ExchangeRate]:
    """Stored rates from `start` to `end`, oldest first (for `paybot rates list`)."""
    return session.exec(
        select(ExchangeRate)
        .where(ExchangeRate.pair == PAIR, ExchangeRate.date >= start, ExchangeRate.date <= end)
        .order_by(col(ExchangeRate.date))
    ).all()
