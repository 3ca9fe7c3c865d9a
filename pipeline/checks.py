"""Quality checks on translations, pofilter-style: each a code, a default severity, a message.

``check_entry`` runs every check on one (source, translation) pair and
``check_catalog`` on every entry of a catalog. A translator silences one
finding on one entry with the flag ``puente-ignore-<code>`` (``#, fuzzy,
puente-ignore-numbers``), or the same word in a translator comment (``#
puente-ignore-numbers``, which GNU gettext's tools keep); a project re-grades or silences a code in the
``[checks]`` table of ``puente.toml`` (``numbers = "warning"``, ``length = "off"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pipeline.findings import CHECKS
from pipeline.glossary import Glossary, check_terms, residue
from pipeline.model import Issue, Location, Severity
from pipeline.placeholders import count_words, problems, strip, tokens
from pipeline.po import Catalog, Entry
from pipeline.po.msgfmt import (
    entry_problems,
    header_problems,
    header_text,
    nplurals_value,
    plural_forms_problems,
)
from pipeline.text import BIDI, CONTROL, describe

IGNORE_FLAG = "puente-ignore-"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str


# --- numbers ------------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)*")
_SCALES = {
    "en": [("trillion", 1e12), ("billion", 1e9), ("million", 1e6), ("thousand", 1e3)],
    "es": [("mil millones", 1e9), ("billones", 1e12), ("billón", 1e12), ("millones", 1e6), ("millón", 1e6),
           ("mil", 1e3)],
}  # fmt: skip


def _readings(token: str) -> set[float]:
    """Every value a written number may mean, whatever the locale.

    >>> sorted(_readings("1,500")), sorted(_readings("1.500")), sorted(_readings("3,5"))
    ([1.5, 1500.0], [1.5, 1500.0], [3.5])
    """
    digits = re.sub(r"[ \u00a0\u202f]", "", token)
    values = set()
    for group, decimal in ((",", "."), (".", ",")):
        integer, separator, fraction = digits.partition(decimal)
        parts = integer.split(group)
        if group in fraction or decimal in fraction or any(len(part) != 3 for part in parts[1:]):
            continue
        values.add(float("".join(parts) + ("." + fraction if separator else "")))
    return values


def numbers(text: str, lang: str) -> list[tuple[str, set[float]]]:
    """The numbers of ``text`` (placeholders ignored), each with its possible values,
    scaled by a following "million", "mil millones"...

    >>> sorted(numbers("US $1.9 billion", "en")[0][1])
    [1900000000.0]
    >>> 1900000000.0 in numbers("1900 millones de dólares", "es")[0][1]
    True
    """
    plain = strip(text)
    found = []
    for match in _NUMBER.finditer(plain):
        values = _readings(match.group(0))
        after = plain[match.end() : match.end() + 16].lstrip().lower()
        # both languages' scale words: a name or a quotation may keep the other language's
        other = "es" if lang == "en" else "en"
        for word, factor in [*_SCALES.get(lang, []), *_SCALES[other]]:
            if re.match(rf"{word}\b", after):
                values = {value * factor for value in values}
                break
        found.append((match.group(0), values))
    return found


def check_numbers(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    translated = numbers(translation, target_lang)
    pool = [values for _, values in translated]
    missing = []
    for written, values in numbers(source, source_lang):
        hit = next((index for index, other in enumerate(pool) if values & other), None)
        if hit is None:
            missing.append(written)
        else:
            pool.pop(hit)
    if not missing:
        return []
    found = ", ".join(text for text, _ in translated) or "none"
    return [f"number {', '.join(missing)} missing or changed in the translation (numbers found: {found})"]


# --- negation -------------------------------------------------------------------------

_NEGATIONS = {
    "en": re.compile(r"\b(?:not|never|neither|nor|none|nobody|nothing|without|no(?![.]\s*\d))\b|n't\b", re.I),
    "es": re.compile(
        r"\b(?:no(?![.]\s*\d)|nunca|jamás|ni|ningún|ninguna|ninguno|nadie|nada|sin|tampoco)\b", re.I
    ),
}


def check_negation(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    source_neg = len(_NEGATIONS[source_lang].findall(strip(source)))
    target_neg = len(_NEGATIONS[target_lang].findall(strip(translation)))
    if source_neg and not target_neg:
        return ["the source is negative but the translation has no negation (no, nunca, not, never...)"]
    if target_neg and not source_neg:
        return ["the translation adds a negation the source does not have"]
    return []


# --- form -----------------------------------------------------------------------------

_END = re.compile(r"([.?!:…])[”’\"»)\]]*$")


def check_punctuation(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    found = []
    src_end, tgt_end = _END.search(strip(source).rstrip()), _END.search(strip(translation).rstrip())
    src_mark = src_end.group(1) if src_end else ""
    tgt_mark = tgt_end.group(1) if tgt_end else ""
    # a mark of "" is no mark: `"" in ".…"` would say a dropped period is a period
    src_period, tgt_period = bool(src_mark) and src_mark in ".…", bool(tgt_mark) and tgt_mark in ".…"
    if src_period != tgt_period or (bool(src_mark) and src_mark in "?!:" and src_mark != tgt_mark):
        found.append(f"the source ends with {src_mark or 'no punctuation'!r}, the translation with "
                     f"{tgt_mark or 'no punctuation'!r}")  # fmt: skip
    if target_lang == "es":
        for close, open_ in (("?", "¿"), ("!", "¡")):
            if close in translation and open_ not in translation:
                found.append(f"Spanish needs an opening {open_} for the closing {close}")
    return found


def check_quotes(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    text = strip(translation)
    pairs = (("“", "”"), ("«", "»"))
    found = [f"unbalanced {a}{b} quotes" for a, b in pairs if text.count(a) != text.count(b)]
    if text.count('"') % 2:
        found.append('an odd number of " quotes')
    return found


def check_whitespace(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    found = []
    if (source[:1].isspace(), source[-1:].isspace()) != (
        translation[:1].isspace(),
        translation[-1:].isspace(),
    ):
        found.append("leading or trailing spaces differ from the source")
    if "  " in translation and "  " not in source:
        found.append("double space in the translation")
    return found


def check_length(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    if len(source) < 20:
        return []
    ratio = len(translation) / len(source)
    if ratio < 0.5 or ratio > 2.5:
        return [f"the translation is {ratio:.1f} times as long as the source"]
    return []


def check_unchanged(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    if (
        translation == source
        and count_words(source) >= 3
        and re.search(r"\b[a-záéíóúñ]{3,}\b", strip(source))
    ):
        return ["the translation is a copy of the source"]
    return []


def check_control(source: str, translation: str, source_lang: str, target_lang: str) -> list[str]:
    found = sorted({describe(char) for char in CONTROL.findall(translation)})
    bidi = sorted({describe(char) for char in BIDI.findall(translation)} - set(BIDI.findall(source)))
    problems = []
    if found:
        problems.append(f"control characters {', '.join(found)} (never published): remove them")
    if bidi:
        problems.append(f"bidirectional controls {', '.join(bidi)} can reorder what a reader sees")
    return problems


TextCheck = Callable[[str, str, str, str], list[str]]
TEXT_CHECKS: dict[str, TextCheck] = {
    "numbers": check_numbers,
    "negation": check_negation,
    "unchanged": check_unchanged,
    "length": check_length,
    "punctuation": check_punctuation,
    "quotes": check_quotes,
    "whitespace": check_whitespace,
    "control": check_control,
}


def check_entry(
    source: str,
    translation: str,
    source_lang: str,
    target_lang: str,
    *,
    paired_placeholders: Mapping[int, bool] | None = None,
    glossary: Glossary | None = None,
) -> list[Finding]:
    """Every finding on one translation (an empty translation gets only ``untranslated``)."""
    if not translation:
        return [Finding("untranslated", CHECKS["untranslated"][0], "no translation yet")]
    findings: list[Finding] = []
    expected = paired_placeholders
    if expected is None:
        expected = {tag.id: tag.form != "self" for tag in tokens(source)}
    for problem in problems(translation, expected.items()):
        findings.append(Finding("placeholders", "error", problem))
    debris = residue(source, translation)
    if debris:
        pieces = ", ".join(repr(piece) for piece in debris)
        findings.append(Finding("residue", "error", f"token-like residue in the translation: {pieces}"))
    if glossary is not None:
        for message in check_terms(glossary, source, translation, source_lang, target_lang):
            severity: Severity = "error" if "do-not-translate" in message else "warning"
            findings.append(Finding("glossary", severity, message))
    for code, check in TEXT_CHECKS.items():
        for message in check(source, translation, source_lang, target_lang):
            findings.append(Finding(code, CHECKS[code][0], message))
    return findings


def check_catalog(
    catalog: Catalog,
    path: str,
    source_lang: str,
    target_lang: str,
    glossary: Glossary,
    severities: Mapping[str, str],
) -> list[Issue]:
    """Findings for every active entry of ``catalog`` (and its header), located at the
    entry's line in ``path``; ``severities`` re-grades or silences codes."""
    issues = []
    for where, finding, flags in _catalog_findings(catalog, source_lang, target_lang, glossary):
        if f"{IGNORE_FLAG}{finding.code}" in flags:  # the marks of ignored()
            continue
        severity = severities.get(finding.code, finding.severity)
        if severity == "off":
            continue
        issues.append(Issue(Location(path, where), severity, finding.code, finding.message))  # type: ignore[arg-type]
    return issues


