"""Bank notifications written as sentences (SMS, push, e-mail, or pasted into the chat): who paid whom, how
much, why, and the reference, whatever the line breaks.

The text is read as one paragraph: the payer follows `de` (`... de MARIA MORA por SINPE Movil`), the payee
follows `a` (`... a WOLK SOFTWARE S.A. por ...`), the phone sits in parentheses, the description follows
`Motivo:` (or is the short sentence between the payment and its reference), and the reference follows
`Referencia`, `Ref` or `Comprobante`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from bot.ocr.labels import STOP_WORDS, label_words, vocabulary
from bot.ocr.layouts import load_layouts, normalize
from bot.ocr.parsing import parse_amount, parse_phone, parse_reference, reference_date
from bot.ocr.values import MONTH_WORDS, NOT_NAME_WORDS, WEEKDAY_WORDS, is_legal_form, name_words, parse_date

_CURRENCY_BEFORE = r"(?P<pre>₡|¢|CRC|US\s?\$|USD|\$)\s?"
_CURRENCY_AFTER = r"\s?(?P<post>colones|colón|CRC|USD|d[oó]lares)\b"
_NUMBER = r"(?P<num>\d{1,3}(?:(?P<sep>[.,  ])\d{3})(?:(?:(?P=sep)| )\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
"""A number, its thousands grouped by one mark; a space may stand for that mark where a line break fell
(`1.245` / `000,00 colones`)."""
_MONEY_SIGN_FIRST = re.compile(rf"(?<![\w.,]){_CURRENCY_BEFORE}{_NUMBER}(?![\d])", re.IGNORECASE)
_MONEY_WORD_AFTER = re.compile(rf"(?<![\w.,₡¢$]){_NUMBER}{_CURRENCY_AFTER}", re.IGNORECASE)
_MISREAD_SIGN = re.compile(
    rf"(?<=\s)(?:[(€Cc¢©/|{{\[tf¿?]{{1,2}}|[^\s\w]|[ÁÉÍÓÚ]|d[ií]|\([^\s\d])\s?{_NUMBER}(?![\d)]|[.,/-]\d)"
)
_SIGN_STROKE_ONE = re.compile(r"(?<=\s)[(€C¢]1(?P<num>\d{3}(?:[.,]\d{3})*(?:[.,]\d{2})?)(?![\d)]|[.,/-]\d)")
"""`(1738.521,00`: the sign's stroke read as a 1 in front of a number that only groups without it."""
_BARE_NUMBER = re.compile(
    r"(?<=\s)(?P<num>\d{1,3}(?:(?P<sep>[.,])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d{2})?|\d{1,7}[.,]\d{2})"
    r"(?![\d)]|[.,/-]\d)"
)
_PAYEE_CUE = re.compile(
    r"(?:transferencia|SINPE\s*M[oó]vil|envi\w*|transferi\w*|transfiri[oó]|pag(?:o|aste|ó|ado|ada)|deposit\w*|"
    r"abon(?:o|aste|ó|ado|ada)|gir(?:o|aste|ó|ado)|\d|colones|d[oó]lares|USD|CRC)"
    r"[\s,.]*(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_PAYER_CUE = re.compile(
    r"(?:SINPE(?:\s*M[oó]vil)?|recibid[oa]|recibi[oó]|recibiste|transferencia|dep[oó]sito|abono|cr[eé]dito|dinero|"
    r"fondos|provenientes?|₡|\d|"
    r"(?:de|por) parte|"
    r"desde\s+(?:la\s+|su\s+)?cuenta)\s*$",
    re.IGNORECASE,
)
"""What comes before the `de` that introduces the payer."""
_SENT = re.compile(
    r"\s(?:(?:te|le|les|nos)\s+)?(?:ha[sn]?\s+)?(?:envi[oó]|transfiri[oó]|pag[oó]|deposit[oó]|abon[oó]|acredit[oó]|"
    r"remiti[oó]|gir[oó]|enviado|transferido|pagado|depositado|abonado|acreditado|remitido|girado|realiz[oó]|"
    r"efectu[oó]|hizo)\b",
    re.IGNORECASE,
)
"""The verb the payer's name comes before (`MARIA MORA le ha transferido`, `JUAN PEREZ transfirió`, `El cliente ANA
MORA realizó una transferencia`)."""
_TO_PHONE = re.compile(r"\b(?:a|al)\s+(?:(?:n[uú]mero|tel[eé]fono|celular)\s+)?\(?\+?[\d][\d\s()+-]{6,16}\d\)?\s*$",
                       re.IGNORECASE)
