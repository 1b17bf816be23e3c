"""From words with boxes (or plain text) to ReceiptFields: structure first, then wording, then the value's shape.

Label/value pairs come from geometry (`pairs`), the fields they name from the vocabulary or, for a wording
never seen, from its keywords or the nearest known wording (`labels`); sentences are read as a bank
notification (`prose`); every value is typed before it is used (`values`). Each field's confidence says how
it was found: a known label, a guessed one, a sentence, or only the value's shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from rapidfuzz import fuzz

from bot.ocr.amounts import (
    SIGN_DOUBT_CONFIDENCE,
    Reading,
    Recheck,
    Reread,
    Value,
    choose_amount,
    lenient_amount,
    reading_without_sign,
    second_reading,
)
from bot.ocr.columns import split_columns
from bot.ocr.fields import ReceiptFields
from bot.ocr.labels import (
    FUZZY,
    KEYWORD,
    KNOWN,
    SIMILAR,
    STOP_WORDS,
    LabelMatch,
    Vocabulary,
    label_words,
    side_of_verb,
    vocabulary,
)
from bot.ocr.layouts import FIELDS, Layout, detect_bank, load_layouts, normalize
from bot.ocr.pairs import Pair, find_pairs, holder_lines, segments
from bot.ocr.parsing import (
    AmountReading,
    better_symbol_reading,
    clean_name,
    clean_text,
    currency_named,
    find_client_id,
    may_gain_symbol,
    parse_amount,
    parse_phone,
    parse_reference,
    reference_date,
)
from bot.ocr.prose import (
    Notification,
    amounts,
    phrase,
    read_notification,
    sentence_piece,
    until_next_label,
    without_reference,
)
from bot.ocr.rows import TEXT_CONFIDENCE, Flat, Row, Token, flatten_rows, rows_from_text, rows_from_words
from bot.ocr.values import (
    cut_phrase,
    ends_abbreviated,
    has_date,
    is_account,
    is_amount,
    is_phone,
    looks_like_name,
    name_after_account,
    name_before_account,
    parse_date,
    reference_candidates,
    sentence,
    strip_accounts,
    weekday_disagrees,
)

__all__ = [
    "SIGN_DOUBT_CONFIDENCE",
    "TEXT_CONFIDENCE",
    "Recheck",
    "Reread",
    "Row",
    "Token",
    "Value",
    "extract",
    "rows_from_text",
    "rows_from_words",
]

BASE = {KNOWN: 0.97, FUZZY: 0.94, KEYWORD: 0.88, SIMILAR: 0.8}
"""The most a value can be trusted, by how its label was recognised: a label guessed from one keyword or from
the nearest known wording is a guess, and what it names is never sure."""
HOLDER_UNDER_ACCOUNT = 0.85
HOLDER_BY_ORDER = 0.55
HOLDER_UNDER_HEADING = 0.8
"""A holder's name found only by its place: alone beside an account, under a heading that names its side."""
"""A name with no label, beside an account: the first is taken for the payer, the second for the payee."""
PROSE = 0.85
PROSE_WEAK = 0.75
SHAPE = 0.55
DATED_SHAPE = 0.7
"""A reference found by its shape alone, and one that also starts with the receipt's date."""
SHORT_REFERENCE = 8
"""Fewer digits than this under a label nobody knows (a till's `TERMINAL: 79262`) give way to a dated reference."""
GLUED = 0.5
"""The most an amount gets when digits just before or after it may belong to it (a line break split it)."""
UNLABELLED_DATE = 0.8
ONE_WORD_NAME = 0.6
_SENTENCE_INSIDE = re.compile(r"[a-záéíóúñ]{2}\.\s+[A-ZÁÉÍÓÚÑ]")
"""A full stop between two words: a line holding it is two sentences, not a label (`Transacción aprobada.
Beneficiario`)."""
WRONG_WEEKDAY = 0.4
"""The most a date gets when the weekday written with it is another day's (one of its digits was misread)."""
PHOTO_TEXT = 0.88
PHOTO_SURE_DIGITS = 0.95
"""A photo's reference read less surely than this is capped at PHOTO_TEXT."""
DISAGREEMENT = 0.6
"""The most a field gets when another reading of it says something else."""
CROWDED = 0.85
"""The most a value gets when its label or value shares its row with other pieces (see Pair.crowded)."""
PHONE_LIKE = 0.7
TEXT_ALONE = 0.1
"""What a name or description read by a single source loses (see _pick_text): the best label gives 0.87."""
BANK_IN_SENTENCE = 0.85
"""The most the issuer gets when its name is read only inside a sentence (that may name the other bank)."""
SENTENCE_WORDS = 6
"""A row of more words than this is a sentence, not a heading or an app's name."""
HEADING_EXTRA_WORDS = 2
"""A row that holds a bank's name and at most this many other words (`ahora`, a time) names its issuer."""
CONNECTORS = frozenset({"de", "del", "la", "y", "el"})
PREPOSITIONS = frozenset({"a", "al", "de", "del", "desde", "en", "por", "para", "con", "hacia", "su", "tu"})
"""A bank's name right after one of these is part of a sentence (`desde BAC`, `por BN SINPE`)."""
PHRASE_OPENERS = frozenset({"a", "al", "de", "del", "desde", "para", "por", "hacia"})
"""Words a label line may end with that open a phrase, whose value is read on as a sentence when no pair reads it."""
OTHER_ENTITY = frozenset({"destino", "receptora", "receptor", "beneficiaria", "beneficiario", "destinataria",
                          "destinatario", "acreditar", "entidad"})
"""Words before a bank's name on its row that make it the other account's bank (`ENTIDAD RECEPTORA Coopenae`)."""
OTHER_ENTITY_LIKE = 65
"""How alike (rapidfuzz ratio) a misread word of the row above must be to one of OTHER_ENTITY: it only costs a
sure issuer its certainty."""
UNREAD_AMOUNT_LABEL = 0.6
"""The most an amount found by its shape gets when the receipt's amount label holds no readable amount."""
UNKNOWN_LABEL = 0.65
"""The most a description gets when only its shape says so, under a label whose words name no field."""
UNREAD_WORDS = 0.3
"""Words under a label nobody knows read with less confidence than this are marks, not a description."""
HEADING_SIDES = {
    **dict.fromkeys(("origen", "ordenante", "remitente", "originador", "emisor", "pagador", "debito", "debitada",
                     "envia"), "payer"),
    **dict.fromkeys(("destino", "beneficiario", "destinatario", "receptor", "favorecido", "acreditar", "acreditada",
                     "recibe"), "payee"),
}
"""The nouns a section's heading names its holder by (`Datos del beneficiario`); a bank's or a title's words
(`CS Ahorro y Crédito`, `Transferencia recibida`) name none."""
SECTION_WORDS = frozenset(("datos", "informacion", "fondos", "quien", "detalle", "seccion", "cliente"))
"""Words a section's heading is made of besides a holder's noun (`Información del remitente`)."""
HEADING_REACH = 4
"""Rows above a holder's label searched for its section's heading."""
CARRIED = 0.85
"""The most an amount gets when its label's value was only its first digits and the rest was read on the next line."""
LABEL_INSIDE = 0.6
"""The most a description gets when it carries another field's `Label:` (two fields run together)."""
"""The most a field gets when another reading of it says something else."""


@dataclass(frozen=True)
class Candidate:
    """A possible value of a field, how far it is trusted, and where it came from."""

    value: str
    conf: float
    source: str


