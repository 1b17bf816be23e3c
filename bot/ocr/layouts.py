"""Bank label profiles loaded from `layouts/*.toml`, so an operator adds a bank without code."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LAYOUT_DIR = Path(__file__).with_name("layouts")
FIELDS = ("amount", "date", "reference", "payer_name", "payee_name", "description", "payee_phone", "payer_phone")
LABEL_KINDS = (*FIELDS, "payer_account", "payee_account", "currency", "ignore")
"""What a label may name: a field, an account, the currency of an amount written in a column of its own, or a
row the reader leaves alone (fees, status, ID card)."""


def normalize(text: str) -> str:
    """Lowercase, accents and punctuation dropped, spaces collapsed: how labels are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9ñ$]+", " ", plain).split())


@dataclass(frozen=True)
class Layout:
    """One bank's name, the words that identify it, and its labels per field."""

    name: str
    detect: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _load(path: Path) -> Layout:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    labels = {key: tuple(value) for key, value in data.get("labels", {}).items() if key in LABEL_KINDS}
    patterns = {key: tuple(value) for key, value in data.get("patterns", {}).items()}
    keywords = {key: tuple(normalize(w) for w in value) for key, value in data.get("keywords", {}).items()}
    return Layout(
        name=data.get("name", ""),
        detect=tuple(data.get("detect", [])),
        labels=labels,
        patterns=patterns,
        keywords=keywords,
    )


@cache
def load_layouts(directory: Path = LAYOUT_DIR) -> tuple[Layout, tuple[Layout, ...]]:
    """The generic profile and the bank profiles found in `directory`."""
    generic = _load(directory / "generic.toml")
    banks = tuple(_load(path) for path in sorted(directory.glob("*.toml")) if path.stem != "generic")
    return generic, banks


def detect_bank(text: str, banks: tuple[Layout, ...]) -> tuple[Layout | None, float]:
    """The bank whose identifying words appear in the text (longest evidence wins), with a confidence.

    When two banks are named, the issuer is the one named first (its header), and no longer a sure reading.
    """
    haystack = f" {normalize(text)} "
    named: list[tuple[int, int, Layout]] = []
    for bank in banks:
        found = [f" {normalize(word)} " for word in bank.detect if f" {normalize(word)} " in haystack]
        if found:
            named.append((sum(len(word) - 2 for word in found), min(haystack.find(word) for word in found), bank))
    if not named:
        return None, 0.6
    if len(named) > 1:
        return min(named, key=lambda item: item[1])[2], 0.6
    score, _, bank = named[0]
    return bank, 0.95 if score >= 6 else 0.8


def merged_labels(generic: Layout, bank: Layout | None) -> dict[str, list[tuple[str, ...]]]:
    """Labels per field as normalized word tuples, the bank's first, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for key in LABEL_KINDS:
        words = list(bank.labels.get(key, ())) if bank else []
        words += [w for w in generic.labels.get(key, ()) if w not in words]
        out[key] = sorted({tuple(normalize(w).split()) for w in words if normalize(w)}, key=len, reverse=True)
    return out
