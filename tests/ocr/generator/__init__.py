"""Synthetic Costa Rican bank receipts and notifications with ground truth, for tests and the benchmark.

`generate(seed)` draws everything from the seed: the issuer, a layout family (card layouts and notification
screens, see `families.py`), the label wordings, the spelling of every value, light or dark mode, and a
clean screenshot or a photograph. `part="tuned"` or `part="held"` restricts the draw to one side of the
fixed split, so the benchmark can report receipts the reader was never fixed against. Half the tuned (and
unsplit) seeds draw from the wider tuned group instead (`wide.py`: twelve more families, more issuers,
wordings, spellings and photographs); the other half, and every held-out seed, give the receipt they gave before.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image

from tests.ocr.generator.cards import CARD_RENDERERS, Pair, compose, render_letter, ticket_case
from tests.ocr.generator.content import Content, Truth, make_content
from tests.ocr.generator.draw import make_look
from tests.ocr.generator.families import (
    FAMILIES,
    FAMILIES_2,
    Family,
    Split,
    families,
    label_choices,
    split,
    templates,
)
from tests.ocr.generator.holdout2 import CARD_RENDERERS_2, notification, restyle
from tests.ocr.generator.photo import encode, photograph
from tests.ocr.generator.prose import Said, say
from tests.ocr.generator.screens import SCREEN_RENDERERS
from tests.ocr.generator.vocab import BANKS, Bank, vary
from tests.ocr.generator.wide import WIDE_FAMILIES, WIDE_NAMES, draws_wide, generate_wide
from tests.ocr.generator.wide_layouts import LAYOUT_NAMES, generate_layout

__all__ = [
    "BANKS", "FAMILIES", "FAMILIES_2", "WIDE_FAMILIES", "Receipt", "Truth", "card_image", "encode", "families",
    "generate", "notification_image", "split",
]
CLIENT_ID = re.compile(r"\bID\s*[:#-]?\s*(?:WOLK\s*[:#-]?\s*)?#?\s*(\d{1,10})\b", re.IGNORECASE)


@dataclass
class Receipt:
    """A generated receipt: encoded file bytes, its truth, and how it was made."""

    data: bytes
    truth: Truth
    family: str
    part: Split | None
    dark: bool
    photographed: bool
    text: str = ""
    notes: dict[str, str] = field(default_factory=dict)


def _client_id(description: str | None) -> str | None:
    match = CLIENT_ID.search(description or "")
    return match.group(1) if match else None


def _labeller(part: Split | None, bank: Bank, rng: random.Random) -> Callable[[str], str]:
    chosen: dict[str, str] = {}

    def label(key: str) -> str:
        if key not in chosen:
            options = label_choices(part, bank, key)
            own = [w for w in options if w in bank.labels.get(key, ())]
            wording = rng.choice(own) if own and rng.random() < 0.5 else rng.choice(options)
            chosen[key] = vary(wording, rng)
        return chosen[key]

    return label


def _named(text: str, bank: Bank) -> bool:
    names = {*bank.prose_names, *bank.headers}
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) for name in names)


def _card(family: Family, content: Content, bank: Bank, part: Split | None, rng: random.Random, dark: bool,
          ) -> tuple[Image.Image, Truth, str]:
    label = _labeller(part, bank, rng)
    pairs = compose(content, label, rng)
    if family.kind == "ticket":
        pairs = ticket_case(pairs)
    look = make_look(rng, bank.accent, dark)
    shown: dict[str, str]
    if family.kind == "letter":
        image, named, shown = render_letter(pairs, look, bank, rng, family.params, content)
        dated = True
    else:
        image, named = CARD_RENDERERS[family.kind](pairs, look, bank, rng, family.params)
        shown = {p.key: p.value for p in pairs}
        dated = "date" in shown
    amount = shown.get("amount") or next(p.value for p in pairs if p.key == "amount")
    description = shown.get("description")
    truth = Truth(
        amount=content.amount,
        currency=content.currency,
        date=content.moment.date() if dated or (content.sinpe and "reference" in shown) else None,
        reference=shown.get("reference"),
        payer_name=shown.get("payer_name"),
        payee_name=shown.get("payee_name"),
        description=description,
        client_id=_client_id(description),
        bank=bank.name if named else None,
        payee_phone=content.payee_phone if "payee_phone" in shown else None,
        payer_phone=content.payer_phone if "payer_phone" in shown else None,
    )
    text = "\n".join(f"{p.label}: {' / '.join(p.lines)}" for p in pairs if isinstance(p, Pair))
    return image, truth, f"amount={amount}\n{text}"


def _notification(family: Family, content: Content, bank: Bank, part: Split | None, rng: random.Random,
                  dark: bool) -> tuple[Image.Image, Truth, str]:
    template = rng.choice(templates(part, bank))
    said: Said = say(template, content, rng)
    look = make_look(rng, bank.accent, dark)
    image, header_named, year_shown = SCREEN_RENDERERS[family.kind](said, bank, content.moment, look, rng,
                                                                    family.params)
    dated = said.dated or year_shown or (content.sinpe and said.reference is not None)
    truth = Truth(
        amount=content.amount,
        currency=content.currency,
        date=content.moment.date() if dated else None,
        reference=said.reference,
        payer_name=said.payer,
        payee_name=said.payee,
        description=said.description,
        client_id=_client_id(said.description),
        bank=bank.name if header_named or _named(said.text, bank) else None,
    )
    return image, truth, f"template={template.name}\n{said.text}"


def _second_group(family: Family, content: Content, bank: Bank, rng: random.Random, dark: bool,
                  ) -> tuple[Image.Image, Truth]:
    """A receipt of the second held-out group (holdout2.py) and what a careful person reads on it."""
    content = restyle(content, rng)
    if family.group == "prose":
        image, said, named = notification(content, bank, rng, dark)
        dated = said.dated or (content.sinpe and said.reference is not None)
        return image, Truth(
            amount=content.amount, currency=content.currency, date=content.moment.date() if dated else None,
            reference=said.reference, payer_name=said.payer, payee_name=said.payee, description=said.description,
            client_id=_client_id(said.description), bank=bank.name if named or _named(said.text, bank) else None,
        )
    drawn = CARD_RENDERERS_2[family.kind](content, bank, rng, dark)
    shown = drawn.shown
    sinpe_reference = content.sinpe and shown.get("reference") == content.reference
    return drawn.image, Truth(
        amount=content.amount, currency=content.currency,
        date=content.moment.date() if drawn.dated or sinpe_reference else None,
        reference=shown.get("reference"), payer_name=shown.get("payer_name"), payee_name=shown.get("payee_name"),
        description=shown.get("description"), client_id=_client_id(shown.get("description")),
        bank=bank.name if drawn.named else None,
    )


def generate(
    seed: int,
    *,
    part: Split | None = None,
    family: str | None = None,
    bank: str | None = None,
    photographed: bool | None = None,
    dark: bool | None = None,
) -> Receipt:
    """A reproducible receipt for `seed`; the keyword arguments pin a variant."""
    if family in LAYOUT_NAMES:
        data, _image, truth, name, is_dark, is_photo, text = generate_layout(
            seed, family=family, bank=bank, photographed=photographed, dark=dark)
        return Receipt(data=data, truth=truth, family=name, part=part, dark=is_dark, photographed=is_photo, text=text)
    if family in WIDE_NAMES or (family is None and part in (None, "tuned") and draws_wide(seed)):
        data, drawn, is_photo = generate_wide(seed, family=family, bank=bank, photographed=photographed, dark=dark)
        return Receipt(data=data, truth=drawn.truth, family=drawn.family, part=part, dark=drawn.dark,
                       photographed=is_photo, text=drawn.text)
    rng = random.Random(seed)
    pool = [f for f in families(part) if family is None or f.name == family]
    if family is not None and not pool and any(f.name == family for f in FAMILIES_2):
        pool, part = [f for f in FAMILIES_2 if f.name == family], "held2"
    if not pool:
        raise ValueError(f"no family {family!r} in part {part!r}")
    chosen = rng.choice(pool)
    issuers = [b for b in BANKS if bank is None or b.name == bank]
    issuer = rng.choice(issuers)
    counterpart = rng.choice(BANKS)
    content = make_content(rng, issuer.code, counterpart.code)
    is_dark = (rng.random() < 0.3 and chosen.kind not in ("ticket", "table", "letter")) if dark is None else dark
    is_photo = rng.random() < (0.6 if chosen.name == "deposit-slip" else 0.25) if photographed is None else photographed
    text = ""
    if part == "held2":
        image, truth = _second_group(chosen, content, issuer, rng, is_dark)
    elif chosen.group == "prose":
        image, truth, text = _notification(chosen, content, issuer, part, rng, is_dark)
    else:
        image, truth, text = _card(chosen, content, issuer, part, rng, is_dark)
    if is_photo:
        data = encode(photograph(image, rng), "JPEG", rng.randint(60, 85))
    else:
        data = encode(image, rng.choice(["PNG", "PNG", "JPEG", "WEBP"]), 90)
    return Receipt(data=data, truth=truth, family=chosen.name, part=part, dark=is_dark, photographed=is_photo,
                   text=text)


def _family(name: str) -> Family:
    """A tuned family for a story; a held-out one is refused, so no story ever shows what tuning must not see."""
    if name in split()["families"]:
        raise ValueError(f"family {name!r} is held out: stories draw tuned families only")
    chosen = next((f for f in FAMILIES if f.name == name), None)
    if chosen is None:
        raise ValueError(f"no tuned family {name!r} for a story")
    return chosen


def card_image(rows: list[tuple[str, str] | tuple[str, str, str]], *, bank: str = "BCR", family: str = "rows-colon",
               seed: int = 0, dark: bool = False, photographed: bool = False) -> bytes:
    """A receipt card printing exactly these (label, value[, line under the value]) rows, for stories."""
    rng = random.Random(seed)
    issuer = next(b for b in BANKS if b.name == bank)
    chosen = _family(family)
    pairs = [Pair("story", row[0], row[1], row[2] if len(row) > 2 else None) for row in rows]  # type: ignore[misc]
    if chosen.kind == "ticket":
        pairs = ticket_case(pairs)
    image, _named = CARD_RENDERERS[chosen.kind](pairs, make_look(rng, issuer.accent, dark), issuer, rng, chosen.params)
    if photographed:
        return encode(photograph(image, rng), "JPEG", 80)
    return encode(image, "PNG")


def notification_image(text: str, *, bank: str = "Banco Nacional", family: str = "push", seed: int = 0,
                       dark: bool = False) -> bytes:
    """A phone screenshot of a notification saying exactly `text` (a newline in it forces a line break)."""
    rng = random.Random(seed)
    issuer = next(b for b in BANKS if b.name == bank)
    chosen = _family(family)
    said = Said(text=text, amount="", payer=None, payee=None, description=None, reference=None, dated=False)
    moment = datetime(2026, 11, 27, 9, 41)
    image, _named, _year = SCREEN_RENDERERS[chosen.kind](said, issuer, moment, make_look(rng, issuer.accent, dark),
                                                         rng, {**chosen.params, "breaks": 0.0})
    return encode(image, "PNG")
