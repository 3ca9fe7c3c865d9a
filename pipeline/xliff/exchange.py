"""``puente xliff export`` and ``puente xliff import``: catalogs out to CAT tools and
vendors, their translations back in.

Export writes one document per article: ``<slug>.<lang>.xlf`` for the catalog
``locales/<lang>/LC_MESSAGES/<slug>.po``, every file at once (atomically).

Import is all or nothing, under the project lock: every file is read and every
unit checked before a single catalog is written. A file is refused when it is not
a catalog of this project (``original``), when its languages are not the
catalog's, when a unit's source is not the current source text of its entry (or
the entry is gone: the article changed since the export), or when a target's
placeholders are not exactly those of its source, or hold characters that are
never text. Every problem is reported as ``path:line: message`` and nothing is
written. Then each unit is merged by :func:`merge_unit`, and the catalogs that
changed are written together; a catalog a translator saves meanwhile is never
overwritten (:func:`pipeline.files.commit_guarded`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.build import SOURCE_LIMIT
from pipeline.cache import FileIdentity, identify
from pipeline.catalog import catalog_text
from pipeline.errors import CatalogError, PipelineError, SourceError
from pipeline.files import commit_guarded, read_limited, read_with_stat, stage, write_many
from pipeline.placeholders import problems as placeholder_problems
from pipeline.placeholders import tokens
from pipeline.po import CATALOG_LIMIT, Catalog, Entry, read_catalog
from pipeline.po.notes import join_notes
from pipeline.project import Project
from pipeline.segment import document_units
from pipeline.sources import load_document
from pipeline.status import source_language
from pipeline.text import CONTROL, describe, strip_controls
from pipeline.xliff.model import Version, XliffError, XliffFile, XliffRefused, XliffUnit
from pipeline.xliff.read import read_xliff
from pipeline.xliff.states import Verdict, usable_as_draft, verdict
from pipeline.xliff.write import exported_entries, unit_id, write_xliff

XLIFF_LIMIT = 256 * 1024 * 1024
"""The largest XLIFF file read (an article's is tens of kilobytes)."""
MAX_LISTED = 200
"""At most this many problems are listed (a file that fails everywhere says so once)."""

Outcome = Literal["reviewed", "review", "unchanged", "untranslated"]


# --- export ---------------------------------------------------------------------------


@dataclass
class ExportReport:
    """What an export wrote: file paths, and units by entry state."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    units: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("reviewed", "machine", "changed", "untranslated"), 0)
    )


def export_project(
    project: Project, lang: str, version: Version, out: Path, *, skip_reviewed: bool = False
) -> ExportReport:
    """Write ``out/<slug>.<lang>.xlf`` for every catalog in ``lang`` (see the module docstring).

    The catalogs are read as they are: run ``puente build`` (or ``extract``) first so
    that they hold the current source text.
    """
    if lang not in project.config.languages:
        raise XliffError(
            "puente.toml",
            None,
            f"{lang!r} is not a language of this project ({', '.join(project.config.languages)})",
        )
    folder = project.locales_dir / lang / "LC_MESSAGES"
    paths = sorted(folder.glob("*.po"))
    if not paths:
        raise XliffError(
            project.relative(folder),
            None,
            "no catalogs to export: run puente build (or puente extract) first",
        )
    report = ExportReport()
    files: list[tuple[Path, bytes]] = []
    for path in paths:
        rel = project.relative(path)
        catalog = read_catalog(path, rel)
        entries = exported_entries(catalog, skip_reviewed=skip_reviewed)
        for entry in entries:
            report.units[entry.state] += 1
        _check_ids(catalog, rel)
        document = write_xliff(
            catalog,
            version=version,
            original=rel,
            source_lang=source_language(project, catalog, lang),
            target_lang=lang,
            skip_reviewed=skip_reviewed,
        )
        files.append((out / f"{path.stem}.{lang}.xlf", document))
    for (target, _), written in zip(files, write_many(files, durable=False), strict=True):
        (report.written if written else report.unchanged).append(target)
    return report


def _check_ids(catalog: Catalog, rel: str) -> None:
    seen: dict[str, Entry] = {}
    for entry in exported_entries(catalog):
        key = unit_id(entry.msgctxt, entry.msgid)
        first = seen.setdefault(key, entry)
        if first is not entry:  # a digest collision: never seen, but never silently merged
            raise CatalogError(
                rel, entry.line, f"two entries share the unit id {key}; first at line {first.line}"
            )


# --- import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import merged: units by outcome, translator notes added, catalogs written."""

    files: int = 0
    units: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("reviewed", "review", "unchanged", "untranslated"), 0)
    )
    comments: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Catalogs saved by someone else during the import: left as they were, to import again."""


@dataclass
class _Target:
    """A catalog an import merges into."""

    path: Path
    rel: str
    lang: str
    old: Catalog
    identity: FileIdentity | None
    entries: list[Entry]
    index: dict[str, int]
    merged: dict[int, tuple[str, int, XliffUnit]] = field(default_factory=dict)


def import_files(project: Project, paths: Sequence[Path], *, dry_run: bool = False) -> ImportReport:
    """Merge the targets of the XLIFF files ``paths`` into their catalogs (see the module
    docstring); raise :class:`XliffRefused` with every problem found, writing nothing.
    ``dry_run``: check and count, write nothing."""
    report = ImportReport(files=len(paths))
    with project.lock("xliff import"):
        found: list[PipelineError] = []
        documents: list[XliffFile] = []
        for path in paths:
            try:
                raw = read_limited(path, str(path), XliffError, XLIFF_LIMIT)
                documents.extend(read_xliff(raw, str(path)))
            except XliffError as exc:
                found.append(exc)
        known = {project.relative(path): path for path in project.catalog_paths()}
        targets: dict[str, _Target | None] = {}
        for document in documents:
            target = _target(project, document, known, targets, found)
            if target is not None:
                _merge_file(document, target, report, found)
        if found:
            raise XliffRefused(_listed(found))
        if dry_run:
            return report
        _write([target for target in targets.values() if target is not None], report)
    return report


def _listed(found: list[PipelineError]) -> list[PipelineError]:
    if len(found) <= MAX_LISTED:
        return found
    rest = len(found) - MAX_LISTED
    last = found[MAX_LISTED]
    return [*found[:MAX_LISTED], XliffError(last.path, last.line, f"... and {rest} more problems")]


def _target(
    project: Project,
    document: XliffFile,
    known: dict[str, Path],
    targets: dict[str, _Target | None],
    found: list[PipelineError],
) -> _Target | None:
    """The catalog ``document`` merges into (read once per import), or None after
    recording why it cannot be."""
    where = (document.path, document.line)
    original = document.original.replace("\\", "/").removeprefix("./")
    path = known.get(original)
    if path is None:
        found.append(
            XliffError(
                *where,
                f"original={document.original!r} is not a catalog of this project "
                "(locales/<lang>/LC_MESSAGES/<slug>.po): import files exported from this project",
            )
        )
        return None
    if original not in targets:
        targets[original] = None  # until it is read: a catalog's problem is reported once
        if not project.inside(path):
            found.append(
                CatalogError(original, None, "links outside the project: a catalog must be a file of it")
            )
            return None
        try:
            raw, info = read_with_stat(path, original, CatalogError, CATALOG_LIMIT)
            catalog = read_catalog(path, original, raw)
            stale = _stale(project, path, catalog)
        except (CatalogError, SourceError) as exc:
            found.append(exc)
            return None
        if stale is not None:
            found.append(XliffError(original, None, stale))
            return None
        entries = list(catalog.entries)
        index = {
            unit_id(entry.msgctxt, entry.msgid): position
            for position, entry in enumerate(entries)
            if not entry.obsolete and entry.msgid_plural is None
        }
        lang = path.parent.parent.name
        targets[original] = _Target(path, original, lang, catalog, FileIdentity.of(raw, info), entries, index)
    target = targets[original]
    if target is None:
        return None
    source = source_language(project, target.old, target.lang)
    problems = []
    if _language(document.target_lang) != target.lang:
        problems.append(
            f"target language is {document.target_lang!r}, but {original} translates into {target.lang!r}"
        )
    if _language(document.source_lang) != source:
        problems.append(
            f"source language is {document.source_lang!r}, but {original} translates from {source!r}"
        )
    if problems:
        found.extend(XliffError(*where, problem) for problem in problems)
        return None
    return target


def _stale(project: Project, path: Path, catalog: Catalog) -> str | None:
    """Why the catalog at ``path`` does not hold the current units of its article (None
    when it does): the source must be compared with the article, not with an old catalog."""
    lang = path.parent.parent.name
    keys = {entry.key for entry in catalog.active if entry.msgid_plural is None}
    named = [
        reference.rpartition(":")[0] or reference
        for entry in catalog.active
        for reference in entry.references
    ]
    candidates = [project.root / rel for rel in dict.fromkeys(named)]

    def others() -> Iterator[Path]:  # every other article, only when the named ones are not it
        yield from (source for source in project.source_paths() if source not in candidates)

    for source in itertools.chain(candidates, others()):
        rel = project.relative(source)
        if not source.is_file() or not project.inside(source) or source.parent != project.sources_dir:
            continue
        try:
            document = load_document(
                source, project.root, read_limited(source, rel, SourceError, SOURCE_LIMIT)
            )
        except SourceError:
            if source in candidates:  # the catalog's own article: its problem is the import's
                raise
            continue  # another article's problem is for the build to report
        meta = document.meta
        if meta.lang == lang or project.po_path(meta.slug, project.config.target_language(meta.lang)) != path:
            continue
        units = document_units(document, project.config.segmentation)
        if {(unit.msgctxt, unit.text) for unit in units} == keys:
            return None
        return (
            f"not up to date with {rel} (the article changed since the last build): "
            "run puente build, then import"
        )
    return "no article in sources/ is translated in this catalog any more: nothing to import into"


def _language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].strip().lower()


def _merge_file(
    document: XliffFile, target: _Target, report: ImportReport, found: list[PipelineError]
) -> None:
    for unit in document.units:
        where = (document.path, unit.line)
        label = f"unit {unit.id}" + (f" ({unit.name})" if unit.name else "")
        position = target.index.get(unit.id)
        if position is None:
            found.append(
                XliffError(
                    *where,
                    f"{label} is not in {target.rel}: its source text was changed or removed since "
                    "the export; export the article again and send the new file",
                )
            )
            continue
        entry = target.entries[position]
        if unit.source != entry.msgid:
            found.append(
                XliffError(
                    *where,
                    f"{label}: the source text in this file is not the source of {target.rel}:{entry.line} "
                    "(it was edited in the file): source texts cannot be changed in an XLIFF file",
                )
            )
            continue
        if unit.problems:
            found.extend(XliffError(*where, f"{label}: {problem}") for problem in unit.problems)
            continue
        result = verdict(document.family, unit.state, unit.approved)
        merged, outcome = merge_unit(entry, unit, result)
        if outcome in ("reviewed", "review"):
            wrong = target_problems(merged.msgstr, entry.msgid)
            if wrong:
                found.append(XliffError(*where, f"{label}: target: {'; '.join(wrong)}"))
                continue
        earlier = target.merged.get(position)
        current = target.entries[position]
        if earlier is not None and (merged.msgstr, merged.fuzzy) != (current.msgstr, current.fuzzy):
            path, line, _ = earlier
            found.append(
                XliffError(
                    *where, f"{label} is also imported from {path}:{line}, with another target or state"
                )
            )
            continue
        target.merged[position] = (document.path, unit.line, unit)
        report.units[outcome] += 1
        report.comments += len(merged.comments) - len(entry.comments)
        target.entries[position] = merged


def target_problems(text: str, source: str) -> list[str]:
    """What keeps a target from being merged: placeholders other than the source's, and
    characters that are never text.

    >>> target_problems("{1}Hola{/1} {3/}", "{1}Hello{/1} {2/}")
    ['unexpected {3/}', 'missing {2/}']
    """
    expected: dict[int, bool] = {}
    for tag in tokens(source):
        expected[tag.id] = expected.get(tag.id, False) or tag.form != "self"
    found = placeholder_problems(text, expected.items())
    control = CONTROL.search(text)
    if control is not None:
        found.append(f"character {describe(control.group())} is not text: remove it")
    return found


def merge_unit(entry: Entry, unit: XliffUnit, result: Verdict) -> tuple[Entry, Outcome]:
    """``entry`` with ``unit`` merged in, and what happened to it.

    * no target text, or an untranslated state: the entry stays as it is;
    * ``final``: the target becomes a reviewed translation;
    * ``draft``: an unchanged text leaves the entry as it is (a machine draft stays the
      machine draft); a new text becomes a fuzzy entry that is a person's text (no
      drafting origin), with the machine draft it replaces kept as its fresh draft.

    Notes a vendor added (any note Puente did not write) join the translator comments.
    """
    comments = _comments(entry, unit)
    kept = entry.replace(comments=comments)
    target = unit.target
    if not target or result == "untranslated":
        return kept, "untranslated"
    if result == "final":
        if target == entry.msgstr and entry.state == "reviewed":
            return kept, "unchanged"
        reviewed = kept.replace(
            msgstr=target,
            fuzzy=False,
            origin=None,
            previous_msgctxt=None,
            previous_msgid=None,
            previous_msgid_plural=None,
            fresh_draft=None,
            unknown=(),
            suggestion=None,
        )
        return reviewed, "reviewed"
    if target == entry.msgstr:
        return kept, "unchanged"
    fresh = entry.msgstr if usable_as_draft(entry) else entry.fresh_draft
    review = kept.replace(
        msgstr=target,
        fuzzy=True,
        origin=None,
        previous_msgctxt=None,
        previous_msgid=None,
        previous_msgid_plural=None,
        fresh_draft=fresh,
        unknown=(),
    )
    return review, "review"


def _comments(entry: Entry, unit: XliffUnit) -> tuple[str, ...]:
    """The translator comments of ``entry`` plus the lines of the notes a vendor added
    (compared without the whitespace and characters a note cannot carry, so that a comment
    that went out as a note does not come back twice)."""
    known = {_plain(line) for line in (*entry.notes, *join_notes(entry), *entry.comments)}
    lines = list(entry.comments)
    for note in unit.notes:
        if note.author.startswith("puente") or _plain(note.text) in known:
            continue
        for raw in note.text.splitlines():  # every line break a PO comment cannot hold
            line = strip_controls(raw).rstrip()
            if _plain(line) and _plain(line) not in known:
                lines.append(line)
                known.add(_plain(line))
    return tuple(lines)


def _plain(text: str) -> str:
    return " ".join(strip_controls(text).split())


def _write(targets: list[_Target], report: ImportReport) -> None:
    texts: list[tuple[Path, str]] = []
    for target in targets:
        catalog = Catalog(
            target.old.header_comment, dict(target.old.fields), target.entries, target.old.header_flags
        )
        text = catalog_text(catalog, target.old)
        if text is None:
            report.unchanged.append(target.rel)
        else:
            texts.append((target.path, text))
    expected = {target.path: target.identity for target in targets}

    def unchanged(path: Path, old: Path) -> bool:
        return identify(old, expected.get(path))

    written, kept = commit_guarded(stage(texts), unchanged=unchanged)
    by_path = {target.path: target.rel for target in targets}
    for (path, _), changed in zip(texts, written, strict=True):
        if changed:
            report.written.append(by_path[path])
        elif path not in kept:
            report.unchanged.append(by_path[path])
    report.kept = [by_path[path] for path in kept]
