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
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polib
from babel.messages.plurals import get_plural

from pipeline import __version__
from pipeline.config import Config
from pipeline.errors import CatalogError
from pipeline.files import Staged, commit, discard, relative_to, stage, write_atomic
from pipeline.glossary import find_terms, glossary_notes, project_glossary
from pipeline.merge import MergeStats, merge_units
from pipeline.model import Document, Unit
from pipeline.parallel import parallel_map
from pipeline.placeholders import count_words
from pipeline.pofile import parse_po
from pipeline.segment import document_units
from pipeline.sources import SlugClaim, check_unique_slugs, load_document, slug_claim, source_paths

EntryState = Literal["reviewed", "machine", "changed", "untranslated"]
DATE_KEYS = ("POT-Creation-Date", "PO-Revision-Date")


def pot_path(config: Config, slug: str) -> Path:
    return config.locales_dir / "templates" / f"{slug}.pot"


def po_path(config: Config, slug: str, lang: str) -> Path:
    return config.locales_dir / lang / "LC_MESSAGES" / f"{slug}.po"


def relative(config: Config, path: Path) -> str:
    return relative_to(path, config.root)


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


GETTEXT_PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "es": "nplurals=2; plural=(n != 1);"}
"""GNU gettext's conventional Plural-Forms for the project's languages, what msginit, Poedit
and Weblate write. Babel's come from CLDR and change between releases (Babel 2.19 gives
Spanish a third form for millions), which would rewrite every catalog on an upgrade."""

_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*([1-9])\s*;\s*plural\s*=\s*[-+*/%!=<>&|?:()n0-9 \t]+;?\s*\Z")


@functools.cache
def plural_forms(locale: str) -> str:
    """The ``Plural-Forms`` header for ``locale``: gettext's convention for the project's
    languages, Babel's locale data for any other.

    >>> plural_forms("es_MX")
    'nplurals=2; plural=(n != 1);'
    """
    language = locale.replace("-", "_").split("_")[0]
    return GETTEXT_PLURAL_FORMS.get(language) or str(get_plural(locale))


def valid_plural_forms(value: str) -> bool:
    """Whether ``value`` is a well-formed Plural-Forms expression (one a translator's tool
    wrote is kept).

    >>> valid_plural_forms("nplurals=3; plural=(n==1 ? 0 : n%1000000==0 ? 1 : 2);")
    True
    >>> valid_plural_forms("nplurals=INTEGER; plural=EXPRESSION;")
    False
    """
    return _PLURAL_FORMS.match(value) is not None


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
        metadata["Plural-Forms"] = plural_forms(config.locale(lang))
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


def render_catalog(catalog: polib.POFile, body: str | None = None) -> str:
    """``catalog`` as polib writes it; ``body`` is the text of its entries when the caller
    has it already (a new catalog and its template share their entries' text)."""
    head = polib.POFile(wrapwidth=catalog.wrapwidth)
    head.header = catalog.header
    head.metadata = catalog.metadata
    text = str(head) + (render_entries(catalog) if body is None else body)
    return text if text.endswith("\n") else text + "\n"


def render_entries(catalog: polib.POFile) -> str:
    """The text polib writes for the entries of ``catalog`` (after its header)."""
    active = [entry for entry in catalog if not entry.obsolete]
    return "".join(
        "\n" + entry.__unicode__(catalog.wrapwidth) for entry in [*active, *catalog.obsolete_entries()]
    )


