"""The review report: static HTML pages that show editors and translators, unit by unit,
what is reviewed, what a machine made, what changed and what is wrong.

Two steps, plain data between them:

* :func:`article_review` turns what the flow has in hand for one article (its
  document, units, catalog, the findings of :func:`pipeline.checks.check_catalog` and
  the glossary) into an :class:`ArticleReview`: one :class:`ReviewUnit` per unit, in
  reading order, with its entry's state, texts, drafting notes, findings and glossary
  hits. :meth:`ArticleReview.summary` is the small JSON-able part the index needs (the
  build caches it).
* :func:`render_article` and :func:`render_index` write the pages with lxml. Text is
  always text: lxml escapes it, so a translation holding markup or a script shows as
  those characters. Control characters and bidirectional overrides are shown as
  ``U+202E`` chips instead of being sent to the browser (an override would reorder what
  the reviewer reads). The pages carry their CSS and the filter script inline, load
  nothing, and a Content-Security-Policy forbids any request and any script but the
  page's own (pinned by its hash).

The difference between a changed unit's previous and current source is computed by
:mod:`difflib` (standard library) on words: ``SequenceMatcher`` over word, space,
punctuation and placeholder tokens.

``puente review`` (:func:`review_project`) computes the report from the sources and
the catalogs as they are on disk, read-only, and writes only the report's own files;
``puente build --review`` stages each article's page beside its pages
(:func:`stage_for_build`) and writes the index with the manifest (:func:`write_index`).
Both are incremental: the build through its cache, ``puente review`` through the key of
each page (:func:`review_key`) that the index keeps in a JSON data block.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import __version__ as babel_version
from lxml import etree

from pipeline import __version__
from pipeline.assemble import PageReport, choose_text
from pipeline.checks import check_catalog
from pipeline.errors import CatalogError, PipelineError, SourceError
from pipeline.files import Staged, commit, discard, read_limited, read_with_stat, stage, sweep
from pipeline.glossary import Glossary, TermHit, find_terms
from pipeline.model import Block, BlockKind, Document, Element, Issue, Location, Node, Unit
from pipeline.parallel import parallel_map
from pipeline.placeholders import PLACEHOLDER_RE, count_words
from pipeline.po import CATALOG_LIMIT, STATES, Catalog, Entry, EntryState, read_catalog
from pipeline.project import Project
from pipeline.segment import KIND_WORDS, describe_placeholder, document_units
from pipeline.sources import SlugClaim, check_unique_slugs, load_document, slug_claim
from pipeline.termbase import load_glossary
from pipeline.text import BIDI, CONTROL, describe

REVIEW_FOLDER = "review"
"""The report's folder under the output folder (``build/review/``)."""
INDEX_NAME = "index.html"
SOURCE_LIMIT = 16 * 1024 * 1024

STATE_LABELS: dict[str, tuple[str, str]] = {
    "reviewed": ("✓", "reviewed"),
    "machine": ("⚙", "machine"),
    "changed": ("△", "changed"),
    "untranslated": ("○", "untranslated"),
}
"""Each state's symbol and word: a state is never told by colour alone."""
SEVERITY_LABELS = {"error": "✖", "warning": "▲", "info": "ℹ"}


# --- the model --------------------------------------------------------------------------


