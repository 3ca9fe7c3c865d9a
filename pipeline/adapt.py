"""Adapting a reviewed translation of a similar sentence to a new one.

The translation memory's fuzzy matches hold another article's facts: "Agents seized
1,500 kg of cocaine in Culiacán" is not a translation of "Agents seized 2,300 kg of
cocaine in Mazatlán". When the two sources differ *only* in numbers, names (capitalised
words) and glossary terms, the reviewed translation is adapted instead: each differing
item is found in the translation (a number by its value, whatever the separators; a
glossary term by its approved target form; a name as written) exactly once, and replaced
by the new source's item: the number written with the target locale's separators
(Babel), the new term's approved form (its Spanish article made to agree, as masking
does), the new name as written. The result is verified: every number of the new source
is there by value and no other, every glossary term as many times as the source has it,
the old items gone, the placeholders and nothing token-like left; otherwise the match is
not used, and stays a suggestion beside the engine's draft.

An adapted translation is a draft like any other (fuzzy, never reviewed), its PO note
naming the memory entry and the score: ``#. memory: adapted from a 91% match of: …``.

>>> from pipeline.glossary import Glossary, Term
>>> g = Glossary([Term("c", "cocaine", "cocaína", gender="f")])
>>> old = "Agents seized 1,500 kg of cocaine in Culiacán."
>>> reviewed = "Los agentes aseguraron 1.500 kg de cocaína en Culiacán."
>>> new = "Agents seized 2,300 kg of cocaine in Mazatlán."
>>> adapted = adapt(new, Candidate(old, reviewed, 90), "en", "es", g, "es_ES")
>>> adapted.text
'Los agentes aseguraron 2.300 kg de cocaína en Mazatlán.'
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz, process

from pipeline.checks import _SCALES, check_numbers
from pipeline.glossary import Glossary, Masked, Replacement, TermHit, _pattern, find_terms, residue, restore
from pipeline.memory import ADAPTED as ADAPTED  # (re-exported: what adaptation writes and tries)
from pipeline.memory import CANDIDATES as CANDIDATES
from pipeline.placeholders import PLACEHOLDER_RE, tokens
from pipeline.rules import Number, format_number, parse_number


@dataclass(frozen=True)
class Candidate:
    """A reviewed translation of a similar source, with its similarity in percent."""

    source: str
    translation: str
    score: float


@dataclass(frozen=True)
class Adapted:
    """A candidate's translation adapted to the new source, and where it came from."""

    text: str
    candidate: Candidate

    @property
    def detail(self) -> str:
        """The PO note's text (one line, whatever the memory's source holds)."""
        source = " ".join(self.candidate.source.split())
        return f"{ADAPTED}{round(self.candidate.score)}% match of: {source}"


@dataclass(frozen=True)
class _Token:
    kind: str  # "placeholder", "term", "number", "name", "word" or "mark"
    text: str
    start: int
    end: int
    key: str
    hit: TermHit | None = None


_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_ANY_NUMBER = re.compile(
    r"(?<![\w.,])(?:\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)"
)
"""A number in a translation, grouped with a comma, a period or a space of any kind."""
_ADAPTABLE = {"number", "term", "name"}