def catalog_text(catalog: polib.POFile, path: Path, body: str | None = None) -> str | None:
    """The text ``path`` should hold for ``catalog``, or None when the file holds it already.

    The header dates are taken from the existing file, so they move (to now)
    only when an entry or another header changed: no churn in git.
    """
    try:
        old_text: str | None = path.read_text("utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        old_text = None
    if old_text is not None:
        for key in DATE_KEYS:
            match = re.search(rf'^"{key}: (.*)\\n"$', old_text, re.MULTILINE)
            if match:
                catalog.metadata[key] = match.group(1)
        if render_catalog(catalog, body) == old_text:
            return None
    catalog.metadata["POT-Creation-Date" if path.suffix == ".pot" else "PO-Revision-Date"] = now_stamp()
    return render_catalog(catalog, body)


def write_catalog(catalog: polib.POFile, path: Path) -> bool:
    """Write ``catalog`` unwrapped, only when an entry or header other than its dates changed."""
    text = catalog_text(catalog, path)
    return text is not None and write_atomic(path, text)


@dataclass
class ExtractReport:
    """What ``puente extract`` did."""

    templates_written: list[str] = field(default_factory=list)
    templates_unchanged: list[str] = field(default_factory=list)
    catalogs_written: list[str] = field(default_factory=list)
    catalogs_unchanged: list[str] = field(default_factory=list)
    catalog_paths: list[Path] = field(default_factory=list)
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
        if valid_plural_forms(existing.metadata.get("Plural-Forms", "")):
            catalog.metadata["Plural-Forms"] = existing.metadata["Plural-Forms"]
    template = [unit_entry(unit, document.source) for unit in units]
    entries, stats = merge_units(list(existing or []), template, threshold=60)
    for entry in entries:
        catalog.append(entry)
    return catalog, stats


@dataclass
class Extracted:
    """One article's template and catalog, staged (see :mod:`pipeline.files`): no file is
    changed until :func:`write_extracted` commits them, or :func:`discard_extracted`."""

    claim: SlugClaim
    pot: Path
    target: Path
    files: tuple[Staged, ...]
    stats: MergeStats


def extract_article(config: Config, doc: Document) -> tuple[Extracted, polib.POFile, list[Unit]]:
    """One article's template and catalog, staged (the caller commits or discards them),
    the catalog as merged and the article's units."""
    glossary = project_glossary(config)
    lang = config.target_language(doc.meta.lang)
    target = po_path(config, doc.meta.slug, lang)
    existing = read_catalog(target, config.root) if target.is_file() else None
    units = [
        dataclasses.replace(unit, notes=unit.notes + tuple(notes)) if notes else unit
        for unit in document_units(doc, config.segmentation)
        for notes in [glossary_notes(find_terms(glossary, unit.text, doc.meta.lang), lang)]
    ]
    pot = pot_path(config, doc.meta.slug)
    template = template_for(doc, units, config)
    body = render_entries(template)
    if existing is None:
        # a new catalog: the template's entries, untranslated (what a merge into nothing gives)
        catalog = new_catalog(doc, lang, config)
        catalog.extend(template)
        stats = MergeStats(new=len(template))
        po_text = catalog_text(catalog, target, body)
    else:
        catalog, stats = update_catalog(existing, doc, units, lang, config)
        po_text = catalog_text(catalog, target)
    pot_text = catalog_text(template, pot, body)
    files = stage((path, text) for path, text in ((pot, pot_text), (target, po_text)) if text is not None)
    return Extracted(slug_claim(doc), pot, target, tuple(files), stats), catalog, units


def _extract_source(config: Config, path: Path) -> Extracted:
    return extract_article(config, load_document(path, config.root))[0]


def extract_project(
    config: Config,
    paths: Sequence[Path] | None = None,
    *,
    jobs: int = 2,
    owners: Mapping[str, str] | None = None,
) -> ExtractReport:
    """Write the templates and update the catalogs of every article (or of ``paths``).

    Every source is read and every catalog merged (on ``jobs`` processes for large
    projects) before anything is written, so a bad source, a duplicate slug (among them,
    or with ``owners``: slug → source of articles not extracted this time) or a broken
    catalog stops the run with no file changed.
    """
    paths = source_paths(config) if paths is None else paths
    project_glossary(config, reload=True)  # the termbase may have changed since the last run
    extract = functools.partial(_extract_source, config)
    results = parallel_map(extract, paths, jobs, discard=discard_extracted)
    try:
        check_unique_slugs(sorted(result.claim for result in results), owners)
        return write_extracted(config, results)
    except BaseException:
        discard_extracted(results)
        raise


def discard_extracted(results: Iterable[Extracted]) -> None:
    """Remove what :func:`extract_article` staged for ``results``, and the folders made
    for it that are left empty (the files are left as they were)."""
    discard(item for result in results for item in result.files)


def write_extracted(config: Config, results: Sequence[Extracted]) -> ExtractReport:
    """Commit the files :func:`extract_article` staged (those that changed)."""
    report = ExtractReport()
    files = [item for result in results for item in result.files]
    commit(files)
    written = {item.path for item in files if item.changed}
    for result in results:
        report.stats.add(result.stats)
        report.catalog_paths.append(result.target)
        for path, done, unchanged in (
            (result.pot, report.templates_written, report.templates_unchanged),
            (result.target, report.catalogs_written, report.catalogs_unchanged),
        ):
            (done if path in written else unchanged).append(relative(config, path))
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
