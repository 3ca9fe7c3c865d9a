"""The translation memory: one SQLite file, ``.puente/memory.sqlite``.

It holds two kinds of pairs:

* machine drafts, keyed by engine, engine version, language pair, glossary
  version and normalised source text, so an unchanged project never calls the
  engine twice for the same sentence (failures are never stored);
* reviewed translations, harvested from the PO files, which fill repeated
  sentences exactly and offer fuzzy matches (rapidfuzz, at or above the
  project's threshold) for similar ones.

Text with token-like residue (:func:`pipeline.glossary.residue`: debris of glossary
tokens an older version let through) is never learnt nor handed out.

Two processes may use the memory at once: the database runs in WAL mode with a
busy timeout, and every write is one short transaction.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from pipeline.glossary import residue

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
class Match:
    """A reviewed translation offered for a similar source; ``score`` in percent."""

    source: str
    translation: str
    score: float


class TranslationMemory:
    """The memory of one project. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)
        self._fuzzy_index: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def draft(
        self, engine: str, version: str, source_lang: str, target_lang: str, glossary: str, source: str
    ) -> Draft | None:
        row = self.db.execute(
            "SELECT translation, unknown FROM drafts WHERE engine=? AND version=? AND source_lang=? "
            "AND target_lang=? AND glossary=? AND source_key=?",
            (engine, version, source_lang, target_lang, glossary, normalise(source)),
        ).fetchone()
        if row is None or residue(source, row[0]):
            return None
        return Draft(row[0], tuple(word for word in row[1].split("\n") if word))

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
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO drafts VALUES (?,?,?,?,?,?,?,?,?)", rows)

    def harvest(self, source_lang: str, target_lang: str, pairs: Iterable[tuple[str, str, str]]) -> int:
        """Store reviewed (source, translation, origin) pairs; return how many were new."""
        rows = [
            (source_lang, target_lang, normalise(s), s, t, o)
            for s, t, o in pairs
            if s and t and not residue(s, t)
        ]
        if not rows:
            return 0
        before = self.db.total_changes
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR IGNORE INTO reviewed VALUES (?,?,?,?,?,?)", rows)
        added = self.db.total_changes - before
        if added:
            self._fuzzy_index.pop((source_lang, target_lang), None)
        return added

    def reviewed(self, source_lang: str, target_lang: str, source: str) -> str | None:
        """The most recently harvested reviewed translation of exactly this source."""
        rows = self.db.execute(
            "SELECT source, translation FROM reviewed WHERE source_lang=? AND target_lang=? AND source_key=? "
            "ORDER BY rowid DESC",
            (source_lang, target_lang, normalise(source)),
        )
        return next((str(row[1]) for row in rows if not residue(row[0], row[1])), None)

    def fuzzy(self, source_lang: str, target_lang: str, source: str, threshold: float) -> Match | None:
        """The most similar reviewed source (rapidfuzz ratio ≥ ``threshold``), if any."""
        key = (source_lang, target_lang)
        if key not in self._fuzzy_index:
            rows = self.db.execute(
                "SELECT source, translation FROM reviewed WHERE source_lang=? AND target_lang=? "
                "ORDER BY rowid",
                key,
            ).fetchall()
            rows = [row for row in rows if not residue(row[0], row[1])]
            self._fuzzy_index[key] = ([r[0] for r in rows], [r[1] for r in rows])
        sources, translations = self._fuzzy_index[key]
        if not sources:
            return None
        best = process.extractOne(source, sources, scorer=fuzz.ratio, score_cutoff=threshold)
        if best is None:
            return None
        return Match(sources[best[2]], translations[best[2]], float(best[1]))

    def pairs(self) -> list[tuple[str, str, str, str]]:
        """Every reviewed pair: (source_lang, target_lang, source, translation)."""
        rows = self.db.execute(
            "SELECT source_lang, target_lang, source, translation FROM reviewed ORDER BY rowid"
        ).fetchall()
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]
