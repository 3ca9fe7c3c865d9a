"""Pre- and post-processing around the machine-translation engine.

Apertium's raw output carries English title case into Spanish headings, glues
hyphenated compounds ("compromisodenivel alto"), turns a closing ’ into ``'``,
splits abbreviations ("EE. UU." ends a sentence), leaves the source's digit
grouping and translates "March 5" as "Marcha 5". Each rule here fixes one of
those, and each can be switched off alone so that its gain is measured
(``benchmarks/quality/evaluate.py``):

``sentence_case``
    A heading or title in title case is sentence-cased before the engine sees
    it, keeping glossary terms, acronyms and the words Apertium's analyser
    knows as proper nouns ("Mexico", "García").
``heading_case``
    The draft of a heading gets the target language's capitalisation: Spanish
    headings are sentence case, English ones title case (AP style).
``compounds``
    Hyphenated English compounds ("high-level", "12,480-page") are split, so
    Apertium translates both halves instead of gluing them.
``quotes``
    Paired quotation marks travel through the engine as paired placeholders,
    so they stay around the words they quote; the draft gets the target's
    marks (« » become “ ” in English), the comma or period moves across the
    closing mark as each language wants it, and apostrophes stay typographic.
``abbreviations``
    Abbreviations Apertium mis-splits ("EE. UU.", "Gral.", "Gen.") are
    replaced by their full form or their target-language abbreviation.
``dates``
    Dates, months, weekdays and clock times are written with Babel in the
    target locale ("March 5, 2026" ↔ "5 de marzo de 2026", "on Monday" ↔
    "el lunes").
``currency``
    Amounts of money and large round numbers are written the target's way
    ("US $1.9 billion" ↔ "1,900 millones de dólares", "350 millones de pesos"
    ↔ "350 million pesos").
``numbers``
    Every other number and percentage of the draft is written with the target
    locale's separators ("12.480" → "12,480", "27 %" → "27%"), with Babel.
``spacing``
    Spaces the engine doubled, dropped or put before punctuation are fixed,
    and the draft starts with a capital when the source does.
``reported_speech``
    "said the transfer was legal" gets its "that" before the engine (Spanish
    needs "dijo que"; without it Apertium also splits a glossary placeholder
    that follows "said the"), "..., the FBI said." becomes "..., said the FBI.",
    and a "said" Apertium took for a participle ("Sheinbaum dicho") is "dijo".
``titles``
    A title before a name is written each language's way: "Security Secretary
    Omar García Harfuch said" ↔ "El secretario de Seguridad, Omar García
    Harfuch, dijo"; "Presidente Donald Trump" → "El presidente Donald Trump".
``articles``
    A Spanish sentence opening on a bare plural gets its article ("Los grupos
    de derechos humanos"); English loses the "it" Apertium adds after a name
    ("Manzanillo it receives") and the "the" before a city.
``capitals``
    A verb Apertium capitalised after a name it did not know ("Rubio
    Describió") is lowered.
``possessives``
    "Rubio’s second visit" → "the second visit of Rubio" where Apertium cannot
    build the genitive itself (an unknown owner, a glossary term as owner or
    owned: after a placeholder it would split it).
``lexicon``
    A few words of the beat Apertium's dictionaries take in another sense
    ("border" as "borde", "seizures" as "ataque", "aseguró" as "ensured") get
    the beat's word, only when the source has the word that calls for it.

:func:`prepare` runs before glossary masking and the engine, :func:`finish`
after unmasking. What ``prepare`` protects (dates, amounts, quotation marks)
travels through the engine as placeholders numbered from :data:`TOKEN_BASE`,
below the glossary's tokens; ``finish`` writes them out. Neither function ever
drops, adds or reorders the unit's own placeholders, its numbers or its
glossary terms (a property test checks it), and a token the engine lost is
appended rather than dropped, as the glossary does.

Words Apertium did not know are not marked in the draft: the engine lists
them in the PO comment (``#. unknown to apertium:``) and the checks report.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, get_day_names, get_month_names
from babel.numbers import format_decimal

# the key of what shaped a draft and the kinds of blocks, re-exported (they live where
# every build can read them without loading the rules)
from pipeline.drafting import HEADING_KINDS as HEADING_KINDS
from pipeline.drafting import draft_key as draft_key
from pipeline.drafting import kind_of as kind_of
from pipeline.glossary import Glossary, TermHit, find_terms
from pipeline.placeholders import PLACEHOLDER_RE

RULES: tuple[str, ...] = (
    "sentence_case",
    "heading_case",
    "compounds",
    "quotes",
    "abbreviations",
    "dates",
    "currency",
    "numbers",
    "spacing",
    "reported_speech",
    "titles",
    "articles",
    "capitals",
    "possessives",
    "lexicon",
)
"""Every rule, in the order the documentation and the benchmark list them."""

# the rules' version is pipeline.RULES_VERSION (read by every build, which need not import them)

TOKEN_BASE = 701
TOKEN_LIMIT = 899
"""The rules' placeholders are numbered from TOKEN_BASE to TOKEN_LIMIT, below the glossary's (901...)."""

DEFAULT_LOCALES = {"en": "en_US", "es": "es_MX"}


@dataclass(frozen=True)
class Prepared:
    """A unit's text as it goes to glossary masking and the engine, and what
    :func:`finish` needs to write the draft out."""

    text: str
    source: str
    source_lang: str
    target_lang: str
    kind: str
    locale: str
    rules: frozenset[str]
    values: tuple[tuple[int, str], ...] = ()
    """Self-closing tokens and the target-language text each stands for."""
    quotes: tuple[tuple[int, str, str], ...] = ()
    """Paired tokens and the target-language opening and closing marks."""

    @property
    def carried(self) -> dict[str, str]:
        """The self-closing tokens (``{701/}``) and what each stands for: drafting carries
        them through the engine as it carries glossary terms (:func:`pipeline.glossary.mask`).

        >>> prepare("Seizures fell on March 5.", "en", "es").carried
        {'{701/}': 'el 5 de marzo'}
        """
        return {f"{{{number}/}}": value for number, value in self.values}


# --- protected spans ----------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


def _protected(text: str, lang: str, glossary: Glossary | None) -> list[tuple[int, int]]:
    """Spans no rule may touch: placeholders and glossary terms."""
    spans = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    if glossary is not None and glossary.terms:
        spans.extend((hit.start, hit.end) for hit in find_terms(glossary, text, lang))
    return spans


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def _sub_free(
    pattern: re.Pattern[str],
    text: str,
    replace: Callable[[re.Match[str]], str | None],
    spans: list[tuple[int, int]] | Callable[[str], list[tuple[int, int]]],
) -> str:
    """``pattern.sub`` outside ``spans``; ``replace`` returning None keeps the match.
    ``spans`` may be a function of the text, called only once something matches (finding
    a text's glossary terms is the costly part of most rules, and most rules match nothing)."""
    found: list[tuple[int, int]] | None = spans if isinstance(spans, list) else None

    def one(match: re.Match[str]) -> str:
        nonlocal found
        if found is None:
            assert not isinstance(spans, list)
            found = spans(text)
        if _overlaps(match.start(), match.end(), found):
            return match.group(0)
        result = replace(match)
        return match.group(0) if result is None else result

    return pattern.sub(one, text)


class _Tokens:
    """Allocates the rules' placeholder numbers for one unit."""

    def __init__(self, text: str) -> None:
        self.taken = {int(m.group(2)) for m in PLACEHOLDER_RE.finditer(text)}
        self.next = TOKEN_BASE

    def new(self) -> int | None:
        while self.next in self.taken:
            self.next += 1
        if self.next > TOKEN_LIMIT:
            return None  # a unit with hundreds of protected spans: the rest go to the engine as they are
        self.taken.add(self.next)
        self.next += 1
        return self.next - 1


# --- numbers ------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_NUMBER_RE = re.compile(r"(?<![\w.,{/])(?:" + _NUMBER + r")(?![\w}]|[.,]\d)")


@dataclass(frozen=True)
class Number:
    """A written number: its value, how many decimals it shows and whether it was grouped."""

    value: Decimal
    decimals: int
    grouped: bool


def parse_number(text: str, lang: str) -> Number | None:
    """Read a number written the way ``lang`` writes it.

    English groups with commas. Spanish text comes written both ways ("12.480"
    in Spain and in most Mexican newsrooms' copy, "12,480" in Mexico's official
    style): a separator followed by exactly three digits groups thousands, any
    other separator is the decimal mark (a decimal with exactly three digits is
    rare enough in news copy to lose that bet).

    >>> parse_number("12,480", "en"), parse_number("12.480", "es").value, parse_number("3,5", "es").value
    (Number(value=Decimal('12480'), decimals=0, grouped=True), Decimal('12480'), Decimal('3.5'))
    >>> [parse_number(text, "es").value for text in ("1,150", "147.300", "0,9")]
    [Decimal('1150'), Decimal('147300'), Decimal('0.9')]
    """
    if not re.fullmatch(_NUMBER, text):
        return None
    if lang == "en":
        group, decimal = ",", "."
    else:
        seps = re.findall(r"[.,]", text)
        if not seps:
            group, decimal = ",", "."
        elif len(set(seps)) == 2:
            decimal = seps[-1]
            group = "," if decimal == "." else "."
        elif len(seps) > 1:
            group = seps[0]
            decimal = "," if group == "." else "."
        else:
            group, decimal = (seps[0], "") if re.search(r"[.,]\d{3}$", text) else ("", seps[0])
    integer, _, fraction = text.partition(decimal) if decimal else (text, "", "")
    parts = integer.split(group) if group else [integer]
    if any(len(part) != 3 for part in parts[1:]) or (group and group in fraction):
        return None
    try:
        value = Decimal("".join(parts) + ("." + fraction if fraction else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return Number(value, len(fraction), len(parts) > 1)


@lru_cache(maxsize=8192)
def format_number(number: Number, locale: str, *, grouped: bool | None = None) -> str:
    """``number`` written with ``locale``'s separators (Babel), keeping its decimals.

    >>> n = parse_number("12.480", "es")
    >>> format_number(n, "en_US"), format_number(n, "es_MX"), format_number(n, "es_ES")
    ('12,480', '12,480', '12.480')
    >>> format_number(parse_number("3,50", "es"), "en_US")
    '3.50'
    """
    group = number.grouped or number.value >= 10_000 if grouped is None else grouped
    pattern = ("#,##0" if group else "0") + ("." + "0" * number.decimals if number.decimals else "")
    return format_decimal(number.value, format=pattern, locale=locale)


@lru_cache(maxsize=16)
def _percent_pattern(locale: str) -> str:
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return str(pattern).split(";")[0]


@lru_cache(maxsize=4096)
def format_percent(number: Number, locale: str) -> str:
    """A percentage the way ``locale`` writes it ("27%" in en_US and es_MX, "27 %" in es_ES).

    >>> format_percent(parse_number("8,5", "es"), "en_US"), format_percent(parse_number("27", "en"), "es_ES")
    ('8.5%', '27\\xa0%')
    """
    pattern = _percent_pattern(locale)
    if number.decimals:
        pattern = re.sub(r"0(?=[^0#]*$)", "0." + "0" * number.decimals, pattern, count=1)
    from babel.numbers import format_percent as babel_percent

    return babel_percent(number.value / 100, format=pattern, locale=locale)


def _scaled(value: Decimal, decimals: int = 3) -> Number:
    """A computed value as a number to write, with no trailing zeros."""
    quantized = value.quantize(Decimal(1).scaleb(-decimals)).normalize()
    exponent = quantized.as_tuple().exponent
    shown = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return Number(quantized if shown else Decimal(int(quantized)), shown, False)


# --- dates --------------------------------------------------------------------------------

_EN_MONTHS = {
    name.lower(): index
    for index, names in enumerate(
        [
            ("January", "Jan."),
            ("February", "Feb."),
            ("March", "Mar."),
            ("April", "Apr."),
            ("May",),
            ("June",),
            ("July",),
            ("August", "Aug."),
            ("September", "Sept.", "Sep."),
            ("October", "Oct."),
            ("November", "Nov."),
            ("December", "Dec."),
        ],
        start=1,
    )
    for name in names
}
_ES_MONTHS = {
    name: index
    for index, name in enumerate(
        _words("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"),
        start=1,
    )
}
_ES_MONTHS["setiembre"] = 9
_EN_DAYS = {
    name.lower(): i
    for i, name in enumerate(_words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"))
}
_ES_DAYS = {name: i for i, name in enumerate(_words("lunes martes miércoles jueves viernes sábado domingo"))}
_ES_DAYS["miercoles"] = 2
_ES_DAYS["sabado"] = 5
_MONTH_CONTEXT = re.compile(
    r"(?:\b(?:in|since|until|through|by|from|of|early|late|mid|last|next|this|before|after)[\s-]+)$",
    re.IGNORECASE,
)
_ES_PREPOSITIONS = r"(?:de|desde|hasta|para|a\s+partir\s+del?|antes\s+del?|después\s+del?|entre|y|a|al|con)"

_EN_MONTH_ALT = "|".join(sorted((re.escape(m.title()) for m in _EN_MONTHS), key=len, reverse=True))
_ES_MONTH_ALT = "|".join(sorted(_ES_MONTHS, key=len, reverse=True))
_EN_DATE = re.compile(
    r"\b(?P<on>[Oo]n\s+)?(?:(?P<wday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    rf"(?P<month>{_EN_MONTH_ALT})(?!\w)"
    r"(?:\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![.,]?\d)(?!\s+(?:thousand|million|billion|trillion)\b)"
    r"(?:,?\s+(?P<year>\d{4})(?![.,]?\d)(?!\s+(?:thousand|million|billion|trillion)\b))?"
    r"|,?\s+(?P<myear>\d{4})(?![.,]?\d)(?!\s+(?:thousand|million|billion|trillion)\b))?"
    r"(?![\w-])"
)
_EN_MONTH_HINT = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_ES_MONTH_HINT = re.compile(r"(?:ero|rzo|bril|ayo|nio|lio|osto|bre)\b")
_ES_WEEKDAY_HINT = re.compile(r"(?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b")
"""Cheap looks before the date patterns, which most sentences do not need."""
_EN_WEEKDAY = re.compile(
    r"\b(?P<on>[Oo]n\s+)?(?P<wday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_ES_DATE = re.compile(
    r"(?<!\w)(?P<art>(?:[Ee]l|[Dd]el)\s+)?(?:(?P<wday>lunes|martes|miércoles|jueves|viernes|sábado|domingo)\s+)?"
    rf"(?<![\d.,])(?P<day>\d{{1,2}})(?:\.?º)?\s+de\s+(?P<month>{_ES_MONTH_ALT})"
    rf"(?:\s+(?:de|del)\s+(?P<year>\d{{4}})(?![.,]?\d))?(?!\w)"
    rf"|(?<!\w)(?P<mmonth>{_ES_MONTH_ALT})\s+de(?:l)?\s+(?P<myear>\d{{4}})(?![.,]?\d)(?!\w)"
)
_ES_WEEKDAY = re.compile(
    r"(?<!\w)(?P<art>[Ee]l\s+)(?P<wday>lunes|martes|miércoles|jueves|viernes|sábado|domingo)(?!\w)"
)
_EN_TIME = re.compile(
    r"(?<![\w.])(?P<at>[Aa]t\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<p>[ap])\.\s?m\.(?!\w)"
)
_ES_TIME = re.compile(
    r"(?<![\w.])(?P<at>[Aa]\s+las?\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?:horas\s+)?(?P<p>[ap])\.\s?m\.(?!\w)"
)
_SINCE = {
    "en": re.compile(r"\b[Ss]ince\s+(?P<year>(?:19|20)\d\d)\b(?![,.]\d)"),
    "es": re.compile(r"\b[Dd]esde\s+(?P<year>(?:19|20)\d\d)\b(?![,.]\d)"),
}
_AM_PM = {"en": {"a": "a.m.", "p": "p.m."}, "es": {"a": "a. m.", "p": "p. m."}}
"""Newsroom style for clock times (AP's "a.m.", the RAE's "a. m."): CLDR's "AM" is not news copy."""


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _render_date(day: date, parts: str, locale: str) -> str:
    """``parts`` is "dmy", "dm" or "my": which fields the source wrote."""
    if parts == "dmy":
        return format_date(day, "long", locale=locale)
    if parts == "dm":
        return format_skeleton("MMMMd", day, locale=locale)
    return format_skeleton("yMMMM", day, locale=locale)


def _weekday(index: int, locale: str) -> str:
    return str(get_day_names("wide", locale=locale)[index])


def _month(index: int, locale: str) -> str:
    return str(get_month_names("wide", locale=locale)[index])


Spans = Callable[[str], list[tuple[int, int]]]
"""What a rule may not touch in a text (its placeholders and glossary terms)."""


def _protect_dates(
    text: str, source: str, target: str, locale: str, spans_of: Spans, add: Callable[[str], str | None]
) -> str:
    """Replace dates, weekdays and clock times with tokens standing for their target form.

    A preposition that is part of the date's grammar travels with it: "on March 5"
    becomes "el 5 de marzo" and "el lunes" becomes "on Monday" (unless another
    preposition precedes: "desde el lunes" keeps "desde" for the engine)."""
    if source == "en":

        def en_date(m: re.Match[str]) -> str | None:
            month = _EN_MONTHS[m.group("month").lower()]
            if not (m.group("day") or m.group("myear")) and not _MONTH_CONTEXT.search(text[: m.start()]):
                return None  # "March" or "May" alone is as often a verb: only after "in", "since"...
            if m.group("day"):
                year = int(m.group("year") or 2000)  # a leap year: "February 29" stays valid
                day = _valid(year, month, int(m.group("day")))
                if day is None:
                    return None
                rendered = _render_date(day, "dmy" if m.group("year") else "dm", locale)
            elif m.group("myear"):
                rendered = _render_date(date(int(m.group("myear")), month, 1), "my", locale)
            else:
                rendered = _month(month, locale)
            if m.group("wday"):
                rendered = f"{_weekday(_EN_DAYS[m.group('wday').lower()], locale)} {rendered}"
            return add(_with_on(m.group("on"), rendered, target, bool(m.group("day") or m.group("wday"))))

        if _EN_MONTH_HINT.search(text):
            text = _sub_free(_EN_DATE, text, en_date, spans_of)

        def en_weekday(m: re.Match[str]) -> str | None:
            return add(
                _with_on(m.group("on"), _weekday(_EN_DAYS[m.group("wday").lower()], locale), target, True)
            )

        if "day" in text:
            text = _sub_free(_EN_WEEKDAY, text, en_weekday, spans_of)
        time_re = _EN_TIME
    else:

        def es_date(m: re.Match[str]) -> str | None:
            if m.group("mmonth"):
                return add(
                    _render_date(date(int(m.group("myear")), _ES_MONTHS[m.group("mmonth")], 1), "my", locale)
                )
            month = _ES_MONTHS[m.group("month")]
            day = _valid(int(m.group("year") or 2000), month, int(m.group("day")))
            if day is None:
                return None
            rendered = _render_date(day, "dmy" if m.group("year") else "dm", locale)
            if m.group("wday"):
                rendered = f"{_weekday(_ES_DAYS[m.group('wday')], locale)}, {rendered}"
            article = m.group("art") or ""
            before = text[: m.start()].rstrip()
            if article.lower().startswith("del"):
                # "del 5 de marzo": the engine keeps "de", the token carries the date
                token = add(rendered)
                return None if token is None else article[0] + "e " + token
            if article and not re.search(rf"(?<!\w){_ES_PREPOSITIONS}$", before, re.IGNORECASE):
                rendered = (
                    ("On " if article[0] == "E" else "on ") + rendered
                    if target == "en"
                    else article + rendered
                )
            return add(rendered)

        if _ES_MONTH_HINT.search(text):
            text = _sub_free(_ES_DATE, text, es_date, spans_of)

        def es_weekday(m: re.Match[str]) -> str | None:
            name = _weekday(_ES_DAYS[m.group("wday")], locale)
            before = text[: m.start()].rstrip()
            if re.search(rf"(?<!\w){_ES_PREPOSITIONS}$", before, re.IGNORECASE):
                return add(name)
            article = m.group("art")
            return add(("On " if article[0] == "E" else "on ") + name if target == "en" else article + name)

        if _ES_WEEKDAY_HINT.search(text):
            text = _sub_free(_ES_WEEKDAY, text, es_weekday, spans_of)
        time_re = _ES_TIME

    def clock(m: re.Match[str]) -> str | None:
        hour = int(m.group("h"))
        if not 1 <= hour <= 12:
            return None
        rendered = f"{hour}{':' + m.group('m') if m.group('m') else ''} {_AM_PM[target][m.group('p')]}"
        if m.group("at"):
            rendered = ("a las " if hour != 1 else "a la ") + rendered if target == "es" else "at " + rendered
        return add(rendered)  # a sentence's first letter is capitalised once the draft is written out

    if "m." in text:
        text = _sub_free(time_re, text, clock, spans_of)

    def since(m: re.Match[str]) -> str | None:
        return add(f"{'since' if target == 'en' else 'desde'} {m.group('year')}")

    # "since 2008" is "desde entonces 2008" to Apertium, "desde 2008" is "from 2008"
    if "ince " not in text and "esde " not in text:
        return text
    return _sub_free(_SINCE[source], text, since, spans_of)


def _with_on(on: str | None, rendered: str, target: str, day: bool) -> str:
    """ "on March 5" is "el 5 de marzo", "on Monday" "el lunes"; "in March" stays with the
    engine. Spanish puts the article before a day's date whatever the preposition ("para el 9
    de diciembre", "antes del 9": the contraction is made once the draft is written out)."""
    if not on:
        return "el " + rendered if target == "es" and day and rendered[:1].isdigit() else rendered
    return (("el " if day else "en ") if target == "es" else "on ") + rendered


# --- currency -----------------------------------------------------------------------------

_EN_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_EN_AMOUNT = re.compile(
    r"(?<![\w$])(?P<cur>(?:US|U\.S\.)\s?\$|\$)\s?(?P<num>"
    + _NUMBER
    + r")(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?"
    r"|(?<![\w.,])(?P<num2>"
    + _NUMBER
    + r")\s+(?P<scale2>million|billion|trillion)\b(?:\s+(?P<cur2>pesos|dollars)\b)?",
    re.IGNORECASE,
)
_ES_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<num>" + _NUMBER + r")\s+(?P<scale>mil\s+millones|millones|millón|billones|billón)"
    r"(?:\s+de\s+(?P<cur>dólares|pesos)\b|\s+de\b)?"
    r"|(?<![\w.,])(?P<num2>" + _NUMBER + r")\s+(?P<cur2>dólares|pesos)\b",
    re.IGNORECASE,
)
_ES_SCALES = {"mil millones": 9, "millones": 6, "millón": 6, "billones": 12, "billón": 12}


def _en_amount_es(value: Decimal, scaled: bool, currency: str, locale: str) -> str:
    """An amount in Spanish newsroom style: millions counted in "millones" ("1,900 millones")."""
    unit = {"USD": " de dólares", "MXN": " de pesos", "": " de"}[currency]
    if scaled and value >= 1_000_000:
        millions = _scaled(value / 1_000_000)
        word = "millón" if millions.value == 1 else "millones"
        return f"{format_number(millions, locale, grouped=True)} {word}{unit}"
    written = format_number(_scaled(value, 2), locale, grouped=True)
    return f"{written}{unit.replace(' de ', ' ') if currency else ''}".strip()


def _es_amount_en(value: Decimal, scaled: bool, currency: str, locale: str) -> str:
    """An amount in English: "$1.9 billion", "350 million pesos"."""
    if scaled and value >= 1_000_000:
        if value >= 1_000_000_000_000:
            number, word = _scaled(value / 10**12), "trillion"
        elif value >= 1_000_000_000:
            number, word = _scaled(value / 10**9), "billion"
        else:
            number, word = _scaled(value / 10**6), "million"
        written = f"{format_number(number, locale, grouped=True)} {word}"
    else:
        written = format_number(_scaled(value, 2), locale, grouped=True)
    if currency == "USD":
        from babel.numbers import get_currency_symbol

        return f"{get_currency_symbol('USD', locale=locale)}{written}"
    return f"{written} pesos" if currency == "MXN" else written


def _protect_amounts(
    text: str, source: str, target: str, locale: str, spans_of: Spans, add: Callable[[str], str | None]
) -> str:
    if source == "en":

        def en(m: re.Match[str]) -> str | None:
            written = m.group("num") or m.group("num2")
            number = parse_number(written, "en")
            if number is None:
                return None
            scale = (m.group("scale") or m.group("scale2") or "").lower()
            value = number.value * (10 ** _EN_SCALES[scale] if scale else 1)
            cur2 = (m.group("cur2") or "").lower()
            currency = "USD" if m.group("cur") or cur2 == "dollars" else "MXN" if cur2 else ""
            if not currency and not scale:
                return None
            if target != "es":
                return None
            return add(_en_amount_es(value, bool(scale), currency, locale))

        return _sub_free(_EN_AMOUNT, text, en, spans_of)

    def es(m: re.Match[str]) -> str | None:
        written = m.group("num") or m.group("num2")
        number = parse_number(written, "es")
        if number is None or target != "en":
            return None
        scale = (m.group("scale") or "").lower()
        value = number.value * 10 ** _ES_SCALES[" ".join(scale.split())] if scale else number.value
        cur = (m.group("cur") or m.group("cur2") or "").lower()
        currency = {"dólares": "USD", "pesos": "MXN"}.get(cur, "")
        return add(_es_amount_en(value, bool(scale), currency, locale))

    return _sub_free(_ES_AMOUNT, text, es, spans_of)


# --- abbreviations ------------------------------------------------------------------------

_ABBREVIATIONS = {
    ("es", "en"): {
        "Gral.": "Gen.", "Sr.": "Mr.", "Sra.": "Mrs.", "Srta.": "Ms.", "Dr.": "Dr.", "Dra.": "Dr.",
        "Cnel.": "Col.", "Tte.": "Lt.", "Sgto.": "Sgt.", "Cap.": "Capt.", "Gob.": "Gov.", "Ing.": "",
        "Lic.": "", "núm.": "No.", "Núm.": "No.", "aprox.": "approx.",
    },
    ("en", "es"): {
        "Gen.": "Gral.", "Mr.": "Sr.", "Mrs.": "Sra.", "Ms.": "Sra.", "Dr.": "Dr.", "Col.": "Cnel.",
        "Lt.": "Tte.", "Sgt.": "Sgto.", "Capt.": "Cap.", "Gov.": "Gob.", "No.": "núm.", "approx.": "aprox.",
    },
}  # fmt: skip
"""Titles and abbreviations Apertium either does not know or reads as a sentence end."""
_US = re.compile(r"(?:\b(?P<the>[Tt]he)\s+)?(?<![\w.])U\.S\.(?![\w-])")


def _united_states(text: str, spans_of: Spans, glossary: Glossary | None) -> str:
    """ "U.S." written out, so that Apertium says "Estados Unidos" and not "EE.UU.": before a
    noun phrase it becomes "of the United States" after it ("U.S. prosecutors" → "prosecutors
    of the United States" → "fiscales de Estados Unidos"), elsewhere "the United States"."""
    if "U.S." not in text:
        return text
    for match in reversed(list(_US.finditer(text))):
        if _overlaps(match.start(), match.end(), spans_of(text)):
            continue
        hits = find_terms(glossary, text, "en") if glossary is not None and glossary.terms else []
        end = _nominal_run(text, match.end(), hits, limit=3)
        the = match.group("the")
        if end > match.end() and not _analyser("en").failed:
            owned = text[match.end() : end].strip()
            phrase = f"{the} {owned} of the United States" if the else f"{owned} of the United States"
            text = text[: match.start()] + phrase + text[end:]
        else:
            rest = text[match.end() :]
            # "in the U.S." closing the sentence: its period was the sentence's
            period = "." if not PLACEHOLDER_RE.sub("", rest).strip(' ”’"»)') else ""
            text = (
                text[: match.start()] + ("The" if the == "The" else "the") + " United States" + period + rest
            )
    return text


_EXPANSIONS = {"es": {r"EE\.\s?UU\.": "Estados Unidos"}}
"""Abbreviations better translated from their full form: the engine knows "Estados Unidos"
and builds the sentence around it, where a token would stand for a subject it cannot see."""


@lru_cache(maxsize=4)
def _abbreviation_pattern(source: str, target: str) -> re.Pattern[str]:
    table = _ABBREVIATIONS[(source, target)]
    alternation = "|".join(re.escape(key) for key in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternation})(?=\s+\w)")


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def _protect_abbreviations(
    text: str,
    source: str,
    target: str,
    spans_of: Spans,
    add: Callable[[str], str | None],
    glossary: Glossary | None = None,
) -> str:
    if source == "en" and target == "es":
        text = _united_states(text, spans_of, glossary)
    for expression, full in _EXPANSIONS.get(source, {}).items():
        text = _sub_free(re.compile(r"(?<!\w)" + expression), text, _constant(full), spans_of)
    table = _ABBREVIATIONS.get((source, target), {})
    if not table:
        return text
    pattern = _abbreviation_pattern(source, target)

    def one(m: re.Match[str]) -> str | None:
        rendered = table[m.group(0)]
        return add(rendered) if rendered else ""

    return _sub_free(pattern, text, one, spans_of)


# --- quotes -------------------------------------------------------------------------------

_PAIRS = {"“": "”", "‘": "’", "«": "»", "‹": "›", '"': '"'}
_QUOTE_CHARS = re.compile('[“‘«‹"]')
_TO_ENGLISH = {"«": ("“", "”"), "‹": ("‘", "’")}


def _protect_quotes(
    text: str, target: str, spans: list[tuple[int, int]], tokens: _Tokens
) -> tuple[str, list[tuple[int, str, str]]]:
    """Balanced quotation marks become paired tokens. A ’ between letters is an
    apostrophe, never a closing mark; a mark with no partner in the unit (a quotation
    running over several sentences) is left alone."""
    found: list[tuple[int, int, str]] = []  # (open index, close index, opening mark)
    index = 0
    while index < len(text):
        char = text[index]
        if char in _PAIRS and not _overlaps(index, index + 1, spans) and _can_open(text, index):
            close = _find_close(text, index, _PAIRS[char], spans)
            if close is not None:
                found.append((index, close, char))
                index = close + 1
                continue
        index += 1
    if not found:
        return text, []
    quotes: list[tuple[int, str, str]] = []
    out: list[str] = []
    position = 0
    for start, end, mark in found:
        number = tokens.new()
        if number is None:
            break
        opening, closing = (
            (mark, _PAIRS[mark]) if target != "en" else _TO_ENGLISH.get(mark, (mark, _PAIRS[mark]))
        )
        quotes.append((number, opening, closing))
        out.extend((text[position:start], f"{{{number}}}", text[start + 1 : end], f"{{/{number}}}"))
        position = end + 1
    out.append(text[position:])
    return "".join(out), quotes


def _can_open(text: str, index: int) -> bool:
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    return not before.isalnum() and not after.isspace()


def _find_close(text: str, start: int, closing: str, spans: list[tuple[int, int]]) -> int | None:
    for index in range(start + 1, len(text)):
        if text[index] != closing or _overlaps(index, index + 1, spans):
            continue
        after = text[index + 1] if index + 1 < len(text) else " "
        before = text[index - 1]
        if closing in "’'" and before.isalpha() and after.isalpha():
            continue  # an apostrophe inside the quotation ("Mexico’s")
        if before.isspace() or after.isalnum():
            continue
        return index
    return None


def _finish_quotes(draft: str, prepared: Prepared) -> str:
    for number, opening, closing in prepared.quotes:
        start, end = f"{{{number}}}", f"{{/{number}}}"
        if start not in draft and end not in draft:
            continue
        if start not in draft:
            draft = start + draft
        if end not in draft:
            draft = re.sub(r"(?=[.!?]?$)", end.replace("\\", "\\\\"), draft, count=1)
        if "quotes" in prepared.rules:
            if prepared.target_lang == "es":
                # Spanish puts the comma and the period after the closing mark
                draft = re.sub(r"([,.])\s*" + re.escape(end), end + r"\1", draft)
            else:
                draft = re.sub(re.escape(end) + r"([,.])", r"\1" + end, draft)
        draft = draft.replace(start, opening, 1).replace(end, closing, 1)
    return draft


_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def _apostrophes(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    """Typographic apostrophes in the draft when the source writes them so."""
    if "'" not in draft or ("'" in prepared.source and "’" not in prepared.source):
        return draft
    if prepared.source_lang == "en" and "’" not in prepared.source:
        return draft
    return _sub_free(
        _APOSTROPHE, draft, _constant("’"), lambda t: _protected(t, prepared.target_lang, glossary)
    )


# --- compounds ----------------------------------------------------------------------------

_COMPOUND = re.compile(r"(?<=[\w}.])[-\u2011](?=[^\W\d_]|\{\d)")


def _split_compounds(text: str, spans: Spans) -> str:
    """A hyphenated compound is split: "high-level" → "high level", "12,480-page" →
    "12,480 page" ("2021-2025" stays); one Apertium's dictionary has whole ("real-estate")
    keeps its hyphen."""

    def one(m: re.Match[str]) -> str | None:
        word = re.search(r"[\w’'.-]*$", text[: m.start()])
        after = re.match(r"[\w’'-]*", text[m.end() :])
        whole = (word.group(0) if word else "") + "-" + (after.group(0) if after else "")
        if _analyser("en").analyses(whole.lower()) is not None:
            return None
        return " "

    return _sub_free(_COMPOUND, text, one, spans)


# --- case ---------------------------------------------------------------------------------

_AP_SMALL = set(_words("a an the and but or nor for so yet as at by in of off on per to up via vs vs."))
"""Words an AP-style headline leaves in lower case."""
_SMALL = {
    "en": _AP_SMALL | set(_words("from into with")),
    "es": set(
        _words(
            "a al ante con contra de del desde e el en entre la las lo los o para por que se sin sobre tras"
        )
        + _words("u un una y")
    ),
}
"""Words a title-case heading leaves in lower case, per language."""
_WORD = re.compile(r"[^\W\d_][\w’'.-]*")


class _Analyser:
    """Apertium's morphological analyser, one long-running ``lt-proc -z`` per language and
    process (null-flush mode answers each word as soon as it is written): which capitalised
    words it knows as proper nouns. Answers are remembered."""

    def __init__(self, lang: str) -> None:
        pair = "eng-spa" if lang == "en" else "spa-eng"
        self.path = _data_dir() / f"{pair}.automorf.bin"
        self.process: subprocess.Popen[bytes] | None = None
        self.owner = 0  # the process that started ``process``
        self.cache: dict[str, tuple[str, ...] | None] = {}
        self.lock = threading.Lock()
        self.failed = not self.path.exists() or shutil.which("lt-proc") is None

    def _mine(self) -> subprocess.Popen[bytes] | None:
        """This process's analyser. A forked worker must not talk to its parent's lt-proc
        through the pipes it inherited: it forgets it (and starts its own when it needs one),
        keeping the parent's objects alive so that nothing of them is closed or reaped here.
        Checked on use rather than at fork time: a fork handler would run before the one
        that gives up the build lock in the child (:func:`pipeline.parallel.fork_safe_fd`)
        and hold the lock a moment longer."""
        if self.process is not None and self.owner != os.getpid():
            _INHERITED.append(self.process)
            self.process = None
        return self.process

    def close(self) -> None:
        process = self._mine()
        self.process = None
        if process is not None and process.poll() is None:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=5)
        if process is not None and process.stdout is not None:
            process.stdout.close()

    def analyses(self, word: str) -> tuple[str, ...] | None:
        """The analyses of ``word`` ("Mexico<np><loc><sg>"...), None when it is unknown or
        the analyser is not available."""
        if word in self.cache:
            return self.cache[word]
        with self.lock:
            result = self._ask(word)
        if len(self.cache) > 50_000:
            self.cache.clear()
        self.cache[word] = result
        return result

    def _ask(self, word: str) -> tuple[str, ...] | None:
        if self.failed or not re.fullmatch(r"[^\W\d_][\w’'-]*(?: [^\W\d_][\w’'-]*)*", word):
            return None
        try:
            process = self._mine()
            if process is None or process.poll() is not None:
                process = self.process = subprocess.Popen(
                    ["lt-proc", "-z", str(self.path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
                self.owner = os.getpid()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(word.encode("utf-8") + b"\0")
            process.stdin.flush()
            output = bytearray()
            while not output.endswith(b"\0"):
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    raise OSError("lt-proc stopped")
                output.extend(chunk)
        except OSError:
            self.failed = True
            self.close()
            return None
        match = re.search(r"\^([^/$]*)/([^$]*)\$", output.decode("utf-8", "replace"))
        if match is None or match.group(2).startswith("*") or match.group(1) != word:
            return None  # unknown, or known only in parts ("full-year" is "full", "-", "year")
        return tuple(match.group(2).split("/"))


def _data_dir() -> Path:
    return Path("/usr/share/apertium/apertium-eng-spa")


_ANALYSERS: dict[str, _Analyser] = {}
_INHERITED: list[subprocess.Popen[bytes]] = []
"""A forked worker's copies of its parent's analysers, kept and never used."""


def _analyser(lang: str) -> _Analyser:
    if lang not in _ANALYSERS:
        _ANALYSERS[lang] = _Analyser(lang)
    return _ANALYSERS[lang]


def close_analysers() -> None:
    """Stop the analyser processes (new ones are started when needed: one that failed is
    tried again)."""
    for analyser in _ANALYSERS.values():
        analyser.close()
    _ANALYSERS.clear()


atexit.register(close_analysers)


def is_proper(word: str, lang: str) -> bool:
    """True when Apertium's analyser knows ``word`` as a proper noun, or does not know it at
    all (a capitalised unknown word in a heading is a name far more often than not)."""
    base = re.split(r"[’']", word)[0]
    analyses = _analyser(lang).analyses(base)
    if analyses is None:
        return True
    return any("<np>" in analysis for analysis in analyses)


def is_title_case(text: str, lang: str) -> bool:
    """A heading in title case: most of its words after the first that are not small words
    start with a capital.

    >>> is_title_case("Mexico Says Cartel Crackdown Is Delivering Results", "en")
    True
    >>> is_title_case("Los albergues del norte de México se llenan", "es")
    False
    """
    words = [w for w in _WORD.findall(PLACEHOLDER_RE.sub(" ", text)) if w.lower() not in _SMALL[lang]][1:]
    if len(words) < 2:
        return False
    capitals = sum(1 for w in words if w[0].isupper())
    return capitals >= 2 and capitals / len(words) >= 0.6


def _sentence_case(text: str, lang: str, spans: list[tuple[int, int]]) -> str:
    if not is_title_case(text, lang) or _analyser(lang).failed:
        return text  # without the analyser a name cannot be told from a word: leave the case alone
    spans = [*spans, *_proper_runs(text, lang)]
    first = True
    out: list[str] = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        out.append(text[position : match.start()])
        position = match.end()
        if _overlaps(match.start(), match.end(), spans):
            out.append(word)
            first = False
            continue
        if first:
            out.append(word[0].upper() + word[1:])
            first = False
            continue
        parts = re.split(r"([-])", word)
        out.append("".join(_lower_unless_proper(part, lang) for part in parts))
    out.append(text[position:])
    return "".join(out)


def _proper_runs(text: str, lang: str) -> list[tuple[int, int]]:
    """Runs of capitalised words the analyser knows as one proper noun ("Estados Unidos",
    "New York"), longest first: each of their words alone may be a common word."""
    found: list[tuple[int, int]] = []
    for run in re.finditer(r"[A-ZÁÉÍÓÚÑ][\w’'-]*(?: [A-ZÁÉÍÓÚÑ][\w’'-]*)+", text):
        words = list(re.finditer(r"\S+", run.group(0)))
        index = 0
        while index < len(words):
            for length in range(min(4, len(words) - index), 1, -1):
                first, last = words[index], words[index + length - 1]
                phrase = run.group(0)[first.start() : last.end()]
                analyses = _analyser(lang).analyses(phrase)
                if analyses and any("<np>" in a for a in analyses):
                    found.append((run.start() + first.start(), run.start() + last.end()))
                    index += length - 1
                    break
            index += 1
    return found


def _lower_unless_proper(word: str, lang: str) -> str:
    if not word or not word[0].isupper():
        return word
    if (len(word) > 1 and word.isupper()) or any(c.isupper() for c in word[1:]) or "." in word:
        return word  # an acronym, "McAllen", "U.S."
    if is_proper(word, lang):
        return word
    return word[0].lower() + word[1:]


def _title_case(draft: str, glossary: Glossary | None, lang: str) -> str:
    """English headline style (AP): every word capitalised but articles, conjunctions and
    prepositions of three letters or fewer, unless first or last; glossary terms whose case
    is fixed ("kg") and words with digits are left as they are."""
    spans = (
        [(h.start, h.end) for h in find_terms(glossary, draft, lang) if h.term.strict_case]
        if glossary
        else []
    )
    spans.extend((m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(draft))
    chars = list(draft)
    for index, match in enumerate(re.finditer(r"[^\W\d_][\w’'.]*", draft)):
        word = match.group(0)
        if _overlaps(match.start(), match.end(), spans):
            continue
        before = draft[: match.start()].rstrip()
        last = not re.search(r"\w", PLACEHOLDER_RE.sub("", draft[match.end() :]))
        edge = index == 0 or last or before.endswith((":", "—", "–", "?", "!"))
        hyphenated = match.start() > 0 and draft[match.start() - 1] in "-\u2011"
        if word.lower() in _AP_SMALL and not edge and not hyphenated:
            if word[0].isupper() and not word.isupper():
                chars[match.start()] = word[0].lower()
            continue
        if word[0].islower():
            chars[match.start()] = word[0].upper()
    return "".join(chars)


def _capitalise_first(text: str, glossary: Glossary | None = None, lang: str = "") -> str:
    """``text`` starting with a capital, unless it starts with a term whose case is fixed ("kg")."""
    match = re.search(r"[^\W\d_]", PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text))
    if match is None or not match.group(0).islower():
        return text
    if glossary is not None and any(
        hit.start <= match.start() < hit.end and hit.term.strict_case
        for hit in find_terms(glossary, text, lang)
    ):
        return text
    return text[: match.start()] + match.group(0).upper() + text[match.end() :]


def _starts_with_capital(text: str) -> bool:
    match = re.search(r"[^\W\d_]", PLACEHOLDER_RE.sub(" ", text))
    return match is not None and match.group(0).isupper()


# --- spacing ------------------------------------------------------------------------------


def _spacing(draft: str, source: str, spans_of: Spans | None = None) -> str:
    text = re.sub(r"[ \t]{2,}", " ", draft.strip())
    text = re.sub(r"\s+([,.;:!?)\]»”])", r"\1", text) if not re.search(r"\s[,.;:!?]", source) else text
    text = re.sub(r"([(\[¿¡«“])\s+", r"\1", text)
    text = re.sub(r"([,;])(?=[^\W\d_])", r"\1 ", text)
    text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)  # "EE.UU.." at a sentence end
    # Apertium writes some multiword units in capitals ("IN SPITE OF"): a run of capitalised
    # words the source does not have is lowered (acronyms and glossary terms stay)
    shouting = re.compile(r"\b[A-ZÁÉÍÓÚÑ]{2,}(?:\s+[A-ZÁÉÍÓÚÑ]{2,})+\b")

    def lower(m: re.Match[str]) -> str | None:
        if any(word in source for word in m.group(0).split()) or not re.search(r"[A-ZÁÉÍÓÚÑ]{4}", m.group(0)):
            return None
        return m.group(0).lower()

    return _sub_free(shouting, text, lower, spans_of if spans_of is not None else [])


# --- numbers in the draft -----------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_DRAFT_NUMBER = re.compile(r"(?<![\w.,{/])(?P<num>" + _NUMBER + r")(?P<pct>\s?%)?(?![\w}]|[.,]\d)")


def _numbers(draft: str, prepared: Prepared) -> str:
    """Numbers the engine copied from the source, rewritten in the target locale. Only
    numbers the source contains are touched (a number the engine made up is left for the
    checks to flag), and only those whose writing depends on the locale: separators or a
    percent sign."""
    if not _DIGIT.search(draft):
        return draft
    source_numbers = set(
        m.group("num") for m in _DRAFT_NUMBER.finditer(PLACEHOLDER_RE.sub(" ", prepared.source))
    )
    spans = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(draft)]

    def one(m: re.Match[str]) -> str | None:
        written = m.group("num")
        if written not in source_numbers:
            return None
        number = parse_number(written, prepared.source_lang)
        if number is None:
            return None
        if m.group("pct"):
            return format_percent(number, prepared.locale)
        if not number.grouped and not number.decimals:
            return None  # a year, a count: written the same everywhere
        return format_number(number, prepared.locale, grouped=number.grouped)

    return _sub_free(_DRAFT_NUMBER, draft, one, spans)


# --- reported speech ----------------------------------------------------------------------

_SAY = (
    r"said|says|say|warned|added|stressed|argued|noted|acknowledged|announced|explained|claimed|insisted|"
    r"believes|believe|estimates|estimated"
)
_CLAUSE_START = (
    r"the|a|an|every|each|more|most|some|no|its|their|his|her|she|he|they|it|we|I|you|this|these|those|there|"
    r"only|all|both|neither|none|any|several|many|few|about|nearly|almost|at\s+least|\d"
)
_REPORTED = re.compile(
    rf"\b(?P<verb>{_SAY})\s+(?=(?P<clause>(?:{_CLAUSE_START})\s+[\w{{]|\d)|(?P<word>[a-z]+)\s+[a-z])",
    re.IGNORECASE,
)


def _reported_speech(text: str, spans: Spans) -> str:
    """ "said the transfer answered" → "said that the transfer answered": English drops the
    conjunction, Spanish cannot, and Apertium does not put it back ("dijo el traslado
    contestó"); worse, it splits a placeholder that follows "said the"."""

    def one(m: re.Match[str]) -> str | None:
        before = PLACEHOLDER_RE.sub("", text[: m.start()]).rstrip()
        if m.group("clause") is None:
            # "said extortion had not gone away": a bare noun opens the clause
            analyses = _analyser("en").analyses(m.group("word"))
            if not analyses or not any(re.search(r"<n>|<adj>", a) for a in analyses):
                return None
            if any(re.search(r"<pr>|<adv>|<cnj|<prn>|<det>|<vblex>", a) for a in analyses):
                return None
        if before.endswith(",") or re.search(r"[”\"»]|’(?!\w)", before):
            return None  # '“...,” the director said on Monday' is an attribution, not a clause
        return f"{m.group('verb')} that "

    text = _sub_free(_REPORTED, text, one, spans)
    # the verb moves, the names and terms around it stay in their order
    placeholders = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
    return _sub_free(_ATTRIBUTION, text, _invert, placeholders)


_ATTRIBUTION = re.compile(
    r"(?P<pre>(?<=[,}])\s*)(?P<np>(?:the|The|a|an|one|One|this|that)\s+(?:[\w’'-]+\s+){0,3}?)"
    r"(?P<verb>said|says|added|explained|warned|stressed|noted|insisted)(?P<rest>\s+[^.!?,;]*)?(?P<end>[.!?]?)$"
)


def _invert(m: re.Match[str]) -> str:
    """'..., the FBI said.' → '..., said the FBI.': Spanish puts the verb first ("dijo el FBI"),
    and Apertium, given the English order, makes "said" a participle ("un senador dicho")."""
    return f"{m.group('pre')}{m.group('verb')} {m.group('np').strip()}{m.group('rest') or ''}{m.group('end')}"


def _said(draft: str, prepared: Prepared) -> str:
    """A "said" Apertium took for a participle after a name it could not see ("Sheinbaum
    dicho", the name being a glossary placeholder) is the past tense."""
    source = prepared.source
    if prepared.target_lang != "es" or not re.search(r"\bsaid\b", source):
        return draft
    if re.search(r"\b(?:has|have|had|was|were|been|be|is|are)\s+said\b", source):
        return draft
    return re.sub(r"(?<!\b[Hh]a )(?<!\b[Hh]an )(?<!\b[Ll]o )(?<!\bfue )\bdichos?\b", "dijo", draft)


# --- possessives --------------------------------------------------------------------------

_POSSESSIVE = re.compile(r"(?<=[\w.}])[’'](?:s\b|(?=\s))")
_NOMINAL = re.compile(r"<n>|<adj>|<num>|<np>")
_VERBAL = re.compile(r"<vblex><(?:past|pp)>|<vbser>|<vbhaver>|<vaux>|<vbmod>")


def _nominal_run(text: str, position: int, hits: list[TermHit], limit: int = 4) -> int:
    """Where the noun phrase starting after ``position`` (adjectives, nouns, numbers, or one
    glossary term) ends, by Apertium's analyser; ``position`` itself when there is none."""
    words = 0
    while words < limit:
        gap = re.match(r"\s+", text[position:])
        if gap is None:
            break
        start = position + gap.end()
        term = next((h for h in hits if h.start == start), None)
        if term is not None:
            return term.end
        word_match = re.match(r"[^\W\d_][\w-]*|\d[\d,.]*\d|\d", text[start:])
        if word_match is None:
            break
        token = word_match.group(0)
        analyses = _analyser("en").analyses(token.lower()) if not token[0].isdigit() else ("<num>",)
        if analyses is None and token.islower() and token.isalpha():
            analyses = ("<n>",)  # a lowercase word Apertium does not know ("prosecutors") is a noun
        if (
            not analyses
            or not any(_NOMINAL.search(a) for a in analyses)
            or any(_VERBAL.search(a) for a in analyses)
        ):
            break
        position, words = start + len(token), words + 1
    return position


def _possessives(text: str, lang: str, glossary: Glossary | None) -> str:
    """ "Rubio’s second visit" → "the second visit of Rubio" when Apertium cannot build the
    genitive itself: the owner is a glossary term or a word it does not know, or the thing
    owned starts with a glossary term. (Left alone, Apertium drops the owner's "’s", and
    after a glossary placeholder it splits the placeholder: "La póliza/} del {901".)"""
    if lang != "en":
        return text
    for match in reversed(list(_POSSESSIVE.finditer(text))):
        hits = find_terms(glossary, text, "en") if glossary is not None and glossary.terms else []
        if any(h.start <= match.start() < h.end for h in hits):
            continue  # "Prosecutor's Office" is a term, not a possessive
        owner_hit = next((h for h in hits if h.end == match.start()), None)
        if owner_hit is not None:
            owner_start = owner_hit.start
        else:
            word = re.search(r"(?<![\w’'])[^\W\d_][\w-]*$", text[: match.start()])
            if word is None or _analyser("en").failed or _analyser("en").analyses(word.group(0)) is not None:
                owned_hit = next((h for h in hits if h.start == match.end() + 1), None)
                if word is None or owned_hit is None:
                    continue
            owner_start = word.start()
        article = re.search(r"(?:^|(?<=\s))([Tt]he)\s+$", text[:owner_start])
        if article is not None:
            owner_start = article.start(1)
        # the thing owned: nominal words (or one glossary term) after the "’s"
        position = _nominal_run(text, match.end(), hits)
        if position == match.end():
            continue
        if owner_hit is not None and any(match.end() <= h.start < position for h in hits):
            continue  # "the Cartel’s fentanyl labs": moving the labs would put one term before the other
        owner = text[owner_start : match.start()]
        owned = text[match.end() : position].strip()
        at_start = not PLACEHOLDER_RE.sub("", text[:owner_start]).strip(' “"‘«(') or re.search(
            r"[.!?]\s*$", text[:owner_start]
        )
        the = "The" if at_start else "the"
        if article is not None:
            owner = owner[0].lower() + owner[1:]
        text = f"{text[:owner_start]}{the} {owned} of {owner}{text[position:]}"
    return text


# --- titles before names ------------------------------------------------------------------

_TITLE_WORDS = re.compile(
    r"\b(?:Secretary|Attorney General|President|Minister|Director|Ambassador|Governor|Commissioner|Chief)\b"
)
_NAME = re.compile(
    r"(?P<name>[A-ZÁÉÍÓÚÑ][\w’'-]+(?:\s+(?:de\s+la\s+|del\s+|de\s+)?[A-ZÁÉÍÓÚÑ][\w’'-]+){0,3})"
)


def _is_title(term: object) -> bool:
    en, es = getattr(term, "en", ""), getattr(term, "es", "")
    return bool(
        (getattr(term, "subject", "") == "title" or _TITLE_WORDS.search(en))
        and es[:1].islower()
        and not re.match(r"(el|la|los|las) ", es)
    )


_TITLE_HINT = {
    "es": re.compile(r"(?i)secretari|canciller|fiscal|president|ministr|director|embajador|gobernador"),
    "en": re.compile(r"(?i)secretary|general|president|minister|director|ambassador|governor|chief"),
}
"""A cheap look for a title before the costly search for glossary terms."""


def _titles(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    """A title before a name is written each language's way: "Security Secretary Omar
    García Harfuch said" is "El secretario de Seguridad, Omar García Harfuch, dijo", and
    back. Only glossary titles are rewritten: their gender is known."""
    target = prepared.target_lang
    if glossary is None or not glossary.terms or not _TITLE_HINT[target].search(draft):
        return draft
    for hit in reversed(find_terms(glossary, draft, target)):
        if not _is_title(hit.term):
            continue
        before, after = draft[: hit.start], draft[hit.end :]
        if target == "es":
            name = re.match(r" " + _NAME.pattern, after)
            if name is None or _inside_term(draft, hit.end + name.end(), glossary, target):
                continue  # no name, or a "name" that would end inside a term: a comma there cuts it
            rest = after[name.end() :]
            comma = "" if not rest.strip() or rest.lstrip()[:1] in ",.;:!?)”»" else ","
            title = hit.text[0].lower() + hit.text[1:]
            article = "la" if hit.term.gender == "f" else "el"
            tail = re.search(r"(?:^|\s)(el|la|los|las|El|La|del|al|de|a|De|A)\s*$", before)
            if tail is not None and tail.group(1).lower() in ("el", "la", "los", "las", "del", "al"):
                phrase = f"{title}, {name.group('name')}{comma}"
            elif tail is not None:
                contracted = {"de": "del", "a": "al"}[tail.group(1).lower()] if article == "el" else None
                word = contracted or f"{tail.group(1).lower()} la"
                word = word[0].upper() + word[1:] if tail.group(1)[0].isupper() else word
                before = before[: tail.start(1)] + word + " "
                phrase = f"{title}, {name.group('name')}{comma}"
            else:
                start = not PLACEHOLDER_RE.sub("", before).strip(' “"‘«¿¡')
                phrase = f"{article.capitalize() if start else article} {title}, {name.group('name')}{comma}"
            draft = before + phrase + rest
        else:
            tail = re.search(r"(?:^|(?<=\s))([Tt]he)\s+$", before)
            name = re.match(r",\s+" + _NAME.pattern + r"(?P<end>,\s*|(?=[.;:!?]|$))", after)
            if tail is None or name is None:
                continue
            title = hit.text[0].upper() + hit.text[1:]
            end = " " if name.group("end").startswith(",") else ""
            draft = before[: tail.start(1)] + f"{title} {name.group('name')}{end}" + after[name.end() :]
    return draft


def _inside_term(text: str, position: int, glossary: Glossary, lang: str) -> bool:
    return any(hit.start < position < hit.end for hit in find_terms(glossary, text, lang))


_SPANISH_TITLES = (
    "presidente|presidenta|embajador|embajadora|gobernador|gobernadora|senador|senadora|general|"
    "comandante|alcalde|alcaldesa|juez|jueza|director|directora|diputado|diputada|fiscal|ministro|ministra"
)
_BARE_TITLE = re.compile(
    rf"(?P<before>^|(?<=[\s“\"‘«(]))(?P<title>(?:{_SPANISH_TITLES.title()}))\s+(?={_NAME.pattern})"
)


def _bare_titles(draft: str, prepared: Prepared) -> str:
    """English writes a title before a name with no article ("President Donald Trump said"),
    Spanish with one and in lower case ("El presidente Donald Trump dijo")."""
    if prepared.target_lang != "es":
        return draft

    def one(m: re.Match[str]) -> str:
        title = m.group("title")
        before = draft[: m.start("title")]
        if re.search(r"\b(?:el|la|El|La|del|al)\s*$", before):
            return m.group("before") + title.lower() + " "
        feminine = title.lower().endswith(("a", "esa")) and title.lower() not in ("comandante",)
        article = "la" if feminine else "el"
        if re.search(r"\b[Dd]e\s*$", before) and article == "el":
            return m.group("before") + "el " + title.lower() + " "  # "de el" is contracted below
        start = not PLACEHOLDER_RE.sub("", before).strip(' “"‘«¿¡')
        return m.group("before") + (article.capitalize() if start else article) + " " + title.lower() + " "

    draft = _BARE_TITLE.sub(one, draft)
    return re.sub(r"\b([Dd])e el (?=[a-z])", r"\1el ", draft)


# --- articles -----------------------------------------------------------------------------


def _articles(draft: str, prepared: Prepared) -> str:
    """English starts a sentence with a bare plural ("Officials said"), Spanish with an
    article ("Los funcionarios dijeron"): the draft gets "Los"/"Las" when its first word is
    a plural noun (Apertium's analyser gives the gender) and the source's is a plural noun
    with no determiner."""
    if prepared.target_lang != "es" or prepared.source_lang != "en":
        return draft
    source_word = re.match(r"[\s“\"‘«(]*([^\W\d_]+)\b", PLACEHOLDER_RE.sub("", prepared.source))
    draft_word = re.match(r"(?P<lead>[\s“\"‘«(¿¡]*)(?P<word>[^\W\d_]+)\b", draft)
    if source_word is None or draft_word is None or not draft_word.group("word")[0].isupper():
        return draft
    english = _analyser("en").analyses(source_word.group(1).lower()) or ()
    # the English sentence opens on a bare noun phrase: "Officials said", "Human rights groups say"
    if not any(re.search(r"<n>|<adj>", a) for a in english):
        return draft
    if any(
        re.search(r"<det>|<prn>|<np>|<pr>|<cnj|<adv>|<num>|<vaux>|<vbser>|<vbhaver>|<vbmod>", a)
        for a in english
    ):
        return draft
    word = draft_word.group("word")
    spanish = _analyser("es").analyses(word.lower()) or ()
    genders = {("f" if "<f>" in a else "m") for a in spanish if "<n>" in a and "<pl>" in a}
    if len(genders) != 1 or any(("<vblex>" in a or "<adj>" in a or "<det>" in a) for a in spanish):
        return draft
    article = "Las" if genders == {"f"} else "Los"
    start = draft_word.start("word")
    return f"{draft[:start]}{article} {word[0].lower()}{word[1:]}{draft[draft_word.end('word') :]}"


_NOT_BARE = re.compile(r"\b(?:River|Rio|Gulf|Bay|Sea|Lake|Valley|Cartel|Initiative|Agreement)\b")


def _english_subjects(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    """Spanish drops the subject pronoun and puts articles before city names; Apertium's
    English then says "Manzanillo it receives" and "in the Mexico City". After a glossary
    name, the engine's "it" goes; before a city or state, its "the" goes."""
    if prepared.target_lang != "en" or prepared.source_lang != "es" or glossary is None:
        return draft
    for hit in reversed(find_terms(glossary, draft, "en")):
        after = draft[hit.end :]
        if re.match(r" it (?=[a-z]+\b)", after) and (
            hit.term.dnt or hit.term.subject in ("person", "place", "title")
        ):
            draft = draft[: hit.end] + after[3:]
        if hit.term.subject == "place" and not _NOT_BARE.search(hit.text):
            before = re.search(r"\b(the) $", draft[: hit.start])
            if before is not None:
                draft = draft[: before.start()] + draft[hit.start :]
    return draft


def _stray_capitals(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    """Apertium capitalises a verb after a name it does not know ("Rubio Dijo"): a capitalised
    word inside a sentence that Apertium's analyser knows only as a verb is lowered."""

    def verb(word: str) -> bool:
        analyses = _analyser(prepared.target_lang).analyses(word)
        if not analyses or not all(re.search(r"<vb|<vaux", a) for a in analyses):
            return False
        # a participle may be part of a name ("Estados Unidos", "United States")
        return not any(re.search(r"<pp>|<ger>|<inf>|<pprs>", a) for a in analyses)

    found = [m for m in _INNER_CAPITAL.finditer(draft) if verb(m.group("word"))]
    if not found:
        return draft
    spans = _protected(draft, prepared.target_lang, glossary)
    chars = list(draft)
    for m in found:
        if not _overlaps(m.start("word"), m.end("word"), spans):
            chars[m.start("word")] = m.group("word")[0].lower()
    return "".join(chars)


_INNER_CAPITAL = re.compile(r"(?P<lead>(?<=[^\W\d_])\s)(?P<word>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)\b")


# --- the beat's vocabulary ----------------------------------------------------------------

_LEXICON: dict[tuple[str, str], list[tuple[re.Pattern[str], str, str]]] = {
    ("en", "es"): [
        # (source word that calls for it, Apertium's word, the beat's word)
        (re.compile(r"\bofficials\b", re.I), "oficiales", "funcionarios"),
        (re.compile(r"\bauthorities\b", re.I), "potestades", "autoridades"),
        (re.compile(r"\bborders?\b", re.I), "borde", "frontera"),
        (re.compile(r"\bseizures?\b", re.I), "ataque", "decomiso"),
        (re.compile(r"\bmigrants?\b", re.I), "nómada", "migrante"),
        (re.compile(r"\bshelters?\b", re.I), "refugio", "albergue"),
        (re.compile(r"\breporters\b", re.I), "reporteros", "periodistas"),
    ],
    ("es", "en"): [
        (re.compile(r"\bfuncionari[oa]s?\b", re.I), "civil servant", "official"),
        (re.compile(r"\bcolonias?\b", re.I), "colony", "neighborhood"),
        (re.compile(r"\bcolonias\b", re.I), "colonies", "neighborhoods"),
        (re.compile(r"\basegur(?:ó|aron|ado|ada|ados|adas)\b", re.I), "ensured", "seized"),
        (re.compile(r"\bdependencia\b", re.I), "dependency", "agency"),
    ],
}
"""Words of the beat Apertium's dictionaries translate in another sense ("border" as the
edge of a thing, "seizure" as a fit, "asegurar" as to make sure). A word is replaced only
when the source has the word that calls for it; the Spanish articles before a word whose
gender changes ("el borde" → "la frontera") follow."""
_FEMININE = {"frontera"}


def _lexicon(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    entries = _LEXICON.get((prepared.source_lang, prepared.target_lang), [])
    for trigger, wrong, right in entries:
        if wrong[:4] not in draft.lower() or not trigger.search(prepared.source):
            continue
        pattern = re.compile(
            rf"\b(?:(?P<article>el|El|del|Del|al|Al|un|Un|los|Los)\s+)?(?P<word>{re.escape(wrong)}(?P<plural>e?s)?)\b"
        )

        def one(m: re.Match[str], right: str = right) -> str | None:
            word, plural = m.group("word"), m.group("plural") or ""
            spanish_es = prepared.target_lang == "es" and right[-1] not in "aeiou"
            new = right + ("es" if plural and spanish_es else "s" if plural else "")
            if word[0].isupper():
                new = new[0].upper() + new[1:]
            article = m.group("article")
            if article is None:
                return new
            if right in _FEMININE:
                article = {"el": "la", "del": "de la", "al": "a la", "un": "una", "los": "las"}[
                    article.lower()
                ]
                article = article[0].upper() + article[1:] if m.group("article")[0].isupper() else article
            return f"{article} {new}"

        draft = _sub_free(pattern, draft, one, lambda t: _protected(t, prepared.target_lang, glossary))
    return draft


# --- country names ------------------------------------------------------------------------


def _country(draft: str, prepared: Prepared) -> str:
    """The United States in the draft: Apertium writes "EE.UU." (the RAE wants "EE. UU.", the
    Mexican press "Estados Unidos") and drops the English article ("of United States")."""
    if prepared.target_lang == "es":
        draft = re.sub(r"(?<!\w)EE\.\s?UU\.(?!\w)", "Estados Unidos", draft)
        # Mexican usage: "Estados Unidos" takes no article ("a Estados Unidos", "Estados Unidos añadió")
        return re.sub(
            r"\b(?:(?P<prep>[Dd]e|[Aa]) los|(?P<los>[Ll]os)) Estados Unidos\b",
            lambda m: (m.group("prep") + " " if m.group("prep") else "") + "Estados Unidos",
            draft,
        )
    if prepared.source_lang == "es":
        return re.sub(
            r"(?<![Tt]he )(?<!\w)(?<!\.)United States\b",
            lambda m: "the United States",
            draft,
        )
    return draft


# --- percentages --------------------------------------------------------------------------


def _percent_articles(draft: str, prepared: Prepared) -> str:
    """Spanish puts an article before a percentage ("un aumento del 18 %", "al 70 %"),
    English does not ("an 18% increase", "to 70%")."""
    if "%" not in draft:
        return draft
    if prepared.target_lang == "en" and prepared.source_lang == "es":
        return re.sub(r"\b(?:an?|the)\s+(?=\d[\d.,]*\s?%)", "", draft)
    if prepared.target_lang == "es":
        draft = re.sub(
            r"\b([Dd]e|[Aa])\s+(?=\d[\d.,]*\s?%)",
            lambda m: m.group(1) + ("el " if m.group(1) in "Dd" else "l "),
            draft,
        )
        # "around 70% of the guns" → "alrededor del 70 % de las armas": the share takes "el"
        draft = re.sub(r"\b([Aa]lrededor)\s+(?=\d[\d.,]*\s?%\s+de\b)", r"\1 del ", draft)
        draft = re.sub(
            r"\b([Aa]proximadamente|[Ss]ólo|[Ss]olo|[Cc]asi|[Qq]ue)\s+(?=\d[\d.,]*\s?%\s+de\b)",
            r"\1 el ",
            draft,
        )
        return re.sub(r"^(?=\d[\d.,]*\s?%\s+de\b)", "El ", draft)
    return draft


# --- the two entry points -----------------------------------------------------------------


def prepare(
    text: str,
    source_lang: str,
    target_lang: str,
    kind: str = "paragraph",
    *,
    locale: str | None = None,
    glossary: Glossary | None = None,
    rules: Collection[str] | None = None,
) -> Prepared:
    """The unit ``text`` made ready for glossary masking and the engine.

    ``kind`` is the block kind (:func:`kind_of` of the msgctxt), ``locale`` the target
    language's Babel locale (the project's ``Config.locale(target_lang)``), ``rules`` the
    rules to apply (all of :data:`RULES` by default).

    >>> p = prepare("Seizures Fell Sharply at the Border on March 5, 2026", "en", "es", "heading")
    >>> p.text
    'Seizures fell sharply at the border {701/}'
    >>> finish("Los decomisos cayeron en la frontera {701/}", p)
    'Los decomisos cayeron en la frontera el 5 de marzo de 2026'
    """
    active = frozenset(RULES if rules is None else rules)
    unknown = active - set(RULES)
    if unknown:
        raise ValueError(f"unknown rule(s): {', '.join(sorted(unknown))}")
    locale = locale or DEFAULT_LOCALES.get(target_lang, target_lang)
    tokens = _Tokens(text)
    values: list[tuple[int, str]] = []

    def add(rendered: str) -> str | None:
        number = tokens.new()
        if number is None:
            return None
        values.append((number, rendered))
        return f"{{{number}/}}"

    def spans_of(current: str) -> list[tuple[int, int]]:
        return _protected(current, source_lang, glossary)

    work = text
    if "abbreviations" in active:
        work = _protect_abbreviations(work, source_lang, target_lang, spans_of, add, glossary)
    if "dates" in active:
        work = _protect_dates(work, source_lang, target_lang, locale, spans_of, add)
    if "currency" in active:
        work = _protect_amounts(work, source_lang, target_lang, locale, spans_of, add)
    quotes: list[tuple[int, str, str]] = []
    if "quotes" in active and _QUOTE_CHARS.search(work):
        work, quotes = _protect_quotes(work, target_lang, spans_of(work), tokens)
    if "compounds" in active and source_lang == "en" and ("-" in work or "\u2011" in work):
        work = _split_compounds(work, spans_of)
    if "reported_speech" in active and source_lang == "en":
        work = _reported_speech(work, spans_of)
    if "possessives" in active:
        work = _possessives(work, source_lang, glossary)
    if "sentence_case" in active and kind in HEADING_KINDS:
        work = _sentence_case(work, source_lang, spans_of(work))
    return Prepared(work, text, source_lang, target_lang, kind, locale, active, tuple(values), tuple(quotes))


def finish(draft: str, prepared: Prepared, *, glossary: Glossary | None = None) -> str:
    """The engine's ``draft`` (glossary terms already unmasked) written out for the
    translator: tokens replaced by what they stand for, and the post-processing rules
    applied. A token the engine lost is appended, never dropped."""
    rules = prepared.rules
    text = draft
    if "numbers" in rules:
        # before the tokens are written out: what they stand for is in the target's format already
        text = _percent_articles(_numbers(text, prepared), prepared)
    for number, rendered in prepared.values:
        token = f"{{{number}/}}"
        text = text.replace(token, rendered, 1) if token in text else f"{text} {rendered}"
    if prepared.target_lang == "es" and prepared.values:
        # a date written out after "de"/"a": "antes de el 9 de diciembre" → "antes del 9..."
        text = re.sub(
            r"\b([Dd]e|[Aa]) el (?=\d)", lambda m: m.group(1) + ("el " if m.group(1) in "Dd" else "l "), text
        )
    text = _finish_quotes(text, prepared)
    if "spacing" in rules:
        text = _spacing(text, prepared.source, lambda t: _protected(t, prepared.target_lang, glossary))
    if "quotes" in rules:
        text = _apostrophes(text, prepared, glossary)
    if "abbreviations" in rules:
        text = _country(text, prepared)
    if "reported_speech" in rules:
        text = _said(text, prepared)
    if "titles" in rules:
        text = _bare_titles(_titles(text, prepared, glossary), prepared)
    if "articles" in rules:
        text = _english_subjects(text, prepared, glossary)
        if prepared.kind not in HEADING_KINDS:
            text = _articles(text, prepared)
    if "lexicon" in rules:
        text = _lexicon(text, prepared, glossary)
    if "capitals" in rules and prepared.kind not in HEADING_KINDS:
        text = _stray_capitals(text, prepared, glossary)
    if prepared.kind in HEADING_KINDS and "heading_case" in rules:
        if prepared.target_lang == "en":
            text = _title_case(text, glossary, "en")
        else:
            text = _capitalise_first(text, glossary, prepared.target_lang)
    if "spacing" in rules and _starts_with_capital(prepared.source):
        text = _capitalise_first(text, glossary, prepared.target_lang)
    return _fixed_case(text, prepared, glossary)


def _fixed_case(draft: str, prepared: Prepared, glossary: Glossary | None) -> str:
    """A term whose case is fixed ("kg") keeps it at the start of a sentence too (unmasking
    capitalises a term that opens a sentence): each of its occurrences in the source is
    written as the glossary writes it."""
    if glossary is None or not glossary.terms:
        return draft
    wanted: dict[str, int] = {}
    for hit in find_terms(glossary, prepared.source, prepared.source_lang):
        if hit.term.strict_case:
            form = hit.text if hit.term.dnt else hit.term.target(prepared.target_lang, hit.form_index)
            if form[:1].islower():
                wanted[form] = wanted.get(form, 0) + 1
    for form, count in wanted.items():
        missing = count - len(re.findall(rf"(?<!\w){re.escape(form)}(?!\w)", draft))
        if missing > 0:
            capital = form[0].upper() + form[1:]
            pattern = rf"(?<!\w){re.escape(capital)}(?!\w)"
            draft = re.sub(pattern, form.replace("\\", "\\\\"), draft, count=missing)
    return draft