def _base(match: LabelMatch) -> float:
    return BASE.get(match.how, 0.7)


def _trust(pair: Pair) -> float:
    """The most a pair's value is trusted: by how its label was recognised, less when its row is crowded."""
    return min(_base(pair.match), CROWDED) if pair.crowded else _base(pair.match)


def _pick(candidates: Sequence[Candidate]) -> tuple[str | None, float]:
    """The most trusted candidate; a second source that agrees adds a little, one that disagrees caps it."""
    if not candidates:
        return None, 0.0
    ordered = sorted(candidates, key=lambda c: c.conf, reverse=True)
    best = ordered[0]
    conf = best.conf
    others = [c for c in ordered[1:] if c.source != best.source]
    if any(c.value == best.value for c in others):
        conf = min(0.99, conf + 0.03)
    rivals = [c for c in ordered[1:] if c.value != best.value and c.conf >= 0.5]
    if rivals:
        conf = min(conf, DISAGREEMENT if rivals[0].conf >= best.conf - 0.1 else conf - 0.1)
    return best.value, round(conf, 3)


def _agreed(candidates: Sequence[Candidate], value: str | None) -> bool:
    """Whether two different sources (a label and a sentence, two labels) read the same value."""
    return len({c.source for c in candidates if c.value == value}) >= 2


def _pick_text(candidates: Sequence[Candidate]) -> tuple[str | None, float, float]:
    """The most trusted free text (a name, a description), its confidence, and the confidence before the rule
    that text read by one source only is never sure (it loses TEXT_ALONE, keeping the order of how it was
    found): nothing checks it the way a date's calendar or an amount's grouping checks those."""
    value, conf = _pick(candidates)
    if value is None or _agreed(candidates, value):
        return value, conf, conf
    return value, round(max(0.0, conf - TEXT_ALONE), 3), conf


def _side(kind: str) -> str | None:
    for side in ("payer", "payee"):
        if kind.startswith(side):
            return side
    return None


def _wraps(first: str, more: str) -> bool:
    """Whether `more` reads as the rest of the name `first` (wrapped to the next line)."""
    joined = f"{first} {more}"
    return len(joined.split()) <= 6 and looks_like_name(joined) and (" " not in more or looks_like_name(more))


def _first_name_after_digits(text: str) -> bool:
    """Whether a line ends with one capitalised name word after an account's digits or stars (or is that word
    alone): the start of a name that wrapped to the next line."""
    words = text.split()
    return bool(words) and bool(re.fullmatch(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]{2,}", words[-1])) and (
        len(words) == 1 or bool(re.search(r"[\d*#]", words[-2])))


def _name_from_lines(lines: Sequence[Sequence[Token]]) -> tuple[str, float] | None:
    """The holder's name among a value's lines, with its words' lowest confidence: account and phone lines
    skipped, an account beside the name removed, a wrapped name joined; any other line ends the search."""
    names: list[str] = []
    confs: list[float] = []
    lead: Token | None = None
    for line in lines:
        raw = " ".join(t.text for t in line)
        if re.search(r"[!¡¿?]", raw):
            break  # an exclamation (`¡Listo!`) or a question is never a holder's name
        text = strip_accounts(PARENTHESISED_ACCOUNT.sub("", raw)).strip(" -·|/,;:!")
        text = name_before_account(name_after_account(text))
        junk = bool(re.search(r"[\d*#@$]", text))
        if not names and _in_words(text):
            break
        if not names and line and (junk or not looks_like_name(text)) and _first_name_after_digits(text):
            lead = line[-1]  # `CR41 0152 7647 5756 8781 75 José` / `Segura Mora`: the name wrapped after its account
            continue
        if not text or (not names and (is_phone(text) or junk)):
            continue
        if names and COMPANY_SUFFIX.fullmatch(text):
            names[-1] = f"{names[-1]} {text}"
            break
        cleaned = _without_full_stop(clean_name(text) or "") if not junk else None
        if not cleaned or not (looks_like_name(cleaned) if not names else _wraps(names[0], cleaned)):
            break
        if names and _names_a_bank(cleaned):
            break  # the account's bank under the holder's name (`Wolk Software S.A.` / `BAC Credomatic ****5678`)
        if not names and lead is not None and _wraps(lead.text, cleaned):
            cleaned = f"{lead.text} {cleaned}"
            confs.append(lead.conf)
        names.append(cleaned)
        confs += [t.conf for t in line if any(ch.isalpha() for ch in t.text) and t.text in text]
        if len(names) == 2:
            break
    return (" ".join(names), min(confs, default=TEXT_CONFIDENCE)) if names else None


def _names_a_bank(text: str) -> bool:
    """Whether a line is a bank's name (`BAC Credomatic`, `Banco Nacional`), not a name's wrapped words."""
    _generic, banks = load_layouts()
    plain = normalize(text)
    return any(plain == normalize(word) or plain.startswith(normalize(word) + " ") for bank in banks
               for word in (*bank.detect, bank.name) if len(normalize(word)) >= 3)


APP_WORDS = frozenset(("banco", "en", "linea", "movil", "costa", "rica", "r", "l", "rl", "app", "internet", "banking",
                       "banca", "de", "grupo", "n", "1", "online", "conectado"))
"""Words an issuer's or app's name carries besides the bank's own (`Scotia en Línea`, `Banco Davivienda`)."""


def _only_a_bank(text: str) -> bool:
    """Whether a line is an issuer's or its app's name and nothing else (a page's heading), never a description."""
    _generic, banks = load_layouts()
    plain = f" {normalize(text)} "
    for bank in banks:
        for word in sorted((*bank.detect, bank.name), key=len, reverse=True):
            if len(normalize(word)) >= 3 and f" {normalize(word)} " in plain:
                rest = plain.replace(f" {normalize(word)} ", " ").split()
                return all(w in APP_WORDS for w in rest)
    return False


def _in_words(text: str) -> bool:
    """Whether a line is a sentence (more than four words, three of them lower case and no connector): the holder's
    name is not found under it, however short the line it wraps to (`... realizado por JOSÉ` / `ALBERTO`)."""
    words = text.split()
    return len(words) > 4 and sum(w.islower() and w not in CONNECTORS for w in words) >= 3


def _names(pairs: Sequence[Pair], notice: Notification, inner: Sequence[tuple[LabelMatch, str]],
           banks: tuple[Layout, ...], vocab: Vocabulary, flat: Flat, rows: Sequence[Row] = (),
           ) -> dict[str, list[Candidate]]:
    """Payer and payee candidates; a bank's own name, or words that are all label words, are never a holder's."""
    out: dict[str, list[Candidate]] = {"payer": [], "payee": []}
    issuers = {normalize(word) for bank in banks for word in (*bank.detect, bank.name)}
    found = _holder_candidates(pairs, notice, inner, flat, vocab, rows)
    for side, candidates in found.items():
        out[side] = [
            c for c in candidates
            if normalize(c.value) not in issuers and normalize(c.value).removeprefix("banco ") not in issuers
            and not all(w in vocab.label_vocabulary or w in STOP_WORDS for w in label_words(c.value))
            and _side_heading(c.value, vocab) is None
        ]
    return out