"""A phone the money went to, right before `de` and its holder (`envió $25.00 al 8888-7777 de WOLK S.A.`)."""
_RECEIVED = re.compile(r"\s(?:ha\s+)?recibi[oó]\s+(?:su|el|un|una)\b", re.IGNORECASE)
"""The verb the payee's name comes before (`WOLK S.A. recibió su pago`)."""
_PHONE_AFTER = re.compile(
    r"[.,]?\s{0,2}(?:\(|tel\.?\s|al tel[eé]fono\s)\s{0,2}(?P<phone>[+\d(][\d\s()+-]{6,18}\d)", re.IGNORECASE
)
_DIGITS_BEFORE = re.compile(r"(?<![\w/:-])\d{1,3}(?:[.,  ]\d{3})*[.,]?\s?$")
_DIGITS_AFTER = re.compile(r"[.,]?\s?\d")
_AMOUNT_CUES = re.compile(
    r"(?:por|de|recibido|recibi[oó]|recibiste|envi[oó]|enviaste|envio|transfiri[oó]|acredit\w*|debit\w*|suma de|"
    r"monto(?: de)?:?|monto|recibi[oó]|pag\w{0,8}|transfer\w{0,8}|deposit\w{0,8}|abon\w{0,8}|envi\w{0,8}|"
    r"cobr\w{0,8}|debit\w{0,8}|acredit\w{0,8}|recibi\w{0,8})\s*$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(?:N[uú]mero de referencia|Referencia|Ref|Comprobante|Aprobaci[oó]n|Confirmaci[oó]n|N[uú]mero de "
    r"confirmaci[oó]n|Autorizaci[oó]n|Transacci[oó]n|Documento|Doc|Operaci[oó]n|Movimiento|Comp|Aut)\b"
    r"(?:(?:\s+(?!de\b)[A-Za-zÁÉÍÓÚÑáéíóúñ]{3,}){1,2}\s*(?=:))?"
    r"\.?\s*(?:N\.?\s?[º°o*]\.?\s*|No\.?\s*)?[:#]?\s*(?P<v>\d{6,25}(?:\s\d{4,20})?)",
    re.IGNORECASE,
)
"""A reference's word, maybe qualified before its colon (`referencia SINPE móvil: 2026...`), and its digits."""
_DESCRIPTION = re.compile(
    r"\b(?:(?:Motivo|Concepto|Detalle|Descripci[oó]n|Asunto|Nota|Mensaje|Comentario|Glosa|Observaci[oó]n(?:es)?|"
    r"Raz[oó]n|Justificaci[oó]n|Mot\.?|Conc\.?|Desc\.?|Det\.?)(?:\s+(?:del|de\s+la|de)\s+(?:pago|transferencia|"
    r"transacci[oó]n|operaci[oó]n|movimiento|env[ií]o))?\s*:|(?:por|en)\s+concepto\s+de|"
    r"por\s+motivo\s+de|(?:descripci[oó]n|detalle|mensaje|motivo|concepto)\s+(?=[\"“«])|"
    r"(?:con|bajo)\s+(?:el|la)\s+(?:concepto|descripci[oó]n|detalle|motivo|mensaje|nota)\s+(?!(?:de|del|la|el)\s))"
    r"\s*(?P<v>[^\n]+)",
    re.IGNORECASE,
)
_DESCRIPTION_BARE = re.compile(
    r"(?:(?:^|(?<=[.;,]\s))(?:Motivo|Concepto|Detalle|Descripci[oó]n|Desc|Asunto|Glosa|Comentario|Observaciones|"
    r"Mensaje)|(?<=\s)(?:MOTIVO|CONCEPTO|DETALLE|DESC|ASUNTO|GLOSA)|"
    r"(?<=,\s)(?i:motivo|concepto|detalle|descripci[oó]n))\s+(?!(?:de|del|la|el|los|las|y|en|por|con)\b)(?P<v>[^\n]+)",
)
"""A description's keyword that starts a sentence without its colon (`... aplicada. Detalle ID WOLK 4154. Ref ...`)."""
_DESCRIPTION_TAIL = re.compile(
    r"(?:,\s*(?:el\s+(?:d[ií]a\s+)?|del\s+)?|\s+(?:el\s+(?:d[ií]a\s+)?|del\s+|en\s+fecha\s+))(?=(?:lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|"
    r"domingo)\b|\d{1,2}(?:\s+de\s+[a-z]|[/.-]\d{1,2}[/.-]\d{2,4}|-[a-z]{3}-))"
    r"|,?\s+a\s+las\s+\d|,\s*(?:realizad[oa]|aplicad[oa]|enviad[oa]|recibid[oa])\b"
    r"|,\s*(?:a\s+favor\s+de|a\s+nombre\s+de|de\s+parte\s+de|por\s+parte\s+de|con\s+destino\s+a|"
    r"enviad[oa]\s+por|desde\s+la\s+cuenta|con\s+(?:el\s+)?(?:n[uú]mero|referencia|comprobante))\b",
    re.IGNORECASE,
)
"""Where a description written inside a sentence ends before the sentence does: at the date (`..., el 15 de
octubre`, `el martes, 30 de junio`, `el 3/9/2026`) or the time that follows it, or a clause naming a holder
(`..., a favor de WOLK S.A.`)."""
_PIECE = re.compile(
    r"\b[a-záéíóúñ]{3,}\s+(?:a|de|hacia|para)\s+[A-ZÁÉÍÓÚÑ][\wÁÉÍÓÚÑáéíóúñ.&'-]*$"
)
REFERENCE_DIGITS = 10
"""Digits after a reference's word inside a description that make them the receipt's reference."""
SHORT_SENTENCE_WORDS = 12
"""The most words of the sentence before the reference that is read as the description when nothing labels it."""
QUOTED = re.compile(r"^[\"“«'‘]\s*(?P<v>[^\"”»'’]+?)\s*[\"”»'’]")
"""A description in quotes or guillemets (`con la descripción «Pago ID 5»`): what is inside them."""
ABBREVIATIONS = frozenset((
    "ref", "no", "nro", "num", "núm", "nº", "cta", "ctas", "fact", "apto", "art", "av", "sr", "sra", "srta", "dr",
    "dra", "lic", "ing", "tel", "cel", "op", "doc", "comp", "ced", "céd", "prov", "dpto", "depto", "ofic", "cod", "cód",
    "aprox", "pág", "pag", "mens", "cuot", "trans", "transf", "transac", "ej", "etc", "c", "s", "p", "a",
))
"""Words written with a dot that is not a sentence's end (`Cta. 1234`, `No. 5`, `S.A.`), lower case."""
_SENTENCE_END = re.compile(r"(?<![A-Z]\.[A-Z])\.\s+(?=\S)")
_END_OF_PHRASE = re.compile(
    r"[.|]\s+(?=[A-ZÁÉÍÓÚÑ¿¡]|\d{6,}|\d{1,2}(?:\s+de\s+[a-z]|/\d))"
)
_WORD_BEFORE = re.compile(r"([\wºÁÉÍÓÚÑáéíóúñ.]+)$")
_BY_WHOM = re.compile(
    r"\b(?P<verb>enviad[oa]s?|remitid[oa]s?|pagad[oa]s?|transferid[oa]s?|depositad[oa]s?|girad[oa]s?|"
    r"realizad[oa]s?|efectuad[oa]s?|originad[oa]s?|ordenad[oa]s?|recibid[oa]s?)\s+por\s+",
    re.IGNORECASE,
)
"""A participle and `por`: who sent it (`enviados por X`) or who received it (`recibido por X`)."""
_PHONE_THEN_NAME = re.compile(
    r"\b(?P<prep>a|al|para|hacia|de|del)\s+(?:(?:el\s+)?(?:tel[eé]fono|n[uú]mero|celular|m[oó]vil)\s+)?"
    r"(?P<phone>(?:\(\+?506\)\s?)?\+?\d[\d\s-]{6,14}\d)\s*\((?P<name>[^()\d]{4,60})\)",
    re.IGNORECASE,
)
"""A phone with its holder's name in parentheses after it (`a 8888-7777 (WOLK SOFTWARE)`)."""
_ROLE_WORD = re.compile(
    r"(?:^|(?<=[,;(.:]\s)|(?<=[,;(])|(?<=\bal\s)|(?<=\bdel\s)|(?<=\bel\s)|(?<=\d\s)|(?<=colones\s)|(?<=CRC\s)|"
    r"(?<=USD\s)|(?<=d[oó]lares\s))\s*(?P<role>remitente|"
    r"ordenante|originador|originante|depositante|beneficiario|destinatario|titular\s+(?:de\s+)?origen|"
    r"titular\s+(?:de\s+)?destino|origen|destino|(?:enviad[oa]\s+por|recibid[oa]\s+de|de|desde|para|"
    r"enviad[oa]\s+a|pagad[oa]\s+a)(?=\s*:))\s*:?\s+",
    re.IGNORECASE,
)
"""A holder's role written inside a sentence: after a comma or a sentence's end, or after the amount in a shorthand
SMS (`..., remitente LUIS MORA, ...`, `. Beneficiario WOLK S.A.,`, `CRC989.00 destino WOLK S.A.`); the name that
follows must be one (`origen` before an account or a bank is none)."""
_NAME_PIECE = re.compile(r"^[A-Za-zÁÉÍÓÚÑÜáéíóúñü][A-Za-zÁÉÍÓÚÑÜáéíóúñü'.&-]*$")
_CONNECTORS = frozenset({"de", "del", "la", "las", "los", "y", "e"})
_COMPANY_END = re.compile(r"(?:Ltda|LTDA|Cía|CÍA|Cia|CIA|Inc|INC|Corp|CORP)\.$")
"""A company's last word, whose dot is its own (`Herrera Ltda.`), not the sentence's."""
_PHONE_END = re.compile(r"\s*\(\s*(?P<phone>[+\d(][\d\s()+-]{6,18}\d)\s*\)\s*$")
"""A phone in parentheses right after a name, before the verb (`MARIA MORA (8888-1234) le transfirió`)."""
_NAME_STOP = frozenset({"por", "al", "el", "tel", "mediante", "te", "en", "fue", "realizada", "realizado", "con"})
_CAPS_STOP = frozenset({"por", "mediante", "fue", "con", "realizada", "realizado"})
"""Words of _NAME_STOP that end a name in capitals too (`WOLK SOFTWARE SA POR 2.500`); `EL`, `AL` may be a name's."""
_PHONE_WORDS = frozenset({"tel", "tel.", "cel", "cel.", "telefono", "celular", "movil", "whatsapp"})
"""Words that introduce a phone after a name, in any case (`JOSE MORA Tel. 8888-1234`)."""
_NOT_IN_NAME = NOT_NAME_WORDS | {
    "aviso", "notificacion", "informa", "usted", "su", "sinpe", "bn", "bcr", "bp", "reenviado", "para", "mi", "hola",
    "estimado", "estimada", "saludos", "id", "desc", "ref", "aut", "comp", "doc", "mot", "det", "conc", "nota", "tel",
    "origen", "destino", "titular", "beneficiario", "remitente", "ordenante",
}


