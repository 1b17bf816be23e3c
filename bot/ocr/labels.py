"""Which field a label names: a known wording, its keywords, or the nearest known wording; and whether a
piece of text is a label at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from bot.ocr.layouts import LABEL_KINDS, Layout, load_layouts, merged_labels, normalize
from bot.ocr.values import looks_like_name

ABBREVIATIONS = {
    "no": "numero", "n": "numero", "nro": "numero", "num": "numero", "nº": "numero", "tel": "telefono",
    "telef": "telefono", "telf": "telefono", "ref": "referencia", "cta": "cuenta", "ident": "identificacion",
    "trans": "transaccion", "transac": "transaccion", "comp": "comprobante", "cel": "celular",
    "desc": "descripcion", "aut": "autorizacion", "autoriz": "autorizacion", "compr": "comprobante",
    "oper": "operacion", "op": "operacion", "benef": "beneficiario", "remit": "remitente", "destinat": "destinatario",
    "descrip": "descripcion", "ordte": "ordenante", "transf": "transferencia",
}
STOP_WORDS = frozenset(
    ("de", "del", "la", "el", "los", "las", "a", "al", "por", "que", "quien", "y", "en", "su", "con", "e", "o")
)
KNOWN, FUZZY, KEYWORD, SIMILAR = "known", "fuzzy", "keyword", "similar"
SENDING = re.compile(
    r"(?:envi(?:a|ar|ad[oa]s?)|pag(?:a|ar|ad[oa]s?|adora?)|transf(?:iere|erir|erid[oa]s?)|remit(?:e|id[oa]s?|ente)|"
    r"gir(?:a|ad[oa]s?|adora?)|deposit(?:a|ad[oa]s?|ante)|debit(?:ar|ad[oa]s?)|realizad[oa]s?|ordenad[oa]s?)"
)
"""Forms of the payer's verbs a label is made of (`Enviado`, `Pagado`, `Quién paga`, `Transferido`, `Girador`);
nouns and a sentence's verbs (`Pagos`, `Transferencias`, `Pagaste`, `Envió`) are not among them."""
RECEIVING = re.compile(
    r"(?:recib(?:e|ir|id[oa]s?)|acredit(?:a|ar|ad[oa]s?)|abon(?:ar|ad[oa]s?)|cobr(?:a|ar|ad[oa]s?|adora?))"
)
"""Forms of the payee's verbs (`Recibido`, `Acreditado`, `Quién cobra`, `Cuenta a acreditar`)."""
TO_WORDS = frozenset(("a", "al", "para", "hacia"))
BY_WORDS = frozenset(("por", "de", "desde"))


def side_of_verb(words: list[str]) -> str | None:
    """Which holder a label built on a payment verb names: `Enviado por` / `Pagado por` / `Quién paga` / `Recibido de`
    the payer, `Enviado a` / `Pagado a` / `Recibido por` / `Quién cobra` the payee; None without such a verb."""
    for k, word in enumerate(words):
        sending, receiving = bool(SENDING.fullmatch(word)), bool(RECEIVING.fullmatch(word))
        if not (sending or receiving):
            continue
        after = words[k + 1] if k + 1 < len(words) else None
        if sending:
            return "payee" if after in TO_WORDS else "payer"
        return "payer" if after in ("de", "desde") else "payee"
    return None
SIMILAR_SCORE = 82
GREETINGS = frozenset((
    "estimado", "estimada", "estimados", "estimadas", "senor", "senora", "senores", "sr", "sra", "hola", "apreciable",
    "apreciado", "apreciada", "distinguido", "distinguida", "querido", "querida", "buenas", "buenos",
))
DANGLING = frozenset(("con", "y", "e", "o", "el", "la", "los", "las", "en", "su", "sus", "un", "una", "que", "del"))
"""Words a label never ends with (unlike `de`, `a`, `por`: `A nombre de`, `Enviado a`, `Pagado por`)."""
NUMBER_KINDS = frozenset(("amount", "date", "reference", "payer_phone", "payee_phone", "payer_account",
                          "payee_account"))