def _holder_candidates(pairs: Sequence[Pair], notice: Notification, inner: Sequence[tuple[LabelMatch, str]],
                       flat: Flat, vocab: Vocabulary, rows: Sequence[Row] = ()) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {"payer": [], "payee": []}
    for pair in pairs:
        side = _side(pair.kind)
        if side is None or (pair.kind.endswith("_phone") and not (
            len(pair.lines) >= 2 and is_phone(pair.line_texts()[0]) and not _claimed(pair.lines[1:], pair, pairs))):
            continue  # a phone's label heads a holder's name only on a line of its own under the number
        headed = _side_of_heading(pair, rows, vocab)
        above = None if headed else _side_of_account_above(pair, pairs, vocab)
        side = headed or above or side
        found = _name_from_lines(pair.lines)
        if found is None:
            continue
        name, conf = found
        if not pair.kind.endswith("_name") and len(name.split()) < 2:
            continue  # one word under an account's label (`Aviso de crédito a su cuenta` / `Notificaciones`)
        named = pair.kind.endswith("_name") and not headed
        base = _trust(pair) if named else min(HOLDER_UNDER_ACCOUNT, _trust(pair))
        out[side].append(Candidate(name, min(base, conf), f"pair:{pair.label}"))
    for match, text in inner:
        side = _side(match.kind)
        if side and match.kind.endswith("_name") and not out[side]:
            found = _name_from_lines([[Token(w, TEXT_CONFIDENCE) for w in text.split()]])
            if found:
                said = found[0]
                out[side].append(Candidate(said, min(PROSE, _base(match), _in_text(flat, said, None)[1]), "sentence"))
    for side, written in (("payer", notice.payer), ("payee", notice.payee)):
        if written:
            out[side].append(Candidate(written, min(PROSE, _in_text(flat, written, None)[1]), "prose"))
    return out


def _claimed(lines: Sequence[Sequence[Token]], owner: Pair, pairs: Sequence[Pair]) -> bool:
    """Whether another pair holds these lines' words (the name a section's label already gives is one reading, not
    a second that agrees)."""
    words = {id(t) for line in lines for t in line}
    return any(other is not owner and words & {id(t) for t in other.tokens} for other in pairs)


def _side_of_account_above(pair: Pair, pairs: Sequence[Pair], vocab: Vocabulary) -> str | None:
    """For a holder's label that says nothing of which holder (`Nombre del titular`, `Titular`), the side of the
    account or phone labelled on the row just above it (`Cuenta a acreditar` then `Nombre del titular`)."""
    words = label_words(pair.label)
    sided = vocab.keywords.get("payer", frozenset()) | vocab.keywords.get("payee", frozenset())
    holder = vocab.keywords.get("holder", frozenset())
    singular = {w.removesuffix("es") for w in words} | {w.removesuffix("s") for w in words} | set(words)
    if not pair.kind.endswith("_name") or not singular & holder or singular & sided or side_of_verb(words):
        return None
    top = _top(pair.label_tokens)
    if top is None:
        return None
    height = max(t.box[3] - t.box[1] for t in pair.label_tokens if t.box is not None)
    above = [(top - row_top, other) for other in pairs
             if (row_top := _top(other.label_tokens)) is not None and 0 < top - row_top <= 4 * height]
    if not above:
        return None
    nearest = min(above, key=lambda item: item[0])[1]
    said = label_words(nearest.label)
    if not any(_keyword_side(w, vocab) or side_of_verb([w]) for w in said):
        return None  # `Celular:` says no more of which holder than `Nombre:` does
    return _side(nearest.kind) if nearest.kind.endswith(("_account", "_phone")) else None


def _side_of_heading(pair: Pair, rows: Sequence[Row], vocab: Vocabulary) -> str | None:
    """For a holder's label that says nothing of which holder (`Nombre:`), the side its section's heading names
    (`Datos del beneficiario` over `Nombre:` / `Cuenta:`): the nearest row above that is a short line of words
    naming a side and nothing else; a row above that names a side and holds a value ends the search."""
    if not _unsided(pair, vocab) or not pair.label_tokens:
        return None
    first = pair.label_tokens[0]
    at = next((k for k, row in enumerate(rows) if any(t is first for t in row.tokens)), None)
    return None if at is None else _heading_above(at, rows, vocab)


def _side_heading(text: str, vocab: Vocabulary) -> str | None:
    """The side a section heading names (`ORIGEN DE LOS FONDOS`, `Datos del beneficiario`): a short line without
    digits, a colon or a full stop, one of its words a holder's noun and the others label words or a section's
    (never a name: `Beneficiario Constructora Monteverde` opens a sentence); no sentence reads a name in it."""
    words = label_words(text)
    sides = {s for w in words if (s := HEADING_SIDES.get(w)) is not None}
    if len(sides) != 1 or not 2 <= len(words) <= 5 or re.search(r"[\d:.]", text):
        return None
    if not all(w in HEADING_SIDES or w in STOP_WORDS or w in SECTION_WORDS or w in vocab.label_vocabulary
               for w in words):
        return None
    return sides.pop()


def _heading_above(at: int, rows: Sequence[Row], vocab: Vocabulary) -> str | None:
    """The side named by the nearest section heading above row `at` (a short line naming a side and nothing else);
    a row of another field, or a row naming a side that holds a value, ends the search."""
    for row in reversed(rows[max(0, at - HEADING_REACH) : at]):
        words = label_words(row.text)
        sides = {s for w in words if (s := HEADING_SIDES.get(w)) is not None}
        if not sides:
            if any(w in vocab.keywords.get(role, frozenset()) for w in words
                   for role in ("amount", "date", "reference", "description")):
                return None  # a row of another field: the label is in no holder's section
            continue
        heading = len(sides) == 1 and not any(ch.isdigit() for ch in row.text) and len(row.text.split()) <= 5 and (
            not row.text.rstrip().endswith(":") or len(row.tokens) <= 3)
        return sides.pop() if heading else None
    return None


def _keyword_side(word: str, vocab: Vocabulary) -> str | None:
    return next((side for side in ("payer", "payee") if word in vocab.keywords.get(side, frozenset())), None)


def _unsided(pair: Pair, vocab: Vocabulary) -> bool:
    """A holder's label with no word saying which holder (`Nombre`, `Titular`, `Nombre del cliente`), or a phone's
    or account's label that says as little (`Celular:` with the name under its number)."""
    words = label_words(pair.label)
    holder = vocab.keywords.get("holder", frozenset())
    named = pair.kind.endswith("_name") and any(w in holder for w in words)
    return (named or pair.kind.endswith(("_phone", "_account"))) and not any(
        _keyword_side(w, vocab) or side_of_verb([w]) for w in words)


def _top(tokens: Sequence[Token]) -> int | None:
    tops = [t.box[1] for t in tokens if t.box is not None]
    return min(tops) if tops else None


def _sentence_labels(flat: str, vocab: Vocabulary) -> list[tuple[LabelMatch, str]]:
    """`Label: value.` written inside a paragraph (`... Destino: WOLK SOFTWARE S.A. Motivo: pago ...`)."""
    out: list[tuple[LabelMatch, str]] = []
    for match in re.finditer(r"(?:^|(?<=[.;]\s))((?:[A-Za-zÁÉÍÓÚÑáéíóúñ.º°#]+\s){0,4}[A-Za-zÁÉÍÓÚÑáéíóúñ]+):\s+",
                             flat):
        label = vocab.match(label_words(match.group(1)))
        if label is None or label.how not in (KNOWN, FUZZY, KEYWORD):
            continue
        rest = flat[match.end() : match.end() + 300]
        nxt = re.search(r"\.\s+(?=[A-ZÁÉÍÓÚÑ][A-Za-zÁÉÍÓÚÑáéíóúñ.º°#]*(?:\s[A-Za-zÁÉÍÓÚÑáéíóúñ.º°#]+){0,4}:)",
                        rest)
        value = until_next_label(phrase(rest[: nxt.start() + 1] if nxt else rest))
        value = _without_full_stop(value.strip()).strip(" ")
        if value:
            out.append((label, value))
    return out


