"""``puente status`` and ``puente check``: what the catalogs hold, and what is wrong in them.

Both answer from what they (or the last build) computed of each file that has not
changed since (:mod:`pipeline.answers`), and read only the others: the answers are
those of reading every file again, at the cost of the files that changed.

``check`` works in two passes. The first decides which files changed, reads and checks
those (whatever error a file holds is raised then, before anything is printed) and
keeps their answers. The second prints: file by file in the order of their paths, an
unchanged file's findings copied from the answers as they were printed before, so
that its cost (and its memory) is that of the text, not of an object per finding.
"""

from __future__ import annotations

import json
import json.encoder
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.answers import (
    CATALOGS,
    SEVERITIES,
    SOURCES,
    Answers,
    Counts,
    Kept,
    check_key,
    counts_of,
    printed_lines,
    source_key,
    valid_counts,
    valid_rows,
)
from pipeline.cache import FileIdentity
from pipeline.errors import CatalogError, SourceError
from pipeline.files import read_with_stat
from pipeline.model import Issue, Location
from pipeline.project import Project

if TYPE_CHECKING:  # what reading a file takes is imported when a file is read
    from pipeline.catalog import CatalogStatus
    from pipeline.glossary import Glossary
    from pipeline.po import Catalog

CHUNK = 1 << 20
"""About how much text ``check`` writes at a time (one write per line costs more than the check)."""


def _read(path: Path, rel: str) -> tuple[Catalog, FileIdentity]:
    from pipeline.po import CATALOG_LIMIT, read_catalog

    data, info = read_with_stat(path, rel, CatalogError, CATALOG_LIMIT)
    return read_catalog(path, rel, data), FileIdentity.of(data, info)


def project_status(project: Project, *, cached: bool = True) -> list[CatalogStatus]:
    """The status of every catalog under ``locales/<lang>/LC_MESSAGES/`` (``cached``:
    answered from what is known of unchanged catalogs)."""
    from pipeline.catalog import catalog_status

    answers = Answers.load(project, findings=False) if cached else Answers(project.cache_path)
    statuses = []
    for path in project.catalog_paths():
        rel = project.relative(path)
        known = answers.status(path, rel)
        if known is None:
            catalog, identity = _read(path, rel)
            known = catalog_status(catalog, rel, path.stem, path.parent.parent.name)
            answers.remember_catalog(rel, identity, known)
        statuses.append(known)
    if cached:
        answers.save()
    return statuses


def source_language(project: Project, catalog: Catalog, target: str) -> str:
    """The language a catalog translates from (its ``X-Source-Language`` header, else the
    project's other language)."""
    declared = catalog.fields.get("X-Source-Language", "")
    if declared in project.config.languages and declared != target:
        return declared
    return next(lang for lang in project.config.languages if lang != target)


@dataclass
class _File:
    """A source or a catalog, with its findings computed by this command (``issues``) or
    what the answers keep of them (``kept``)."""

    rel: str
    path: Path
    catalog: bool
    issues: list[Issue] | None = None
    kept: Kept | None = None

    def elsewhere(self) -> bool:
        """Whether a finding of this file is located in another file (only a source's could)."""
        if self.issues is not None:
            return any(issue.location.path != self.rel for issue in self.issues)
        assert self.kept is not None
        if self.catalog or self.kept.printed:
            return False  # (a source's findings are printed ahead only when all are its own)
        return any(row[0] != self.rel for row in self.kept.rows or ())


def check_findings(project: Project, glossary: Glossary | None = None, *, cached: bool = True) -> Findings:
    """The findings of every catalog of the project, and what parsing the sources removed
    (``cached``: answered from what is known of unchanged files). The files that changed
    are read and checked now (their errors raised now); the findings are read as they are
    printed (see :class:`Findings`)."""
    answers = Answers.load(project) if cached else Answers(project.cache_path)
    key = check_key(project) if cached else ""
    skey = source_key(project)
    files: list[_File] = []
    for path in project.source_paths():
        rel = project.relative(path)
        kept = answers.kept_source(path, rel, skey) if cached else None
        if kept is not None:
            files.append(_File(rel, path, False, kept=kept))
            continue
        issues, identity = _source_issues(project, path, rel)
        if cached:
            answers.remember_source(rel, identity, skey, issues)
        files.append(_File(rel, path, False, issues))
    for path in project.catalog_paths():
        rel = project.relative(path)
        kept = answers.kept_findings(path, rel, key) if cached else None
        if kept is not None:
            files.append(_File(rel, path, True, kept=kept))
            continue
        glossary = glossary if glossary is not None else _glossary(project)
        issues, status, identity = _catalog_issues(project, path, rel, glossary)
        answers.remember_catalog(rel, identity, status, key, issues)
        files.append(_File(rel, path, True, issues))
    if cached:
        answers.save()
    return Findings(project, files, glossary)