@dataclass(frozen=True)
class Mention:
    """An amount written in the text, where, and whether a sentence cue (`por`, `de`, `recibió`) introduces it."""

    value: Decimal
    currency: str | None
    start: int
    end: int
    cued: bool
    doubtful: bool = False
    misread_sign: bool = False
    glued: bool = False


@dataclass
class Notification:
    """What the sentences say; None where they say nothing."""

    amounts: list[Mention]
    payer: str | None = None
    payee: str | None = None
    description: str | None = None
    description_labelled: bool = False
    reference: str | None = None
    date: date | None = None
    payer_phone: str | None = None
    payee_phone: str | None = None


def flatten(text: str) -> str:
    """One paragraph: line breaks are where the screen wrapped, not where the sentence ends."""
    return " ".join(text.split())


def amounts(text: str) -> list[Mention]:
    """Every amount with its currency (sign, code or word), a group of digits split by a line break included."""
    found: list[Mention] = []
    matches = sorted([*_MONEY_SIGN_FIRST.finditer(text), *_MONEY_WORD_AFTER.finditer(text)], key=lambda m: m.start())
    for match in matches:
        if found and match.start() < found[-1].end:
            continue
        groups = match.groupdict()
        number, sep = groups["num"], groups.get("sep")
        broken = sep in (".", ",") and " " in number
        if broken:
            number = number.replace(" ", sep or "")
        money = parse_amount(f"{groups.get('pre') or ''}{number} {groups.get('post') or ''}".strip())
        if money is None:
            continue
        cued = bool(_AMOUNT_CUES.search(_window(text, match.start())))
        # Digits just before or after may be the rest of the number, split by a line break into a
        # shape that no longer groups (`2.139` / `533,00 colones`): then the amount is a guess.
        glued = bool(_DIGITS_BEFORE.search(_window(text, match.start())) or _DIGITS_AFTER.match(text, match.end()))
        found.append(
            Mention(money.value, money.currency, match.start(), match.end(), cued, money.doubtful or broken,
                    glued=glued)
        )
    taken = {m.end for m in found}
    for pattern, currency in ((_MISREAD_SIGN, "CRC"), (_SIGN_STROKE_ONE, "CRC"), (_BARE_NUMBER, None)):
        # Where the sign was misread (`t1.765.924,94`) or lost, a grouped number a payment verb introduces
        # is still the amount, only never a sure one.
        for match in pattern.finditer(text):
            if match.end() in taken:
                continue
            money = parse_amount(match.group("num"))
            cued = bool(_AMOUNT_CUES.search(_window(text, match.start())) or _AMOUNT_AFTER.match(text, match.end()))
            if money is not None and cued:
                found.append(Mention(money.value, currency, match.start(), match.end(), True, True, misread_sign=True))
                taken.add(match.end())
    return found