def _reference(pairs: Sequence[Pair], notice: Notification, flat: Flat, when: date | None, reread: Reread | None,
               excluded: frozenset[int]) -> tuple[str | None, float]:
    """A labelled reference (second reading for a SINPE one that breaks the date rule), else a sentence's,
    else the longest run of 8 to 25 digits that is no account, phone or date, trusted less."""
    labelled = [p for p in pairs if p.kind == "reference"]
    # Digits under a label nobody knows (an SMS thread's `Clave dinámica: 915519`) give way to the reference a
    # sentence names.
    unknown = [p for p in pairs if p.kind == "unknown"] if not notice.reference else []
    for pair in sorted(labelled, key=lambda p: -_trust(p)) + unknown:
        text = pair.text
        if is_account(text) or is_phone(text) or has_date(text) or (is_amount(text) and not text.strip().isdigit()):
            continue
        value = Value(text, min(pair.conf, _trust(pair) if pair.kind == "reference" else 0.7), pair.tokens)
        found, conf = _choose_reference([value], when, reread)
        if found is not None and pair.kind == "unknown" and len(found) < SHORT_REFERENCE:
            shaped, shaped_conf = _shaped_reference(pairs, flat, excluded, when)
            if shaped is not None and shaped_conf >= DATED_SHAPE:
                # A SINPE reference standing alone (its label lost) beats a till's number under an unknown label.
                return shaped, shaped_conf
        if found is not None and pair.match.how != KNOWN and re.fullmatch(r"[2-8]\d{7}", found):
            # Eight digits a phone could be, under a label only guessed at: which one it is stays open.
            conf = min(conf, PHONE_LIKE)
        if found is not None:
            if notice.reference and notice.reference != found:
                conf = min(conf, DISAGREEMENT)
            return found, conf
    if notice.reference:
        digits = [re.sub(r"\D", "", t.text) for _, _, t in flat.spans]
        confs = [t.conf for (_, _, t), d in zip(flat.spans, digits, strict=True)
                 if len(d) >= 6 and d in notice.reference]
        conf = min([PROSE, *confs])
        if _sinpe_suspect(notice.reference, when):
            conf = min(conf, 0.5)
        return notice.reference, conf
    return _shaped_reference(pairs, flat, excluded, when)


def _shaped_reference(pairs: Sequence[Pair], flat: Flat, excluded: frozenset[int],
                      when: date | None) -> tuple[str | None, float]:
    """The longest run of 8 to 25 digits that is no account, phone or date, trusted more when it starts with the
    receipt's date as a SINPE reference does."""
    # Digits printed with a holder's name (`11467322729111001 Hazel Torres`) are the holder's account.
    holders = {id(t) for p in pairs if p.kind.endswith("_name") and _name_from_lines(p.lines) for t in p.tokens}
    kept = [t for _, _, t in flat.spans if id(t) not in excluded and id(t) not in holders]
    runs = reference_candidates(" ".join(t.text for t in kept))
    if not runs:
        return None, 0.0
    longest = max(runs, key=len)
    conf = SHAPE
    if len([r for r in runs if len(r) == len(longest)]) > 1:
        conf = 0.4
    elif reference_date(longest) is not None and when is not None and reference_date(longest) == when:
        conf = DATED_SHAPE
    return longest, conf


def _choose_reference(labelled: list[Value], when: date | None, reread: Reread | None) -> tuple[str | None, float]:
    """The first labelled value that parses as a reference; a SINPE one is cross-checked against the date.

    A 25-digit SINPE reference starts with the receipt date (YYYYMMDD). When the first reading breaks
    that rule, or finds nothing, a second model reads the words again; the reading that fits the rule
    wins, and two readings that disagree lower the confidence.
    """
    for value in labelled:
        first = parse_reference(value.text)
        # Words without a digit are no reference however a second model reads them.
        second_value = second_reading(value, reread) if re.search(r"\d", value.text) else None
        if first is not None and not _sinpe_suspect(first, when):
            again = parse_reference(second_value.text) if second_value else first
            if again is not None and again != first and again.isdigit() and first.isdigit():
                if len(again) == 25 and reference_date(again) == when and when is not None:
                    return again, min(value.conf, 0.8)
                return first, min(value.conf, DISAGREEMENT)
            return first, min(value.conf, 0.99)
        second = parse_reference(second_value.text) if second_value else None
        if second is not None and second_value is not None and not _sinpe_suspect(second, when):
            return second, min(second_value.conf, value.conf, 0.8 if first else 0.9)
        if first is not None:
            return first, min(value.conf, 0.5)
        if second is not None and second_value is not None:
            return second, min(second_value.conf, 0.5)
    return None, 0.0


def _sinpe_suspect(reference: str, when: date | None) -> bool:
    """A reference that looks like a SINPE one (starts with 20YY) but is not 25 digits of the receipt's date."""
    if when is None or not reference.startswith(f"{when:%Y}"[:2]) or len(reference) < 20:
        return False
    return reference_date(reference) != when


def _reread_symbols(value: Value, reread: Reread) -> Value:
    """The value with each word another reading restores a `#` or `ID` in (see better_symbol_reading)."""
    if not value.tokens or not any(ch.isdigit() or ch == "+" for ch in value.text):
        return value
    if any(t.box is None for t in value.tokens):
        return value
    tokens = list(value.tokens)
    for line in _lines(value.tokens):
        words = [value.tokens[k] for k in line]
        if not any(ch.isdigit() or ch == "+" for t in words for ch in t.text):
            continue
        if not any(may_gain_symbol(t.text) for t in words):
            continue
        second = reread(words)
        if not second or len(second) != len(words):
            continue
        for k, a, b in zip(line, words, second, strict=True):
            if better_symbol_reading(a.text, b.text):
                tokens[k] = b
    if tokens == list(value.tokens):
        return value
    return Value(" ".join(t.text for t in tokens).lstrip(": "), min(t.conf for t in tokens), tuple(tokens))


def _opens_phrase(text: str) -> bool:
    """Whether a line taken for a label ends with the preposition of a phrase that goes on at the next line
    (`Transferencia recibida de` / `Rebeca Leiva, tel ...`): unless its pair reads a value, the sentence is read."""
    words = text.split()
    return bool(words) and normalize(words[-1]) in PHRASE_OPENERS


def _lines(tokens: Sequence[Token]) -> list[list[int]]:
    """The positions of boxed words, split where a word does not share the previous one's line (a value
    wrapped over lines), so each line is read again on its own."""
    lines: list[list[int]] = []
    for k, token in enumerate(tokens):
        assert token.box is not None
        last = tokens[lines[-1][-1]].box if lines else None
        if last is not None and token.box[1] < last[3] and token.box[3] > last[1]:
            lines[-1].append(k)
        else:
            lines.append([k])
    return lines


MAIL_HEADERS = frozenset(("de", "para", "asunto", "cc", "cco", "fecha", "enviado", "from", "to", "subject", "date"))
"""An e-mail's own header names, as a mail app prints them over the message (`De:`, `Para:`, `Asunto:`)."""
MAIL_ROWS = 2.5
"""Header rows of one block are at most this many text heights apart."""


