"""What ``puente status`` and ``puente check`` last found in each catalog and source.

A catalog's status (its units and words by state) depends on its bytes only; its
findings on its bytes, the glossary, the check settings and Puente's version; what
parsing a source removed, on its bytes and the embed settings. Each answer is kept
in the build cache's database (``.puente/build-cache.sqlite``, tables of its own)
with the identity of the file it was computed from and a key of everything else it
depends on. ``status`` and ``check`` then re-read only the files whose identity
changed (the ``stat`` signature first, the content hash when that differs: see
:mod:`pipeline.cache`), and a build records the answers of the articles it
processed, so that right after a build nothing needs reading at all.

A file's findings are kept twice: as rows (``[line, severity, code, message]``,
sorted by line, for ``--json`` and the library) and as ``check`` prints them, without
the file's path (``line: code: message [severity]``, one per line), with their count
by severity: ``check`` then prints an unchanged file's findings by copying one string,
and the summary from the counts, without making an object per finding.

The store is a cache: a damaged or locked database, or a row that does not hold what
it should, only costs the time of reading the files again, and the answers are always
those of a full recomputation (the tests compare both).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import babel

from pipeline import __version__
from pipeline.cache import FileIdentity, check, dumps
from pipeline.model import Issue
from pipeline.project import Project

if TYPE_CHECKING:  # (the catalogs' module is read only when a status is asked for)
    from pipeline.catalog import CatalogStatus

CATALOGS = "catalog_answers_2"
SOURCES = "source_answers_2"
"""The tables, named with the version of their layout: a database written with another
layout is not misread, its answers are computed again (and its old tables dropped)."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {CATALOGS} (
    path TEXT PRIMARY KEY,
    identity TEXT NOT NULL,   -- JSON: the catalog file the answers were computed from
    status TEXT NOT NULL,     -- JSON: units and words by state
    check_key TEXT NOT NULL,  -- what else the findings depend on ("" when not computed)
    count INTEGER NOT NULL,   -- findings in all, then by severity
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    notes INTEGER NOT NULL,
    -- the large columns last: the others are read without going through them
    printed TEXT,             -- the findings as check prints them, without the path (NULL:
                              -- one spans lines, they are printed from the rows)
    findings TEXT NOT NULL    -- JSON: [line, severity, code, message] per finding, by line
);
CREATE TABLE IF NOT EXISTS {SOURCES} (
    path TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    notes INTEGER NOT NULL,
    printed TEXT,             -- as for catalogs; NULL also when a finding is in another file
    findings TEXT NOT NULL    -- JSON: [path, line, severity, code, message] per finding, by line
);
DROP TABLE IF EXISTS catalog_answers;  -- the first layout
DROP TABLE IF EXISTS source_answers;
"""

SEVERITIES = ("error", "warning", "info")
"""The severities ``check`` counts in its summary (errors, warnings, notes)."""

Counts = tuple[int, int, int, int]
"""Findings in all, errors, warnings, notes."""


def check_key(project: Project, termbases: str | None = None) -> str:
    """Everything but a catalog's bytes that its findings depend on: Puente's and Babel's
    versions, the termbase files (``termbases``: their digest, when the caller read them
    already), the languages and the check severities."""
    from pipeline.termbase import files_digest

    termbases = termbases if termbases is not None else files_digest(project)
    config = project.config
    parts = (
        __version__,
        babel.__version__,
        termbases,
        config.languages,
        sorted(config.check_severities.items()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def source_key(project: Project) -> str:
    """What a source's findings depend on besides its bytes."""
    config = project.config
    return hashlib.sha256(repr((__version__, config.allow_embeds, config.languages)).encode()).hexdigest()


# --- findings as check prints them ----------------------------------------------------


def printed_line(path: str, line: Any, severity: str, code: str, message: str) -> str:
    """One finding as ``check`` prints it: ``path:line: code: message [severity]`` (what
    ``str(issue)`` and the severity make)."""
    return f"{path}:{line}: {code}: {message} [{severity}]"