def check_project(project: Project, glossary: Glossary | None = None, *, cached: bool = True) -> list[Issue]:
    """Findings for every catalog of the project, and what parsing the sources removed,
    sorted by file and line (``cached``: answered from what is known of unchanged files)."""
    return check_findings(project, glossary, cached=cached).issues()


def _glossary(project: Project) -> Glossary:
    from pipeline.termbase import load_glossary

    return load_glossary(project)


def _source_issues(project: Project, path: Path, rel: str) -> tuple[list[Issue], FileIdentity]:
    from pipeline.build import SOURCE_LIMIT
    from pipeline.sources import load_document

    if not project.inside(path):  # (a file known unchanged was inside when it was read)
        raise SourceError(rel, None, "links outside the project: copy the article into sources/")
    raw, info = read_with_stat(path, rel, SourceError, SOURCE_LIMIT)
    document = load_document(path, project.root, raw, allow_embeds=project.config.allow_embeds)
    return list(document.warnings), FileIdentity.of(raw, info)


def _catalog_issues(
    project: Project, path: Path, rel: str, glossary: Glossary
) -> tuple[list[Issue], CatalogStatus, FileIdentity]:
    from pipeline.catalog import catalog_status
    from pipeline.checks import check_catalog

    catalog, identity = _read(path, rel)
    target = path.parent.parent.name
    source = source_language(project, catalog, target)
    issues = check_catalog(catalog, rel, source, target, glossary, project.config.check_severities)
    return issues, catalog_status(catalog, rel, path.stem, target), identity


_ENCODE: Callable[[str], str] = json.encoder.encode_basestring


