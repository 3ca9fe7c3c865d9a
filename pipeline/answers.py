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

The store is a cache: a damaged or locked database only costs the time of reading
the files again, and the answers are always those of a full recomputation (the
tests compare both).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel

from pipeline import __version__
from pipeline.cache import FileIdentity, check, dumps
from pipeline.catalog import CatalogStatus
from pipeline.model import Issue, Location
from pipeline.project import Project

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalog_answers (
    path TEXT PRIMARY KEY,
    identity TEXT NOT NULL,   -- JSON: the catalog file the answers were computed from
    status TEXT NOT NULL,     -- JSON: units and words by state
    check_key TEXT NOT NULL,  -- what else the findings depend on ("" when not computed)
    findings TEXT NOT NULL    -- JSON: [line, severity, code, message] per finding
);
CREATE TABLE IF NOT EXISTS source_answers (
    path TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    key TEXT NOT NULL,
    findings TEXT NOT NULL    -- JSON: [path, line, severity, code, message] per finding
);
"""


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


def _issue_row(issue: Issue) -> list[Any]:
    return [issue.location.line, issue.severity, issue.code, issue.message]


@dataclass
class Answers:
    """The answers of one project, loaded for one command."""

    path: Path
    catalogs: dict[str, tuple[FileIdentity | None, dict[str, Any], str, Any]] = field(default_factory=dict)
    sources: dict[str, tuple[FileIdentity | None, str, Any]] = field(default_factory=dict)
    new_catalogs: dict[str, tuple[FileIdentity, dict[str, Any], str, Any]] = field(default_factory=dict)
    new_sources: dict[str, tuple[FileIdentity, str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project, *, findings: bool = True) -> Answers:
        """What is known of the project's files (``findings``: the catalogs' and sources'
        findings too, which only ``check`` needs)."""
        answers = cls(project.cache_path)
        path = project.cache_path
        if path.is_symlink() or not path.exists():
            return answers
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            try:
                column = "findings" if findings else "NULL"
                catalogs = db.execute(
                    f"SELECT path, identity, status, check_key, {column} FROM catalog_answers"
                )
                for rel, identity, status, key, rows in catalogs:
                    found = FileIdentity.from_json(json.loads(identity))
                    # findings stay text until asked for (status never needs them)
                    answers.catalogs[rel] = (found, json.loads(status), key, rows if findings else None)
                if findings:
                    query = "SELECT path, identity, key, findings FROM source_answers"
                    for rel, identity, key, rows in db.execute(query):
                        answers.sources[rel] = (FileIdentity.from_json(json.loads(identity)), key, rows)
            finally:
                db.close()
        except (sqlite3.Error, ValueError):
            answers.catalogs.clear()
            answers.sources.clear()
        return answers

    # --- status ---------------------------------------------------------------------

    def status(self, project: Project, path: Path, rel: str) -> CatalogStatus | None:
        """The status of the catalog at ``path`` as last computed, if the file is unchanged."""
        known = self._catalog(project, rel)
        if known is None:
            return None
        status = known[1]
        return CatalogStatus(rel, path.stem, path.parent.parent.name, status["units"], status["words"])

    def findings(self, project: Project, rel: str, key: str) -> list[Issue] | None:
        """The findings of the catalog ``rel`` as last computed under ``key``, if unchanged."""
        known = self._catalog(project, rel)
        if known is None or known[2] != key:
            return None
        rows = _rows(known[3])
        return [Issue(Location(rel, line), severity, code, text) for line, severity, code, text in rows]

    def source_findings(self, project: Project, rel: str, key: str) -> list[Issue] | None:
        known = self.sources.get(rel)
        if known is None or known[1] != key:
            return None
        same, now = _check(project, rel, known[0])
        if not same:
            return None
        if now is not None:  # touched, or racy when it was recorded: a signature to trust now
            self.sources[rel] = (now, known[1], known[2])
            self.new_sources[rel] = (now, known[1], known[2])
        rows = _rows(known[2])
        return [Issue(Location(p, line), severity, code, text) for p, line, severity, code, text in rows]

    def _catalog(
        self, project: Project, rel: str
    ) -> tuple[FileIdentity | None, dict[str, Any], str, Any] | None:
        known = self.catalogs.get(rel)
        if known is None:
            return None
        same, now = _check(project, rel, known[0])
        if not same:
            return None
        if now is not None:
            known = (now, known[1], known[2], known[3])
            self.catalogs[rel] = known
            # the same bytes: the findings (not loaded by ``status``: None) stay as they are
            self.new_catalogs[rel] = (now, known[1], known[2], known[3])
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
        """Keep what was computed of the catalog ``rel`` read as ``identity``."""
        if identity is None:
            return
        counts = {"units": status.units, "words": status.words}
        rows = [_issue_row(issue) for issue in findings] if findings is not None else []
        known = self.catalogs.get(rel)
        if findings is None:
            key = ""  # not computed: ``check`` computes them
            same = known is not None and known[0] is not None and known[0].sha256 == identity.sha256
            if same and known is not None and known[3] is not None:  # of the same bytes: kept
                key, rows = known[2], _rows(known[3])
        self.new_catalogs[rel] = (identity, counts, key, rows)

    def remember_source(
        self, rel: str, identity: FileIdentity | None, key: str, findings: Iterable[Issue]
    ) -> None:
        if identity is None:
            return
        rows = [[i.location.path, i.location.line, i.severity, i.code, i.message] for i in findings]
        self.new_sources[rel] = (identity, key, rows)

    def save(self) -> None:
        """Write what this command computed (best effort: a cache that cannot be written
        is read again next time)."""
        if not self.new_catalogs and not self.new_sources:
            return
        with contextlib.suppress(sqlite3.Error, OSError):
            save_answers(self.path, self.new_catalogs, self.new_sources)
        self.new_catalogs.clear()
        self.new_sources.clear()


def save_answers(
    path: Path,
    catalogs: dict[str, tuple[FileIdentity, dict[str, Any], str, Any]],
    sources: dict[str, tuple[FileIdentity, str, Any]],
    *,
    forget: Iterable[str] = (),
) -> None:
    """Write answers into the database at ``path`` in one transaction."""
    forget = list(forget)
    if path.is_symlink() or not (catalogs or sources or forget):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # a cache: lost or damaged, it is computed again
        db.executescript(SCHEMA)
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM catalog_answers WHERE path = ?", [(rel,) for rel in forget])
        db.executemany(
            "INSERT OR REPLACE INTO catalog_answers (path, identity, status, check_key, findings)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (rel, dumps(identity.to_json()), dumps(status), key, _text(rows))
                for rel, (identity, status, key, rows) in sorted(catalogs.items())
                if rows is not None
            ],
        )
        db.executemany(  # a new signature for the same bytes: the findings stay
            "UPDATE catalog_answers SET identity = ? WHERE path = ?",
            [
                (dumps(identity.to_json()), rel)
                for rel, (identity, _, _, rows) in sorted(catalogs.items())
                if rows is None
            ],
        )
        db.executemany(
            "INSERT OR REPLACE INTO source_answers (path, identity, key, findings) VALUES (?, ?, ?, ?)",
            [
                (rel, dumps(identity.to_json()), key, _text(rows))
                for rel, (identity, key, rows) in sorted(sources.items())
            ],
        )
        db.execute("COMMIT")
    finally:
        db.close()


def _check(project: Project, rel: str, identity: FileIdentity | None) -> tuple[bool, FileIdentity | None]:
    """Whether the file is still ``identity``, and its identity now when that had to be
    hashed (see :func:`pipeline.cache.check`)."""
    if identity is None:
        return False, None
    return check(project.root / rel, identity)


def _text(value: Any) -> str:
    """Findings rows as the database keeps them (rows given as text already are kept)."""
    return value if isinstance(value, str) else dumps(value)


def _rows(value: Any) -> list[list[Any]]:
    """Findings rows, decoded from the database's text the first time they are needed."""
    rows: list[list[Any]] = json.loads(value) if isinstance(value, str) else value
    return rows