def printed_lines(issues: Iterable[Issue]) -> str:
    """``issues`` as ``check`` prints them, one per line (no final newline)."""
    return "\n".join(
        [printed_line(i.location.path, i.location.line, i.severity, i.code, i.message) for i in issues]
    )


def counts_of(severities: Sequence[str]) -> Counts:
    """How many findings, and how many of them errors, warnings and notes."""
    return (
        len(severities),
        severities.count("error"),
        severities.count("warning"),
        severities.count("info"),
    )


@dataclass(frozen=True)
class Packed:
    """One file's findings as the database keeps them."""

    rows: str  # JSON, sorted by line
    printed: str | None
    counts: Counts


class InStaging(NamedTuple):
    """Findings kept in a build's staging file (:class:`pipeline.cache.Staging`), packed,
    in the row of the article of ``source``."""

    source: str


def pack(rows: Any, path: str, *, located: bool = False) -> Packed:
    """The findings ``rows`` of the file ``path`` (or their JSON text) as they are kept:
    sorted by line (the order of findings on one line kept), and printed when every one
    is a line of its own in that file (``located``: rows carry their path first, as a
    source's do)."""
    decoded: list[list[Any]] = json.loads(rows) if isinstance(rows, str) else [list(row) for row in rows]
    body = [row[1:] for row in decoded] if located else decoded
    own = not located or all(row[0] == path for row in decoded)
    lines = [row[0] for row in body]
    if lines != sorted(lines):  # (sorted is stable: findings on one line keep their order)
        order = sorted(range(len(body)), key=lines.__getitem__)
        decoded, body = [decoded[i] for i in order], [body[i] for i in order]
        rows = decoded
    printed: str | None = None
    if own:
        printed = "\n".join(
            [f"{line}: {code}: {message} [{severity}]" for line, severity, code, message in body]
        )
        if printed.count("\n") != max(len(body) - 1, 0):  # a message with a newline: print from the rows
            printed = None
    return Packed(
        rows if isinstance(rows, str) else dumps(rows), printed, counts_of([row[1] for row in body])
    )


_SHAPES: dict[bool, set[tuple[type, ...]]] = {
    False: {(int, str, str, str)},
    True: {(str, int, str, str, str)},
}
"""The types of a finding row's fields: ``[line, severity, code, message]``, a source's
with its path first."""


def valid_rows(value: Any, *, located: bool = False) -> list[list[Any]] | None:
    """Findings rows decoded from the database, None when they are not what was written."""
    if type(value) is not str:
        return None
    try:
        rows = json.loads(value)
        # the types of every row's fields, in C loops (a --json of 600,000 findings reads
        # them all): a row that is not a list of the right fields makes another tuple
        shapes = set(map(tuple, map(map, repeat(type), rows)))
    except (ValueError, TypeError):
        return None
    if type(rows) is not list or not shapes <= _SHAPES[located]:
        return None
    return rows


_FOUR = (int, int, int, int)


def valid_counts(values: Sequence[Any]) -> Counts | None:
    """Counts read from the database, None when they are not counts."""
    if len(values) != 4 or tuple(map(type, values)) != _FOUR or min(values) < 0:
        return None
    count, errors, warnings, notes = values
    if errors + warnings + notes > count:
        return None
    return (count, errors, warnings, notes)


def _valid_status(value: Any) -> dict[str, Any] | None:
    """A catalog's status decoded from the database, None when it is not what was written."""
    from pipeline.catalog import STATUS_KEYS

    states, counts = frozenset(STATUS_KEYS), (int,) * len(STATUS_KEYS)
    try:
        status = json.loads(value)
    except (ValueError, TypeError):
        return None
    if type(status) is not dict:
        return None
    for part in ("units", "words"):
        numbers = status.get(part)
        if type(numbers) is not dict or numbers.keys() != states:
            return None
        if tuple(map(type, numbers.values())) != counts:
            return None
    return status


# --- the answers of one command -------------------------------------------------------