def _mail_headers_aside(pairs: Sequence[Pair]) -> tuple[list[Pair], frozenset[int]]:
    """Pairs with the mail's own headers set aside: `De:` there names the mail's sender (`Alertas BCR
    <avisos@...>`), `Para:` its reader, `Asunto:` its subject, never the payment's payer, payee or description.
    A block of such one-word labels on rows close together is the mail's when it holds a subject or an address;
    the ids of its words come back too, so no sentence reads them."""
    heads = [p for p in pairs if len(words := label_words(p.label)) == 1 and words[0] in MAIL_HEADERS
             and p.label.rstrip().endswith(":") and _top(p.label_tokens) is not None]
    heads.sort(key=lambda p: _top(p.label_tokens) or 0)
    blocks: list[list[Pair]] = []
    for pair in heads:
        top = _top(pair.label_tokens) or 0
        height = max(t.box[3] - t.box[1] for t in pair.label_tokens if t.box is not None)
        last = blocks[-1][-1] if blocks else None
        if last is not None and top - (_top(last.label_tokens) or 0) <= MAIL_ROWS * height:
            blocks[-1].append(pair)
        else:
            blocks.append([pair])
    mail: set[int] = set()
    for block in blocks:
        names = {label_words(p.label)[0] for p in block}
        if len(names) >= 2 and (names & {"asunto", "subject"} or any("@" in p.text for p in block)):
            mail.update(id(p) for p in block if label_words(p.label)[0] not in ("fecha", "date"))
    read = frozenset(id(t) for p in pairs if id(p) in mail for t in (*p.label_tokens, *p.tokens))
    return [replace(p, match=LabelMatch("ignore", KNOWN)) if id(p) in mail else p for p in pairs], read


def _aside(pair: Pair) -> bool:
    """Whether a pair's value is set aside from the fields: a fee or status, an account, a phone (as typed)."""
    if pair.kind == "ignore":
        return len(pair.text.split()) <= 6
    if pair.kind.endswith("_account"):
        return is_account(pair.text) and len(pair.text.split()) <= 12
    if pair.kind.endswith("_phone"):
        return len(pair.text) <= 24 and (is_phone(pair.text) or bool(re.fullmatch(r"[\d\s()+-]{8,20}", pair.text)))
    return False


def _explains(pair: Pair) -> bool:
    """Whether a pair's value is what its label promises (a name for a holder label, digits for a reference)."""
    if pair.kind == "unknown" or _SENTENCE_INSIDE.search(pair.label):
        return False
    if pair.kind.endswith("_name"):
        return _name_from_lines(pair.lines) is not None
    if pair.kind == "amount":
        return lenient_amount(pair.text) is not None
    if pair.kind == "reference":
        return parse_reference(pair.text) is not None
    if pair.kind == "ignore" or pair.kind.endswith(("_account", "_phone")):
        return _aside(pair)
    if pair.kind == "description":
        return not amounts(pair.text) and not has_date(pair.text)
    return True


def _label_part(tokens: Sequence[Token], vocab: Vocabulary) -> list[Token]:
    """A label's own words: the words before them on its line (`Servicios Médicos Aurora S.A.` before `Ref:`, the
    end of a sentence) are not explained by it."""
    kept = list(tokens)
    while len(kept) > 1 and not all(w in vocab.label_vocabulary or w in STOP_WORDS
                                    for w in label_words(kept[0].text)):
        kept.pop(0)
    return kept


def _in_text(flat: Flat, text: str, reread: Reread | None) -> tuple[str, float]:
    """A phrase of the paragraph with its words' lowest confidence, a lost `#` or `ID` read again."""
    start = flat.text.find(text)
    if start < 0:
        return text, PROSE_WEAK
    tokens = flat.tokens_between(start, start + len(text))
    conf = min((t.conf for t in tokens), default=TEXT_CONFIDENCE)
    if reread is None or not tokens:
        return text, conf
    again = _reread_symbols(Value(" ".join(t.text for t in tokens), conf, tokens), reread)
    for old, new in zip(tokens, again.tokens, strict=True):
        if old.text != new.text:
            text = text.replace(old.text.rstrip(".,;:"), new.text.rstrip(".,;:"), 1)
    return text, min(conf, again.conf)


PARENTHESISED_ACCOUNT = re.compile(r"\s*\((?=[^)]*[\d*+#])(?:CR|[*+#xX\d])[^)]*\)?\s*$")
"""An account in parentheses after a name, however its stars were read (`S.A. (CR** ++**`)."""
COMPANY_SUFFIX = re.compile(r"S\.\s?A\.?|S\.\s?R\.\s?L\.?|R\.\s?L\.?|Ltda\.?|LTDA\.?|C[ií]a\.?|Inc\.?", re.IGNORECASE)
"""A company's legal form, alone on the line its name wrapped to (`Comercializadora del Valle` / `S.R.L.`)."""


def _without_full_stop(text: str) -> str:
    """A value without the full stop that ends its sentence (an abbreviation like `S.A.` keeps its own)."""
    if text.endswith(".") and not ends_abbreviated(text):
        return text[:-1]
    return text


def _carries_label(text: str, vocab: Vocabulary) -> bool:
    """Whether a value is itself a label, or has another field's `Label:` inside it."""
    if vocab.is_label_text(text) is not None:
        return True
    words = text.split()
    for j in range(len(words)):
        found = vocab.prefix(words[j:])
        if found is not None and words[j + found[0] - 1].endswith(":") and found[1].kind not in ("unknown",
                                                                                                "description"):
            return True
    return False


def _description(pairs: Sequence[Pair], notice: Notification, inner: Sequence[tuple[LabelMatch, str]],
                 reread: Reread | None, flat: Flat, vocab: Vocabulary) -> tuple[str | None, float, float]:
    """The description, its confidence, and how far its words were read (what a client ID found in it gets)."""
    text, conf, read = _described(pairs, notice, inner, reread, flat, vocab)
    if text is not None and _carries_label(text, vocab):
        conf = read = min(conf, LABEL_INSIDE)
    return text, conf, read


def _described(pairs: Sequence[Pair], notice: Notification, inner: Sequence[tuple[LabelMatch, str]],
               reread: Reread | None, flat: Flat, vocab: Vocabulary) -> tuple[str | None, float, float]:
    candidates: list[Candidate] = []
    for pair in sorted((p for p in pairs if p.kind == "description"), key=lambda p: -_trust(p)):
        value = _description_value(pair, vocab)
        if value is None:
            continue
        if reread is not None and not candidates:
            value = _reread_symbols(value, reread)
        text = clean_text(_without_full_stop(without_reference(phrase(value.text))))
        if not text or re.fullmatch(r"[\d\s.,-]{6,}", text) or is_account(text) or is_amount(text) or is_phone(text):
            continue
        if _only_a_bank(text) or sum(ch.isalnum() for ch in text) < 2:
            continue  # a page's heading (`Scotia en Línea`) over a title read as a label (`Detalle del movimiento`)
        if re.search(r"\d{15}", text):
            continue  # a reference's digits (`N.º trámite 2026...`): the next field's value under a cut label
        candidates.append(Candidate(text, min(value.conf, _trust(pair)), f"pair:{pair.label}"))
    if candidates:
        return _checked_by_sentence(_pick_text(candidates), _said(notice, inner, flat, reread))
    for match, text in inner:
        if match.kind == "description":
            text, conf = _in_text(flat, text, reread)
            cleaned = clean_text(text)
            if cleaned and not _typed_line(cleaned) and not _starts_with_label(cleaned.split(), vocab):
                candidates.append(Candidate(cleaned, min(PROSE, conf), "sentence-label"))
    if notice.description and not candidates and (notice.description_labelled or not cut_phrase(notice.description)):
        text, conf = _in_text(flat, notice.description, reread)
        cleaned = clean_text(text)
        if cleaned and not _typed_line(cleaned) and not is_account(cleaned) and not _starts_with_label(
                cleaned.split(), vocab):
            base = PROSE if notice.description_labelled else PROSE_WEAK
            candidates.append(Candidate(cleaned, min(base, conf), "prose"))
    if not candidates:
        free = [p for p in pairs if p.kind == "unknown" and _free_words(p.text) and p.conf >= UNREAD_WORDS]
        for pair in free[:1]:
            cleaned = clean_text(_without_full_stop(sentence(pair.text)))
            if cleaned:
                conf = min(pair.conf, UNKNOWN_LABEL if len(free) == 1 else UNKNOWN_LABEL - 0.15)
                candidates.append(Candidate(cleaned, conf, f"unknown:{pair.label}"))
    return _pick_text(candidates)


