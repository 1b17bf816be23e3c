"""The wider tuned group (issue 12): twelve more layout families drawn with the wider vocabulary, values and
photographs, on the tuned side only.

A tuned receipt comes from this group when a draw from its seed (apart from the first generator's stream) says
so; otherwise it is exactly the receipt the first generator made for that seed. The held-out groups never
draw from here, so they generate the very same receipts as before.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from tests.ocr.generator.cards import Pair, render_inline, render_rows, render_sections, render_stacked, render_table
from tests.ocr.generator.content import Content, Truth
from tests.ocr.generator.draw import Look, make_look
from tests.ocr.generator.families import Family
from tests.ocr.generator.photo import encode
from tests.ocr.generator.prose import Said
from tests.ocr.generator.screens import render_chat, render_push
from tests.ocr.generator.vocab import Bank
from tests.ocr.generator.wide_cards import (
    compose_wide,
    render_app_cards,
    render_header_table,
    render_thermal,
    render_voucher,
    thermal_case,
    truth_value,
)
from tests.ocr.generator.wide_content import wide_content
from tests.ocr.generator.wide_photo import encode_photo, photograph_wide
from tests.ocr.generator.wide_prose import pick_template, render_email_details, render_sms_thread, say_wide
from tests.ocr.generator.wide_vocab import WIDE_BANKS, wide_labeller

WIDE_SHARE = 0.5
"""Share of tuned receipts drawn from this group."""
WIDE_SALT = 7_000_000_000
CardRenderer = Callable[[list[Pair], Look, Bank, random.Random, dict[str, object]], tuple[Image.Image, bool]]
ScreenRenderer = Callable[..., tuple[Image.Image, bool, bool]]

WIDE_FAMILIES: tuple[Family, ...] = (
    Family("w-app-cards", "card", "app-cards"),
    Family("w-voucher", "card", "voucher"),
    Family("w-header-table", "card", "header-table"),
    Family("w-thermal", "card", "thermal"),
    Family("w-rows", "card", "rows"),
    Family("w-inline", "card", "inline"),
    Family("w-stacked", "card", "stacked"),
    Family("w-sections", "card", "sections"),
    Family("w-sms-thread", "prose", "sms-thread", {"breaks": 0.08}),
    Family("w-push", "prose", "push", {"breaks": 0.05}),
    Family("w-email", "prose", "email-details", {"breaks": 0.05}),
    Family("w-chat", "prose", "chat", {"breaks": 0.05}),
)
WIDE_NAMES = frozenset(f.name for f in WIDE_FAMILIES)

CARD_RENDERERS_WIDE: dict[str, CardRenderer] = {
    "app-cards": render_app_cards, "voucher": render_voucher, "header-table": render_header_table,
    "thermal": render_thermal, "rows": render_rows, "inline": render_inline, "stacked": render_stacked,
    "sections": render_sections, "table": render_table,
}
SCREEN_RENDERERS_WIDE: dict[str, ScreenRenderer] = {
    "sms-thread": render_sms_thread, "push": render_push, "email-details": render_email_details, "chat": render_chat,
}
CHANNEL = {"sms-thread": "sms", "push": "push", "email-details": "email", "chat": None}
FIRST_PARAMS = {
    "rows": [{"colon": True}, {"colon": False, "rules": True}, {"colon": False, "dense": True, "bold": False}],
    "stacked": [{"colon": False}, {"colon": True}, {"caption": True}],
}
"""Parameters of the first generator's tuned families that the wider group reuses (never a held-out one's)."""
PHOTO_SHARE = {"w-thermal": 0.6, "w-voucher": 0.35}


@dataclass
class Drawn:
    """A receipt of the wider group before it is encoded."""

    image: Image.Image
    truth: Truth
    family: str
    dark: bool
    text: str


def draws_wide(seed: int) -> bool:
    """Whether a tuned seed draws from the wider group (a stream of its own, so the others stay as they were)."""
    return random.Random(seed + WIDE_SALT + 1).random() < WIDE_SHARE


def _client_id(description: str | None) -> str | None:
    from tests.ocr.generator import CLIENT_ID

    match = CLIENT_ID.search(description or "")
    return match.group(1) if match else None


def _named(text: str, bank: Bank) -> bool:
    names = {*bank.prose_names, *bank.headers}
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) for name in names)


def _card(family: Family, content: Content, bank: Bank, rng: random.Random, dark: bool,
          ) -> tuple[Image.Image, Truth, str]:
    pairs = compose_wide(content, wide_labeller(bank, rng), rng)
    if family.kind == "thermal":
        pairs = thermal_case(pairs)
    params: dict[str, object] = dict(rng.choice(FIRST_PARAMS.get(family.kind, [family.params])))
    image, named = CARD_RENDERERS_WIDE[family.kind](pairs, make_look(rng, bank.accent, dark), bank, rng, params)
    shown = {p.key: truth_value(p) for p in pairs}
    truth = Truth(
        amount=content.amount, currency=content.currency,
        date=content.moment.date() if "date" in shown else None,
        reference=shown.get("reference"), payer_name=shown.get("payer_name"), payee_name=shown.get("payee_name"),
        description=shown.get("description"), client_id=_client_id(shown.get("description")),
        bank=bank.name if named else None,
    )
    text = "\n".join(f"{p.label}: {' / '.join(p.lines)}" for p in pairs)
    return image, truth, text


def _notification(family: Family, content: Content, bank: Bank, rng: random.Random, dark: bool,
                  ) -> tuple[Image.Image, Truth, str]:
    template = pick_template(bank, CHANNEL[family.kind], rng)
    said: Said = say_wide(template, content, rng)
    look = make_look(rng, bank.accent, dark)
    details: list[Pair] = []
    if family.kind == "email-details" and rng.random() < 0.5:
        keep = ("channel", "status", "date", "time", "reference") if said.reference is None else ("channel", "status")
        details = [p for p in compose_wide(content, wide_labeller(bank, rng), rng) if p.key in keep]
    renderer = SCREEN_RENDERERS_WIDE[family.kind]
    if family.kind == "email-details":
        image, header_named, year_shown = renderer(said, bank, content.moment, look, rng, family.params, details)
    else:
        image, header_named, year_shown = renderer(said, bank, content.moment, look, rng, family.params)
    listed = {p.key: p.value for p in details}
    reference = said.reference or listed.get("reference")
    dated = said.dated or year_shown or "date" in listed or (content.sinpe and reference is not None)
    truth = Truth(
        amount=content.amount, currency=content.currency, date=content.moment.date() if dated else None,
        reference=reference, payer_name=said.payer, payee_name=said.payee, description=said.description,
        client_id=_client_id(said.description),
        bank=bank.name if header_named or _named(said.text, bank) else None,
    )
    return image, truth, f"template={template.name}\n{said.text}"


def generate_wide(seed: int, *, family: str | None = None, bank: str | None = None,
                  photographed: bool | None = None, dark: bool | None = None) -> tuple[bytes, Drawn, bool]:
    """A reproducible receipt of the wider group for `seed`: its bytes, what was drawn, and whether it is a photo."""
    rng = random.Random(seed + WIDE_SALT)
    pool = [f for f in WIDE_FAMILIES if family is None or f.name == family]
    if not pool:
        raise ValueError(f"no wide family {family!r}")
    chosen = rng.choice(pool)
    issuers = [b for b in WIDE_BANKS if bank is None or b.name == bank]
    if not issuers:
        raise ValueError(f"no wide bank {bank!r}")
    issuer = rng.choice(issuers)
    content = wide_content(rng, issuer.code, rng.choice(WIDE_BANKS).code)
    light_only = chosen.kind in ("voucher", "header-table", "thermal", "table", "email-details")
    is_dark = (rng.random() < 0.3 and not light_only) if dark is None else dark
    is_photo = rng.random() < PHOTO_SHARE.get(chosen.name, 0.25) if photographed is None else photographed
    if chosen.group == "prose":
        image, truth, text = _notification(chosen, content, issuer, rng, is_dark)
    else:
        image, truth, text = _card(chosen, content, issuer, rng, is_dark)
    if is_photo:
        data = encode_photo(photograph_wide(image, rng), rng)
    else:
        data = encode(image, rng.choice(["PNG", "PNG", "JPEG", "WEBP"]), rng.choice([80, 90, 95]))
    return data, Drawn(image, truth, chosen.name, is_dark, text), is_photo
