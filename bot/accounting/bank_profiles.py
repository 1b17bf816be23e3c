"""How each bank exports the company's movements: one column mapping per bank in `banks/*.toml`, and any
an operator adds in `PAYBOT_BANK_PROFILES_DIR` (a file there with the same bank replaces the built-in)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from currency.text import normalize_header

PROFILE_DIR = Path(__file__).with_name("banks")
COLUMN_ROLES = ("date", "reference", "description", "debit", "credit", "amount", "currency")


class ProfileError(ValueError):
    """A mapping file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class BankProfile:
    """One bank's export: the header of each column we read, and how to read the rows."""

    bank: str
    name: str
    columns: Mapping[str, str]
    currency: str = "CRC"
    aliases: tuple[str, ...] = ()
    skip_rows_starting_with: tuple[str, ...] = ()
    source: str = ""

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.bank, self.name, *self.aliases)}

    def header(self, role: str) -> str | None:
        value = self.columns.get(role)
        return normalize_header(value) if value else None


def _profile(data: Mapping[str, Any], source: Path) -> BankProfile:
    columns = data.get("columns")
    if not isinstance(data.get("bank"), str) or not isinstance(columns, dict):
        raise ProfileError(f"{source.name}: faltan «bank» o la sección [columns]")
    unknown = sorted(set(columns) - set(COLUMN_ROLES))
    if unknown:
        raise ProfileError(f"{source.name}: columnas desconocidas {unknown}; use {', '.join(COLUMN_ROLES)}")
    if "date" not in columns or not ("amount" in columns or {"debit", "credit"} <= set(columns)):
        raise ProfileError(f"{source.name}: hacen falta «date» y «amount», o «debit» y «credit»")
    currency = str(data.get("currency", "CRC")).upper()
    if currency not in ("CRC", "USD"):
        raise ProfileError(f"{source.name}: moneda {currency!r}: use CRC o USD")
    return BankProfile(
        bank=data["bank"].strip().upper(),
        name=str(data.get("name", data["bank"])),
        columns={role: str(header) for role, header in columns.items()},
        currency=currency,
        aliases=tuple(str(a) for a in data.get("aliases", ())),
        skip_rows_starting_with=tuple(str(s) for s in data.get("skip_rows_starting_with", ())),
        source=str(source),
    )


def load_profiles(extra_dir: Path | None = None) -> dict[str, BankProfile]:
    """Every bank's mapping by its short name (BCR, BN, BAC, POPULAR, and the operator's)."""
    profiles: dict[str, BankProfile] = {}
    for directory in (PROFILE_DIR, extra_dir):
        if directory is None:
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ProfileError(f"{path.name}: {error}") from error
            profile = _profile(data, path)
            profiles[profile.bank] = profile
    return profiles


def find_profile(name: str, extra_dir: Path | None = None) -> BankProfile:
    """The mapping a bank's name (any of its names, any case or accents) refers to."""
    profiles = load_profiles(extra_dir)
    wanted = normalize_header(name)
    for profile in profiles.values():
        if wanted in profile.names():
            return profile
    known = ", ".join(sorted(profiles))
    raise ProfileError(f"banco desconocido «{name}»: use {known} o agregue su formato en PAYBOT_BANK_PROFILES_DIR")


def unprofiled_bank(name: str) -> BankProfile:
    """A bank nobody wrote a mapping for: its file is read by recognising the columns by their wording."""
    short = " ".join(name.split()).upper()[:40]
    if not short or not all(ch.isalnum() or ch in " -_." for ch in short):
        raise ProfileError(f"nombre de banco no válido «{name}»: use letras y números")
    return BankProfile(bank=short, name=" ".join(name.split()), columns={}, source="(sin formato conocido)")