def _catalog_findings(
    catalog: Catalog, source_lang: str, target_lang: str, glossary: Glossary
) -> list[tuple[int, Finding, tuple[str, ...]]]:
    none: tuple[str, ...] = ()
    found = [(1, finding, none) for finding in check_header(catalog)]
    header = header_text(catalog)
    nplurals = nplurals_value(header) if not plural_forms_problems(header, False) else None
    for entry in catalog.entries:
        findings = check_format(entry, nplurals)
        if not entry.obsolete and entry.msgid:
            findings = check_entry(entry.msgid, entry.msgstr, source_lang, target_lang, glossary=glossary)
            findings += check_format(entry, nplurals)
            if entry.failure is not None and entry.state != "reviewed":
                findings.append(Finding("fallback", CHECKS["fallback"][0], entry.failure))
            if entry.unknown and entry.state == "machine":
                # marked for the translator here and in the PO comment, never on the page
                engine = entry.origin.name if entry.origin is not None and entry.origin.name else "the engine"
                message = f"{engine} did not know: {', '.join(entry.unknown)}"
                findings.append(Finding("unknown", CHECKS["unknown"][0], message))
        found.extend((entry.line, finding, ignored(entry)) for finding in findings)
    return found


def ignored(entry: Entry) -> tuple[str, ...]:
    """The ``puente-ignore-<code>`` marks of ``entry``: its flags, and the words of its
    translator comments (GNU gettext's tools drop flags they do not know, and keep
    comments: ``# puente-ignore-numbers`` survives msgmerge and msgcat)."""
    words = [word for comment in entry.comments for word in comment.replace(",", " ").split()]
    return (*entry.flags, *(word for word in words if word.startswith(IGNORE_FLAG)))


def check_header(catalog: Catalog) -> list[Finding]:
    """What ``msgfmt --check`` rejects in the header (see :mod:`pipeline.po.msgfmt`)."""
    return [Finding("catalog", "error", problem) for problem in header_problems(catalog)]


def check_format(entry: Entry, nplurals: int | None = None) -> list[Finding]:
    """What ``msgfmt --check`` rejects in an entry (see :mod:`pipeline.po.msgfmt`):
    newlines at the start or end of the source and not the translation (or the reverse),
    a number of plural forms that is not the header's, gettext's context separator,
    and, stricter than msgfmt, any format flag."""
    return [Finding("catalog", "error", problem) for problem in entry_problems(entry, nplurals)]