"""Fields whose value is a number: label words between their wording and the number still belong to the label."""
SENTENCE_END_WORDS = 4
"""Words of a line ending with a full stop after a whole word that make it a sentence's end rather than a label
with its last word abbreviated."""
STRANGE_WORDS = 2
"""The most words new to the vocabulary a label ending with a colon may hold: more are a sentence or a name before
the label (`INVERSIONES PURA VIDA S.A. Mensaje:`), not a wording nobody knew (`Propósito del pago:`)."""
NAME_WORDS = 6
"""The most words a holder's name printed after its label has."""
HEAD_ROLES = ("phone", "date", "time", "amount", "description", "holder", "reference", "account")
"""The keyword roles that name a field (sides and ignored words aside)."""
NUMBER_WORDS = frozenset(("numero", "codigo"))
"""Head nouns that only say a number follows."""


@dataclass(frozen=True)
class LabelMatch:
    """A label's field (one of LABEL_KINDS) and how it was recognised, from surest to least sure."""

    kind: str
    how: str


def label_words(text: str) -> list[str]:
    """Normalised words of a label with abbreviations spelled out (`N.º` and `#` are `numero`)."""
    text = re.sub(r"(?<![A-Za-z])N\s?[.°º]+\s?º?", " numero ", text)
    text = text.replace("#", " numero ")
    text = re.sub(r"\.{2,}|_{2,}|…+", " ", text)
    text = re.sub(r"\b([Aa])(nombre|favor|NOMBRE|FAVOR)\b", r"\1 \2", text)
    return [ABBREVIATIONS.get(w, w) for w in normalize(text).split()]


def _capitalised(text: str) -> bool:
    """Labels start with a capital (`De`, `Para`); the same word in a sentence does not (`... de MARIA`)."""
    first = next((ch for ch in text if ch.isalpha()), "")
    return first.isupper()


def _ends_sentence(word: str) -> bool:
    """A word with a full stop that is not an abbreviation (`exitosa.`, not `Nro.` or `Ident.`)."""
    bare = word[:-1]
    return word.endswith(".") and len(bare) > 3 and bare.isalpha() and normalize(bare) not in ABBREVIATIONS


def _greeting(text: str) -> bool:
    """A letter's salutation (`Estimado(a) cliente:`, `Señor asociado:`): it names the reader, not a field."""
    words = normalize(text).split()
    return bool(words) and words[0] in GREETINGS


