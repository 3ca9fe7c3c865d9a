"""The translation memory: one SQLite file, ``.puente/memory.sqlite``.

It holds two kinds of pairs:

* machine drafts, keyed by engine, engine version, language pair, glossary
  version and normalised source text, so an unchanged project never calls the
  engine twice for the same sentence (failures are never stored);
* reviewed translations, harvested from the PO files, which fill repeated
  sentences exactly and offer fuzzy matches (rapidfuzz, at or above the
  project's threshold) for similar ones.

Two processes may use the memory at once: the database runs in WAL mode with a
busy timeout, and every write is one short transaction. Worker processes open it
read-only; a build writes what it learnt (drafts, reviewed pairs) in one
transaction once everything else of the run is known to be good.

The memory also answers where a fuzzy entry's text came from when a tool dropped
Puente's ``#. draft:`` notes (msgmerge, pybabel update): a text that is a stored
draft of the entry's source was made by an engine; a reviewed translation or a
draft of another source is a person's (or a machine's) translation of another
text.
"""

from __future__ import annotations

import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from pipeline.errors import MemoryStoreError
from pipeline.glossary import residue

ADAPTED = "adapted from a "
"""How the PO note of an adapted draft begins (``memory: adapted from a 91% match of: …``)."""

CANDIDATES = 5
"""How many of the best fuzzy matches are tried, best first: the closest may differ in a
word while the next differs only in a number."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    engine TEXT NOT NULL, version TEXT NOT NULL, source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,
    glossary TEXT NOT NULL, source_key TEXT NOT NULL, source TEXT NOT NULL, translation TEXT NOT NULL,
    unknown TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (engine, version, source_lang, target_lang, glossary, source_key)
);
CREATE TABLE IF NOT EXISTS reviewed (
    source_lang TEXT NOT NULL, target_lang TEXT NOT NULL, source_key TEXT NOT NULL,
    source TEXT NOT NULL, translation TEXT NOT NULL, origin TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source_lang, target_lang, source_key, translation)
);
CREATE INDEX IF NOT EXISTS drafts_by_source ON drafts (source_lang, target_lang, source_key);
CREATE INDEX IF NOT EXISTS drafts_by_translation ON drafts (target_lang, translation);
CREATE INDEX IF NOT EXISTS reviewed_by_translation ON reviewed (target_lang, translation);
"""


def normalise(text: str) -> str:
    """The memory's key for a source text: NFC, whitespace collapsed.

    >>> normalise(" Two \\n  spaces ") == normalise("Two spaces")
    True
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class Draft:
    translation: str
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    """What the memory knows of a text (see :meth:`TranslationMemory.provenance`)."""

    kind: str
    engine: str
    version: str
    source: str
    unknown: tuple[str, ...] = ()
    key: str = ""  # a stored draft's draft key (the ``glossary`` column)


def memory_error(relative: str, exc: sqlite3.Error, path: Path | None = None) -> MemoryStoreError:
    """One line for a database the memory cannot use (corrupt, full disk, locked...);
    ``path``: the database, whose disk is looked at when SQLite's reason is vague."""
    reason = str(exc) or type(exc).__name__
    if "not a database" in reason or "malformed" in reason:
        reason += ": move the file away (Puente makes a new memory) or restore it from a backup"
    elif path is not None and "disk is full" not in reason and _no_room(path.parent):
        reason += " (no space left on the disk)"  # SQLite says "disk I/O error" for a full tmpfs
    return MemoryStoreError(relative, None, f"translation memory: {reason}")


def _no_room(folder: Path) -> bool:
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


@dataclass(frozen=True)
class Match:
    """A reviewed translation offered for a similar source; ``score`` in percent."""

    source: str
    translation: str
    score: float