def _said(notice: Notification, inner: Sequence[tuple[LabelMatch, str]], flat: Flat,
          reread: Reread | None) -> tuple[str, float] | None:
    """The description a sentence labels (`... Motivo: X.`, `Concepto X.`), read across the paragraph's lines."""
    written = next((text for match, text in inner if match.kind == "description"), None)
    if written is None and notice.description_labelled:
        written = notice.description
    if not written:
        return None
    text, conf = _in_text(flat, written, reread)
    cleaned = clean_text(text)
    return (cleaned, min(PROSE, conf)) if cleaned else None


def _checked_by_sentence(picked: tuple[str | None, float, float],
                         said: tuple[str, float] | None) -> tuple[str | None, float, float]:
    """A labelled description held against the one its paragraph's sentence labels: a value cut at the line
    break (`Concepto Pago de mensualidad de` / `servicios ...`) is read whole, and a value that is really another
    sentence (an amount, a date: the label's line taken for the wrong side) gives way; any other difference
    leaves both unsure."""
    text, conf, read = picked
    if said is None or text is None or said[0] == text:
        return picked
    whole, said_conf = said
    rest = whole[len(text) + 1 :]
    goes_on = (rest[:1].islower() or rest[:1].isdigit()) and ":" not in rest and not re.search(r"\d{6}", rest)
    cut_short = normalize(text.split()[-1]) in STOP_WORDS or goes_on
    if whole.startswith(text + " ") and (len(text.split()) >= 2 or goes_on) and cut_short:
        joined = min(conf, said_conf)
        return whole, joined, min(read, said_conf)
    if amounts(text) or has_date(text):
        return whole, min(said_conf, DISAGREEMENT), min(said_conf, DISAGREEMENT)
    return text, min(conf, DISAGREEMENT), min(read, DISAGREEMENT)


def _description_value(pair: Pair, vocab: Vocabulary) -> Value | None:
    """A description's lines up to the next field: a line that starts with a label and its colon
    (`CODIGO DE RASTREO:`, `REF. :`), a label alone, or a printed border (`*** COPIA CLIENTE ***`); and without
    the rest of a label wording cut short (`DETALLE` | `DE LA TRANSACCION ID WOLK 82001`)."""
    kept: list[Token] = []
    for line in pair.lines:
        words = [t.text for t in line]
        if _starts_with_label(words, vocab) or re.match(r"[*=_~-]{3}", words[0]):
            # The next field's label, or a value that is itself a label (a two-column page's other column).
            break
        if kept and _typed_line(" ".join(words)):
            break
        kept += line
    if kept and normalize(kept[0].text) in ("de", "del"):
        run = 0
        while run < len(kept) and (normalize(kept[run].text) in STOP_WORDS
                                   or normalize(kept[run].text) in vocab.label_vocabulary):
            run += 1
        if any(normalize(t.text) in vocab.label_vocabulary for t in kept[:run]):
            kept = kept[run:]
    if not kept:
        return None
    return Value(" ".join(t.text for t in kept), min(t.conf for t in kept), tuple(kept))


def _typed_line(text: str) -> bool:
    """A line that is another field's value by its shape (a reference's digits, an amount, an account, a phone, a
    date): a description's wrapped words never are."""
    return bool(re.fullmatch(r"[\d\s.-]{8,}", text)) or is_amount(text) or is_account(text) or is_phone(text) or (
        has_date(text) and len(text.split()) <= 6)


def _starts_with_label(words: Sequence[str], vocab: Vocabulary) -> bool:
    """Whether a line is a label alone, or starts with one followed by its colon (`REF. : 2026...`)."""
    if vocab.is_label_text(" ".join(words)) is not None:
        return True
    found = vocab.prefix(list(words))
    if found is None or (found[1].kind == "unknown" and not words[found[0] - 1].endswith(":")):
        return False
    taken = found[0]
    return words[taken - 1].endswith(":") or (taken < len(words) and words[taken] == ":")


def _free_words(text: str) -> bool:
    """Words that are no typed value and no name: what a description under a label nobody knows looks like (an
    amount's digits with their cents, `947 114,00`, are a sentence about the payment, whatever its currency)."""
    return (len(text.split()) >= 2 and not looks_like_name(text) and not re.search(r"\d{7}", text)
            and not is_amount(text) and not has_date(text) and not is_account(text) and not is_phone(text)
            and not amounts(text) and not re.search(r"\b\d{1,2}:\d{2}\b", text)
            and not re.search(r"\d{3}[.,]\d{2}(?!\d)", text))


def _date(pairs: Sequence[Pair], notice: Notification, full_text: str, reread: Reread | None,
          ) -> tuple[date | None, float]:
    for pair in sorted((p for p in pairs if p.kind == "date"), key=lambda p: -_trust(p)):
        value = Value(pair.text, pair.conf, pair.tokens)
        when = parse_date(value.text)
        conf = min(value.conf, _trust(pair))
        if when is None:
            second = second_reading(value, reread)
            when = parse_date(second.text) if second else None
            conf = min(second.conf * 0.9, conf) if second and when else 0.0
        if when:
            return when, min(conf, WRONG_WEEKDAY) if weekday_disagrees(value.text, when) else conf
    when = notice.date or parse_date(full_text)
    if when is None:
        return None, 0.0
    # A date no label names is trusted more when it is the only one written on the receipt.
    rows = [(row, parse_date(row)) for row in full_text.splitlines()]
    others = {d for _, d in rows if d is not None}
    if any(d == when and weekday_disagrees(row, when) for row, d in rows):
        return when, WRONG_WEEKDAY
    return when, UNLABELLED_DATE if others <= {when} else 0.5


