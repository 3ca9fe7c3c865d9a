"""The newsroom's glossary: finding terms, masking them through machine translation, checking them.

Terms are found in a unit (longest match first, on word boundaries, with each
entry's variants and case rules) and masked before machine translation with
placeholder tokens (``{901/}``...), which engines pass through untouched.
After translation each token becomes the approved target term, and a Spanish
article left before it is made to agree with the term's gender ("la" → "el",
"de el" → "del"). Do-not-translate terms come back byte for byte.

The termbase itself is read and written by :mod:`pipeline.termbase` (the
formats are :mod:`pipeline.tbx` and :mod:`pipeline.termcsv`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from pipeline.placeholders import PLACEHOLDER_RE

TOKEN_BASE = 901
"""Glossary tokens are numbered from here, far above any unit's own placeholders."""


@dataclass(frozen=True)
class Term:
    """One entry of the termbase."""

    id: str
    en: str
    es: str
    en_variants: tuple[str, ...] = ()
    es_variants: tuple[str, ...] = ()
    pos: str = "noun"
    gender: str = ""
    note: str = ""
    dnt: bool = False
    case_sensitive: bool = False
    en_expansion: str = ""
    es_expansion: str = ""
    subject: str = ""
    context: str = ""
    line: int = 0
    file: str = ""

    def forms(self, lang: str) -> tuple[str, ...]:
        main = self.en if lang == "en" else self.es
        variants = self.en_variants if lang == "en" else self.es_variants
        return (main, *variants)

    def target(self, lang: str, form_index: int = 0) -> str:
        """The approved term in ``lang``; a variant matched at ``form_index`` maps to the
        variant at the same position in ``lang`` (plural to plural) when there is one."""
        forms = self.forms(lang)
        return forms[form_index] if 0 < form_index < len(forms) else forms[0]

    @property
    def strict_case(self) -> bool:
        return self.case_sensitive or (self.en.isupper() and len(self.en) > 1)


@dataclass(frozen=True)
class TermHit:
    term: Term
    start: int
    end: int
    text: str
    form_index: int = 0