@dataclass(slots=True)
class Kept:
    """What is kept of a file's findings: computed from the file as ``identity`` (stored as
    the text ``stored``) under ``key``, with ``counts``; ``printed``: kept as check prints
    them (else printed from the rows); ``rows``: the rows, when they were read with it."""

    path: str
    identity: FileIdentity
    stored: str
    key: str
    counts: Counts
    printed: bool
    rows: list[list[Any]] | None = None

    def holds(self, identity: Any, key: Any) -> bool:
        """Whether a row read again with this ``identity`` and ``key`` still holds these
        answers (rather than those of a run that recorded the file since)."""
        if key != self.key:
            return False
        if identity == self.stored:
            return True
        found = _identity(identity)  # the same bytes under a signature recorded since
        return found is not None and found.sha256 == self.identity.sha256


@dataclass
class Answers:
    """The answers of one project, loaded for one command."""

    path: Path
    # rel → identity, status (its JSON text until it is used), findings kept
    catalogs: dict[str, tuple[FileIdentity, Any, Kept | None]] = field(default_factory=dict)
    sources: dict[str, Kept] = field(default_factory=dict)
    new_catalogs: dict[str, tuple[FileIdentity, dict[str, Any], str, Any]] = field(default_factory=dict)
    new_sources: dict[str, tuple[FileIdentity, str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project, *, findings: bool = True) -> Answers:
        """What is known of the project's files: for ``status`` their status, for ``check``
        (``findings``) what is kept of their findings (their identity, key and counts, not
        the findings themselves, which :class:`pipeline.status.Findings` reads as it
        prints them)."""
        answers = cls(project.cache_path)
        path = project.cache_path
        if path.is_symlink() or not path.is_file():
            return answers
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            try:
                answers._read(db, findings)
            finally:
                db.close()
        except sqlite3.Error:
            answers.catalogs.clear()
            answers.sources.clear()
        return answers

    def _read(self, db: sqlite3.Connection, findings: bool) -> None:
        if not findings:
            for rel, identity, status in db.execute(f"SELECT path, identity, status FROM {CATALOGS}"):
                known = _identity(identity)
                if known is not None:  # (else not what was written: the file is read again)
                    self.catalogs[rel] = (known, status, None)
            return
        query = (
            f"SELECT path, identity, check_key, count, errors, warnings, notes, printed IS NOT NULL"
            f" FROM {CATALOGS}"
        )
        for rel, identity, key, count, errors, warnings, notes, printed in db.execute(query):
            known = _identity(identity)
            if known is None:
                continue
            counts = (count, errors, warnings, notes)
            kept = None
            if type(key) is str and key and valid_counts(counts) is not None:  # ("": not computed)
                kept = Kept(rel, known, identity, key, counts, bool(printed))
            self.catalogs[rel] = (known, None, kept)
        query = (
            f"SELECT path, identity, key, count, errors, warnings, notes,"
            f" CASE WHEN printed IS NULL THEN findings END FROM {SOURCES}"
        )
        for rel, identity, key, *counts, rows in db.execute(query):
            known = _identity(identity)
            valid = valid_counts(counts)
            if known is None or valid is None or type(key) is not str:
                continue
            if rows is None:
                self.sources[rel] = Kept(rel, known, identity, key, valid, True)
                continue
            decoded = valid_rows(rows, located=True)  # rare: read now, to know where they are
            if decoded is not None and counts_of([row[2] for row in decoded]) == valid:
                self.sources[rel] = Kept(rel, known, identity, key, valid, False, decoded)

    # --- status ---------------------------------------------------------------------

    def status(self, path: Path, rel: str) -> CatalogStatus | None:
        """The status of the catalog at ``path`` as last computed, if the file is unchanged."""
        from pipeline.catalog import CatalogStatus

        known = self._catalog(path, rel)
        status = _valid_status(known[1]) if known is not None else None
        if status is None:
            return None
        return CatalogStatus(rel, path.stem, path.parent.parent.name, status["units"], status["words"])

    # --- check ----------------------------------------------------------------------

    def kept_findings(self, path: Path, rel: str, key: str) -> Kept | None:
        """What is kept of the findings of the catalog at ``path`` (``rel``) computed under
        ``key``, if the file is unchanged."""
        known = self._catalog(path, rel)
        if known is None or known[2] is None or known[2].key != key:
            return None
        return known[2]

    def kept_source(self, path: Path, rel: str, key: str) -> Kept | None:
        """What is kept of the findings of the source at ``path`` (``rel``) computed under
        ``key``, if the file is unchanged."""
        known = self.sources.get(rel)
        if known is None or known.key != key:
            return None
        same, now = check(path, known.identity)
        if not same:
            return None
        if now is not None:  # touched, or racy when it was recorded: a signature to trust now
            self.sources[rel] = known = dataclasses.replace(known, identity=now)
            self.new_sources[rel] = (now, known.key, None)
        return known

    def _catalog(self, path: Path, rel: str) -> tuple[FileIdentity, Any, Kept | None] | None:
        known = self.catalogs.get(rel)
        if known is None:
            return None
        same, now = check(path, known[0])
        if not same:
            return None
        if now is not None:
            kept = known[2]
            if kept is not None:
                kept = dataclasses.replace(kept, identity=now)
            known = (now, known[1], kept)
            self.catalogs[rel] = known
            # the same bytes: the findings stay as they are (None: only the identity is written)
            self.new_catalogs[rel] = (now, known[1], "", None)
        return known

    # --- recording ------------------------------------------------------------------

    def remember_catalog(
        self,
        rel: str,
        identity: FileIdentity | None,
        status: CatalogStatus,
        key: str = "",
        findings: Sequence[Issue] | None = None,
    ) -> None:
        """Keep what was computed of the catalog ``rel`` read as ``identity`` (``findings``
        None: not computed, ``check`` computes them)."""
        if identity is None:
            return
        counts = {"units": status.units, "words": status.words}
        rows = (
            [[i.location.line, i.severity, i.code, i.message] for i in findings]
            if findings is not None
            else []
        )
        self.new_catalogs[rel] = (identity, counts, key if findings is not None else "", rows)

    def remember_source(
        self, rel: str, identity: FileIdentity | None, key: str, findings: Iterable[Issue]
    ) -> None:
        """Keep what parsing the source ``rel`` read as ``identity`` removed."""
        if identity is None:
            return
        rows = [[i.location.path, i.location.line, i.severity, i.code, i.message] for i in findings]
        self.new_sources[rel] = (identity, key, rows)

    def save(self) -> None:
        """Write what this command computed (best effort: a cache that cannot be written
        is read again next time)."""
        if not self.new_catalogs and not self.new_sources:
            return
        with contextlib.suppress(sqlite3.Error, OSError, UnicodeError):
            save_answers(self.path, self.new_catalogs, self.new_sources)
        self.new_catalogs.clear()
        self.new_sources.clear()


def save_answers(
    path: Path,
    catalogs: dict[str, tuple[FileIdentity, dict[str, Any], str, Any]],
    sources: dict[str, tuple[FileIdentity, str, Any]],
    *,
    forget: Iterable[str] = (),
    staging: Path | None = None,
) -> None:
    """Write answers into the database at ``path`` in one transaction: per catalog its
    identity, status, check key and findings rows (a list, or its JSON text; None: only a
    new identity for the same bytes, the findings stay; :class:`InStaging`: packed in the
    staging file at ``staging``), per source its identity, key and findings rows
    ``[path, line, severity, code, message]`` (None, :class:`InStaging`: the same)."""
    forget = list(forget)
    if path.is_symlink() or not (catalogs or sources or forget):
        return
    staged_catalogs = [
        (rel, dumps(identity.to_json()), dumps(status), key, rows.source)
        for rel, (identity, status, key, rows) in sorted(catalogs.items())
        if isinstance(rows, InStaging)
    ]
    staged_sources = [
        (rel, dumps(identity.to_json()), key, rows.source)
        for rel, (identity, key, rows) in sorted(sources.items())
        if isinstance(rows, InStaging)
    ]
    catalog_rows = []
    for rel, (identity, status, key, rows) in sorted(catalogs.items()):
        if rows is not None and not isinstance(rows, InStaging):
            packed = pack(rows, rel)
            catalog_rows.append(
                (
                    rel,
                    dumps(identity.to_json()),
                    dumps(status),
                    key,
                    packed.rows,
                    packed.printed,
                    *packed.counts,
                )
            )
    source_rows = []
    for rel, (identity, key, rows) in sorted(sources.items()):
        if rows is not None and not isinstance(rows, InStaging):
            packed = pack(rows, rel, located=True)
            source_rows.append(
                (rel, dumps(identity.to_json()), key, packed.rows, packed.printed, *packed.counts)
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # a cache: lost or damaged, it is computed again
        db.executescript(SCHEMA)
        if (staged_catalogs or staged_sources) and staging is not None:
            db.execute("ATTACH DATABASE ? AS staging", (str(staging),))
        else:
            staged_catalogs, staged_sources = [], []
        db.execute("BEGIN IMMEDIATE")
        db.executemany(f"DELETE FROM {CATALOGS} WHERE path = ?", [(rel,) for rel in forget])
        db.executemany(
            f"INSERT OR REPLACE INTO {CATALOGS} (path, identity, status, check_key, findings, printed,"
            " count, errors, warnings, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            catalog_rows,
        )
        db.executemany(  # a new signature for the same bytes: the findings stay
            f"UPDATE {CATALOGS} SET identity = ? WHERE path = ?",
            [
                (dumps(identity.to_json()), rel)
                for rel, (identity, _, _, rows) in sorted(catalogs.items())
                if rows is None
            ],
        )
        db.executemany(
            f"INSERT OR REPLACE INTO {SOURCES} (path, identity, key, findings, printed,"
            " count, errors, warnings, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            source_rows,
        )
        if staged_catalogs or staged_sources:  # copied from the staging file, file to file
            _copy_staged(db, staged_catalogs, staged_sources)
        db.executemany(
            f"UPDATE {SOURCES} SET identity = ? WHERE path = ?",
            [
                (dumps(identity.to_json()), rel)
                for rel, (identity, _, rows) in sorted(sources.items())
                if rows is None
            ],
        )
        db.execute("COMMIT")
    finally:
        db.close()


def _copy_staged(
    db: sqlite3.Connection, catalogs: Sequence[tuple[str, ...]], sources: Sequence[tuple[str, ...]]
) -> None:
    """Answers kept in the staging file attached as ``staging`` (see :func:`save_answers`)."""
    db.executemany(
        f"INSERT OR REPLACE INTO {CATALOGS} (path, identity, status, check_key, findings, printed,"
        " count, errors, warnings, notes) SELECT ?, ?, ?, ?, catalog_findings, catalog_printed,"
        " catalog_count, catalog_errors, catalog_warnings, catalog_notes"
        " FROM staging.answers WHERE source = ?",
        catalogs,
    )
    db.executemany(
        f"INSERT OR REPLACE INTO {SOURCES} (path, identity, key, findings, printed,"
        " count, errors, warnings, notes) SELECT ?, ?, ?, source_findings, source_printed,"
        " source_count, source_errors, source_warnings, source_notes"
        " FROM staging.answers WHERE source = ?",
        sources,
    )


def _identity(value: Any) -> FileIdentity | None:
    """A file identity decoded from the database (None: not one)."""
    try:
        decoded = json.loads(value)
    except (ValueError, TypeError):
        return None
    if type(decoded) is list and len(decoded) == 2 and type(decoded[0]) is str:
        sig = decoded[1]
        if type(sig) is list and tuple(map(type, sig)) == _FOUR:  # the usual case, quickly
            return FileIdentity(decoded[0], (sig[0], sig[1], sig[2], sig[3]))
    return FileIdentity.from_json(decoded)
