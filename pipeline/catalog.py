"""PO catalogs: one template per article, one catalog per article and target language.

``locales/templates/<slug>.pot`` holds the article's units; the catalog of
its target language, ``locales/<lang>/LC_MESSAGES/<slug>.po``, holds the
translations. Both are written with polib, unwrapped (one line per field,
byte-identical to ``msgcat --no-wrap``), with full headers and Plural-Forms
from Babel's locale data. Babel never writes PO files here: it drops ``#|``
lines and adds ``python-format`` flags that make ``msgfmt --check`` fail.

Files are rewritten only when an entry changed: the dates in the header move
only then, so git shows translators' work, not churn. The merge of new units
into an existing catalog lives in :mod:`pipeline.merge`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polib
from babel.messages.plurals import get_plural

from pipeline import __version__
from pipeline.config import Config
from pipeline.errors import CatalogError
from pipeline.files import write_atomic
from pipeline.glossary import find_terms, glossary_notes, load_glossary
from pipeline.merge import MergeStats, merge_units
from pipeline.model import Document, Unit
from pipeline.placeholders import count_words
from pipeline.pofile import parse_po
from pipeline.segment import document_units
from pipeline.sources import load_sources

EntryState = Literal["reviewed", "machine", "changed", "untranslated"]
DATE_KEYS = ("POT-Creation-Date", "PO-Revision-Date")


def pot_path(config: Config, slug: str) -> Path:
    return config.locales_dir / "templates" / f"{slug}.pot"


def po_path(config: Config, slug: str, lang: str) -> Path:
    return config.locales_dir / lang / "LC_MESSAGES" / f"{slug}.po"


def relative(config: Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_catalog(path: Path, root: Path) -> polib.POFile:
    """Read a catalog, raising :class:`CatalogError` (``path:line: message``) on any bad input.

    The ``Language`` header must match the catalog's folder
    (``locales/<lang>/LC_MESSAGES/``).
    """
    rel = relative(Config(root=root), path)
    catalog = parse_po(path, rel)
    if path.parent.name == "LC_MESSAGES":
        folder_lang = path.parent.parent.name
        header_lang = catalog.metadata.get("Language", "")
        if header_lang.split("_")[0] != folder_lang:
            raise CatalogError(
                rel,
                _header_line(path, "Language"),
                f"header says Language: {header_lang or '(none)'}, but the catalog is in "
                f"locales/{folder_lang}/: fix the header or move the file",
            )
    return catalog


def _header_line(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").split("\n"), start=1):
        if line.startswith(f'"{key}:'):
            return number
    return 1


def entry_state(entry: polib.POEntry) -> EntryState:
    """What a translator has done with an entry.

    reviewed: translated and not fuzzy; machine: a fuzzy draft (no previous
    msgid); changed: fuzzy with a previous msgid, i.e. a person's translation
    of an older source text; untranslated: no msgstr.
    """
    if not entry.msgstr:
        return "untranslated"
    if "fuzzy" not in entry.flags:
        return "reviewed"
    return "changed" if entry.previous_msgid else "machine"


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M+0000")


def new_catalog(document: Document, lang: str | None, config: Config) -> polib.POFile:
    """An empty template (``lang=None``) or catalog with Puente's full headers."""
    catalog = polib.POFile(wrapwidth=0, check_for_duplicates=False)
    catalog.header = f"{document.meta.title}\nTranslation of {document.source}."
    metadata = {
        "Project-Id-Version": document.meta.slug,
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": now_stamp(),
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE" if lang is None else now_stamp(),
        "Last-Translator": "",
        "Language-Team": "",
        "Language": lang or "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if lang is not None:
        metadata["Plural-Forms"] = str(get_plural(config.locale(lang)))
    metadata["X-Generator"] = f"Puente {__version__}"
    metadata["X-Source-Language"] = document.meta.lang
    catalog.metadata = metadata
    return catalog


def unit_entry(unit: Unit, source: str) -> polib.POEntry:
    """The template entry of one unit."""
    return polib.POEntry(
        msgctxt=unit.msgctxt,
        msgid=unit.text,
        msgstr="",
        comment="\n".join(unit.notes),
        occurrences=[(source, str(unit.location.line))],
    )


def render_catalog(catalog: polib.POFile) -> str:
    text = str(catalog)
    return text if text.endswith("\n") else text + "\n"


def write_catalog(catalog: polib.POFile, path: Path) -> bool:
    """Write ``catalog`` unwrapped, only when an entry or header other than its dates changed.

    When it changed, PO-Revision-Date (POT-Creation-Date for a template) is set
    to now; otherwise the file keeps its bytes and its dates.
    """
    date_key = "POT-Creation-Date" if path.suffix == ".pot" else "PO-Revision-Date"
    if path.is_file():
        try:
            old = polib.pofile(path.read_text("utf-8"), wrapwidth=0)
        except (OSError, ValueError, UnicodeDecodeError):
            old = None
        if old is not None:
            for key in DATE_KEYS:
                if key in old.metadata:
                    catalog.metadata[key] = old.metadata[key]
            if render_catalog(catalog) == path.read_text("utf-8"):
                return False
    catalog.metadata[date_key] = now_stamp()
    return write_atomic(path, render_catalog(catalog))


@dataclass
class ExtractReport:
    """What ``puente extract`` did."""

    templates_written: list[str] = field(default_factory=list)
    templates_unchanged: list[str] = field(default_factory=list)
    catalogs_written: list[str] = field(default_factory=list)
    catalogs_unchanged: list[str] = field(default_factory=list)
    stats: MergeStats = field(default_factory=MergeStats)


def template_for(document: Document, units: Sequence[Unit], config: Config) -> polib.POFile:
    template = new_catalog(document, None, config)
    for unit in units:
        template.append(unit_entry(unit, document.source))
    return template


def update_catalog(
    existing: polib.POFile | None,
    document: Document,
    units: Sequence[Unit],
    lang: str,
    config: Config,
) -> tuple[polib.POFile, MergeStats]:
    """The catalog of ``document`` in ``lang`` after merging ``units`` into ``existing``."""
    catalog = new_catalog(document, lang, config)
    if existing is not None:
        for key in ("Last-Translator", "Language-Team", *DATE_KEYS):
            if existing.metadata.get(key):
                catalog.metadata[key] = existing.metadata[key]
    template = [unit_entry(unit, document.source) for unit in units]
    entries, stats = merge_units(list(existing or []), template, threshold=60)
    for entry in entries:
        catalog.append(entry)
    return catalog, stats


def read_catalogs(config: Config, paths: Iterable[Path]) -> dict[Path, polib.POFile]:
    """Read every existing catalog among ``paths``; any broken one raises before anything is written."""
    return {path: read_catalog(path, config.root) for path in paths if path.is_file()}


def extract_project(config: Config, documents: Sequence[Document] | None = None) -> ExtractReport:
    """Write the templates and update the catalogs of every article."""
    docs = list(documents) if documents is not None else load_sources(config)
    targets = {
        doc.meta.slug: po_path(config, doc.meta.slug, config.target_language(doc.meta.lang)) for doc in docs
    }
    existing = read_catalogs(config, targets.values())
    glossary = load_glossary(config)
    report = ExtractReport()
    for doc in docs:
        lang = config.target_language(doc.meta.lang)
        units = [
            dataclasses.replace(
                unit,
                notes=unit.notes
                + tuple(glossary_notes(find_terms(glossary, unit.text, doc.meta.lang), lang)),
            )
            for unit in document_units(doc, config.segmentation)
        ]
        pot = pot_path(config, doc.meta.slug)
        written = write_catalog(template_for(doc, units, config), pot)
        (report.templates_written if written else report.templates_unchanged).append(relative(config, pot))
        target = targets[doc.meta.slug]
        catalog, stats = update_catalog(existing.get(target), doc, units, lang, config)
        report.stats.add(stats)
        written = write_catalog(catalog, target)
        (report.catalogs_written if written else report.catalogs_unchanged).append(relative(config, target))
    return report


@dataclass(frozen=True)
class CatalogStatus:
    """Units and words of one catalog, by state."""

    path: str
    slug: str
    lang: str
    units: dict[str, int]
    words: dict[str, int]


STATES = ("reviewed", "machine", "changed", "untranslated", "obsolete")


def catalog_status(catalog: polib.POFile, path: str, slug: str, lang: str) -> CatalogStatus:
    units = dict.fromkeys(STATES, 0)
    words = dict.fromkeys(STATES, 0)
    for entry in catalog:
        state = "obsolete" if entry.obsolete else entry_state(entry)
        units[state] += 1
        words[state] += count_words(entry.msgid)
    return CatalogStatus(path, slug, lang, units, words)


def project_status(config: Config) -> list[CatalogStatus]:
    """The status of every catalog under ``locales/<lang>/LC_MESSAGES/``."""
    statuses = []
    for lang in config.languages:
        for path in sorted((config.locales_dir / lang / "LC_MESSAGES").glob("*.po")):
            catalog = read_catalog(path, config.root)
            statuses.append(catalog_status(catalog, relative(config, path), path.stem, lang))
    return statuses