@dataclass
class Glossary:
    """The whole termbase; ``version`` is a short hash of its content (a memory key)."""

    terms: list[Term] = field(default_factory=list)
    version: str = "none"
    _found: dict[tuple[str, str], tuple[TermHit, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def _matchers(self) -> dict[str, list[tuple[re.Pattern[str], dict[str, tuple[Term, int]]]]]:
        """Per language, one alternation per case rule (longest forms first) and a map from
        each form's key back to its term: one regex pass per text, whatever the termbase's size."""
        matchers: dict[str, list[tuple[re.Pattern[str], dict[str, tuple[Term, int]]]]] = {}
        for lang in ("en", "es"):
            matchers[lang] = []
            for strict in (True, False):
                forms: dict[str, tuple[str, Term, int]] = {}
                for term in self.terms:
                    if term.strict_case != strict:
                        continue
                    for index, form in enumerate(term.forms(lang)):
                        if form:
                            forms.setdefault(_key(form, strict), (form, term, index))
                if not forms:
                    continue
                body = _trie([_atoms(form, strict) for form, _, _ in forms.values()])
                pattern = re.compile(r"(?<![\w{])" + body + r"(?![\w}])", 0 if strict else re.IGNORECASE)
                lookup = {key: (term, index) for key, (_, term, index) in forms.items()}
                matchers[lang].append((pattern, lookup))
        return matchers


def _key(text: str, strict: bool) -> str:
    folded = " ".join(_fold(text).split())
    return folded if strict else folded.casefold()


def _fold(text: str) -> str:
    """``text`` without accents (combining marks)."""
    folded = _fold_text(text)
    if folded.isascii():  # the common case, without decomposing every character
        return folded
    return "".join(c for c in unicodedata.normalize("NFD", folded) if unicodedata.category(c) != "Mn")


_FOLD_TABLE = {
    code: base
    for code in range(0xC0, 0x250)
    if len(
        base := "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
    )
    == 1
    and base != chr(code)
}
"""Accented Latin letters to their base letter, one character for one: a folded text keeps
the positions of the original."""


def _fold_text(text: str) -> str:
    return text.translate(_FOLD_TABLE)


def _atoms(form: str, strict: bool) -> list[str]:
    """A form as regex pieces matched against folded text (accents optional, any run of
    whitespace for a space)."""
    folded = _fold_text(form) if strict else _fold_text(form).lower()
    return [r"\s+" if char == " " else re.escape(char) for char in folded]


def _trie(forms: list[list[str]]) -> str:
    """One regex for many forms, as a trie: Python's ``re`` tries the branches of a flat
    alternation one by one at every position; a trie shares prefixes. Longer forms are
    tried before the shorter ones they extend, so the longest form wins."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for atoms in forms:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}
    return "(?:" + _trie_body(root) + ")"


def _trie_body(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [atom + _trie_body(child) for atom, child in node.items() if atom]
    if not branches:
        return ""
    joined = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return ("(?:" + joined + ")" if len(branches) == 1 else joined) + "?"
    return joined


def _pattern(form: str, strict: bool) -> re.Pattern[str]:
    flags = 0 if strict else re.IGNORECASE
    return re.compile(r"(?<![\w{])" + _form_pattern(form, strict) + r"(?![\w}])", flags)


def _form_pattern(form: str, strict: bool) -> str:
    parts = []
    for char in form:
        if char == " ":
            parts.append(r"\s+")
        elif char.isalpha() and _fold(char) != char:
            # accents are optional (capitals often lose them: "SECRETARIA")
            base = re.escape(_fold(char))
            parts.append(f"[{re.escape(char)}{base}{base.upper() if not strict else ''}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


FOUND_LIMIT = 100_000
"""Distinct texts whose terms a glossary remembers (about 50 MB)."""


def find_terms(glossary: Glossary, text: str, lang: str) -> list[TermHit]:
    """Glossary terms in ``text`` (never inside a placeholder), longest first, no overlaps, in order.

    Results are remembered per glossary: newsroom text repeats (boilerplate, datelines).
    """
    key = (text, lang)
    found = glossary._found.get(key)
    if found is None:
        if len(glossary._found) >= FOUND_LIMIT:
            glossary._found.clear()  # bounded memory on a large archive
        found = glossary._found[key] = tuple(_find_terms(glossary, text, lang))
    return list(found)


def _find_terms(glossary: Glossary, text: str, lang: str) -> list[TermHit]:
    candidates: list[TermHit] = []
    folded = _fold_text(text)
    for pattern, lookup in glossary._matchers.get(lang, []):
        strict = not pattern.flags & re.IGNORECASE
        for match in pattern.finditer(folded):
            start, end = match.span()
            found = lookup.get(_key(text[start:end], strict))
            if found is not None:
                candidates.append(TermHit(found[0], start, end, text[start:end], found[1]))
    taken: list[tuple[int, int]] = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    hits: list[TermHit] = []
    for hit in sorted(candidates, key=lambda h: (-(h.end - h.start), h.start)):
        if any(hit.start < b and a < hit.end for a, b in taken):
            continue
        taken.append((hit.start, hit.end))
        hits.append(hit)
    return sorted(hits, key=lambda hit: hit.start)


@dataclass(frozen=True)
class Masked:
    """A unit's text with its terms replaced by tokens, and what each token stands for."""

    text: str
    replacements: tuple[tuple[int, str, str], ...]  # (token number, target text, gender)
    target_lang: str


def mask(glossary: Glossary, text: str, source_lang: str, target_lang: str) -> Masked:
    """Replace the terms of ``text`` by tokens an engine cannot damage.

    >>> g = Glossary([Term("c", "Sinaloa Cartel", "Cártel de Sinaloa", gender="m")])
    >>> m = mask(g, "The Sinaloa Cartel lost ground.", "en", "es")
    >>> m.text
    'The {901/} lost ground.'
    >>> unmask(m, "La {901/} perdió terreno.")
    'El Cártel de Sinaloa perdió terreno.'
    """
    hits = find_terms(glossary, text, source_lang)
    if not hits:
        return Masked(text, (), target_lang)
    out: list[str] = []
    replacements: list[tuple[int, str, str]] = []
    position = 0
    for number, hit in enumerate(hits, start=TOKEN_BASE):
        out.append(text[position : hit.start])
        out.append(f"{{{number}/}}")
        target = hit.text if hit.term.dnt else hit.term.target(target_lang, hit.form_index)
        replacements.append((number, target, hit.term.gender))
        position = hit.end
    out.append(text[position:])
    return Masked("".join(out), tuple(replacements), target_lang)


_ARTICLES = {
    ("el", "f"): "la",
    ("la", "m"): "el",
    ("los", "f"): "las",
    ("las", "m"): "los",
    ("un", "f"): "una",
    ("una", "m"): "un",
    ("del", "f"): "de la",
    ("al", "f"): "a la",
}


def unmask(masked: Masked, translated: str) -> str:
    """Put the approved target terms back in place of their tokens.

    A token the engine lost is appended at the end rather than dropped, so no
    term disappears silently (the check step then flags the sentence).
    """
    result = translated
    for number, target, gender in masked.replacements:
        token = f"{{{number}/}}"
        if token not in result:
            result = f"{result} {target}"
            continue
        if masked.target_lang == "es" and _ARTICLE_START.match(target):
            result = _drop_article_before(result, token)
        elif masked.target_lang == "es" and gender in ("m", "f"):
            result = _agree(result, token, gender)
        if _at_sentence_start(result, token):
            target = target[0].upper() + target[1:]
        result = result.replace(token, target, 1)
    return _contract(result) if masked.target_lang == "es" else result


_ARTICLE_START = re.compile(r"(el|la|los|las) ", re.IGNORECASE)


def _drop_article_before(text: str, token: str) -> str:
    """The term brings its own article ("la presidenta..."): drop one the engine put before it,
    and turn "de"/"a" + article into the contraction the term's article needs later."""
    pattern = re.compile(r"\b(el|la|los|las)\s+" + re.escape(token), re.IGNORECASE)
    return pattern.sub(token, text, count=1)


def _at_sentence_start(text: str, token: str) -> bool:
    before = text[: text.find(token)]
    stripped = PLACEHOLDER_RE.sub("", before).strip(' “"‘«(¿¡—–-')
    return not stripped or stripped.endswith((".", "!", "?"))


def _agree(text: str, token: str, gender: str) -> str:
    pattern = re.compile(r"\b(el|la|los|las|un|una|del|al)(\s+)" + re.escape(token), re.IGNORECASE)

    def fix(match: re.Match[str]) -> str:
        article = match.group(1)
        replacement = _ARTICLES.get((article.lower(), gender))
        if replacement is None:
            return match.group(0)
        if article[0].isupper():
            replacement = replacement[0].upper() + replacement[1:]
        return replacement + match.group(2) + token

    return pattern.sub(fix, text, count=1)


def _contract(text: str) -> str:
    """Spanish contractions: "de el" → "del", "a el" → "al" (not before a capitalised name "El")."""
    text = re.sub(r"\b([Dd])e el\b", r"\1el", text)
    return re.sub(r"\b([Aa]) el\b", r"\1l", text)


def glossary_notes(hits: list[TermHit], target_lang: str) -> list[str]:
    """Extracted comments for a PO entry: one per distinct term found."""
    notes: list[str] = []
    for hit in hits:
        term = hit.term
        if term.dnt:
            note = f"glossary: {hit.text} = {hit.text} (do not translate)"
        else:
            detail = ", ".join(part for part in (term.pos, term.gender) if part)
            target = term.target(target_lang, hit.form_index)
            note = f"glossary: {hit.text} = {target}" + (f" ({detail})" if detail else "")
        if term.note:
            note += f"; {term.note}"
        if note not in notes:
            notes.append(note)
    return notes


def check_terms(
    glossary: Glossary, source: str, translation: str, source_lang: str, target_lang: str
) -> list[str]:
    """Problems with the glossary terms of a reviewed translation."""
    problems: list[str] = []
    for hit in find_terms(glossary, source, source_lang):
        term = hit.term
        if term.dnt:
            if hit.text not in translation:
                problems.append(f"do-not-translate term {hit.text!r} must appear unchanged")
            continue
        expected = term.forms(target_lang)
        if not any(_pattern(form, term.strict_case).search(translation) for form in expected if form):
            problems.append(f"{hit.text!r} should be translated as {term.target(target_lang)!r}")
    return problems