def _amount(pairs: Sequence[Pair], flat_rows: Sequence[Row], excluded: frozenset[int], photo: bool,
            reread: Reread | None, recheck: Recheck | None) -> tuple[AmountReading | None, str | None, float, float]:
    named = sorted((p for p in pairs if p.kind == "amount" and re.search(r"\d", p.text)), key=lambda p: -_trust(p))
    column = next((c for p in pairs if p.kind == "currency" and (c := currency_named(p.text))), None)
    labelled = [_amount_value(p, column) for p in named]
    carried = _carried_on(labelled[0], flat_rows) if labelled else None
    if carried is not None:
        labelled[0] = carried
    sign_free = None
    if labelled:
        second = second_reading(labelled[0], reread)
        if second is not None:
            labelled.append(second)
        sign_free = reading_without_sign(labelled[0], recheck)
    skip = excluded | {id(t) for p in named for t in p.tokens} | {id(t) for t in (carried.tokens if carried else ())}
    flat = flatten_rows(flat_rows, skip)
    others: list[Reading] = []
    covered: set[int] = set()
    for row in flat_rows:
        kept = [t for t in row.tokens if id(t) not in skip]
        text = " ".join(t.text for t in kept)
        whole = parse_amount(text) if 0 < len(kept) <= 4 and is_amount(text) else None
        if whole is not None and whole.currency is not None:
            others.append(Reading(whole, min(t.conf for t in kept), False))
            covered.update(id(t) for t in kept)
    before_on_row = _row_prefixes(flat_rows)
    mentions = [m for m in amounts(flat.text)
                if not any(_NOT_THE_PAYMENT.search(before_on_row.get(id(t), ""))
                           for t in flat.tokens_between(m.start, m.end)[:1])]
    for mention in mentions:
        tokens = flat.tokens_between(mention.start, mention.end)
        if tokens and all(id(t) in covered for t in tokens):
            continue
        conf = min((t.conf for t in tokens), default=TEXT_CONFIDENCE)
        doubtful = mention.doubtful or mention.misread_sign or mention.glued
        money = AmountReading(mention.value, mention.currency, doubtful)
        others.append(Reading(money, conf, False))
    if not labelled and mentions and len({m.value for m in mentions}) == 1:
        # The one amount of a notification gets the second model's opinion, as a labelled one does.
        tokens = flat.tokens_between(mentions[0].start, mentions[0].end)
        second = second_reading(Value(" ".join(t.text for t in tokens), 0.0, tokens), reread)
        money_again = lenient_amount(second.text) if second else None
        if second is not None and money_again is not None:
            others.append(Reading(money_again, second.conf, False))
    cap = _trust(named[0]) if named else 0.9
    value, currency, conf, currency_conf = choose_amount(labelled, others, photo, sign_free, cap=max(cap, 0.85))
    unread = bool(labelled) and all(lenient_amount(v.text) is None for v in labelled)
    if (not named and any(p.kind == "amount" for p in pairs)) or unread:
        # An amount label whose value could not be read leaves only amounts found by their shape: never sure.
        conf, currency_conf = min(conf, UNREAD_AMOUNT_LABEL), min(currency_conf, UNREAD_AMOUNT_LABEL)
    if column is not None and named and currency == column:
        currency_conf = min(currency_conf, _trust(named[0]), CROWDED)
    if named and named[0].match.how == SIMILAR:
        conf = min(conf, BASE[SIMILAR])
    if any(m.glued and m.value == value for m in mentions):
        conf = min(conf, GLUED)
    if not labelled and any(m.value == value and re.search(r"\d[\s.,']$", flat.text[: m.start]) for m in mentions):
        # Digits just before an amount found by its shape may be its own first group (`Suma 1351 715,00`): unsure.
        conf = min(conf, GLUED)
    if carried is not None:
        conf, currency_conf = min(conf, CARRIED), min(currency_conf, CARRIED)
    chosen = AmountReading(value, currency, False) if value is not None else None
    return chosen, currency, conf, currency_conf


def _carried_on(value: Value, rows: Sequence[Row]) -> Value | None:
    """A labelled amount cut by a line break after its first group of digits (`Monto: 3` / `419 DÓLARES`): the
    whole number its digits start, when it groups well and carries its currency."""
    if not re.fullmatch(r"\d{1,3}", value.text.strip()) or not value.tokens:
        return None
    flat = flatten_rows(rows)
    for mention in amounts(flat.text):
        tokens = flat.tokens_between(mention.start, mention.end)
        if len(tokens) > 1 and tokens[0] is value.tokens[-1] and mention.currency and not mention.doubtful:
            return Value(" ".join(t.text for t in tokens), min(t.conf for t in tokens), tuple(tokens))
    return None


_NOT_THE_PAYMENT = re.compile(
    r"\b(?:saldo|disponible|comisi[oó]n|cargo|costo|tipo de cambio|l[ií]mite)\b[^.\d]{0,20}$", re.IGNORECASE
)
"""Words just before an amount on its row that make it a balance, a fee or a rate, not the payment."""


def _row_prefixes(rows: Sequence[Row]) -> dict[int, str]:
    """For each word (by id), the text of its row before it."""
    out: dict[int, str] = {}
    for row in rows:
        for k, token in enumerate(row.tokens):
            out[id(token)] = " ".join(t.text for t in row.tokens[max(0, k - 5):k])
    return out


def _amount_value(pair: Pair, column: str | None) -> Value:
    """A labelled amount's value: its first line alone when the lines after it (a label's line run on into the next
    sentence) keep the whole from reading as an amount."""
    if len(pair.lines) > 1 and lenient_amount(pair.text) is None and lenient_amount(first := pair.line_texts()[0]):
        tokens = tuple(pair.lines[0])
        return Value(_with_currency(first, column), min(t.conf for t in tokens), tokens)
    if lenient_amount(pair.text) is None:
        # A label inside a paragraph: its value ends with its sentence (`Monto ₡ 65 409,73. Descripción ...`).
        tokens = pair.tokens
        end = next((k for k, t in enumerate(tokens)
                    if t.text.endswith((".", ",")) and any(ch.isdigit() for ch in t.text)), None)
        for glue in (" ", ""):
            if end is not None and lenient_amount(text := glue.join(t.text for t in tokens[: end + 1]).rstrip(".,")):
                return Value(_with_currency(text, column), min(t.conf for t in tokens[: end + 1]), tokens[: end + 1])
    return Value(_with_currency(pair.text, column), pair.conf, pair.tokens)


def _with_currency(text: str, column: str | None) -> str:
    """An amount with the currency its own column names (a table's `Moneda`), when it shows none itself."""
    if column is None or (parsed := parse_amount(text)) is None or parsed.currency is not None:
        return text
    return f"{text} {column}"


def _bank(rows: Sequence[Row], excluded: frozenset[int], banks: tuple[Layout, ...]) -> tuple[Layout | None, float]:
    """The issuer named on the receipt (not a destination bank in a row about the other account)."""
    kept = ["  ".join(t.text for t in row.tokens if id(t) not in excluded) for row in rows]
    bank, conf = detect_bank("\n".join(kept), banks)
    if bank is not None and conf > BANK_IN_SENTENCE:
        words = [f" {normalize(word)} " for word in bank.detect]
        naming = [i for i, row in enumerate(kept) if any(word in f" {normalize(row)} " for word in words)]
        if not any(_names_itself(kept[i], words) and not _other_entity_above(kept[:i]) for i in naming):
            conf = BANK_IN_SENTENCE
    return bank, conf


def _other_entity_above(rows: Sequence[str]) -> bool:
    """Whether the row above a bank's name is a label naming the other account's bank (`Entidad receptora` over
    `Banco Popular`), however a photo misread its words."""
    above = next((row for row in reversed(rows) if row.strip()), "")
    words = normalize(above).split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in above):
        return False
    return any(word in OTHER_ENTITY or (len(word) >= 5 and max(fuzz.ratio(word, other) for other in OTHER_ENTITY)
                                        >= OTHER_ENTITY_LIKE) for word in words)