def _json_value(value: Any) -> str:
    """``value`` as ``json.dumps(..., ensure_ascii=False)`` writes it."""
    if type(value) is str:
        return _ENCODE(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _json_objects(rows: list[list[Any]], path: str | None) -> list[str]:
    """Findings rows (``[line, severity, code, message]`` of the file ``path``, or
    ``[path, line, ...]`` when ``path`` is None) as the objects of ``check --json``."""
    if path is not None:
        head = f'  {{\n    "path": {_ENCODE(path)},\n    "line": '
        return [
            f'{head}{line},\n    "severity": {_ENCODE(severity)},\n    "code": {_ENCODE(code)},\n'
            f'    "message": {_ENCODE(message)}\n  }}'
            for line, severity, code, message in rows
        ]
    return [
        f'  {{\n    "path": {_json_value(spot)},\n    "line": {_json_value(line)},\n'
        f'    "severity": {_json_value(severity)},\n    "code": {_json_value(code)},\n'
        f'    "message": {_json_value(message)}\n  }}'
        for spot, line, severity, code, message in rows
    ]


def _line(issue: Issue) -> Any:
    return issue.location.line


class _Scan:
    """The rows of one table of answers in the order of their paths, read a batch at a
    time: each query ends before the output is written, so that no read lock is held on
    the database while a slow reader of the output (a pager) keeps ``check`` waiting (a
    build could not commit meanwhile)."""

    BATCH = 256

    def __init__(self, select: str) -> None:
        self.query = f"{select} WHERE path > ? ORDER BY path LIMIT {self.BATCH}"
        self.batch: list[Any] = []
        self.at = 0
        self.after = ""
        self.done = False

    def find(self, db: sqlite3.Connection, rel: str) -> Any:
        """The row of ``rel``, None when there is none; asked for in the order of the paths
        (SQLite's order of text is Python's: a row passed over was not a file's, and a
        file whose row was passed over all the same is read again: never a wrong row)."""
        while True:
            while self.at < len(self.batch):
                row = self.batch[self.at]
                path = row[0]
                if type(path) is not str or path < rel:
                    self.at += 1
                    continue
                if path == rel:
                    self.at += 1
                    return row
                return None
            if self.done:
                return None
            self.batch, self.at = db.execute(self.query, (self.after,)).fetchall(), 0
            last = self.batch[-1][0] if self.batch else None
            self.done = len(self.batch) < self.BATCH or type(last) is not str  # (blobs sort after text)
            if type(last) is str:
                self.after = last


class Findings:
    """Every finding of a project, to be printed (:meth:`text`, :meth:`json`) or listed
    (:meth:`issues`) once: sorted by file and line, the order of findings on one line
    kept, as sorting them all would give. Unchanged files' findings are read from the
    answers as they are printed; :attr:`counts` holds, after that, how many errors,
    warnings and notes there were."""

    def __init__(self, project: Project, files: list[_File], glossary: Glossary | None) -> None:
        self.project = project
        self.files = files
        self.glossary = glossary
        self.counts = dict.fromkeys(SEVERITIES, 0)
        self._db: sqlite3.Connection | None = None
        self._scans: dict[tuple[str, str], _Scan] = {}
        self._in_order = False  # whether the rows are asked for in the order of the paths
        self._broken = False

    # --- printing -------------------------------------------------------------------

    def text(self) -> Iterator[str]:
        """The findings as ``check`` prints them, one per line (``path:line: code: message
        [severity]``), in pieces of about :data:`CHUNK` characters that end with a line."""
        if self._general():
            issues = self.issues()
            for start in range(0, len(issues), 8192):
                yield printed_lines(issues[start : start + 8192]) + "\n"
            return
        yield from self._chunks(self._text_pieces())

    def json(self) -> Iterator[str]:
        """The findings as ``check --json`` prints them: what ``json.dumps(findings,
        ensure_ascii=False, indent=2)`` gives of them as objects (path, line, severity,
        code, message), in pieces."""
        objects = self._json_pieces() if not self._general() else self._issue_objects(self.issues())

        def pieces() -> Iterator[str]:
            first = True
            for piece in objects:
                yield ("[\n" if first else ",\n") + piece
                first = False
            yield "[]" if first else "\n]"

        yield from self._chunks(pieces())

    def issues(self) -> list[Issue]:
        """Every finding, sorted by file and line."""
        issues: list[Issue] = []
        for file in self.files:
            issues += self._file_issues(file)
        issues.sort(key=lambda issue: (issue.location.path, issue.location.line))
        self._close()
        self.counts = dict(zip(SEVERITIES, counts_of([issue.severity for issue in issues])[1:], strict=True))
        return issues

    def _general(self) -> bool:
        """Whether the findings must all be sorted together: a source's finding located in
        another file (or two files of one path) interleaves files."""
        return len({file.rel for file in self.files}) != len(self.files) or any(
            file.elsewhere() for file in self.files
        )

    def _chunks(self, pieces: Iterator[str]) -> Iterator[str]:
        buffer: list[str] = []
        size = 0
        for piece in pieces:
            buffer.append(piece)
            size += len(piece)
            if size >= CHUNK:
                yield "".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield "".join(buffer)

    def _with_findings(self) -> list[_File]:
        """The files that may have findings to print, in path order (those whose kept
        answers count none are left out without reading them)."""
        return sorted(
            (file for file in self.files if file.kept is None or file.kept.counts[0]),
            key=lambda file: file.rel,
        )

    def _text_pieces(self) -> Iterator[str]:
        """Each file's printed findings (each line ending with a newline), in path order."""
        try:
            for file in self._with_findings():
                printed = self._printed(file) if file.kept is not None else None
                if printed is None:
                    issues = self._file_issues(file)
                    if issues:
                        yield printed_lines(sorted(issues, key=_line)) + "\n"
                    continue
                prefix = f"{file.rel}:"
                yield prefix + printed + "\n"
        finally:
            self._close()

    def _json_pieces(self) -> Iterator[str]:
        """Each file's findings as ``--json`` objects (joined by ``,\\n``), in path order."""
        self._in_order = True
        try:
            for file in self._with_findings():
                rows = self._rows(file) if file.kept is not None else None
                if rows is None:
                    objects = list(self._issue_objects(sorted(self._file_issues(file), key=_line)))
                else:
                    objects = _json_objects(rows, file.rel if file.catalog else None)
                if objects:
                    yield ",\n".join(objects)
        finally:
            self._close()

    def _issue_objects(self, issues: list[Issue]) -> Iterator[str]:
        rows = [[i.location.path, i.location.line, i.severity, i.code, i.message] for i in issues]
        for start in range(0, len(rows), 8192):
            yield ",\n".join(_json_objects(rows[start : start + 8192], None))

    # --- one file -------------------------------------------------------------------

    def _count(self, counts: Counts) -> None:
        self.counts["error"] += counts[1]
        self.counts["warning"] += counts[2]
        self.counts["info"] += counts[3]

    def _printed(self, file: _File) -> str | None:
        """The findings the answers keep printed for ``file`` (counted), each line after the
        first with the file's path in front (the first line's is the caller's), if they
        are still those of the file as this command found it."""
        assert file.kept is not None
        if not file.kept.printed:
            return None
        found = self._fetch(file, "printed")
        if found is None:
            return None
        counts, printed = found
        if type(printed) is not str or not counts[0]:
            return None
        prefix = f"\n{file.rel}:"
        lines = printed.replace("\n", prefix)
        # one line per finding (what is printed is not checked again: counted from the growth)
        if len(lines) - len(printed) != (counts[0] - 1) * (len(prefix) - 1):
            return None
        self._count(counts)
        return lines

    def _rows(self, file: _File) -> list[list[Any]] | None:
        """The findings rows the answers keep for ``file`` (counted), if they are still
        those of the file as this command found it."""
        kept = file.kept
        assert kept is not None
        if kept.rows is not None:
            rows: list[list[Any]] | None = kept.rows
            counts: Counts | None = kept.counts
        else:
            found = self._fetch(file, "findings", scan=self._in_order)
            if found is None:
                return None
            counts, text = found
            rows = valid_rows(text, located=not file.catalog)
        if rows is None or counts is None:
            return None
        if counts_of([row[-3] for row in rows]) != counts:
            return None
        self._count(counts)
        return rows

    def _file_issues(self, file: _File) -> list[Issue]:
        """The findings of ``file`` (counted when they are printed ahead), read again from
        the file when the answers no longer hold them (a database damaged or rewritten
        since the first pass)."""
        if file.issues is not None:
            return self._counted(file.issues)
        rows = self._rows(file)
        if rows is not None:
            if file.catalog:
                return [Issue(Location(file.rel, line), s, c, m) for line, s, c, m in rows]
            return [Issue(Location(spot, line), s, c, m) for spot, line, s, c, m in rows]
        if file.catalog:
            glossary = self.glossary = self.glossary if self.glossary is not None else _glossary(self.project)
            issues = _catalog_issues(self.project, file.path, file.rel, glossary)[0]
        else:
            issues = _source_issues(self.project, file.path, file.rel)[0]
        file.issues = issues
        return self._counted(issues)

    def _counted(self, issues: list[Issue]) -> list[Issue]:
        self._count(counts_of([issue.severity for issue in issues]))
        return issues

    def _fetch(self, file: _File, column: str, *, scan: bool = True) -> tuple[Counts, Any] | None:
        """The counts and ``column`` of ``file``'s row, if it still holds the answers the
        first pass found (the same file, the same key). ``scan``: the files are asked for
        in the order of their paths (see :class:`_Scan`), else the row is looked up alone."""
        kept = file.kept
        assert kept is not None
        if self._broken:
            return None
        table, key = (CATALOGS, "check_key") if file.catalog else (SOURCES, "key")
        columns = f"path, identity, {key}, count, errors, warnings, notes, {column}"
        try:
            if self._db is None:
                path = self.project.cache_path
                self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            if scan:
                found = self._scans.get((table, column))
                if found is None:
                    found = self._scans[table, column] = _Scan(f"SELECT {columns} FROM {table}")
                row = found.find(self._db, file.rel)
            else:
                query = f"SELECT {columns} FROM {table} WHERE path = ?"
                row = self._db.execute(query, (file.rel,)).fetchone()
        except sqlite3.Error:
            self._broken = True  # the rest is read from the files
            self._close()
            return None
        if row is None or not kept.holds(row[1], row[2]) or valid_counts(row[3:7]) != kept.counts:
            return None
        return kept.counts, row[7]

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