class Vocabulary:
    """Label wordings per field (the bank's own first) and the keywords that make an unknown wording a label."""

    def __init__(self, generic: Layout, bank: Layout | None) -> None:
        self.known: dict[tuple[str, ...], str] = {}
        for kind, wordings in merged_labels(generic, bank).items():
            for wording in wordings:
                expanded = tuple(label_words(" ".join(wording)))
                self.known.setdefault(expanded, kind)
        self.keywords = {role: frozenset(words) for role, words in generic.keywords.items()}
        self.label_vocabulary = frozenset(
            {w for words in self.known for w in words} | {w for words in self.keywords.values() for w in words}
        )
        self._choices = {" ".join(words): kind for words, kind in self.known.items()}
        self._longest = max((len(w) for w in self.known), default=1)

    def match(self, words: list[str]) -> LabelMatch | None:
        """The field a whole label names, or None when the words are not a label."""
        if not words:
            return None
        key = tuple(words)
        if key in self.known:
            return LabelMatch(self.known[key], KNOWN)
        text = " ".join(words)
        if len(text) >= 5:
            best = process.extractOne(text, self._choices.keys(), scorer=fuzz.ratio, score_cutoff=88)
            if best is not None and self._head_allows(words, self._choices[best[0]]):
                return LabelMatch(self._choices[best[0]], FUZZY)
        kind = self._by_keywords(words)
        if kind is not None:
            return LabelMatch(kind, KEYWORD)
        content = [w for w in words if w not in STOP_WORDS]
        if not content or len(content) > 5:
            return None
        best = process.extractOne(text, self._choices.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR_SCORE)
        if best is not None and len(best[0]) >= 4:
            return LabelMatch(self._choices[best[0]], SIMILAR)
        return None

    def familiar(self, word: str) -> bool:
        """A word labels are made of: from the vocabulary (or its plural, `Remitentes`, `Fechas`), or a payment
        verb (`Pagado`, `Recibido`)."""
        return (word in self.label_vocabulary or side_of_verb([word]) is not None
                or (len(word) > 4 and word.endswith("s") and (word[:-1] in self.label_vocabulary
                                                              or word[:-2] in self.label_vocabulary)))

    def _by_keywords(self, words: list[str]) -> str | None:
        found = {role for role, keys in self.keywords.items() if any(w in keys for w in words)}
        verb_side = side_of_verb(words)
        if verb_side is not None and not found & {"payer", "payee"}:
            found.add(verb_side)
        if not found or len([w for w in words if w not in STOP_WORDS]) > 6:
            return None
        side = "payer" if "payer" in found and "payee" not in found else "payee" if "payee" in found else None
        if "ignore" in found:
            return "ignore"
        head = self._head(words)
        if head == "time":
            return "ignore"
        if head == "phone":
            return f"{side or 'payee'}_phone"
        if head in ("date", "amount", "description", "reference"):
            return head
        if head == "holder":
            return f"{side or 'payer'}_name"
        if head == "account":
            return f"{side}_account" if side else "ignore"
        if side:
            return f"{side}_name"
        return None

    def _head_allows(self, words: list[str], kind: str) -> bool:
        """Whether a wording that only resembles a known one names the same field as its own head noun does (`Monto
        del pago` is an amount, however close its letters are to `Motivo del pago`)."""
        head = self._head(words)
        if head is None:
            return True
        named = {"holder": "_name", "account": "_account", "phone": "_phone", "time": "ignore"}
        return kind == head or (head in named and kind.endswith(named[head]))

    def _head(self, words: list[str]) -> str | None:
        """The field a label's head noun names: Spanish puts it first and its modifiers after (`Monto SINPE
        Móvil` is an amount, `Teléfono del remitente` a phone, `Cuenta del titular` an account); `Número` and
        `Código` say only that a number follows, so what they are the number of names it (`Número de cuenta`)."""
        roles = [(role, w) for w in words for role in HEAD_ROLES if w in self.keywords.get(role, frozenset())]
        if not roles:
            return None
        role, word = roles[0]
        if word in NUMBER_WORDS:
            named = next((r for r, w in roles[1:] if r in ("phone", "account", "reference", "date")), None)
            return named or role
        return role

    def is_label_text(self, text: str, *, beside: bool = False, alone: bool = False) -> LabelMatch | None:
        """The match when a whole piece of text reads as a label (no digits, mostly label words). A label starts
        with a capital or ends with a colon, unless its value stands `beside` it, apart, on its row (a table whose
        labels are all in lower case), or it is `alone` on its row and made of label words only, one of them
        naming a field (`num. de recibo`)."""
        if any(ch.isdigit() for ch in text) or len(text) > 60 or ":" in text.rstrip(" :"):
            return None
        if len(text.split()) >= SENTENCE_END_WORDS and _ends_sentence(text.split()[-1]):
            return None  # the end of a sentence (`El Roble con SINPE Móvil.`), not a label (`Nombre del benef.`)
        if _greeting(text) or normalize(text).rsplit(" ", 1)[-1] in DANGLING:
            return None  # a salutation, or a sentence broken at its line's end (`Transferencia enviada con`)
        if not text.rstrip().endswith(":") and not _capitalised(text) and not beside and not (
            alone and self._only_label_words(text)
        ):
            return None
        words = label_words(text)
        match = self.match(words)
        if match is None:
            return None
        if match.how in (KNOWN, FUZZY):
            return match
        content = [w for w in words if w not in STOP_WORDS]
        familiar = sum(self.familiar(w) for w in content)
        strange = len(content) - familiar
        if familiar * 2 <= len(content) and not (text.rstrip().endswith(":") and familiar and strange <= STRANGE_WORDS):
            return None
        return match

    def _typed_tail(self, texts: list[str], count: int, match: LabelMatch) -> tuple[int, LabelMatch]:
        """A known wording of a field whose value is a number, carried on by more label words up to the number
        (`CANTIDAD` + `ENVIADA` before `₡40 769`, `Monto SINPE` + `Móvil`): the label is the whole run."""
        if match.kind not in NUMBER_KINDS:
            return count, match
        end = count
        while end < min(len(texts), count + 3) and not re.search(r"[\d₡¢$]", texts[end]):
            pieces = label_words(texts[end])
            if not pieces or not all(self.familiar(p) or p in STOP_WORDS for p in pieces):
                return count, match
            end += 1
        return (end, match) if end < len(texts) and re.search(r"[\d₡¢$]", texts[end]) else (count, match)

    def _only_label_words(self, text: str) -> bool:
        """Two to four words, all label words, one of them a field's keyword (a label however it is written)."""
        words = label_words(text)
        content = [w for w in words if w not in STOP_WORDS]
        if len(content) == 1:
            # One word alone on its row is a label only when it is a field's own keyword (`mensaje`, `monto`).
            return any(content[0] in self.keywords.get(role, frozenset()) for role in HEAD_ROLES if role != "holder")
        return 2 <= len(content) <= 4 and all(self.familiar(w) for w in content) and self._head(words) is not None

    def prefix(self, texts: list[str]) -> tuple[int, LabelMatch] | None:
        """(tokens taken, match) for a label the tokens start with, the value following on the same line.

        A colon ends a label wherever it is; without one, the longest known wording (allowing OCR slips)
        or a run of label words before the first token with a digit or currency sign.
        """
        if texts and _greeting(texts[0]):
            return None
        for i, text in enumerate(texts[:6]):
            if text.endswith(":") or re.search(r"\.{3,}:?$", text):
                head = " ".join(texts[: i + 1])
                if any(ch.isdigit() for ch in head) or any(_ends_sentence(t) for t in texts[:i]):
                    break
                match = self.match(label_words(head))
                if match is None and sum(ch.isalpha() for ch in head) < 4:
                    break
                first = label_words(texts[0])
                if i > 0 and match is not None and match.how in (KEYWORD, SIMILAR) and first and not (
                    self.familiar(first[0]) or first[0] in STOP_WORDS
                ):
                    break  # a name before the label (`Ramírez Madrigal Monto:`): the label starts later
                return i + 1, match or LabelMatch("unknown", SIMILAR)
            if _ends_sentence(text):
                break
        if not _capitalised(texts[0]):
            return None
        best: tuple[int, LabelMatch] | None = None
        words: list[str] = []
        for count, text in enumerate(texts[: self._longest + 2], start=1):
            pieces = label_words(text)
            if not pieces:
                break
            words += pieces
            if tuple(words) in self.known:
                best = (count, LabelMatch(self.known[tuple(words)], KNOWN))
        if best is not None and best[0] < len(texts) and not (
            texts[best[0]].lower() in STOP_WORDS and not texts[best[0] - 1].endswith(":")
        ):
            return self._typed_tail(texts, *best)
        run = 0
        for text in texts[:8]:
            pieces = label_words(text)
            if not pieces or not all(self.familiar(p) or p in STOP_WORDS for p in pieces):
                break
            run += 1
        if 0 < run < len(texts) and re.search(r"[\d₡¢$]", texts[run]):
            match = self.match(label_words(" ".join(texts[:run])))
            if match is not None and match.how in (KNOWN, FUZZY, KEYWORD):
                return run, match
        if 0 < run < len(texts) - 1 and len(texts) - run <= NAME_WORDS and looks_like_name(" ".join(texts[run:])):
            # A holder's label and the name after it, the line holding nothing else (`Nombre del titular Luis Vega`).
            match = self.match(label_words(" ".join(texts[:run])))
            if match is not None and match.how in (KNOWN, FUZZY, KEYWORD) and match.kind.endswith("_name"):
                return run, match
        return None


@cache
def vocabulary(bank_name: str | None) -> Vocabulary:
    """The vocabulary for a bank (its own wordings first), built once per process."""
    generic, banks = load_layouts()
    bank = next((b for b in banks if b.name == bank_name), None)
    return Vocabulary(generic, bank)


__all__ = ["KEYWORD", "KNOWN", "LABEL_KINDS", "SIMILAR", "LabelMatch", "Vocabulary", "label_words", "vocabulary"]