_AMOUNT_AFTER = re.compile(
    r"\s*(?:colones|d[oó]lares|CRC|USD)?\s*(?:transferid|enviad|acreditad|debitad|depositad|recibid|pagad|abonad)"
    r"[oa]s?\b", re.IGNORECASE,
)
"""A participle right after an amount that makes it the payment (`₡ 5,622.00 transferidos a WOLK`)."""


def _window(text: str, end: int, size: int = 60) -> str:
    """The `size` characters before `end`: cues and digits are looked for nearby, so every check is bounded."""
    return text[max(0, end - size) : end]


def _name_after(text: str, start: int) -> str | None:
    """The name that starts at `start`: name words (capitalised, or connectors between them) up to a stop."""
    words: list[str] = []
    for raw in text[start : start + 200].split()[:9]:
        closing = raw.endswith((",", ";", ":", ")")) or raw.startswith("(")
        word = raw.strip(",;:()")
        company = bool(_COMPANY_END.search(word))
        ends_sentence = company or (
            word.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.){1,3}[A-Z]?\.?|S\.R\.L\.|S\.A\.", word)
        )
        bare = word.rstrip(".") if ends_sentence and not company else word
        low = bare.lower()
        if raw.startswith("(") or (low in _NAME_STOP and (bare.islower() or low in _CAPS_STOP)) or (
                low in _PHONE_WORDS or not bare):
            break
        if low in _CONNECTORS and words:
            words.append(bare)
            continue
        if (not _NAME_PIECE.match(bare) or not bare[:1].isupper() or normalize(bare) in _NOT_IN_NAME
                or normalize(bare) in _issuer_words()):
            break
        if len(words) >= 2 and all(w.isupper() or w.lower() in _CONNECTORS for w in words) and not bare.isupper() and (
                not is_legal_form(bare) and not _COMPANY_END.search(word)):
            break  # a name in capitals ends where the capitals do (`SODA LA ESQUINA` / `Este correo ...`)
        words.append(bare)
        if ends_sentence or closing or (len(words) > 1 and is_legal_form(bare) and bare.endswith(".")):
            break
    while words and words[-1].lower() in _CONNECTORS:
        words.pop()
    name = " ".join(words)
    return name if len(words) >= 2 and name_words(name) else None


