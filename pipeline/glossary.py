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

import functools
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import ahocorasick

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
    files: str = ""
    """A hash of the termbase files' bytes as read (see :func:`pipeline.termbase.files_digest`)."""
    _found: dict[tuple[str, str], tuple[TermHit, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @cached_property
    def _matchers(self) -> dict[str, list[_Scanner]]:
        """Per language, one scanner per case rule (longest forms first) with a map from
        each form's key back to its term: one pass per text, whatever the termbase's size."""
        matchers: dict[str, list[_Scanner]] = {}
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
                lookup = {key: (term, index) for key, (_, term, index) in forms.items()}
                matchers[lang].append(_Scanner([form for form, _, _ in forms.values()], strict, lookup))
        return matchers


class _Scanner:
    """Where the forms of one case rule occur in a folded text: leftmost first, then the
    longest form that ends on a word boundary, without overlaps, as the trie-shaped
    regular expression finds them (:meth:`spans`).

    The expression is the reference; an Aho-Corasick automaton (pyahocorasick) gives the
    same spans in one pass of compiled code for the texts where the two are known to
    agree: every run of whitespace a single space (a form's space is ``\\s+``) and, for
    forms matched in any case, no cased letter outside ASCII (case-insensitive matching is
    then comparing lowercased text). Other texts go through the expression.
    """

    def __init__(self, forms: list[str], strict: bool, lookup: dict[str, tuple[Term, int]]) -> None:
        self.strict = strict
        self.lookup = lookup
        body = _trie([_atoms(form, strict) for form in forms])
        self.pattern = re.compile(r"(?<![\w{])" + body + r"(?![\w}])", 0 if strict else re.IGNORECASE)
        keys = {_fold_text(form) if strict else _fold_text(form).lower() for form in forms}
        self.automaton: ahocorasick.Automaton | None = None
        if strict or all(_caseless(char) for key in keys for char in key if not char.isascii()):
            automaton = ahocorasick.Automaton()
            for key in keys:
                automaton.add_word(key, len(key))
            automaton.make_automaton()
            self.automaton = automaton

    def spans(self, folded: str, simple: bool) -> list[tuple[int, int]]:
        """The (start, end) of each form found in ``folded`` (a text through
        :func:`_fold_text`); ``simple``: the text passes :func:`_simple_text`."""
        if self.automaton is None or not simple:
            return [match.span() for match in self.pattern.finditer(folded)]
        ends: dict[int, int] = {}  # start -> the end of the longest form there on word boundaries
        length = len(folded)
        for last, size in self.automaton.iter(folded if self.strict else folded.lower()):
            start, end = last + 1 - size, last + 1
            if start and (folded[start - 1].isalnum() or folded[start - 1] in "_{"):
                continue
            if end < length and (folded[end].isalnum() or folded[end] in "_}"):
                continue
            if ends.get(start, -1) < end:
                ends[start] = end
        spans: list[tuple[int, int]] = []
        position = 0
        for start in sorted(ends):
            if start >= position:
                position = ends[start]
                spans.append((start, position))
        return spans


_ODD_SPACE = re.compile(r"[^\S ]|  ")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=4096)
def _caseless(char: str) -> bool:
    """A character no case-insensitive match can equate with another one."""
    return char.lower() == char == char.upper() and char.casefold() == char


def _simple_text(folded: str) -> bool:
    """Whether :class:`_Scanner`'s automaton finds what its expression would in ``folded``."""
    if _ODD_SPACE.search(folded) is not None:
        return False
    return folded.isascii() or all(_caseless(char) for char in set(_NOT_ASCII.findall(folded)))


@functools.lru_cache(maxsize=8192)
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


_FOLDABLE = re.compile("[\u00c0-\u024f]")


def _fold_text(text: str) -> str:
    # most text has no accented letter at all: no need to look each character up
    return text.translate(_FOLD_TABLE) if _FOLDABLE.search(text) is not None else text


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
    scanners = glossary._matchers.get(lang)
    if not scanners:
        return []
    folded = _fold_text(text)
    simple = _simple_text(folded)
    for scanner in scanners:
        for start, end in scanner.spans(folded, simple):
            found = scanner.lookup.get(_key(text[start:end], scanner.strict))
            if found is not None:
                candidates.append(TermHit(found[0], start, end, text[start:end], found[1]))
    if not candidates:
        return []
    taken: list[tuple[int, int]] = [m.span() for m in PLACEHOLDER_RE.finditer(text)] if "{" in text else []
    hits: list[TermHit] = []
    for hit in sorted(candidates, key=lambda h: (-(h.end - h.start), h.start)):
        if any(hit.start < b and a < hit.end for a, b in taken):
            continue
        taken.append((hit.start, hit.end))
        hits.append(hit)
    return sorted(hits, key=lambda hit: hit.start)


TokenStyle = Literal["braces", "digits"]
"""How a token is written for the engine: ``{901/}``, or the bare number ``901``."""

# MASKING_SCHEME (pipeline/__init__.py) is part of the glossary's version, which keys the
# memory's drafts: bumped whenever masking changes the drafts that come out, so that drafts
# made the old way are drafted again


@dataclass(frozen=True)
class Replacement:
    """One term of a masked text: its token and the approved text that replaces it."""

    number: int
    token: str  # as the engine sees it: "{901/}" or "901"
    target: str
    gender: str
    term: str  # the term as the source writes it
    tight: str = ""  # punctuation right after the term in the source ("" when none)
    carried: bool = False  # a placeholder of the text carried as a token (``target`` is the placeholder)

    @property
    def placeholder(self) -> str:
        """The token's brace form, the one restoring works on."""
        return f"{{{self.number}/}}"


@dataclass(frozen=True)
class Masked:
    """A unit's text with its terms replaced by tokens, and what each token stands for.

    ``left`` are terms deliberately left as text for the engine (a re-draft); they are
    numbered like the others, so a term found in the draft can be put back as a token.
    """

    text: str
    replacements: tuple[Replacement, ...]
    target_lang: str
    source: str = ""
    style: TokenStyle = "braces"
    left: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class Unmasked:
    """A draft with its tokens replaced; ``problems`` (empty when sound) say what broke."""

    text: str
    problems: tuple[str, ...] = ()
    broken: tuple[int, ...] = ()  # the numbers of the tokens that did not come back whole once


@dataclass(frozen=True)
class _Span:
    """What :func:`mask` replaces by a token: a glossary term, or a carried placeholder."""

    start: int
    end: int
    text: str
    target: str
    gender: str
    term: str  # how a problem names it
    carried: bool = False


_TIGHT = re.compile(r"[.,;:!?…]")
_POSSESSIVE = re.compile(r"[’'](?:s\b|(?!\w))")


def mask(
    glossary: Glossary,
    text: str,
    source_lang: str,
    target_lang: str,
    *,
    style: TokenStyle = "braces",
    keep: Collection[int] = (),
    carry: Mapping[str, str] | None = None,
) -> Masked:
    """Replace the terms of ``text`` by tokens an engine cannot damage.

    ``style`` writes each token as ``{901/}`` or as the bare number ``901``. Engines such as
    Apertium read the digits of ``{901/}`` as a word and its braces as spacing: they move
    the word with the grammar (a possessive, a phrase reordered) and leave the braces
    behind, splitting the token. A bare number is one word and moves whole; its numbers are
    chosen so none occurs in ``text``, which makes every token found in a draft the
    engine's copy of it. ``keep`` lists the terms (by their order in the text) left as text
    for the engine, for a re-draft. An English possessive after a bare-number token is
    written ``'s``: Apertium reads a plural possessive's lone apostrophe ("the Zetas’ plan")
    as a quotation mark, which runs on into the next unit and swallows its possessive.

    ``carry`` maps self-closing placeholders of ``text`` (``{702/}``: a date or an amount
    :mod:`pipeline.rules` protects) to what each stands for: they travel as tokens of
    their own, written and verified like the terms', and come back as the placeholder.
    Apertium splits a ``{702/}`` it reads as a word as it splits a term's ``{901/}``.

    >>> g = Glossary([Term("c", "Sinaloa Cartel", "Cártel de Sinaloa", gender="m")])
    >>> m = mask(g, "The Sinaloa Cartel lost ground.", "en", "es")
    >>> m.text
    'The {901/} lost ground.'
    >>> unmask(m, "La {901/} perdió terreno.")
    'El Cártel de Sinaloa perdió terreno.'
    >>> mask(g, "The Sinaloa Cartel’s men, 901 of them.", "en", "es", style="digits").text
    "The 902's men, 901 of them."
    """
    spans = [
        _Span(hit.start, hit.end, hit.text, _approved(hit, target_lang), hit.term.gender, hit.text)
        for hit in find_terms(glossary, text, source_lang)
    ]
    if carry:
        spans += [
            _Span(m.start(), m.end(), m.group(0), m.group(0), "", carry[m.group(0)], carried=True)
            for m in PLACEHOLDER_RE.finditer(text)
            if m.group(0) in carry
        ]
        spans.sort(key=lambda span: span.start)
    if not spans:
        return Masked(text, (), target_lang, text, style)
    out: list[str] = []
    replacements: list[Replacement] = []
    left: list[Replacement] = []
    position = 0
    for index, (hit, number) in enumerate(zip(spans, _free_numbers(text, len(spans)), strict=True)):
        tight = _TIGHT.match(text, hit.end)
        token = str(number) if style == "digits" else f"{{{number}/}}"
        item = Replacement(
            number, token, hit.target, hit.gender, hit.term, tight.group(0) if tight else "", hit.carried
        )
        out.append(text[position : hit.start])
        position = hit.end
        if index in keep:
            left.append(item)
            out.append(hit.text)
            continue
        replacements.append(item)
        out.append(token)
        possessive = _POSSESSIVE.match(text, hit.end)
        if style == "digits" and source_lang == "en" and possessive and not _quoted(text, hit.start):
            out.append("'s")
            position = possessive.end()
    out.append(text[position:])
    return Masked("".join(out), tuple(replacements), target_lang, text, style, tuple(left))


def _approved(hit: TermHit, target_lang: str) -> str:
    """What replaces a term's token: the approved target term (a do-not-translate term as written)."""
    return hit.text if hit.term.dnt else hit.term.target(target_lang, hit.form_index)


def find_phrase(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in ``text`` as whole words, ignoring case, accents and how
    much whitespace separates its words: a draft's "guardia nacional" is "Guardia Nacional".

    >>> find_phrase("La Guardia  nacional y la GUARDIA NACIONAL.", "Guardia Nacional")
    [(3, 20), (26, 42)]
    """
    atoms = _atoms(" ".join(phrase.split()), strict=False)
    if not atoms:
        return []
    pattern = re.compile(r"(?<!\w)" + "".join(atoms) + r"(?!\w)", re.IGNORECASE)
    return [match.span() for match in pattern.finditer(_fold_text(text))]


def _free_numbers(text: str, count: int) -> list[int]:
    """``count`` token numbers from :data:`TOKEN_BASE` on, none of which occurs in ``text``
    (as a number of its own or inside one), so a token can never be mistaken for the text's."""
    numbers: list[int] = []
    number = TOKEN_BASE
    while len(numbers) < count:
        if str(number) not in text:
            numbers.append(number)
        number += 1
    return numbers


def _quoted(text: str, start: int) -> bool:
    """True when the term opens with a single quotation mark, or one (‘) opened before
    ``start`` is still open: the ’ after the term then closes the quotation."""
    before = text[:start]
    return before.endswith(("'", "‘")) or before.count("‘") > before.count("’")


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
    """The draft with the approved target terms in place of their tokens; raises
    :class:`ValueError` naming what broke when a token did not come back whole exactly
    once or token-like residue remains (:func:`restore` returns the problems instead)."""
    restored = restore(masked, translated)
    if restored.problems:
        raise ValueError("; ".join(restored.problems))
    return restored.text


def restore(masked: Masked, translated: str) -> Unmasked:
    """Put the approved target terms back in place of their tokens, and verify the result.

    Every token must come back whole exactly once, and nothing token-like may remain
    (:func:`residue`); otherwise the problems are returned and the text must not be used.
    A Spanish article before a term is made to agree with the term's gender, a term at
    the start of a sentence is capitalised, and punctuation the source had right after a
    term gets no space before it ("el 901 ." from Apertium becomes "el Cártel.").
    """
    text = translated
    problems: list[str] = []
    broken: list[int] = []
    if masked.style == "digits":
        text = _braced(masked, text)
    for item in masked.replacements:
        found = text.count(item.placeholder)
        if found != 1:
            shown = _shown(translated, item)
            what = "was lost or broken" if not found else f"came back {found} times"
            of = "the protected text" if item.carried else "the glossary term"
            problems.append(f"the token {item.token} of {of} {item.term!r} {what}{shown}")
            broken.append(item.number)
    if problems:
        return Unmasked(translated, tuple(problems), tuple(broken))
    result = text
    for item in masked.replacements:
        token, target = item.placeholder, item.target
        if item.tight:
            result = re.sub(re.escape(token) + r"[ \t]+(?=" + re.escape(item.tight) + ")", token, result)
        if masked.target_lang == "es" and _ARTICLE_START.match(target):
            result = _drop_article_before(result, token)
        elif masked.target_lang == "es" and item.gender in ("m", "f"):
            result = _agree(result, token, item.gender)
        if _at_sentence_start(result, token):
            target = target[0].upper() + target[1:]
        result = result.replace(token, target, 1)
    if masked.target_lang == "es":
        result = _contract(result)
    leftover = residue(masked.source, result)
    if leftover:
        problems.append("token-like residue " + ", ".join(repr(piece) for piece in leftover))
    folded = result.casefold()
    for item in masked.replacements:
        if not _present(item.target, folded):
            problems.append(f"the glossary term {item.term!r} is missing ({item.target!r} expected)")
    return Unmasked(result, tuple(problems))


def _braced(masked: Masked, text: str) -> str:
    """``text`` with the bare-number tokens of ``masked`` in their brace form (other numbers,
    and numbers inside a larger one such as "1,901", untouched)."""
    numbers = {str(item.number): item.placeholder for item in masked.replacements}

    def brace(match: re.Match[str]) -> str:
        return numbers.get(match.group(0), match.group(0))

    return _NUMBER_WORD.sub(brace, text)


_NUMBER_WORD = re.compile(r"(?<![\d])(?<!\d[.,])\d+(?![\d])(?![.,]\d)")


def _shown(translated: str, item: Replacement) -> str:
    """Where a broken token was, for the message: the draft around its number."""
    at = translated.find(str(item.number))
    if at < 0:
        return ""
    return f" ({translated[max(0, at - 12) : at + len(str(item.number)) + 6].strip()!r})"


def _present(target: str, folded: str) -> bool:
    """True when ``target`` is in ``folded`` (a casefolded text), allowing a capital first
    letter and an article contracted with the word before it ("de el Chapo" → "del Chapo")."""
    wanted = target.casefold()
    return wanted in folded or (wanted.startswith("el ") and wanted[3:] in folded)


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


_FRAGMENT = re.compile(r"[{⟦]\s?/?\s?\d{0,4}\s?/?\s?[}⟧]?|/?\s?\d{0,4}\s?/?[}⟧]")
"""A piece of a token or placeholder: an opening brace or bracket with what follows it,
or a closing one with what precedes it ("{903", "903/}", "/}", "⟦", "⟧")."""


def residue(source: str, translation: str) -> list[str]:
    """Token-like debris in ``translation`` that its ``source`` does not account for.

    Debris is a glossary token (``{901/}`` and up) the source does not have, a malformed
    placeholder (``{/1/}``), or a fragment of one (``{903``, ``903/}``, ``/}``, ``⟦``,
    ``⟧``) beyond the braces and brackets of the source's own text. The unit's own
    placeholders, misplaced or not, are the placeholder check's business.

    >>> residue("the Navy’s forces", "las fuerzas/} del {903. Armada de México")
    ['/}', '{903']
    >>> residue("a {1}b{/1} {x}", "una {1}b{/1} {x}")
    []
    """
    if not any(char in translation for char in "{}⟦⟧"):
        return []
    found: list[str] = []
    own: set[str] | None = None

    def drop(match: re.Match[str]) -> str:
        nonlocal own
        closing, number, selfclosing = match.groups()
        if int(number) >= TOKEN_BASE or (closing and selfclosing):
            if own is None:
                own = {tag.group(0) for tag in PLACEHOLDER_RE.finditer(source)}
            if match.group(0) not in own:
                found.append(match.group(0))
        return " "

    rest = PLACEHOLDER_RE.sub(drop, translation)
    if not any(char in rest for char in "{}⟦⟧"):  # the common case: only well-formed placeholders
        return found
    allowed: dict[str, int] = {}
    for match in _FRAGMENT.finditer(PLACEHOLDER_RE.sub(" ", source)):
        key = "".join(match.group(0).split())
        allowed[key] = allowed.get(key, 0) + 1
    for match in _FRAGMENT.finditer(rest):
        key = "".join(match.group(0).split())
        if allowed.get(key, 0):
            allowed[key] -= 1
        else:
            found.append(match.group(0).strip())
    return found


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
