"""Reassembling a translated document from the source document and its catalog.

The source document is the skeleton: translations only fill text. Each
unit's translation is parsed as text plus placeholders and compared with the
unit's own placeholders; a translation with a missing, extra or unbalanced
placeholder, or with debris of a token (:func:`pipeline.glossary.residue`), is not
used (the unit falls back to its machine draft, or to the source text) and the
fallback is reported. Everything else in a translation,
markup included, stays text: the renderer escapes it, and inline elements
come only from the source's placeholder definitions, so a link's address is
always the source's.

Which text a unit gets, by the state of its PO entry:

* reviewed: the translation;
* machine draft: the draft (counted as machine);
* changed (a person's translation of an older source): by default the fresh
  machine draft of the current source (the ``fresh draft:`` note), never the
  stale translation; ``changed_units = "previous"`` publishes the previous
  translation instead, and ``"hold"`` holds the page back;
* untranslated: the source text, reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.glossary import residue
from pipeline.model import Document, Issue, Location, Unit, with_texts
from pipeline.placeholders import count_words, problems
from pipeline.po import Entry
from pipeline.segment import join_units, segment_block
from pipeline.text import strip_controls

COUNT_KEYS = ("reviewed", "machine", "untranslated")


@dataclass
class PageReport:
    """What went into one target page."""

    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    words: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    issues: list[Issue] = field(default_factory=list)
    held: bool = False

    @property
    def state(self) -> str:
        total = sum(self.units.values())
        if self.units["reviewed"] == total:
            return "reviewed"
        return "machine" if self.units["reviewed"] == 0 else "mixed"


def choose_text(
    unit: Unit, entry: Entry | None, changed_units: str, where: Location, report: PageReport
) -> str:
    """The text published for one unit, counting it in ``report``."""
    candidates: list[tuple[str, str]] = []  # (text, counted as)
    state = entry.state if entry is not None else "untranslated"
    if entry is not None and state == "reviewed":
        candidates.append((entry.msgstr, "reviewed"))
    elif entry is not None and state == "machine":
        candidates.append((entry.msgstr, "machine"))
    elif entry is not None and state == "changed":
        if changed_units == "hold":
            report.held = True
        if changed_units == "previous":
            candidates.append((entry.msgstr, "machine"))
        draft = entry.fresh_draft
        if draft is not None:
            candidates.append((draft, "machine"))
        else:
            _issue(
                report,
                where,
                "warning",
                "stale",
                "source changed and no fresh draft yet: showing the source text",
            )
    else:
        _issue(report, where, "warning", "untranslated", f"untranslated: {_short(unit.text)!r}")
    expected = [(p.id, p.kind == "paired") for p in unit.placeholders] if candidates else []
    for position, (raw, counted) in enumerate(candidates):
        text = strip_controls(raw)  # never on a page (the check reports them at the entry)
        found = problems(text, expected)
        debris = residue(unit.text, text)  # never publish a piece of a token
        if not found and not debris:
            _count(report, counted, unit.text)
            return text
        fallback = "the machine draft" if position + 1 < len(candidates) else "the source text"
        instead = f"published {fallback} instead"
        if found:
            _issue(report, where, "error", "placeholders", f"{'; '.join(found)}: {instead}")
        if debris:
            pieces = ", ".join(repr(piece) for piece in debris)
            _issue(report, where, "error", "residue", f"token-like residue {pieces}: {instead}")
    _count(report, "untranslated", unit.text)
    return unit.text


def _count(report: PageReport, key: str, source: str) -> None:
    report.units[key] += 1
    report.words[key] += count_words(source)


def _issue(report: PageReport, where: Location, severity: str, code: str, message: str) -> None:
    report.issues.append(Issue(where, severity, code, message))  # type: ignore[arg-type]


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:49] + "…"


def assemble(
    document: Document,
    units: Sequence[Unit],
    entries: Mapping[tuple[str | None, str], Entry],
    target_lang: str,
    *,
    catalog_path: str,
    changed_units: str = "fresh-draft",
    segmentation: str = "sentence",
) -> tuple[Document, PageReport]:
    """The translated document and what went into it.

    ``entries`` maps (msgctxt, msgid) to the catalog's entries; issues are
    located at the entry's line in ``catalog_path`` (or the source's line
    for units the catalog lacks).
    """
    report = PageReport()
    by_block: dict[int, list[tuple[Unit, str]]] = {}
    for unit in units:
        entry = entries.get((unit.msgctxt, unit.text))
        where = Location(catalog_path, entry.line) if entry is not None and entry.line else unit.location
        text = choose_text(unit, entry, changed_units, where, report)
        by_block.setdefault(unit.block_index, []).append((unit, text))
    texts: list[str] = []
    for index, block in enumerate(document.blocks()):
        pairs = by_block.get(index, [])
        segment = segment_block(block, document.meta.lang, segmentation)
        if len(pairs) != len(segment.texts):
            texts.append(block.text)
            continue
        texts.append(join_units(segment, [text for _, text in pairs], [unit for unit, _ in pairs]))
    return replace_texts(document, texts, target_lang), report


def replace_texts(document: Document, texts: Sequence[str], lang: str) -> Document:
    """``document`` with the text of its n-th block (in :meth:`Document.blocks` order)
    replaced, attribute texts included (see :func:`pipeline.model.with_texts`)."""
    return with_texts(document, texts, lang)