@cache
def _issuer_words() -> frozenset[str]:
    """Single words that name a bank (`BAC`, `Davivienda`): a name in a sentence stops before them."""
    _generic, banks = load_layouts()
    words = {normalize(word) for bank in banks for word in (*bank.detect, bank.name) if " " not in word.strip()}
    return frozenset(words)


def _name_before(text: str, end: int) -> tuple[str | None, str | None]:
    """The name written right before `end` (a verb), and the phone in parentheses between them if any."""
    window = _window(text, end, 160)
    phone = _PHONE_END.search(window)
    if phone:
        window = window[: phone.start()]
    words = window.split()[-7:]
    kept: list[str] = []
    for word in reversed(words):
        bare = word.strip(",;:")
        connector = normalize(bare) in _CONNECTORS and bool(kept) and not word.endswith((".", ":", ","))
        if not connector and not _name_piece(bare):
            break
        if word.endswith((".", ":", ",")) and kept and not _COMPANY_END.search(word):
            break
        kept.insert(0, bare)
    while kept and normalize(kept[0]) in _CONNECTORS:
        kept.pop(0)
    name = " ".join(kept)
    if len(kept) < 2 or not name_words(name):
        return None, None
    return name, parse_phone(phone.group("phone")) if phone else None


def _name_piece(word: str) -> bool:
    """Whether a word may be one of a name's (capitalised letters, no keyword, month or weekday): short first names
    (`Ana`, `Luz`) included, which a whole name of one word could not be."""
    plain = normalize(word)
    return (bool(word) and word[:1].isupper() and bool(_NAME_PIECE.match(word)) and plain not in _NOT_IN_NAME
            and plain not in MONTH_WORDS and plain not in WEEKDAY_WORDS)