def _names_itself(row: str, words: Sequence[str]) -> bool:
    """Whether a row naming a bank is a heading or an app's name, not a piece of a sentence (however narrow
    the bubble that wrapped it): little else on it, or a few capitalised words."""
    text = f" {normalize(row)} "
    for word in words:
        at = text.find(word)
        if at >= 0 and text[:at].split()[-1:] and text[:at].split()[-1] in PREPOSITIONS:
            return False
        if at >= 0 and set(text[:at].split()) & OTHER_ENTITY:
            return False
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    if len(text.split()) <= HEADING_EXTRA_WORDS:
        return True
    plain = row.split()
    return len(plain) <= SENTENCE_WORDS and not any(w.islower() and w not in CONNECTORS for w in plain)


def extract(
    rows: list[Row],
    *,
    client_id_pattern: str,
    photo: bool = False,
    reread: Reread | None = None,
    recheck: Recheck | None = None,
    reread_symbols: Reread | None = None,
) -> ReceiptFields:
    """Fill every field the rows support, each with a confidence from how it was found and cross-checks.

    `reread` (from the image reader) reads a value's words again with a second model where one
    Spanish pass is known to drop symbols; `recheck` reads a crop again with the first model;
    `reread_symbols` (else `reread`) reads a description's words, of which only a restored `#` or `ID` is taken.
    Plain-text input has no pixels and passes none.
    """
    _generic, banks = load_layouts()
    rows = split_columns(rows, vocabulary(None))
    full_text = "\n".join(row.text for row in rows)
    first_pairs = find_pairs(rows, vocabulary(None))
    ignored = frozenset(id(t) for p in first_pairs if p.kind == "ignore" for t in p.tokens)
    bank, bank_conf = _bank(rows, ignored, banks)
    vocab = vocabulary(bank.name if bank else None)
    pairs, mail = _mail_headers_aside(find_pairs(rows, vocab) if bank and bank.labels else first_pairs)
    excluded = frozenset(id(t) for p in pairs if _aside(p) for t in p.tokens)
    # Who paid whom is read in sentences only from what no label explains, so a card's rows never read
    # as a notification.
    explained = frozenset(
        id(t) for p in pairs if _explains(p) for t in (*_label_part(p.label_tokens, vocab), *p.tokens)
    ) | frozenset(
        id(t) for s in segments(rows)
        if vocab.is_label_text(s.text) and not sentence_piece(s.text) and not _SENTENCE_INSIDE.search(s.text)
        and not _opens_phrase(s.text) for t in _label_part(s.tokens, vocab)
    ) | frozenset(id(t) for s in segments(rows) if _side_heading(s.text, vocab) for t in s.tokens)
    flat = flatten_rows(rows)
    said = flatten_rows(rows, mail).text if mail else flat.text
    notice = read_notification(said, flatten_rows(rows, explained | mail).text)
    inner = _sentence_labels(said, vocab)
    conf: dict[str, float] = {}

    money, currency, conf["amount"], conf["currency"] = _amount(pairs, rows, excluded, photo, reread, recheck)
    when, conf["date"] = _date(pairs, notice, full_text, reread)
    reference, conf["reference"] = _reference(pairs, notice, flat, when, reread, excluded)
    from_ref = reference_date(reference) if reference else None
    if from_ref is not None:
        if when == from_ref:
            conf["date"] = min(0.99, max(conf["date"], conf["reference"]) + 0.05)
        elif when is None:
            when, conf["date"] = from_ref, 0.7
        else:
            conf["reference"] = min(conf["reference"], 0.5)
            conf["date"] = min(conf["date"], 0.5)

    names = _names(pairs, notice, inner, banks, vocab, flat, rows)
    blocks = [name for name in holder_lines(rows, vocab, pairs) if _side_heading(name, vocab) is None]
    for name in blocks:
        at = next((k for k, row in enumerate(rows) if name in row.text), None)
        side = _heading_above(at, rows, vocab) if at is not None else None
        if side is not None and not names[side] and name not in (c.value for cs in names.values() for c in cs):
            # A name alone by its account, in a section whose heading names its side (`Datos de destino`).
            names[side].append(Candidate(name, HOLDER_UNDER_HEADING, "block-heading"))
    if len(blocks) == 2:
        for side, name in zip(("payer", "payee"), blocks, strict=True):
            if not names[side]:
                names[side].append(Candidate(name, HOLDER_BY_ORDER, "block"))
    payer, conf["payer_name"], _ = _pick_text(names["payer"])
    payee, conf["payee_name"], _ = _pick_text(names["payee"])
    if payer is not None and payer == payee:
        conf["payer_name"] = conf["payee_name"] = min(conf["payer_name"], conf["payee_name"], 0.4)
    for key, holder in (("payer_name", payer), ("payee_name", payee)):
        # A holder is named by two words at least (a first name and a surname, a company and its kind): one word
        # alone is a name cut where its line wrapped (`Beneficiario: Servicios` / `Médicos Aurora S.A. Monto:`).
        if holder is not None and len(holder.split()) == 1:
            conf[key] = min(conf[key], ONE_WORD_NAME)

    symbols = reread_symbols or reread
    description, conf["description"], description_read = _description(pairs, notice, inner, symbols, flat, vocab)
    client_id, client_conf = None, 0.0
    if description:
        client_id = find_client_id(description, client_id_pattern)
        # A client ID has its own check (the pattern), so it keeps the confidence its words were read with.
        client_conf = description_read if client_id else 0.0
    if client_id is None:
        client_id = find_client_id(full_text, client_id_pattern)
        client_conf = 0.6 if client_id else 0.0
    conf["client_id"] = client_conf

    phones: dict[str, str | None] = {"payee_phone": None, "payer_phone": None}
    for pair in pairs:
        if pair.kind in phones and phones[pair.kind] is None:
            phones[pair.kind] = parse_phone(pair.text)
            if phones[pair.kind]:
                conf[pair.kind] = min(pair.conf, _trust(pair))
    for key, phone in (("payer_phone", notice.payer_phone), ("payee_phone", notice.payee_phone)):
        if phones[key] is None and phone is not None:
            phones[key], conf[key] = phone, PROSE
    if photo:
        # A photo's word scores say little about a letter swapped in a name or a sentence (`Wok` for `Wolk`),
        # which no type or cross-check catches: those stay below a sure reading.
        for key in ("payer_name", "payee_name", "description"):
            conf[key] = min(conf[key], PHOTO_TEXT)
        if conf["reference"] < PHOTO_SURE_DIGITS:
            # Nor a digit misread in a reference that no date or second reading checks (`2792...` for `3792...`,
            # read at 0.90): only a reading that sure of its digits stays sure.
            conf["reference"] = min(conf["reference"], PHOTO_TEXT)
        conf["client_id"] = min(conf["client_id"], conf["description"]) if description else conf["client_id"]
    conf["bank"] = bank_conf
    return ReceiptFields(
        amount=money.value if money else None,
        currency=currency,
        date=when,
        reference=reference,
        payer_name=payer,
        payee_name=payee,
        description=description,
        client_id=client_id,
        bank=bank.name if bank else None,
        payee_phone=phones["payee_phone"],
        payer_phone=phones["payer_phone"],
        confidence={k: round(v, 3) for k, v in conf.items() if k in FIELDS or k in ("currency", "bank", "client_id")},
        raw_text=full_text,
    )
