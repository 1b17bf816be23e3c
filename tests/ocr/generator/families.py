"""Layout families as data, and the fixed split into families the reader is tuned on and families held out.

A family is an arrangement (how labels and values sit on the page, or which screen shows a notification)
with its parameters. The split is drawn once from HOLDOUT_SEED, separately for card layouts and for
notification screens, and the same seed splits each field's label wordings and the notification
templates, so held-out receipts combine arrangements and wordings the reader was never fixed against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from tests.ocr.generator.prose import TEMPLATES, Template
from tests.ocr.generator.vocab import BANKS, COMMON, Bank, wordings

HOLDOUT_SEED = 12
HELD_SHARE = 1 / 3
Split = Literal["tuned", "held", "held2"]


@dataclass(frozen=True)
class Family:
    """One arrangement: a card layout or a notification screen, with its parameters."""

    name: str
    group: Literal["card", "prose"]
    kind: str
    params: dict[str, object] = field(default_factory=dict)


FAMILIES: tuple[Family, ...] = (
    Family("rows-colon", "card", "rows", {"colon": True}),
    Family("rows-plain", "card", "rows", {"colon": False, "rules": True}),
    Family("rows-dense-regular", "card", "rows", {"colon": False, "dense": True, "bold": False}),
    Family("inline-label", "card", "inline"),
    Family("stacked", "card", "stacked", {"colon": False}),
    Family("stacked-centered", "card", "stacked", {"centered": True}),
    Family("caption-below", "card", "stacked", {"caption": True}),
    Family("two-column", "card", "grid", {"colon": False}),
    Family("sections", "card", "sections"),
    Family("ticket-leaders", "card", "ticket", {"leaders": True}),
    Family("ticket-stacked", "card", "ticket", {"leaders": False}),
    Family("table", "card", "table", {"bold_labels": True}),
    Family("hero-amount", "card", "hero", {"colon": True}),
    Family("letter", "card", "letter"),
    Family("sms", "prose", "sms", {"breaks": 0.04}),
    Family("push", "prose", "push", {"breaks": 0.0}),
    Family("email", "prose", "email", {"breaks": 0.06, "column": 760}),
    Family("chat-forward", "prose", "chat", {"breaks": 0.03}),
)


FAMILIES_2: tuple[Family, ...] = (
    Family("column-table", "card", "column-table"),
    Family("deposit-slip", "card", "deposit-slip"),
    Family("side-by-side", "card", "side-by-side"),
    Family("chat-list", "card", "chat-list"),
    Family("notification-stack", "prose", "stack"),
)
"""The second held-out group (part `held2`, rendered by holdout2.py): never in the split above, never tuned on."""


def _held(names: list[str], rng: random.Random) -> set[str]:
    ordered = sorted(names)
    rng.shuffle(ordered)
    return set(ordered[: max(1, round(len(ordered) * HELD_SHARE))])


@cache
def split() -> dict[str, set[str]]:
    """Held-out family names, template names and `field:wording` keys (everything else is tuned)."""
    rng = random.Random(HOLDOUT_SEED)
    held: dict[str, set[str]] = {}
    held["families"] = _held([f.name for f in FAMILIES if f.group == "card"], rng) | _held(
        [f.name for f in FAMILIES if f.group == "prose"], rng
    )
    held["templates"] = _held([t.name for t in TEMPLATES], rng)
    words: set[str] = set()
    for key in COMMON:
        every = sorted({w for bank in BANKS for w in wordings(bank, key)})
        words |= {f"{key}:{w}" for w in _held(every, rng)}
    held["wordings"] = words
    return held


def families(part: Split | None) -> list[Family]:
    """The families of one part of the split (all the first split's for None; the second group for `held2`)."""
    if part == "held2":
        return list(FAMILIES_2)
    held = split()["families"]
    return [f for f in FAMILIES if part is None or (f.name in held) == (part == "held")]


def templates(part: Split | None, bank: Bank) -> list[Template]:
    """The bank's notification templates in one part, falling back to the templates for any bank."""
    held = split()["templates"]
    usable = [t for t in TEMPLATES if part is None or (t.name in held) == (part == "held")]
    own = [t for t in usable if t.bank == bank.name]
    return own or [t for t in usable if t.bank is None] or usable


def label_choices(part: Split | None, bank: Bank, key: str) -> list[str]:
    """The wordings one part may print for a field at this bank (never empty)."""
    held = split()["wordings"]
    every = list(wordings(bank, key))
    chosen = [w for w in every if part is None or (f"{key}:{w}" in held) == (part == "held")]
    return chosen or every