def _phone_after(text: str, name: str, start: int) -> str | None:
    """The phone written right after a name: in parentheses, or after `tel` / `al teléfono`."""
    at = text.find(name, start)
    if at < 0:
        return None
    found = _PHONE_AFTER.match(text, at + len(name))
    return parse_phone(found.group("phone")) if found else None


def _parties(text: str, mentions: list[Mention], phones: dict[str, str | None]) -> tuple[str | None, str | None]:
    """Payer after `de`, payee after `a` (each where a payment cue comes before it), and their phones."""
    payer: str | None = None
    payee: str | None = None
    for match in re.finditer(r"\b(?:de|DE|del|DEL)\s+(?:(?:cliente|asociad[oa]|señora?|sr\.|sra\.)\s+)?", text):
        before = _window(text, match.start())
        if re.search(r"\b(?:concepto|motivo|detalle|cuota|mensualidad)\s*$", before, re.IGNORECASE):
            continue
        if _TO_PHONE.search(before):
            # `al 8888-7777 de WOLK S.A.`: the holder of the phone the money went to.
            name = _name_after(text, match.end())
            if name and payee is None:
                payee = name
            continue
        if _PAYER_CUE.search(before) or any(0 <= match.start() - m.start < 30 for m in mentions):
            name = _name_after(text, match.end())
            if name and payer is None:
                payer, phones["payer"] = name, _phone_after(text, name, match.end())
    for match in re.finditer(r"\b(?:a|hacia|para|A|HACIA|PARA)\s+", text):
        before = _window(text, match.start())
        if _PAYEE_CUE.search(before) or (payer and before.rstrip(" ,").endswith(payer)):
            name = _name_after(text, match.end())
            if name and payee is None:
                payee, phones["payee"] = name, _phone_after(text, name, match.end())
    for sent in _SENT.finditer(text):
        if payer is not None:
            break
        if sent.group().strip().istitle():
            continue  # a sentence's first word (`... S.A. Pago. Referencia`): a noun, not the payer's verb
        payer, phone = _name_before(text, sent.start())
        phones["payer"] = phones["payer"] or phone
    for received in _RECEIVED.finditer(text):
        if payee is not None:
            break
        payee, phone = _name_before(text, received.start())
        phones["payee"] = phones["payee"] or phone
    for match in re.finditer(r"\b(?:a|hacia)\s+(?P<how>nombre|favor|la\s+cuenta|la\s+orden)\s+de\s+", text, re.I):
        # `a nombre de X` names the holder of the account just mentioned: the origin's after `desde` or
        # `de la cuenta`, else the destination's; `a favor de`, `a la orden de`, `a la cuenta de` name
        # whoever is paid.
        before = _window(text, match.start(), 80).lower()
        origin = max(before.rfind(w) for w in ("desde", "de la cuenta", "origen", "debitad"))
        destination = max(before.rfind(w) for w in (" a la cuenta", "hacia", "destino", "acreditad"))
        name = _name_after(text, match.end())
        if name is None:
            continue
        if match.group("how").lower() == "nombre" and origin > destination:
            if payer is None:
                payer = name
        elif payee is None:
            payee = name
            if payer == name:
                payer = None
    for match in _BY_WHOM.finditer(text):
        # `... colones enviados por CARLOS UREÑA el 9 de abril`: the sender after a participle and `por`.
        name = _name_after(text, match.end())
        receiving = match.group("verb").lower().startswith("recib")
        if name and receiving and payee is None:
            payee = name
        elif name and not receiving and payer is None:
            payer = name
    for match in _PHONE_THEN_NAME.finditer(text):
        # `SINPE Móvil a 8888-7777 (WOLK SOFTWARE)`: the holder named in parentheses after the phone.
        name = match.group("name").strip()
        if not (len(name.split()) >= 2 and name_words(name)) or normalize(name.split()[0]) in _NOT_IN_NAME:
            continue
        side = "payer" if match.group("prep").lower().startswith("de") else "payee"
        if side == "payer" and payer is None:
            payer, phones["payer"] = name, phones["payer"] or parse_phone(match.group("phone"))
        elif side == "payee" and payee is None:
            payee, phones["payee"] = name, phones["payee"] or parse_phone(match.group("phone"))
    for match in _ROLE_WORD.finditer(text):
        # `remitente MARIA MORA`, `beneficiario: WOLK S.A.`: a role named inside the sentence.
        name = _name_after(text, match.end())
        role = normalize(match.group("role"))
        paying = role.startswith(("remit", "ordenan", "origina", "deposit", "origen")) or role.endswith("origen") or (
            role in ("de", "desde") or role.endswith((" por", " de")))
        side = "payer" if paying else "payee"
        if name and side == "payer" and payer is None:
            payer = name
        elif name and side == "payee" and payee is None:
            payee = name
    return payer, payee


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the dot at `dot` ends an abbreviation (`Cta.`, `No.`, `S.A.`) rather than a sentence."""
    before = _WORD_BEFORE.search(text, 0, dot)
    word = before.group(1).lower() if before else ""
    return word.rsplit(".", 1)[-1] in ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _sentence_ends(text: str) -> list[re.Match[str]]:
    return [m for m in _SENTENCE_END.finditer(text) if not _is_abbreviation(text, m.start())]


def first_sentence(text: str) -> str:
    """The text up to the end of its first sentence, an abbreviation's dot (`Pago Cta. 12`) not being one."""
    ends = _sentence_ends(text)
    return text[: ends[0].start()] if ends else text