@dataclass(frozen=True)
class TermMark:
    """A glossary term found in a text: where, which term (its id), the term in the
    source language and the approved translation, or do-not-translate."""

    start: int
    end: int
    term: str
    source: str
    expected: str
    dnt: bool = False
    note: str = ""

    @property
    def tip(self) -> str:
        """What hovering or focusing the term shows."""
        if self.dnt:
            text = f"glossary: {self.source} (do not translate)"
        else:
            text = f"glossary: {self.source} → {self.expected}"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class Text:
    """A text of a unit and the glossary terms in it."""

    value: str
    terms: tuple[TermMark, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One finding of ``puente check`` (severity after the project's settings)."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class ReviewUnit:
    """One unit of an article and the state of its PO entry.

    ``line`` is the entry's line in the catalog (0: the catalog has no entry for it yet);
    ``published`` says what the target page shows for it (the translation, the machine
    draft, the fresh draft, the previous translation, the source text, or nothing when
    the page is held back); ``depth`` is how deep a list item is nested (1 at the top).
    """

    number: int
    msgctxt: str
    kind: BlockKind
    level: int
    depth: int
    block: int
    source: Text
    translation: Text
    state: EntryState
    line: int
    source_line: int
    published: str
    origin: str = ""
    previous_source: Text | None = None
    fresh_draft: Text | None = None
    unknown: tuple[str, ...] = ()
    suggestion: tuple[int, str, str] | None = None
    comments: tuple[str, ...] = ()
    placeholders: tuple[tuple[int, str], ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def in_catalog(self) -> bool:
        return self.line > 0


@dataclass(frozen=True)
class ArticleReview:
    """The review of one article in its target language."""

    slug: str
    title: str
    source: str
    source_lang: str
    target_lang: str
    catalog: str
    catalog_exists: bool
    last_change: str | None
    units: tuple[ReviewUnit, ...]
    findings: tuple[tuple[int, Finding], ...] = ()
    """Findings on no unit (the catalog's header, an entry the source no longer has): (line, finding)."""
    stale_entries: int = 0
    """Active entries of the catalog that are no unit of the source (the catalog is older than the source)."""
    key: str = ""
    """What the page was made from (:func:`review_key`): the same key, the same page."""

    @property
    def page(self) -> str:
        """The page's file name in the report's folder."""
        return review_page_name(self.slug, self.target_lang)

    def counts(self) -> dict[str, dict[str, int]]:
        """Units and words by state."""
        units: dict[str, int] = dict.fromkeys(STATES, 0)
        words: dict[str, int] = dict.fromkeys(STATES, 0)
        for unit in self.units:
            units[unit.state] += 1
            words[unit.state] += count_words(unit.source.value)
        return {"units": units, "words": words}

    def all_findings(self) -> Iterator[Finding]:
        yield from (finding for _, finding in self.findings)
        for unit in self.units:
            yield from unit.findings

    def summary(self) -> dict[str, Any]:
        """What the index shows of this article (plain JSON: the build caches it)."""
        findings = list(self.all_findings())
        errors = sum(1 for finding in findings if finding.severity == "error")
        return {
            "slug": self.slug,
            "title": self.title,
            "source": self.source,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "catalog": self.catalog,
            "page": self.page,
            **self.counts(),
            "errors": errors,
            "warnings": len(findings) - errors,
            "last_change": self.last_change,
            "missing": sum(1 for unit in self.units if not unit.in_catalog),
            "key": self.key,
        }


def review_page_name(slug: str, lang: str) -> str:
    """``<slug>.<lang>.html``: an article's page in the report."""
    return f"{slug}.{lang}.html"


_CODE: list[str] = []


def review_key(
    project: Project, glossary: Glossary, source: str, source_sha: str, catalog: str, catalog_sha: str | None
) -> str:
    """What an article's review page is made from, as one hash: the source's and the
    catalog's bytes (``catalog_sha`` None: no catalog), the termbase, the settings, and
    Puente's version and report code. ``puente review`` remakes only pages whose key changed."""
    if not _CODE:
        code = Path(__file__).read_bytes() + CSS.encode() + SCRIPT.encode()
        _CODE.append(hashlib.sha256(code).hexdigest())
    parts = [
        __version__,
        babel_version,
        _CODE[0],
        glossary.version,
        repr(dataclasses.astuple(project.config)),
        source,
        source_sha,
        catalog,
        catalog_sha or "-",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def article_review(
    document: Document,
    units: Sequence[Unit],
    catalog: Catalog | None,
    catalog_path: str,
    issues: Iterable[Issue],
    glossary: Glossary,
    target_lang: str,
    changed_units: str = "fresh-draft",
    key: str = "",
) -> ArticleReview:
    """The review of one article: ``units`` (the document's, in order) matched with the
    entries of ``catalog`` (None: no catalog yet), ``issues`` (the findings of
    :func:`~pipeline.checks.check_catalog` on that catalog) placed on the unit whose
    entry starts at their line."""
    source_lang = document.meta.lang
    entries = catalog.by_key() if catalog is not None else {}
    by_line: dict[int, list[Finding]] = {}
    for issue in issues:
        if issue.location.path == catalog_path:
            finding = Finding(issue.code, issue.severity, issue.message)
            by_line.setdefault(issue.location.line, []).append(finding)
    structure = _block_structure(document)
    reviewed: list[ReviewUnit] = []
    used: set[tuple[str | None, str]] = set()
    for number, unit in enumerate(units, start=1):
        entry = entries.get((unit.msgctxt, unit.text))
        level, depth = structure[unit.block_index] if unit.block_index < len(structure) else (0, 0)
        if entry is not None:
            used.add(entry.key)
        reviewed.append(
            _review_unit(
                number, unit, entry, level, depth, by_line, glossary, source_lang, target_lang, changed_units
            )
        )
    placed = {unit.line for unit in reviewed if unit.line}
    loose = tuple(
        (line, finding) for line in sorted(by_line) if line not in placed for finding in by_line[line]
    )
    stale = sum(1 for entry_key in entries if entry_key not in used and entry_key[1])
    last_change = _revision_date(catalog.fields.get("PO-Revision-Date", "")) if catalog is not None else None
    return ArticleReview(
        slug=document.meta.slug,
        title=document.meta.title,
        source=document.source,
        source_lang=source_lang,
        target_lang=target_lang,
        catalog=catalog_path,
        catalog_exists=catalog is not None,
        last_change=last_change,
        units=tuple(reviewed),
        findings=loose,
        stale_entries=stale,
        key=key,
    )


def _review_unit(
    number: int,
    unit: Unit,
    entry: Entry | None,
    level: int,
    depth: int,
    by_line: Mapping[int, list[Finding]],
    glossary: Glossary,
    source_lang: str,
    target_lang: str,
    changed_units: str,
) -> ReviewUnit:
    source = _text(glossary, unit.text, source_lang, target_lang, source_side=True)
    placeholders = tuple((p.id, describe_placeholder(p).partition(" = ")[2]) for p in unit.placeholders)
    common = {
        "number": number,
        "msgctxt": unit.msgctxt,
        "kind": unit.kind,
        "level": level,
        "depth": depth,
        "block": unit.block_index,
        "source": source,
        "source_line": unit.location.line,
        "placeholders": placeholders,
    }
    if entry is None:
        return ReviewUnit(
            **common,  # type: ignore[arg-type]
            translation=Text(""),
            state="untranslated",
            line=0,
            published="source text",
        )
    origin = entry.origin
    described = ""
    if origin is not None and entry.fuzzy:
        if origin.kind == "engine":
            described = f"{origin.name} {origin.version}".strip() + (
                f" ({origin.detail})" if origin.detail else ""
            )
        else:
            described = f"memory: {origin.detail}" if origin.detail else "memory"
    previous = None
    if entry.state == "changed" and entry.previous_msgid is not None:
        previous = _text(glossary, entry.previous_msgid, source_lang, target_lang, source_side=True)
    fresh = None
    if entry.fresh_draft is not None:
        fresh = _text(glossary, entry.fresh_draft, target_lang, source_lang, source_side=False)
    suggestion = entry.suggestion
    return ReviewUnit(
        **common,  # type: ignore[arg-type]
        translation=_text(glossary, entry.msgstr, target_lang, source_lang, source_side=False),
        state=entry.state,
        line=entry.line,
        published=_published(unit, entry, changed_units),
        origin=described,
        previous_source=previous,
        fresh_draft=fresh,
        unknown=entry.unknown,
        suggestion=(suggestion.score, suggestion.source, suggestion.translation) if suggestion else None,
        comments=entry.comments,
        findings=tuple(by_line.get(entry.line, ())) if entry.line else (),
    )


def _text(glossary: Glossary, value: str, lang: str, other: str, *, source_side: bool) -> Text:
    """``value`` with its glossary terms; ``lang`` is the text's language, ``other`` the
    other side's."""
    if not value:
        return Text(value)
    marks = []
    for hit in find_terms(glossary, value, lang):
        marks.append(_term_mark(hit, lang, other, source_side))
    return Text(value, tuple(marks))


def _term_mark(hit: TermHit, lang: str, other: str, source_side: bool) -> TermMark:
    term = hit.term
    if source_side:
        source, expected = hit.text, term.target(other, hit.form_index)
    else:
        source, expected = term.target(other, hit.form_index), term.target(lang, hit.form_index)
    if term.dnt:
        expected = hit.text
        source = hit.text
    return TermMark(hit.start, hit.end, term.id, source, expected, term.dnt, term.note)


def _published(unit: Unit, entry: Entry, changed_units: str) -> str:
    """What the target page shows for ``unit`` (the reassembly's own choice)."""
    state = entry.state
    if state == "untranslated":
        return "source text"
    plain = not unit.placeholders and "{" not in entry.msgstr and entry.msgstr.isprintable()
    if plain and state in ("reviewed", "machine"):  # nothing the reassembly could refuse
        return "translation" if state == "reviewed" else "machine draft"
    report = PageReport()
    shown = choose_text(unit, entry, changed_units, Location("", 0), report)
    if report.held:
        return "nothing: the page is held back"
    if shown == unit.text and shown not in (entry.msgstr, entry.fresh_draft):
        return "source text"
    if state == "reviewed":
        return "translation"
    if state == "machine":
        return "machine draft"
    if entry.fresh_draft is not None and shown != entry.msgstr:
        return "fresh draft"
    return "previous translation"


def _block_structure(document: Document) -> list[tuple[int, int]]:
    """Per block of :meth:`Document.blocks`: its heading level and its list depth."""
    found: list[tuple[int, int]] = [(0, 0)]  # the title
    if document.meta.description:
        found.append((0, 0))

    def walk(nodes: tuple[Node, ...], depth: int) -> None:
        for node in nodes:
            if isinstance(node, Block):
                found.append((node.level if node.kind == "heading" else 0, depth))
                walk(node.children, depth)
            elif isinstance(node, Element):
                walk(node.children, depth + 1 if node.tag in ("ul", "ol") else depth)

    walk(document.body, 0)
    return found


def _revision_date(value: str) -> str | None:
    """``PO-Revision-Date`` as ISO 8601 (``2026-11-30T10:54+00:00``), None when it is no date.

    >>> _revision_date("2026-11-30 10:54+0000"), _revision_date("YEAR-MO-DA HO:MI+ZONE")
    ('2026-11-30T10:54+00:00', None)
    """
    try:
        moment = dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M%z")
    except ValueError:
        return None
    return moment.isoformat(timespec="minutes")


# --- marking up text --------------------------------------------------------------------

_TOKEN = re.compile(PLACEHOLDER_RE.pattern + r"|[^\W_]+(?:[-\u2011'\u2019.,][^\W_]+)*|\s+|.")


def word_diff(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The spans of ``old`` that ``new`` dropped and the spans of ``new`` it added, by
    words (``difflib.SequenceMatcher`` over word, space, punctuation and placeholder tokens).

    >>> word_diff("detained across 17 joint operations", "detained across 18 joint operations")
    ([(16, 18)], [(16, 18)])
    """
    a = [match.span() for match in _TOKEN.finditer(old)]
    b = [match.span() for match in _TOKEN.finditer(new)]
    matcher = difflib.SequenceMatcher(
        None, [old[s:e] for s, e in a], [new[s:e] for s, e in b], autojunk=False
    )
    removed: list[tuple[int, int]] = []
    added: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete") and i2 > i1:
            removed.append((a[i1][0], a[i2 - 1][1]))
        if tag in ("replace", "insert") and j2 > j1:
            added.append((b[j1][0], b[j2 - 1][1]))
    return removed, added


def _unknown_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where the words an engine did not know stand in ``text`` (whole words only)."""
    spans: list[tuple[int, int]] = []
    for word in words:
        if not word.strip():
            continue
        for match in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
            spans.append(match.span())
    return spans


_ATOMS = re.compile(PLACEHOLDER_RE.pattern + "|" + CONTROL.pattern + "|" + BIDI.pattern)


def _fill_text(
    parent: etree._Element,
    text: Text,
    placeholders: Mapping[int, str],
    unknown: Sequence[str] = (),
    changes: Sequence[tuple[int, int]] = (),
    change_tag: str = "ins",
) -> None:
    """Append ``text`` to ``parent``: glossary terms, unknown words and changed words
    marked, placeholders and invisible characters shown as chips."""
    value = text.value
    terms = sorted(text.terms, key=lambda mark: mark.start)
    unknown_spans = _unknown_spans(value, unknown) if unknown else []
    atoms = (
        [match.span() for match in _ATOMS.finditer(value)]
        if ("{" in value or not value.isprintable())
        else []
    )
    if not (terms or unknown_spans or changes or atoms):
        _append_text(parent, value)
        return
    bounds = {0, len(value)}
    for start, end in [*((m.start, m.end) for m in terms), *unknown_spans, *changes, *atoms]:
        bounds.update((start, end))
    edges = sorted(bound for bound in bounds if 0 <= bound <= len(value))

    def owner(spans: Sequence[tuple[int, int]], start: int) -> int:
        for index, (a, b) in enumerate(spans):
            if a <= start < b:
                return index
        return -1

    term_spans = [(m.start, m.end) for m in terms]
    pieces = [
        (start, end, owner(term_spans, start), owner(unknown_spans, start), owner(changes, start) >= 0)
        for start, end in pairwise(edges)
        if end > start
    ]
    atom_starts = {start for start, _ in atoms}
    for term_index, by_term in groupby(pieces, key=lambda piece: piece[2]):
        holder = parent
        if term_index >= 0:
            mark = terms[term_index]
            holder = etree.SubElement(
                parent,
                "span",
                {"class": "term", "data-term": mark.term, "data-expected": mark.expected, "tabindex": "0"},
            )
        for unknown_index, by_unknown in groupby(by_term, key=lambda piece: piece[3]):
            inner = holder
            if unknown_index >= 0:
                inner = etree.SubElement(holder, "span", {"class": "unknown", "data-unknown": ""})
            for changed, by_change in groupby(by_unknown, key=lambda piece: piece[4]):
                target = etree.SubElement(inner, change_tag) if changed else inner
                for start, end, *_ in by_change:
                    if start in atom_starts:
                        _atom(target, value[start:end], placeholders)
                    else:
                        _append_text(target, value[start:end])
        if term_index >= 0:
            tip = etree.SubElement(holder, "span", {"class": "tip"})
            tip.text = terms[term_index].tip


def _atom(parent: etree._Element, token: str, placeholders: Mapping[int, str]) -> None:
    match = PLACEHOLDER_RE.fullmatch(token)
    if match is not None:
        chip = etree.SubElement(parent, "span", {"class": "ph"})
        what = placeholders.get(int(match.group(2)))
        if what:
            chip.set("title", what)
        chip.text = token
        return
    chip = etree.SubElement(parent, "span", {"class": "ctl", "title": "invisible character"})
    chip.text = describe(token)


def _append_text(element: etree._Element, text: str) -> None:
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


# --- rendering --------------------------------------------------------------------------

CSS = resources.files("pipeline").joinpath("templates/review.css").read_text("utf-8")
"""The report's style sheet (inline in every page)."""

SCRIPT = resources.files("pipeline").joinpath("templates/review.js").read_text("utf-8")
"""The filters (state, findings): the form stays hidden where scripts do not run."""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'"
)
"""No request of any kind, and no script but the filter's (an injected one would not run)."""


def language_name(lang: str) -> str:
    """``Spanish`` for ``es`` (the report speaks English, as the command line does)."""
    try:
        return str(Locale.parse(lang).get_display_name("en"))
    except (ValueError, UnknownLocaleError):
        return lang


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, attrs: dict[str, str] | None = None
) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs) if attrs else etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _page(title: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element("html", lang="en")
    head = _sub(root, "head")
    _sub(head, "meta", attrs={"charset": "utf-8"})
    _sub(head, "meta", attrs={"name": "viewport", "content": "width=device-width, initial-scale=1"})
    _sub(head, "meta", attrs={"http-equiv": "Content-Security-Policy", "content": CSP})
    _sub(head, "meta", attrs={"name": "generator", "content": f"Puente {__version__}"})
    _sub(head, "meta", attrs={"name": "referrer", "content": "no-referrer"})
    _sub(head, "title", title)
    _sub(head, "style", CSS)
    body = _sub(root, "body")
    _sub(body, "a", "Skip to the content", {"class": "skip", "href": "#content"})
    return root, body


def _serialise(root: etree._Element, script: bool) -> bytes:
    body = root.find("body")
    assert body is not None
    if script:
        _sub(body, "script", SCRIPT)
    page: bytes = etree.tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
    return page + b"\n"


def _badge(parent: etree._Element, state: str, count: str | None = None) -> etree._Element:
    symbol, word = STATE_LABELS[state]
    text = f"{symbol} {word}" + (f" {count}" if count is not None else "")
    return _sub(parent, "span", text, {"class": f"badge s-{state}"})


def _bar(parent: etree._Element, counts: Mapping[str, int]) -> None:
    total = sum(counts.get(state, 0) for state in STATES)
    description = ", ".join(f"{counts.get(state, 0)} {state}" for state in STATES)
    bar = _sub(parent, "div", attrs={"class": "bar", "role": "img", "aria-label": f"words: {description}"})
    for state in STATES:
        value = counts.get(state, 0)
        if total and value:
            _sub(bar, "span", attrs={"class": f"b-{state}", "style": f"width:{100 * value / total:.2f}%"})


def _percent(counts: Mapping[str, int]) -> str:
    total = sum(counts.get(state, 0) for state in STATES)
    if not total:
        return "nothing to translate"
    return f"{100 * counts.get('reviewed', 0) // total} % reviewed"


def _finding_list(parent: etree._Element, findings: Iterable[Finding], where: str | None = None) -> None:
    items = list(findings)
    if not items:
        return
    listing = _sub(parent, "ul", attrs={"class": "findings"})
    for finding in items:
        item = _sub(
            listing,
            "li",
            attrs={
                "class": f"f-{finding.severity}",
                "data-finding": finding.code,
                "data-severity": finding.severity,
            },
        )
        _sub(
            item, "span", f"{SEVERITY_LABELS.get(finding.severity, '')} {finding.severity}", {"class": "sev"}
        )
        _sub(item, "code", finding.code).tail = ": " + _safe(finding.message)
        if where:
            _sub(item, "span", f" ({where})", {"class": "where-inline"})


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _safe(text: str) -> str:
    """``text`` with invisible characters written as ``U+XXXX`` (messages quote translations)."""
    if text.isprintable() and not BIDI.search(text):
        return text
    return _ATOMS.sub(lambda m: describe(m.group(0)) if len(m.group(0)) == 1 else m.group(0), text)


def _kind_label(unit: ReviewUnit) -> str:
    word = KIND_WORDS[unit.kind]
    if unit.kind == "heading" and unit.level:
        word = f"heading {unit.level}"
    elif unit.kind == "list_item" and unit.depth > 1:
        word = f"{word} (level {unit.depth})"
    return word[:1].upper() + word[1:]


def render_article(review: ArticleReview, index_href: str = INDEX_NAME) -> bytes:
    """The review page of one article (UTF-8 HTML5)."""
    source_name, target_name = language_name(review.source_lang), language_name(review.target_lang)
    root, body = _page(f"Review: {_safe(review.title)} ({target_name})")
    header = _sub(body, "header")
    nav = _sub(header, "nav", attrs={"aria-label": "Breadcrumb"})
    _sub(nav, "a", "All articles", {"href": index_href})
    nav[-1].tail = f" › {review.slug}"
    h1 = _sub(header, "h1", _safe(review.title))
    h1.set("lang", review.source_lang)
    counts = review.counts()
    facts = _sub(header, "dl", attrs={"class": "facts"})
    summary = review.summary()
    for term, value in (
        ("Translation", f"{source_name} → {target_name}"),
        ("Source", _safe(review.source)),
        ("Catalog", review.catalog if review.catalog_exists else f"{review.catalog} (not made yet)"),
        ("Last change", review.last_change[:10] if review.last_change else "—"),
        ("Findings", f"{_plural(summary['errors'], 'error')}, {_plural(summary['warnings'], 'warning')}"),
    ):
        pair = _sub(facts, "div")
        _sub(pair, "dt", term)
        _sub(pair, "dd", value)
    main = _sub(body, "main", attrs={"id": "content"})
    _sub(main, "h2", "Progress")
    legend = _sub(main, "ul", attrs={"class": "legend", "aria-label": "Units by state"})
    for state in STATES:
        item = _sub(legend, "li")
        units, words = counts["units"][state], counts["words"][state]
        _badge(item, state, f"{_plural(units, 'unit')} · {_plural(words, 'word')}")
    _bar(main, counts["words"])
    _sub(main, "p", _percent(counts["words"]) + " (by words)", {"class": "pct"})
    if not review.catalog_exists or summary["missing"] or review.stale_entries:
        banner = _sub(main, "p", attrs={"class": "banner", "role": "note"})
        if not review.catalog_exists:
            banner.text = f"{review.catalog} does not exist yet: run puente build to make and draft it."
        else:
            banner.text = (
                f"The catalog is older than the source: {summary['missing']} units are not in it yet"
                f" and {review.stale_entries} of its entries are no longer in the source. "
                "Run puente build to merge them."
            )
    if review.findings:
        _sub(main, "h2", "Findings on the catalog")
        listing = _sub(main, "div", attrs={"class": "loose"})
        for line, finding in review.findings:
            _finding_list(listing, [finding], f"{review.catalog}:{line}")
    _sub(main, "h2", "Units", {"id": "units"})
    form = _sub(main, "form", attrs={"id": "filters", "hidden": "", "aria-label": "Filter the units"})
    states = _sub(form, "fieldset")
    _sub(states, "legend", "Show")
    for state in STATES:
        label = _sub(states, "label")
        _sub(label, "input", attrs={"type": "checkbox", "name": "state", "value": state, "checked": ""})
        _badge(label, state, str(counts["units"][state]))
    only = _sub(form, "label")
    _sub(only, "input", attrs={"type": "checkbox", "name": "findings", "value": "1"})
    only[-1].tail = "only units with findings"
    _sub(form, "output", attrs={"id": "shown", "class": "shown", "aria-live": "polite"})
    table = _sub(main, "table", attrs={"class": "units"})
    caption = f"{_plural(len(review.units), 'unit')} in reading order, {source_name} beside {target_name}"
    _sub(table, "caption", caption)
    cols = _sub(table, "colgroup")
    _sub(cols, "col", attrs={"class": "meta"})
    _sub(cols, "col")
    _sub(cols, "col")
    head_row = _sub(_sub(table, "thead"), "tr")
    for text in ("Unit", f"Source ({source_name})", f"Translation ({target_name})"):
        _sub(head_row, "th", text, {"scope": "col"})
    tbody = _sub(table, "tbody")
    previous_block = -1
    for unit in review.units:
        _unit_row(tbody, unit, review, unit.block == previous_block, source_name, target_name)
        previous_block = unit.block
    footer = _sub(body, "footer")
    _sub(footer, "p", f"Made by Puente {__version__} from {review.source} and {review.catalog}; "
         "nothing on this page is sent anywhere.")  # fmt: skip
    return _serialise(root, script=True)


def _unit_row(
    tbody: etree._Element,
    unit: ReviewUnit,
    review: ArticleReview,
    same_block: bool,
    source_name: str,
    target_name: str,
) -> None:
    classes = [f"row-{unit.state}", f"k-{unit.kind}"] + (["same-block"] if same_block else [])
    row = _sub(
        tbody,
        "tr",
        attrs={
            "id": f"u{unit.number}",
            "class": " ".join(classes),
            "data-unit": unit.msgctxt,
            "data-state": unit.state,
        },
    )
    if unit.depth:
        row.set("style", f"--depth:{unit.depth}")
    meta = _sub(row, "th", attrs={"scope": "row"})
    _sub(meta, "a", f"#{unit.number}", {"class": "num", "href": f"#u{unit.number}"})
    _badge(meta, unit.state)
    _sub(meta, "span", _kind_label(unit), {"class": "kind"})
    if unit.in_catalog:
        _path(meta, f"{review.catalog}:{unit.line}")
    else:
        _sub(meta, "span", "not in the catalog yet", {"class": "where"})
    _path(meta, f"{review.source}:{unit.source_line}")
    placeholders = dict(unit.placeholders)
    source_cell = _sub(row, "td", attrs={"lang": review.source_lang})
    target_cell = _sub(row, "td", attrs={"lang": review.target_lang})
    if unit.previous_source is not None:
        removed, added = word_diff(unit.previous_source.value, unit.source.value)
        _sub(source_cell, "span", "Previous source", {"class": "label"})
        old = _sub(source_cell, "div", attrs={"class": "text previous", "data-text": "previous"})
        _fill_text(old, unit.previous_source, placeholders, changes=removed, change_tag="del")
        _sub(source_cell, "span", "Current source", {"class": "label"})
        new = _sub(source_cell, "div", attrs={"class": "text", "data-text": "source"})
        _fill_text(new, unit.source, placeholders, changes=added, change_tag="ins")
    else:
        text = _sub(source_cell, "div", attrs={"class": "text", "data-text": "source"})
        _fill_text(text, unit.source, placeholders)
    if unit.state == "changed":
        label = (
            "Translator's translation (of the previous source)"
            if unit.previous_source
            else "Translation (fuzzy)"
        )
        _sub(target_cell, "span", label, {"class": "label"})
    if unit.translation.value:
        text = _sub(target_cell, "div", attrs={"class": "text", "data-text": "translation"})
        _fill_text(text, unit.translation, placeholders, unknown=unit.unknown)
    else:
        _sub(target_cell, "div", "no translation yet", {"class": "none", "data-text": "translation"})
    if unit.fresh_draft is not None:
        _sub(target_cell, "span", "Fresh draft (of the current source)", {"class": "label"})
        fresh = _sub(target_cell, "div", attrs={"class": "text", "data-text": "fresh-draft"})
        _fill_text(fresh, unit.fresh_draft, placeholders, unknown=unit.unknown)
    notes = _sub(target_cell, "div", attrs={"class": "notes"})
    if unit.origin:
        _note(notes, "Draft: ", unit.origin)
    if unit.unknown:
        _note(notes, "Unknown to the engine: ", ", ".join(unit.unknown))
    if unit.suggestion is not None:
        score, source, translation = unit.suggestion
        _note(notes, f"Memory suggestion ({score} %): ", f"{translation} (for: {source})")
    for comment in unit.comments:
        _note(notes, "Translator's comment: ", comment)
    if (unit.state, unit.published) not in (("reviewed", "translation"), ("machine", "machine draft")):
        _note(notes, "On the page: ", unit.published)
    if not len(notes):
        target_cell.remove(notes)
    _finding_list(target_cell, unit.findings)


def _path(parent: etree._Element, where: str) -> None:
    _sub(parent, "code", _safe(where), {"class": "where"})


def _note(parent: etree._Element, label: str, text: str) -> None:
    paragraph = _sub(parent, "p")
    _sub(paragraph, "b", label).tail = _safe(text)


# --- the index --------------------------------------------------------------------------


def attention(summary: Mapping[str, Any]) -> tuple[Any, ...]:
    """The index's order, what needs attention first: errors, then changed, untranslated
    and machine units, then warnings (most first), then the slug."""
    units = summary["units"]
    return (
        -summary["errors"],
        -units["changed"],
        -units["untranslated"],
        -units["machine"],
        -summary["warnings"],
        summary["slug"],
        summary["target_lang"],
    )


DATA_ID = "puente-review-data"
DATA_VERSION = 1


def render_index(summaries: Iterable[Mapping[str, Any]], project_name: str = "") -> bytes:
    """The report's dashboard: one row per article and target language, what needs
    attention first (:func:`attention`)."""
    rows = sorted(summaries, key=attention)
    title = f"Translation review{': ' + project_name if project_name else ''}"
    root, body = _page(title)
    header = _sub(body, "header")
    _sub(header, "h1", title)
    totals: dict[str, dict[str, int]] = {kind: dict.fromkeys(STATES, 0) for kind in ("units", "words")}
    errors = warnings = 0
    for summary in rows:
        for kind in ("units", "words"):
            for state in STATES:
                totals[kind][state] += summary[kind].get(state, 0)
        errors += summary["errors"]
        warnings += summary["warnings"]
    facts = _sub(header, "dl", attrs={"class": "facts"})
    for term, value in (
        ("Articles", str(len(rows))),
        ("Reviewed", _percent(totals["words"]).replace(" reviewed", "") + " of the words"),
        ("Findings", f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"),
    ):
        pair = _sub(facts, "div")
        _sub(pair, "dt", term)
        _sub(pair, "dd", value)
    main = _sub(body, "main", attrs={"id": "content"})
    _sub(main, "h2", "Articles")
    legend = _sub(main, "ul", attrs={"class": "legend", "aria-label": "States"})
    for state, meaning in (
        ("reviewed", "a person's translation"),
        ("machine", "a draft nobody reviewed"),
        ("changed", "the source changed after review"),
        ("untranslated", "no text yet"),
    ):
        item = _sub(legend, "li")
        _badge(item, state).tail = f" {meaning}"
    table = _sub(main, "table", attrs={"class": "articles"})
    _sub(
        table,
        "caption",
        "Articles by what needs attention first: errors, changed, untranslated, machine units",
    )
    head_row = _sub(_sub(table, "thead"), "tr")
    columns = [
        "Article",
        "Language",
        "Progress (words)",
        *(w.capitalize() for w in STATES),
        "Errors",
        "Warnings",
        "Last change",
    ]
    for text in columns:
        _sub(head_row, "th", text, {"scope": "col"})
    tbody = _sub(table, "tbody")
    for summary in rows:
        row = _sub(tbody, "tr", attrs={"data-article": summary["slug"], "data-lang": summary["target_lang"]})
        cell = _sub(row, "th", attrs={"scope": "row"})
        link = _sub(cell, "a", _safe(summary["title"]), {"href": summary["page"], "class": "title"})
        link.set("lang", summary["source_lang"])
        _sub(cell, "span", summary["slug"], {"class": "slug"})
        _sub(row, "td", f"{summary['source_lang']} → {summary['target_lang']}", {"data-label": "Language"})
        progress = _sub(row, "td", attrs={"data-label": "Progress"})
        _bar(progress, summary["words"])
        _sub(progress, "span", _percent(summary["words"]), {"class": "pct"})
        for state in STATES:
            _count_cell(row, state.capitalize(), summary["units"][state], summary["words"][state], state)
        _issue_cell(row, "Errors", summary["errors"], "err")
        _issue_cell(row, "Warnings", summary["warnings"], "warn")
        changed = summary.get("last_change")
        when = _sub(row, "td", attrs={"data-label": "Last change"})
        if changed:
            _sub(when, "time", changed[:10], {"datetime": changed})
        else:
            when.text = "—"
    foot = _sub(_sub(table, "tfoot"), "tr")
    _sub(foot, "th", "All articles", {"scope": "row"})
    _sub(foot, "td", "")
    progress = _sub(foot, "td", attrs={"data-label": "Progress"})
    _bar(progress, totals["words"])
    _sub(progress, "span", _percent(totals["words"]), {"class": "pct"})
    for state in STATES:
        _count_cell(foot, state.capitalize(), totals["units"][state], totals["words"][state], state)
    _issue_cell(foot, "Errors", errors, "err")
    _issue_cell(foot, "Warnings", warnings, "warn")
    _sub(foot, "td", "")
    footer = _sub(body, "footer")
    _sub(footer, "p", f"Made by Puente {__version__}. Static files: nothing on these pages is sent anywhere.")
    # what each page was made from, for the next puente review (data, never run)
    data = json.dumps({"version": DATA_VERSION, "articles": rows}, ensure_ascii=False, sort_keys=True)
    _sub(body, "script", data.replace("<", "\\u003c"), {"type": "application/json", "id": DATA_ID})
    return _serialise(root, script=False)


def _count_cell(row: etree._Element, label: str, units: int, words: int, state: str) -> None:
    cell = _sub(row, "td", attrs={"class": "num-cell" + (" zero" if not units else ""), "data-label": label})
    cell.set("data-count", state)
    cell.text = _plural(units, "unit")
    _sub(cell, "span", _plural(words, "word"), {"class": "words"})


def _issue_cell(row: etree._Element, label: str, count: int, css: str) -> None:
    cell = _sub(
        row, "td", str(count), {"class": "num-cell" + (f" {css}" if count else " zero"), "data-label": label}
    )
    cell.set("data-count", label.lower())


# --- writing ----------------------------------------------------------------------------


def review_folder(project: Project) -> Path:
    """The report's default folder: ``review/`` in the output folder."""
    return project.output_dir / REVIEW_FOLDER


def stage_article(folder: Path, review: ArticleReview) -> tuple[Staged, str, dict[str, Any]]:
    """Stage ``review``'s page in ``folder``; return it, the hash of what was written and
    the summary the index needs."""
    page = render_article(review)
    staged = stage([(folder / review.page, page)])[0]
    return staged, hashlib.sha256(page).hexdigest(), review.summary()


def write_index(folder: Path, summaries: Iterable[Mapping[str, Any]], project_name: str = "") -> bool:
    """Write ``index.html`` in ``folder`` (False: it held that content already). It keeps,
    with each summary, the size and time of the article's page as it is now; the pages the
    previous index listed for articles no longer there are removed."""
    old = read_index(folder)
    rows = []
    for summary in summaries:
        try:
            info = os.stat(folder / summary["page"])
            stat: list[int] | None = [info.st_size, info.st_mtime_ns]
        except OSError:
            stat = None
        rows.append({**summary, "stat": stat})
    written = commit(stage([(folder / INDEX_NAME, render_index(rows, project_name))]), durable=False)[0]
    # the pages of articles gone (a deleted source, an old slug): the index listed them
    current = {row["page"] for row in rows}
    for page in {row["page"] for row in old.values()} - current:
        (folder / page).unlink(missing_ok=True)
    return written


_KEPT = ("source", "key", "page", "catalog", "slug", "title", "source_lang", "target_lang")
_PAGE = re.compile(r"[a-z0-9][a-z0-9-]*\.[a-z]{2,3}\.html")
_CATALOG = re.compile(r"locales/[a-z]{2,3}/LC_MESSAGES/[a-z0-9][a-z0-9-]*\.po")


def read_index(folder: Path) -> dict[str, dict[str, Any]]:
    """Source → summary of every article the report's index lists ({} when there is no
    index, or one this version did not write)."""
    try:
        text = (folder / INDEX_NAME).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    match = re.search(f'<script type="application/json" id="{DATA_ID}">(.*?)</script>', text, re.DOTALL)
    try:
        data = json.loads(match.group(1)) if match else None
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("version") != DATA_VERSION:
        return {}
    rows = data.get("articles")
    known = {}
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in _KEPT):
            continue
        counts = [row.get(kind) for kind in ("units", "words")]
        if not all(isinstance(c, dict) and all(isinstance(c.get(st), int) for st in STATES) for c in counts):
            continue
        if not (isinstance(row.get("errors"), int) and isinstance(row.get("warnings"), int)):
            continue
        if _PAGE.fullmatch(row["page"]) and _CATALOG.fullmatch(row["catalog"]):  # nothing outside the project
            known[row["source"]] = row
    return known


def stage_for_build(
    project: Project,
    glossary: Glossary,
    document: Document,
    units: Sequence[Unit],
    catalog: Catalog,
    catalog_path: str,
    issues: Sequence[Issue],
    target_lang: str,
    catalog_sha: str | None,
) -> tuple[Staged, dict[str, Any], Path, str]:
    """``puente build --review``: stage the review page of one article the build has in
    hand (``issues``: the findings of ``check_catalog`` on ``catalog``; ``catalog_sha``:
    the hash of the catalog file as the build leaves it); return it, the summary the
    index needs (cached with the article's facts), its path and its hash."""
    key = review_key(project, glossary, document.source, document.sha256, catalog_path, catalog_sha)
    changed_units = project.config.changed_units
    review = article_review(
        document, units, catalog, catalog_path, issues, glossary, target_lang, changed_units, key
    )
    folder = review_folder(project)
    staged, digest, summary = stage_article(folder, review)
    return staged, summary, folder / review.page, digest


def review_recorded(project: Project, entry: Mapping[str, Any]) -> bool:
    """Whether a build-cache entry records the article's review page (a build with
    ``--review`` wrote it; the cache checks the file is still what was written)."""
    summary = entry.get("facts", {}).get("review")
    if not isinstance(summary, dict) or not isinstance(summary.get("page"), str):
        return False
    return project.relative(review_folder(project) / summary["page"]) in entry.get("files", {})


@dataclass
class ReviewReport:
    """What ``puente review`` did."""

    folder: Path
    articles: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    index_written: bool = False
    errors: int = 0
    warnings: int = 0


@dataclass
class _Context:
    project: Project
    glossary: Glossary
    folder: Path


_CONTEXT: list[_Context] = []


def review_article_file(project: Project, glossary: Glossary, path: Path) -> ArticleReview:
    """The review of the article in ``path`` from the source and its catalog as they are
    on disk (read-only): units the catalog lacks are untranslated, "not in the catalog yet"."""
    return _read_article(project, glossary, path)[1]


def _read_article(project: Project, glossary: Glossary, path: Path) -> tuple[SlugClaim, ArticleReview]:
    config = project.config
    rel = project.relative(path)
    if not project.inside(path):
        raise SourceError(rel, None, "links outside the project: copy the article into sources/")
    raw, _ = read_with_stat(path, rel, SourceError, SOURCE_LIMIT)
    document = load_document(path, project.root, raw)
    catalog_sha: str | None = None
    units = document_units(document, config.segmentation)
    target = config.target_language(document.meta.lang)
    po_path = project.po_path(document.meta.slug, target)
    catalog_rel = project.relative(po_path)
    catalog: Catalog | None = None
    issues: list[Issue] = []
    if po_path.exists() or po_path.is_symlink():
        if not project.inside(po_path):
            raise CatalogError(
                catalog_rel, None, "links outside the project: a catalog must be a file of the project"
            )
        data, _ = read_with_stat(po_path, catalog_rel, CatalogError, CATALOG_LIMIT)
        catalog = read_catalog(po_path, catalog_rel, data)
        catalog_sha = hashlib.sha256(data).hexdigest()
        issues = check_catalog(
            catalog, catalog_rel, document.meta.lang, target, glossary, config.check_severities
        )
    key = review_key(project, glossary, rel, document.sha256, catalog_rel, catalog_sha)
    changed_units = config.changed_units
    review = article_review(
        document, units, catalog, catalog_rel, issues, glossary, target, changed_units, key
    )
    return slug_claim(document), review


def _review_one(path: Path) -> tuple[Staged, SlugClaim, dict[str, Any]]:
    context = _CONTEXT[-1]
    claim, review = _read_article(context.project, context.glossary, path)
    staged, _, summary = stage_article(context.folder, review)
    return staged, claim, summary


def review_project(project: Project, folder: Path | None = None, jobs: int = 2) -> ReviewReport:
    """``puente review``: the report of every article in ``folder`` (default
    ``build/review/``), from the sources and catalogs as they are on disk. Reads them
    without the project lock and writes nothing but the report's files. An article whose
    source, catalog, termbase and settings are those its page was made from (its key in
    the index) and whose page is as written is not read again."""
    folder = folder if folder is not None else review_folder(project)
    report = ReviewReport(folder)
    glossary = load_glossary(project)
    sources = project.source_paths()
    report.articles = len(sources)
    sweep([folder])  # temporary files a killed run left (only those whose process is gone)
    known = read_index(folder)
    kept: dict[str, dict[str, Any]] = {}
    todo: list[Path] = []
    for path in sources:
        rel = project.relative(path)
        old = known.get(rel)
        if old is not None and _unchanged(project, glossary, folder, path, old):
            kept[rel] = old
        else:
            todo.append(path)
    _CONTEXT.append(_Context(project, glossary, folder))
    try:
        done = parallel_map(_review_one, todo, jobs, discard=lambda made: discard(item[0] for item in made))
    finally:
        _CONTEXT.pop()
    try:
        # two articles with one slug would share a page: refused, as the build refuses them
        owners = {summary["slug"]: rel for rel, summary in kept.items()}
        check_unique_slugs(sorted(claim for _, claim, _ in done), owners)
        written = commit([staged for staged, _, _ in done], durable=False)
    except BaseException:
        discard(staged for staged, _, _ in done)
        raise
    summaries = dict(kept)
    for (_, _, summary), changed in zip(done, written, strict=True):
        (report.written if changed else report.unchanged).append(summary["page"])
        summaries[summary["source"]] = summary
    report.unchanged.extend(summary["page"] for summary in kept.values())
    for summary in summaries.values():
        report.errors += summary["errors"]
        report.warnings += summary["warnings"]
    ordered = [summaries[rel] for rel in sorted(summaries)]
    report.index_written = write_index(folder, ordered, project_name(project))
    return report


def _unchanged(
    project: Project, glossary: Glossary, folder: Path, path: Path, old: Mapping[str, Any]
) -> bool:
    """Whether the article at ``path`` would give the page ``old`` describes, and that page
    is still as written (its size and modification time)."""
    catalog_path = project.root / old["catalog"]
    try:  # a link to a device or a pipe is read (and refused) with the article, not here
        info = os.stat(folder / old["page"])
        source = read_limited(path, old["source"], SourceError, SOURCE_LIMIT)
        catalog = (
            read_limited(catalog_path, old["catalog"], CatalogError, CATALOG_LIMIT)
            if catalog_path.exists() or catalog_path.is_symlink()
            else None
        )
    except (OSError, PipelineError):
        return False
    if old.get("stat") != [info.st_size, info.st_mtime_ns]:
        return False
    source_sha = hashlib.sha256(source).hexdigest()
    catalog_sha = hashlib.sha256(catalog).hexdigest() if catalog is not None else None
    key = review_key(project, glossary, old["source"], source_sha, old["catalog"], catalog_sha)
    return bool(key == old["key"])


def project_name(project: Project) -> str:
    """The project's name in the report: its folder's."""
    return project.root.resolve().name


__all__ = [
    "ArticleReview",
    "Finding",
    "ReviewReport",
    "ReviewUnit",
    "TermMark",
    "Text",
    "article_review",
    "read_index",
    "render_article",
    "render_index",
    "review_folder",
    "review_key",
    "review_project",
    "review_recorded",
    "stage_article",
    "stage_for_build",
    "word_diff",
    "write_index",
]