class TranslationMemory:
    """The memory of one project. Use as a context manager, or call :meth:`close`.

    ``readonly`` opens an existing database for lookups only (worker processes); a
    missing database then reads as an empty memory. A corrupt database, or one that is
    a link, is :class:`~pipeline.errors.MemoryStoreError`.
    """

    def __init__(
        self, path: Path, *, readonly: bool = False, relative: str = ".puente/memory.sqlite"
    ) -> None:
        self.path = path
        self.relative = relative
        self.db: sqlite3.Connection | None = None
        self._fuzzy_index: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        if path.is_symlink():
            raise MemoryStoreError(relative, None, "is a link: the memory must be a file of the project")
        if path.exists() and not path.is_file():  # a pipe would be waited on forever
            raise MemoryStoreError(relative, None, "not a regular file")
        try:
            if readonly:
                if not path.exists():
                    return
                self.db = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, timeout=30.0, isolation_level=None
                )
                self.db.execute("PRAGMA busy_timeout=30000")
                self.db.execute("SELECT count(*) FROM drafts").fetchone()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA busy_timeout=30000")
                self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            self.close()
            raise memory_error(relative, exc, path) from None

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _rows(self, query: str, parameters: tuple[object, ...]) -> list[tuple[object, ...]]:
        if self.db is None:
            return []
        try:
            return list(self.db.execute(query, parameters).fetchall())
        except sqlite3.Error as exc:
            raise memory_error(self.relative, exc, self.path) from None

    def draft(
        self, engine: str, version: str, source_lang: str, target_lang: str, glossary: str, source: str
    ) -> Draft | None:
        rows = self._rows(
            "SELECT translation, unknown FROM drafts WHERE engine=? AND version=? AND source_lang=? "
            "AND target_lang=? AND glossary=? AND source_key=?",
            (engine, version, source_lang, target_lang, glossary, normalise(source)),
        )
        if not rows or residue(source, str(rows[0][0])):
            return None
        translation, unknown = rows[0]
        return Draft(str(translation), tuple(word for word in str(unknown).split("\n") if word))

    def store_drafts(
        self,
        engine: str,
        version: str,
        source_lang: str,
        target_lang: str,
        glossary: str,
        drafts: Iterable[tuple[str, Draft]],
    ) -> None:
        rows = [
            (engine, version, source_lang, target_lang, glossary, normalise(source), source, d.translation,
             "\n".join(d.unknown))
            for source, d in drafts
            if not residue(source, d.translation)
        ]  # fmt: skip
        db = self._writable()
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO drafts VALUES (?,?,?,?,?,?,?,?,?)", rows)
        except sqlite3.Error as exc:
            raise memory_error(self.relative, exc, self.path) from None

    def harvest(self, source_lang: str, target_lang: str, pairs: Iterable[tuple[str, str, str]]) -> int:
        """Store reviewed (source, translation, origin) pairs; return how many were new."""
        rows = [
            (source_lang, target_lang, normalise(s), s, t, o)
            for s, t, o in pairs
            if s and t and not residue(s, t)
        ]
        if not rows:
            return 0
        db = self._writable()
        before = db.total_changes
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR IGNORE INTO reviewed VALUES (?,?,?,?,?,?)", rows)
        except sqlite3.Error as exc:
            raise memory_error(self.relative, exc, self.path) from None
        added = db.total_changes - before
        if added:
            self._fuzzy_index.pop((source_lang, target_lang), None)
        return added

    def reviewed(self, source_lang: str, target_lang: str, source: str) -> str | None:
        """The most recently harvested reviewed translation of exactly this source."""
        rows = self._rows(
            "SELECT source, translation FROM reviewed WHERE source_lang=? AND target_lang=? AND source_key=? "
            "ORDER BY rowid DESC",
            (source_lang, target_lang, normalise(source)),
        )
        return next((str(row[1]) for row in rows if not residue(str(row[0]), str(row[1]))), None)

    def fuzzy(self, source_lang: str, target_lang: str, source: str, threshold: float) -> Match | None:
        """The most similar reviewed source (rapidfuzz ratio ≥ ``threshold``), if any."""
        found = self.fuzzy_matches(source_lang, target_lang, source, threshold, 1)
        return found[0] if found else None

    def fuzzy_matches(
        self, source_lang: str, target_lang: str, source: str, threshold: float, limit: int
    ) -> list[Match]:
        """The ``limit`` most similar reviewed sources (rapidfuzz ratio ≥ ``threshold``), best first."""
        key = (source_lang, target_lang)
        if key not in self._fuzzy_index:
            rows = self._rows(
                "SELECT source, translation FROM reviewed WHERE source_lang=? AND target_lang=? "
                "ORDER BY rowid",
                key,
            )
            rows = [row for row in rows if not residue(str(row[0]), str(row[1]))]
            self._fuzzy_index[key] = ([str(r[0]) for r in rows], [str(r[1]) for r in rows])
        sources, translations = self._fuzzy_index[key]
        if not sources:
            return []
        found = process.extract(source, sources, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit)
        return [Match(sources[index], translations[index], float(score)) for _, score, index in found]

    def pairs(self) -> list[tuple[str, str, str, str]]:
        """Every reviewed pair: (source_lang, target_lang, source, translation)."""
        rows = self._rows(
            "SELECT source_lang, target_lang, source, translation FROM reviewed ORDER BY rowid", ()
        )
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    def provenance(
        self, source_lang: str, target_lang: str, source: str, translation: str
    ) -> Provenance | None:
        """Who made ``translation`` of ``source``, as far as the memory knows: a stored
        draft of this source (``engine``, with the words the engine did not know); a
        reviewed translation of this source (``reviewed``); a draft or a reviewed
        translation of another source (``other-draft``, ``other-reviewed``, with that
        source); or None."""
        for engine, version, unknown, key in self._rows(
            "SELECT engine, version, unknown, glossary FROM drafts WHERE source_lang=? AND target_lang=? "
            "AND source_key=? AND translation=? ORDER BY rowid DESC LIMIT 1",
            (source_lang, target_lang, normalise(source), translation),
        ):
            words = tuple(word for word in str(unknown).split("\n") if word)
            return Provenance("engine", str(engine), str(version), source, words, str(key))
        if self._rows(
            "SELECT 1 FROM reviewed WHERE source_lang=? AND target_lang=? AND source_key=? AND translation=?",
            (source_lang, target_lang, normalise(source), translation),
        ):
            return Provenance("reviewed", "", "", source)
        for other, engine, version in self._rows(
            "SELECT source, engine, version FROM drafts WHERE target_lang=? AND translation=? "
            "AND source_lang=? ORDER BY rowid DESC LIMIT 1",
            (target_lang, translation, source_lang),
        ):
            return Provenance("other-draft", str(engine), str(version), str(other))
        for (other,) in self._rows(
            "SELECT source FROM reviewed WHERE target_lang=? AND translation=? AND source_lang=? "
            "ORDER BY rowid DESC LIMIT 1",
            (target_lang, translation, source_lang),
        ):
            return Provenance("other-reviewed", "", "", str(other))
        return None

    def record(
        self,
        drafts: Iterable[tuple[str, str, str, str, str, str, Draft]],
        reviewed: Iterable[tuple[str, str, str, str, str]],
    ) -> None:
        """Store in one transaction ``drafts`` (engine, version, source_lang, target_lang,
        glossary, source, draft) and ``reviewed`` pairs (source_lang, target_lang, source,
        translation, origin)."""
        draft_rows = [
            (
                engine,
                version,
                sl,
                tl,
                glossary,
                normalise(source),
                source,
                d.translation,
                "\n".join(d.unknown),
            )
            for engine, version, sl, tl, glossary, source, d in drafts
            if not residue(source, d.translation)
        ]
        reviewed_rows = [
            (sl, tl, normalise(s), s, t, o) for sl, tl, s, t, o in reviewed if s and t and not residue(s, t)
        ]
        if not draft_rows and not reviewed_rows:
            return
        db = self._writable()
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO drafts VALUES (?,?,?,?,?,?,?,?,?)", draft_rows)
                db.executemany("INSERT OR IGNORE INTO reviewed VALUES (?,?,?,?,?,?)", reviewed_rows)
        except sqlite3.Error as exc:
            raise memory_error(self.relative, exc, self.path) from None
        self._fuzzy_index.clear()

    def _writable(self) -> sqlite3.Connection:
        if self.db is None:
            raise MemoryStoreError(self.relative, None, "opened read-only")
        return self.db