def phrase(text: str) -> str:
    """A value up to where its sentence ends (a dot or `|` before a capitalised word, a long number or a date, not
    an abbreviation's dot), or up to a comma that introduces the reference (`pago ID 55, ref 99887766`)."""
    for match in _END_OF_PHRASE.finditer(text):
        if match.group().startswith("|") or not _is_abbreviation(text, match.start()):
            text = text[: match.start()]
            break
    return re.split(r",\s*(?=(?:(?:n[oº°]\.?|nro\.?|n[uú]m\.?|n[uú]mero)\s*(?:de\s+)?)?(?:ref|referencia|comprobante|"
                    r"autorizaci[oó]n|confirmaci[oó]n|documento|operaci[oó]n|transacci[oó]n|aprobaci[oó]n)\b)", text,
                    maxsplit=1, flags=re.IGNORECASE)[0].strip()


def _sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for match in _sentence_ends(text):
        out.append((start, text[start : match.start()].strip()))
        start = match.end()
    out.append((start, text[start:].strip()))
    return [(s, t) for s, t in out if t]


def _short_sentence(text: str, reference_at: int | None) -> str | None:
    """The description of BN-style messages: the short sentence just before the reference."""
    if reference_at is None:
        return None
    before = [(s, t) for s, t in _sentences(text[:reference_at]) if s < reference_at]
    if len(before) < 2:
        return None
    _, candidate = before[-1]
    candidate = candidate.strip(" ,;.")
    if "," in candidate and re.search(r"SINPE\s*M[oó]vil,", candidate, re.I):
        candidate = candidate.rsplit(",", 1)[1].strip()
    words = candidate.split()
    if not 1 <= len(words) <= SHORT_SENTENCE_WORDS or amounts(candidate) or parse_date(candidate):
        return None
    if ":" in candidate:
        label = vocabulary(None).prefix(words)
        if label is not None and label[1].kind not in ("unknown", "reference"):
            return None
    if re.search(r"\b(?:de|a)\s+[A-ZÁÉÍÓÚÑ]{2,}", candidate) and len(words) > 4:
        return None
    return candidate


def sentence_piece(text: str) -> bool:
    """Whether a line taken for a label is the start of a sentence that names someone (`Transferencia enviada a
    WOLK`): a label never ends with a preposition and the first word of a name."""
    return bool(_PIECE.search(text.strip()))