def _tokens(text: str, lang: str, glossary: Glossary) -> list[_Token]:
    """``text`` as placeholders, glossary terms, numbers, words and other marks."""
    found = [
        _Token("placeholder", m.group(0), m.start(), m.end(), m.group(0))
        for m in PLACEHOLDER_RE.finditer(text)
    ]
    found += [
        _Token("term", hit.text, hit.start, hit.end, f"{hit.term.id}#{hit.form_index}", hit)
        for hit in find_terms(glossary, text, lang)
    ]
    covered = bytearray(len(text))
    for token in found:
        covered[token.start : token.end] = b"\x01" * (token.end - token.start)
    for pattern, kind in ((_NUMBER, "number"), (_WORD, "word")):
        for match in pattern.finditer(text):
            if any(covered[match.start() : match.end()]):
                continue
            word = match.group(0)
            found.append(
                _Token("name" if kind == "word" and word[0].isupper() else kind, word, *match.span(), word)
            )
            covered[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    found += [
        _Token("mark", char, index, index + 1, char)
        for index, char in enumerate(text)
        if not covered[index] and not char.isspace()
    ]
    return sorted(found, key=lambda token: token.start)


@dataclass(frozen=True)
class _Change:
    kind: str  # "number", "term", "name" or "names" (a run of names for another)
    old: tuple[_Token, ...]
    new: tuple[_Token, ...]


def _changes(old: list[_Token], new: list[_Token]) -> list[_Change] | None:
    """What differs between two sources, when only numbers, names and terms do (None otherwise)."""
    matcher = difflib.SequenceMatcher(
        None, [(t.kind, t.key) for t in old], [(t.kind, t.key) for t in new], autojunk=False
    )
    changes: list[_Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        before, after = old[i1:i2], new[j1:j2]
        if all(t.kind == "name" for t in (*before, *after)) and len(before) != len(after):
            # a name for another ("Ana Ruiz", "Ana María Ruiz"): the whole run of names each side
            while i1 > 0 and j1 > 0 and old[i1 - 1].kind == new[j1 - 1].kind == "name":
                i1, j1 = i1 - 1, j1 - 1
            while i2 < len(old) and j2 < len(new) and old[i2].kind == new[j2].kind == "name":
                i2, j2 = i2 + 1, j2 + 1
            if i1 == i2 or j1 == j2:
                return None  # a name added or taken away: another sentence
            changes.append(_Change("names", tuple(old[i1:i2]), tuple(new[j1:j2])))
            continue
        if op != "replace" or len(before) != len(after):
            return None  # words added or taken away: another sentence
        for a, b in zip(before, after, strict=True):
            if a.kind not in _ADAPTABLE or b.kind not in _ADAPTABLE:
                return None
            if (a.kind == "number") != (b.kind == "number"):
                return None  # a number for a name: another sentence
            changes.append(_Change(b.kind, (a,), (b,)))
    return changes


def _target_form(hit: TermHit, target_lang: str) -> str:
    return hit.text if hit.term.dnt else hit.term.target(target_lang, hit.form_index)


def _value(text: str, start: int, end: int, lang: str) -> Decimal | None:
    """The number written at ``text[start:end]``, read the way ``lang`` writes numbers and
    scaled by a following "million", "mil millones"... ("1.900 millones" and "1.9 billion"
    are the same value)."""
    number = parse_number(re.sub(r"[\u00a0\u202f ]", "", text[start:end]).replace(" ", ""), lang)
    if number is None:
        return None
    return number.value * _scale(text, end, lang)


def _scale(text: str, end: int, lang: str) -> Decimal:
    after = text[end : end + 16].lstrip().lower()
    other = "es" if lang == "en" else "en"
    for word, factor in [*_SCALES.get(lang, []), *_SCALES.get(other, [])]:
        if re.match(rf"{word}\b", after):
            return Decimal(int(factor))
    return Decimal(1)


def _values(text: str, lang: str) -> list[Decimal] | None:
    """Every number of ``text`` (placeholders aside) as :func:`_value` reads it; None when
    one cannot be read."""
    plain = PLACEHOLDER_RE.sub(" ", text)
    found = []
    for match in _ANY_NUMBER.finditer(plain):
        value = _value(plain, match.start(), match.end(), lang)
        if value is None:
            return None
        found.append(value)
    return found


def _locate(
    change: _Change,
    old_source: str,
    translation: str,
    source: str,
    source_lang: str,
    target_lang: str,
    locale: str,
) -> tuple[int, int, str, str, str] | None:
    """Where the old item of ``change`` is in the translation (exactly once, else None) and
    what replaces it there: (start, end, replacement, gender of a term, the old item)."""
    first, new = change.old[0], change.new[0]
    if first.kind == "number":
        old_value = _value(old_source, first.start, first.end, source_lang)
        new_number = parse_number(new.text, source_lang)
        if old_value is None or new_number is None:
            return None
        plain = PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), translation)
        spans = [
            m.span()
            for m in _ANY_NUMBER.finditer(plain)
            if _value(plain, m.start(), m.end(), target_lang) == old_value
        ]
        if len(spans) != 1:
            return None
        start, end = spans[0]
        # the new value in the translation's own scale ("1.903 millones" → "1.903 billion")
        written = parse_number(re.sub(r"[\u00a0\u202f ]", "", translation[start:end]), target_lang)
        value = (
            new_number.value * _scale(source, new.end, source_lang) / _scale(translation, end, target_lang)
        )
        value = value.normalize()
        decimals = max(0, -int(value.as_tuple().exponent))
        grouped = new_number.grouped or (written is not None and written.grouped)
        rendering = format_number(Number(value, decimals, grouped), locale, grouped=grouped)
        return start, end, rendering, "", first.text
    if first.kind == "term":
        assert first.hit is not None
        form = _target_form(first.hit, target_lang)
        spans = [m.span() for m in _pattern(form, first.hit.term.strict_case).finditer(translation)]
    else:
        name = old_source[first.start : change.old[-1].end]
        spans = [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", translation)]
    if len(spans) != 1:
        return None  # not there, or there twice: no way to tell which
    if new.kind == "term":
        assert new.hit is not None
        rendering, gender = _target_form(new.hit, target_lang), new.hit.term.gender
    else:
        rendering, gender = source[new.start : change.new[-1].end], ""
    return spans[0][0], spans[0][1], rendering, gender, first.text


def adapt(
    source: str,
    candidate: Candidate,
    source_lang: str,
    target_lang: str,
    glossary: Glossary,
    locale: str,
) -> Adapted | None:
    """``candidate``'s translation adapted to ``source``, or None when the two sources differ
    in more than numbers, names and glossary terms, or the result does not verify."""
    old_source, translation = candidate.source, candidate.translation
    if not translation or residue(old_source, translation):
        return None
    changes = _changes(_tokens(old_source, source_lang, glossary), _tokens(source, source_lang, glossary))
    if not changes:
        return None
    spans: list[tuple[int, int, str, str, str]] = []  # start, end, replacement, gender, what
    for change in changes:
        located = _locate(change, old_source, translation, source, source_lang, target_lang, locale)
        if located is None:
            return None
        spans.append(located)
    spans.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
        return None  # two changes found in the same words
    text, replacements = _masked(translation, spans)
    restored = restore(Masked(text, tuple(replacements), target_lang, source, "braces"), text)
    if restored.problems or not _verified(source, restored.text, changes, source_lang, target_lang, glossary):
        return None
    return Adapted(restored.text, candidate)


def _masked(translation: str, spans: list[tuple[int, int, str, str, str]]) -> tuple[str, list[Replacement]]:
    """The translation with a token where each change goes (the glossary's restoring then
    writes each new item, agreeing a Spanish article with a new term's gender)."""
    number = 901
    out: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    for start, end, rendering, gender, what in spans:
        while str(number) in translation:
            number += 1
        token = f"{{{number}/}}"
        out += [translation[position:start], token]
        replacements.append(Replacement(number, token, rendering, gender, what))
        position = end
        number += 1
    out.append(translation[position:])
    return "".join(out), replacements


def _verified(
    source: str, result: str, changes: list[_Change], source_lang: str, target_lang: str, glossary: Glossary
) -> bool:
    """Every number of ``source`` in ``result`` by value, and no other; every glossary term
    as many times as the source has it; the old terms gone; the placeholders the same."""
    if check_numbers(source, result, source_lang, target_lang):
        return False
    expected, found = _values(source, source_lang), _values(result, target_lang)
    if expected is None or found is None or sorted(expected) != sorted(found):
        return False  # each number by its value as each language writes it, scales included
    if sorted(str(t) for t in tokens(result)) != sorted(str(t) for t in tokens(source)):
        return False
    wanted: dict[tuple[str, bool], int] = {}
    for hit in find_terms(glossary, source, source_lang):
        key = (_target_form(hit, target_lang), hit.term.strict_case)
        wanted[key] = wanted.get(key, 0) + 1
    for (form, strict), count in wanted.items():
        if len(_pattern(form, strict).findall(result)) != count:
            return False
    for change in changes:
        gone = change.old[0].hit
        if gone is not None:  # an old term the new source does not have must not stay
            form = _target_form(gone, target_lang)
            if (form, gone.term.strict_case) not in wanted and _pattern(form, gone.term.strict_case).search(
                result
            ):
                return False
    return True


def adapt_best(
    source: str,
    candidates: Iterable[Candidate],
    source_lang: str,
    target_lang: str,
    glossary: Glossary,
    locale: str,
) -> Adapted | None:
    """The first of ``candidates`` (best first) that adapts to ``source``."""
    for candidate in candidates:
        if candidate.source == source:
            continue
        adapted = adapt(source, candidate, source_lang, target_lang, glossary, locale)
        if adapted is not None:
            return adapted
    return None


def adapt_each(
    texts: Iterable[str],
    reviewed: Mapping[str, str],
    threshold: float,
    source_lang: str,
    target_lang: str,
    glossary: Glossary,
    locale: str,
) -> dict[str, Adapted]:
    """For each of ``texts``, a reviewed translation of ``reviewed`` (source → translation:
    the pairs harvested in this run, not in the memory yet) of a similar source, adapted
    to it; texts with none are left out."""
    sources = list(reviewed)
    found: dict[str, Adapted] = {}
    if not sources:
        return found
    for text in texts:
        matches = process.extract(text, sources, scorer=fuzz.ratio, score_cutoff=threshold, limit=CANDIDATES)
        candidates = [Candidate(match, reviewed[match], float(score)) for match, score, _ in matches]
        adapted = adapt_best(text, candidates, source_lang, target_lang, glossary, locale)
        if adapted is not None:
            found[text] = adapted
    return found