def description_end(text: str) -> str:
    """A description without the date, time, status or reference that the sentence goes on with."""
    cut = _DESCRIPTION_TAIL.search(text)
    text = text[: cut.start()] if cut and cut.start() > 0 else text
    reference = _REFERENCE.search(text)
    return text[: reference.start()].rstrip(" ,;") if reference and reference.start() > 0 else text


def without_reference(text: str) -> str:
    """A description without the reference its line goes on with (`Pago ID 69502 DOC 3363643423398`): a reference's
    word and ten digits or more, never an invoice's or a client's number."""
    text = _REFERENCE_WORD_AT_END.sub("", text) or text
    found = _REFERENCE.search(text)
    if found is None or found.start() == 0 or len(found.group("v").replace(" ", "")) < REFERENCE_DIGITS:
        return text
    return text[: found.start()].rstrip(" ,;.-")


_REFERENCE_WORD_AT_END = re.compile(
    r"(?<=\w)[\s,;.-]+(?:REF|Ref|Referencia|REFERENCIA|Comprobante|COMPROBANTE|DOC|Doc|Documento|DOCUMENTO|AUT|Aut|"
    r"Autorizaci[oó]n|AUTORIZACION)\.?:?$"
)
"""A reference's word ending a description's line, its digits on the next line (`Pago Cta. 27404 DOC`)."""


def until_next_label(text: str) -> str:
    """The text before the next `Label:` (one to four label words followed by a colon)."""
    vocab = vocabulary(None)
    for colon in re.finditer(r":(?=\s|$)", text):
        window = _window(text, colon.start(), 80)
        pieces = window.split()[-4:]
        for k in range(len(pieces), 0, -1):
            head, words = pieces[-k], label_words(" ".join(pieces[-k:]))
            known = [w in vocab.label_vocabulary or w in STOP_WORDS for w in words]
            # One word of a longer wording may be new to the vocabulary (`CODIGO DE RASTREO:`,
            # `IDENTIFICADOR DE LA TRANSACCION:`).
            named = any(w in vocab.label_vocabulary and w not in STOP_WORDS for w in words)
            worded = all(known) or (len(words) >= 3 and known.count(False) == 1 and named
                                    and all(w.isalpha() for w in words))
            if head[:1].isupper() and len(" ".join(pieces[-k:])) >= 3 and words and vocab.match(words) and worded:
                at = len(window)
                for piece in reversed(pieces[-k:]):
                    at = window.rfind(piece, 0, at)
                start = colon.start() - len(window) + at
                if start > 0:
                    # The longest wording that leaves the value something (`Pago` | `NUMERO DE COMPROBANTE :`).
                    return text[:start]
    return text


def read_notification(text: str, unexplained: str | None = None) -> Notification:
    """The facts a notification's sentences state.

    `unexplained`, when given, is the part of the text no label explains: payer and payee are looked for
    only there, so a card's heading and the name under it (`Débito a` / `MARIA MORA`) never read as a sentence.
    """
    flat = flatten(text)
    mentions = amounts(flat)
    notice = Notification(amounts=mentions)
    phones: dict[str, str | None] = {"payer": None, "payee": None}
    free = flat if unexplained is None else flatten(unexplained)
    notice.payer, notice.payee = _parties(free, mentions if unexplained is None else amounts(free), phones)
    notice.payer_phone, notice.payee_phone = phones["payer"], phones["payee"]
    reference_at: int | None = None
    for match in _REFERENCE.finditer(flat):
        raw = match.group("v")
        joined = raw.replace(" ", "")
        value = joined if len(joined) == 25 and reference_date(joined) else raw.split()[0]
        reference = parse_reference(value)
        if reference:
            notice.reference, reference_at = reference, match.start()
            break
    labelled = _DESCRIPTION.search(flat) or _DESCRIPTION_BARE.search(flat)
    if labelled:
        quoted = QUOTED.match(labelled.group("v"))
        value = quoted.group("v").strip(" .") if quoted else description_end(
            phrase(first_sentence(until_next_label(labelled.group("v"))))
        ).strip(" .|")
        if value:
            notice.description, notice.description_labelled = value, True
    else:
        notice.description = _short_sentence(flat, reference_at)
    notice.date = parse_date(flat)
    return notice
