"""The build cache, ``.puente/build-cache.sqlite``: what the last build made of each article.

Per source file: the identity of the source, its catalog and template, and its pages
as the build left them, the facts the manifest and the summary need, its findings,
and what it gives the site-wide files (its manifest entry and sitemap elements,
serialized when it was built). An article is not processed again while every one of
those files is unchanged and the run's settings (Puente's and Babel's versions, the
termbase, the page template, the configuration, the engine and its version) are the same.

"Unchanged" is decided the way version control does: a file whose ``stat``
signature (size, modification and change times, inode) is the one recorded is
unchanged, without reading it; only when the signature differs, or was taken so soon
after the file was written that a same-size edit in the same clock tick could hide
(a "racy" signature), is its content hashed and compared. The change time (ctime)
cannot be set by a tool, so an edit that restores the old modification time is
still seen.

What a run reads follows what changed, not the size of the project. Every run reads one
small column per article, the signatures of the files it reads (source, catalog, images),
and ``stat``s those files. The files the build wrote (pages, fragments, templates) are
checked through their folders: while no folder the last build wrote into has changed,
none of them was added, removed or replaced. Only when something differs is an article's
whole entry read (its state and its files' identities, as JSON), and a run that processes
articles reads every article's summary from columns of their own (counts, pages, slugs,
feed times), which SQL adds up and sorts without decoding JSON. A run writes only the rows
of the articles it built.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import struct
import time
from collections.abc import Callable, Collection, Iterable, Iterator, KeysView, MutableMapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.errors import PipelineError
from pipeline.files import read_with_stat
from pipeline.model import Issue, Location
from pipeline.project import Project

CACHE_VERSION = 6
STAGING_NAME = "staging.sqlite"
UNHASHED = ""
"""The content hash of a file known by its signature alone (it matches no content)."""
RACY_NS = 50_000_000
"""A signature taken less than this long after the file's modification time is not
trusted alone (file system clocks tick in milliseconds)."""


Signature = tuple[int, int, int, int]


def signature(info: os.stat_result) -> Signature:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


@dataclass(frozen=True)
class FileIdentity:
    """A file as a run read or wrote it: its content hash, and its ``stat`` signature
    when one could be trusted (None: only the hash counts)."""

    sha256: str
    sig: Signature | None

    @classmethod
    def of(cls, data: bytes | bytearray, info: os.stat_result | None) -> FileIdentity:
        """The identity of a file whose bytes are ``data`` and whose ``stat`` was ``info``
        when they were read (None: not known to match them)."""
        digest = hashlib.sha256(data).hexdigest()
        if info is None or info.st_size != len(data) or time.time_ns() - info.st_mtime_ns < RACY_NS:
            return cls(digest, None)
        return cls(digest, signature(info))

    def to_json(self) -> list[Any]:
        return [self.sha256, list(self.sig) if self.sig is not None else None]

    @classmethod
    def from_json(cls, value: Any) -> FileIdentity | None:
        if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str):
            return None
        sig = value[1]
        if isinstance(sig, list) and len(sig) == 4 and all(isinstance(part, int) for part in sig):
            return cls(value[0], (sig[0], sig[1], sig[2], sig[3]))
        return cls(value[0], None)


Read = dict[str, tuple[bytes, "os.stat_result | None"]]
"""Bytes a freshness check had to read, by relative path (handed on, not read twice)."""


def listing(sources: Sequence[str]) -> str:
    """A hash of the names ``sources``, in their order (what a kept total or site file was
    made of, told apart without keeping every name)."""
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


def still(path: Path, identity: FileIdentity | None) -> bool:
    """Whether ``path`` still holds the file a run read as ``identity``, though it may have
    been renamed since (which changes its ctime): the same inode, size and modification
    time, else the same content."""
    try:
        info = os.stat(path)
    except OSError:
        return identity is None
    if identity is None:
        return False
    if identity.sig is not None:
        size, mtime, _, inode = identity.sig
        if (info.st_size, info.st_mtime_ns, info.st_ino) == (size, mtime, inode):
            return True
    return identify(path, identity)


def identify(path: Path, identity: FileIdentity | None) -> bool:
    """Whether the file at ``path`` is still ``identity`` (None: still absent)."""
    return check(path, identity)[0]


def check(
    path: Path, identity: FileIdentity | None, read: Read | None = None, key: str = ""
) -> tuple[bool, FileIdentity | None]:
    """:func:`identify`, and the file's identity now when its content had to be read and
    was the same (a touched file: its new signature saves reading it next time). Bytes
    it had to read go into ``read`` under ``key``."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return identity is None, None
    except OSError:
        return False, None
    if identity is None:
        return False, None
    if identity.sig is not None and signature(info) == identity.sig:
        return True, None
    if identity.sha256 == UNHASHED:
        return False, None
    try:
        data, read_info = read_with_stat(path, str(path), PipelineError, 1 << 30)
    except PipelineError:
        return False, None
    if read is not None:
        read[key] = (data, read_info)
    if hashlib.sha256(data).hexdigest() != identity.sha256:
        return False, None
    return True, FileIdentity.of(data, read_info)


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- what every run reads of every article, in a table of its own: small rows, read
-- without going through the large parts of the entries (about 0.3 KB an article
-- against 8 KB, and a row too large for its page is read through a chain of pages)
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY,
    quick TEXT NOT NULL,     -- the stat signatures of the files it reads (see _quick, "" when not trusted)
    -- the summary of the facts in columns, added up and listed without decoding JSON:
    slug TEXT NOT NULL,
    pages TEXT NOT NULL,     -- its pages, one per line
    reviewed INTEGER NOT NULL, machine INTEGER NOT NULL, untranslated INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    stale INTEGER NOT NULL,  -- machine drafts older than the glossary, rules or engine
    held TEXT NOT NULL,      -- its catalog's path when its target page is held back, else ""
    errors TEXT NOT NULL,    -- JSON: [path, line, code, message] per error finding
    notices TEXT NOT NULL,   -- JSON: the site notices of its source
    images TEXT NOT NULL,    -- JSON: the assets its pages use
    feeds TEXT NOT NULL,     -- JSON: language → the updated time of its page in that feed
    review TEXT NOT NULL     -- its review page, else ""
);
-- what is read only of the articles a run needs it of, by source
CREATE TABLE IF NOT EXISTS entries (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL,     -- JSON: where its catalog is, its errors, and the summary of the facts
    ids TEXT NOT NULL,       -- JSON: the identities of its source, catalog and files
    facts TEXT NOT NULL,     -- JSON: every fact of the article (the feeds, the review index)
    manifest TEXT NOT NULL,  -- the article's entry of build/manifest.json, serialized
    sitemap TEXT NOT NULL,   -- its <url> elements of build/sitemap.xml, serialized
    urls INTEGER NOT NULL    -- how many <url> elements that is
);
-- the site files as the last run wrote them: the articles in their order, and the length
-- in bytes of each one's part of the manifest and of the sitemap, and its <url> count
-- (a run splices the parts of the articles it built into the files as they are)
CREATE TABLE IF NOT EXISTS site_layout (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    sources TEXT NOT NULL,   -- the sources, separated by NUL characters
    manifest BLOB NOT NULL,  -- 64-bit lengths, little-endian, one per source
    sitemap BLOB NOT NULL,
    urls BLOB NOT NULL
);
"""

SUMMARY_COLUMNS = (
    "slug", "pages", "reviewed", "machine", "untranslated", "warnings", "stale", "held", "errors",
    "notices", "images", "feeds", "review",
)  # fmt: skip


class Summary(NamedTuple):
    """One article's summary as the ``articles`` table keeps it (JSON fields as text)."""

    source: str
    slug: str
    pages: str
    reviewed: int
    machine: int
    untranslated: int
    warnings: int
    stale: int
    held: str
    errors: str
    notices: str
    images: str
    feeds: str
    review: str

    def decoded(self, name: str) -> Any:
        """One of the JSON fields (errors, notices, images, feeds), decoded."""
        text = getattr(self, name)
        if text in ("[]", "{}"):
            return [] if text == "[]" else {}
        try:
            return json.loads(text)
        except (ValueError, TypeError):
            raise CacheDamaged(self.source) from None

    @classmethod
    def of(cls, source: str, entry: dict[str, Any]) -> Summary:
        facts = entry["facts"]
        units = facts.get("target_units", {})
        review = facts.get("review")
        page = review.get("page") if isinstance(review, dict) else None
        return cls(
            source,
            facts.get("slug", ""),
            "\n".join(facts.get("pages", [])),
            units.get("reviewed", 0),
            units.get("machine", 0),
            units.get("untranslated", 0),
            entry.get("warnings", 0),
            facts.get("stale_drafts", 0),
            entry.get("catalog_path", "") if facts.get("held") else "",
            dumps(entry.get("errors", [])),
            dumps(facts.get("notices", [])),
            dumps(facts.get("images", [])),
            dumps(facts.get("feeds", {})),
            page if isinstance(page, str) else "",
        )


IDENTITY_KEYS = ("source", "catalog", "files", "outputs")
"""The parts of an article's entry kept in the ``ids`` column (read only to decide, the
slow way, whether an article is unchanged); the others are in ``state``."""

SUMMARY_KEYS = ("slug", "pages", "target_units", "held", "review", "catalog", "stale_drafts")
"""The facts every run needs of every article (the summary, the slugs, the pages to keep);
the others are read only for the articles a site file needs them of."""


@dataclass(frozen=True)
class Fragments:
    """What an article contributes to the site-wide files, serialized once when it is built."""

    manifest: str
    sitemap: str
    urls: int
    notices: list[list[Any]]
    images: list[str]
    feeds: dict[str, str]
    """Language → the page's ``updated`` time ("" when it has none) for each language
    whose page goes into that language's feed."""

    @property
    def row(self) -> tuple[str, str, int]:
        return (self.manifest, self.sitemap, self.urls)


class SiteLayout(NamedTuple):
    """Where each article's part is in the site files as a run wrote them: the sources in
    the files' order, the length in bytes of each one's manifest entry and sitemap
    elements, and its ``<url>`` count."""

    sources: list[str]
    manifest: list[int]
    sitemap: list[int]
    urls: list[int]

    def to_row(self) -> tuple[str, bytes, bytes, bytes]:
        def packed(values: list[int]) -> bytes:
            return struct.pack(f"<{len(values)}q", *values)

        return ("\0".join(self.sources), packed(self.manifest), packed(self.sitemap), packed(self.urls))

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> SiteLayout | None:
        sources, *columns = row
        if not isinstance(sources, str) or not all(isinstance(column, bytes) for column in columns):
            return None
        names = sources.split("\0") if sources else []
        if any(len(column) != 8 * len(names) for column in columns):
            return None
        manifest, sitemap, urls = (list(struct.unpack(f"<{len(names)}q", column)) for column in columns)
        return cls(names, manifest, sitemap, urls)


class Staging:
    """The heavy parts of the articles a build processed (their facts, manifest entries and
    sitemap elements), written by the worker processes as each article is done and read
    back by the commit, which copies them into the build cache: the main process holds a
    small record per article, not every article's facts, until the single commit.

    The file (``.puente/staging.sqlite``) lives only as long as the run: it is removed
    when the run ends, and at the start of the next one if a killed run left it."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS staged (source TEXT PRIMARY KEY, facts TEXT NOT NULL,"
        " manifest TEXT NOT NULL, sitemap TEXT NOT NULL, urls INTEGER NOT NULL);"
        # what status and check would find in its catalog and its source, as the answers'
        # tables keep it (see pipeline.answers)
        "CREATE TABLE IF NOT EXISTS answers (source TEXT PRIMARY KEY,"
        " catalog_findings TEXT NOT NULL, catalog_printed TEXT, catalog_count INTEGER NOT NULL,"
        " catalog_errors INTEGER NOT NULL, catalog_warnings INTEGER NOT NULL, catalog_notes INTEGER NOT NULL,"
        " source_findings TEXT NOT NULL, source_printed TEXT, source_count INTEGER NOT NULL,"
        " source_errors INTEGER NOT NULL, source_warnings INTEGER NOT NULL, source_notes INTEGER NOT NULL)"
    )

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: tuple[int, sqlite3.Connection] | None = None

    def start(self) -> None:
        """An empty staging file (what a killed run left goes)."""
        self.remove()
        try:
            for statement in self.SCHEMA.split(";"):
                self._connection().execute(statement)
        except sqlite3.Error as exc:  # a full disk, a folder that cannot be written
            self.remove()
            raise PipelineError(str(self.path), None, f"cannot stage the build: {exc}") from None

    def _connection(self) -> sqlite3.Connection:
        """This process's connection (forked workers open their own)."""
        if self._db is None or self._db[0] != os.getpid():
            db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            db.execute("PRAGMA synchronous=OFF")  # a run's scratch file: lost with the run anyway
            self._db = (os.getpid(), db)
        return self._db[1]

    def put(self, source: str, facts: str, fragments: Fragments) -> None:
        """Keep one article's facts (serialized) and its share of the site files."""
        try:
            self._connection().execute(
                "INSERT OR REPLACE INTO staged (source, facts, manifest, sitemap, urls)"
                " VALUES (?, ?, ?, ?, ?)",
                (source, facts, fragments.manifest, fragments.sitemap, fragments.urls),
            )
        except sqlite3.Error as exc:
            raise PipelineError(str(self.path), None, f"cannot stage the article's facts: {exc}") from None

    def put_answers(self, source: str, catalog: Sequence[Any], own: Sequence[Any]) -> None:
        """Keep what status and check would find in the catalog and in the source of one
        article: per file its findings' JSON, their printed text and their four counts."""
        try:
            self._connection().execute(
                f"INSERT OR REPLACE INTO answers VALUES (?{', ?' * 12})", (source, *catalog, *own)
            )
        except sqlite3.Error as exc:
            raise PipelineError(str(self.path), None, f"cannot stage the article's findings: {exc}") from None

    def rows(self, sources: Sequence[str], columns: str) -> list[Any]:
        """``columns`` of the staged rows of ``sources``, the source first."""
        found: list[Any] = []
        for start in range(0, len(sources), 500):
            chunk = list(sources[start : start + 500])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT source, {columns} FROM staged WHERE source IN ({marks})"
            try:
                found += self._connection().execute(query, chunk).fetchall()
            except sqlite3.Error as exc:
                raise PipelineError(str(self.path), None, f"cannot read the staged facts: {exc}") from None
        return found

    def close(self) -> None:
        if self._db is not None and self._db[0] == os.getpid():
            self._db[1].close()
        self._db = None

    def remove(self) -> None:
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class CacheDamaged(Exception):
    """A row of the build cache could not be read: the cache is dropped and the run starts again."""


class _Entries(MutableMapping[str, dict[str, Any]]):
    """Source → its entry in the build cache, each read from the database the first time it
    is asked for (a run that finds every article unchanged reads none of them)."""

    def __init__(self, keys: Iterable[str], fetch: Callable[[list[str]], dict[str, dict[str, Any]]]) -> None:
        self._keys: dict[str, None] = dict.fromkeys(keys)
        self._loaded: dict[str, dict[str, Any]] = {}
        self._fetch = fetch

    def load(self, keys: Iterable[str] | None = None) -> None:
        """Read the entries of ``keys`` (None: all) in one query."""
        wanted = self._keys if keys is None else keys
        missing = [key for key in wanted if key in self._keys and key not in self._loaded]
        if missing:
            self._loaded.update(self._fetch(missing))

    def loaded(self, key: str) -> dict[str, Any] | None:
        """The entry of ``key`` if it was read or recorded already."""
        return self._loaded.get(key) if key in self._keys else None

    def __getitem__(self, key: str) -> dict[str, Any]:
        found = self._loaded.get(key)
        if found is not None:
            return found
        if key not in self._keys:
            raise KeyError(key)
        self.load([key])
        return self._loaded[key]

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self._keys[key] = None
        self._loaded[key] = value

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        self._loaded.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def names(self) -> KeysView[str]:
        """The keys, as a view whose membership test is the dictionary's own."""
        return self._keys.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _no_rows(keys: list[str]) -> dict[str, dict[str, Any]]:
    raise KeyError(keys[0])


class BuildCache:
    """The cache of one project (see the module docstring), kept in SQLite: a run reads
    the input signatures of every article, the rest of an article's entry only when it
    is needed, and writes only the rows of what it built."""

    def __init__(self, settings: str, articles: dict[str, dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.articles: _Entries = _Entries((), _no_rows)
        for source, entry in (articles or {}).items():
            self.articles[source] = entry
        self.changed = False
        self.why: dict[str, str] = {}  # source → why it is not fresh (for -v)
        self.reset = ""
        # what the last build knew of each source, whatever the settings now: where its
        # article's files are (a slug change or a renamed source carries them over)
        self.known: _Entries = _Entries((), _no_rows)
        self.meta: dict[str, Any] = {}
        self._states: dict[str, dict[str, Any]] = {}  # the state column of entries not read whole
        self._quick: dict[str, str] = {}  # source → the signatures of the files it reads
        self._outputs_ok = False  # whether no output folder changed since the last build
        self._outdirs: dict[str, Any] = {}  # output folder → its signature at the start of the run
        self._db: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._dirty: set[str] = set()  # rows whose state changed
        self._built: dict[str, tuple[dict[str, Any] | str, Fragments]] = {}  # rows recorded by this run
        self._gone: set[str] = set()  # rows to delete
        self._summaries: list[Summary] | None = None  # summary_rows, until a row changes
        self._staged: set[str] = set()  # rows of this run whose facts and site parts are in the staging file
        self.staging: Staging | None = None
        self.layout: SiteLayout | None = None  # the site files' layout this run wrote, to keep
        self._read = False  # whether the cache was read from its database

    # --- reading --------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path, settings: str) -> BuildCache:
        """The cache at ``path`` if it was written with the same settings, else an empty
        one (that still knows where the last build put each article's files). A cache
        that cannot be read is an empty one: everything is built again."""
        cache = cls(settings)
        cache._path = path
        if path.is_symlink():
            return cache  # never written through a link; replaced at save
        if not path.is_file():
            return cache  # absent, or a pipe SQLite would wait on forever (replaced at save)
        try:
            db = cache._connection()
            meta = {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
            if meta.get("version") != CACHE_VERSION:
                cache.close()
                return cache
            rows = db.execute("SELECT source, quick FROM articles").fetchall()
        except (sqlite3.Error, ValueError):
            cache.close()
            return cache
        quick = {
            source: value for source, value in rows if isinstance(source, str) and isinstance(value, str)
        }
        cache.known = _Entries(quick, cache._fetch)
        cache.meta = meta
        cache._read = True
        if meta.get("settings") != settings:
            cache.reset = "settings changed (versions, termbase, template, configuration or engine)"
            cache._gone = set(quick)
            cache.changed = bool(quick)
        else:
            cache.articles = _Entries(quick, cache._fetch)
            cache._quick = quick
            cache._check_outputs(path.parent.parent)
        return cache

    def _check_outputs(self, root: Path) -> None:
        """Whether every folder the last build wrote articles' files into is as it left it:
        then no file was added, removed or renamed in any of them since, and the files each
        article wrote need not be looked at one by one (see :meth:`fresh`)."""
        recorded = self.meta.get("outdirs")
        if not isinstance(recorded, dict):
            return
        ok = bool(recorded)
        for folder, sig in recorded.items():
            now = _folder_signature(root / folder)
            self._outdirs[folder] = sig if now is not None and now == sig else None
            ok = ok and now is not None and now == sig
        self._outputs_ok = ok

    def _fetch(self, sources: list[str]) -> dict[str, dict[str, Any]]:
        """The entries of ``sources``, read in one query per 500."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(sources), 500):
            chunk = sources[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(f"SELECT source, state, ids FROM entries WHERE source IN ({marks})", chunk)
            for source, state, ids in rows:
                try:
                    entry = json.loads(state)
                    entry.update(json.loads(ids))
                except (ValueError, TypeError, AttributeError):
                    raise CacheDamaged(source) from None
                if not isinstance(entry.get("facts"), dict):
                    raise CacheDamaged(source)
                found[source] = entry
        if len(found) != len(set(sources)):
            raise CacheDamaged(next(source for source in sources if source not in found))
        return found

    @property
    def rebuilt(self) -> bool:
        """Whether this run recorded or forgot an article (the site files change)."""
        return bool(self._built or self._gone)

    def _connection(self) -> sqlite3.Connection:
        """The cache database, open for reading what a run did not load up front."""
        if self._db is None:
            assert self._path is not None
            self._db = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, isolation_level=None)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def summaries(self, sources: Iterable[str]) -> None:
        """Read what :meth:`state` gives of each of ``sources`` not read yet, in one query
        per 500 (before a loop over many of them)."""
        missing = [
            source
            for source in sources
            if source in self.articles and self.articles.loaded(source) is None and source not in self._states
        ]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for source, state in self._rows(
                f"SELECT source, state FROM entries WHERE source IN ({marks})", chunk
            ):
                try:
                    entry = json.loads(state)
                except ValueError:
                    raise CacheDamaged(source) from None
                if not isinstance(entry, dict) or not isinstance(entry.get("facts"), dict):
                    raise CacheDamaged(source)
                self._states[source] = entry
            if any(source not in self._states for source in chunk):
                raise CacheDamaged(next(source for source in chunk if source not in self._states))

    def state(self, source: str) -> dict[str, Any]:
        """What the summary, the site files and the slugs need of the entry of ``source``
        (its facts' summary, its catalog's path, its errors and warnings), without the
        identities of its files; KeyError when the cache has no such article."""
        if source not in self.articles:
            raise KeyError(source)
        found = self.articles.loaded(source) or self._states.get(source)
        if found is None:
            self.summaries([source])
            found = self._states[source]
        return found

    def summary_rows(self) -> list[Summary]:
        """The summary of every article as this run leaves the cache (the rows it built,
        the others as stored), by source: one query, no JSON decoded."""
        if self._summaries is not None:
            return self._summaries
        built = [source for source in self._built if source in self.articles]
        rows = [Summary.of(source, self.articles[source]) for source in built]
        if any(source not in self._built for source in self.articles):  # some are only stored
            query = f"SELECT source, {', '.join(SUMMARY_COLUMNS)} FROM articles"
            try:
                stored = self._connection().execute(query).fetchall()
            except sqlite3.Error:
                raise CacheDamaged("the summary columns") from None
            rows += [Summary(*row) for row in stored if row[0] in self.articles and row[0] not in self._built]
        rows.sort()
        self._summaries = rows
        return rows

    def facts(self, sources: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Every fact of each of ``sources`` (as this run recorded it, else as stored)."""
        found: dict[str, dict[str, Any]] = {}
        built, stored = self._split(sources)
        staged = [source for source in built if source in self._staged]
        for source in built:
            made = self._built[source][0]
            if source not in self._staged:
                found[source] = json.loads(made) if isinstance(made, str) else made
        if staged:
            assert self.staging is not None
            found.update((source, json.loads(facts)) for source, facts in self.staging.rows(staged, "facts"))
        for start in range(0, len(stored), 500):
            chunk = stored[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(f"SELECT source, facts FROM entries WHERE source IN ({marks})", chunk)
            for source, facts in rows:
                try:
                    found[source] = json.loads(facts)
                except (ValueError, TypeError):
                    raise CacheDamaged(source) from None
        return found

    def fragments(self, sources: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """The manifest entry, the sitemap elements and their count of each of ``sources``."""
        built, stored = self._split(sources)
        found = {source: self._built[source][1].row for source in built if source not in self._staged}
        staged = [source for source in built if source in self._staged]
        if staged:
            assert self.staging is not None
            found.update(
                (row[0], (row[1], row[2], row[3]))
                for row in self.staging.rows(staged, "manifest, sitemap, urls")
            )
        for start in range(0, len(stored), 500):
            chunk = stored[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT source, manifest, sitemap, urls FROM entries WHERE source IN ({marks})"
            found.update((row[0], (row[1], row[2], row[3])) for row in self._rows(query, chunk))
        return found

    def site_layout(self) -> SiteLayout | None:
        """The layout of the site files as the last run wrote them (None: unknown)."""
        if not self._read or self.reset:
            return None  # (a cache that was not read from a database file has none)
        try:
            row = (
                self._connection()
                .execute("SELECT sources, manifest, sitemap, urls FROM site_layout WHERE id = 0")
                .fetchone()
            )
        except sqlite3.Error:
            return None
        return SiteLayout.from_row(row) if row is not None else None

    def changed_sources(self) -> set[str]:
        """The sources whose rows this run recorded or forgot."""
        return set(self._built) | self._gone

    def _split(self, sources: Iterable[str]) -> tuple[list[str], list[str]]:
        """``sources`` this run recorded, and those only the database holds."""
        built, stored = [], []
        for source in sources:
            if source in self._built:
                built.append(source)
            elif source in self.articles:
                stored.append(source)
        return built, stored

    def _rows(self, query: str, parameters: Sequence[str] = ()) -> list[Any]:
        try:
            return self._connection().execute(query, parameters).fetchall()
        except sqlite3.Error as exc:
            raise PipelineError(str(self._path), None, f"the build cache cannot be read: {exc}") from None

    # --- freshness ------------------------------------------------------------------

    def fresh(self, project: Project, source: str, read: Read | None = None) -> bool:
        """Whether the article of ``source`` (relative path) needs no processing; what had
        to be read to tell goes into ``read``.

        The quick way first: when no folder the last build wrote into has changed (so none
        of the article's pages, fragments or template was added, removed or replaced), the
        files the article reads (its source, its catalog, its images) are compared by their
        ``stat`` signature alone, without reading the entry. Otherwise every file of the
        entry is checked, by signature, then by hash."""
        if self._outputs_ok:
            quick = self._quick.get(source)
            if quick and _quick_matches(f"{project.root}{os.sep}", quick):
                return True
        entry = self.articles.get(source)
        if entry is None:
            self.why[source] = "new" if not self.articles else "not built yet"
            return False
        root = project.root
        files: list[tuple[Any, Any]] = [(source, entry.get("source"))]
        written = entry.get("files", {})
        if entry.get("catalog_path") not in written:
            files.append((entry.get("catalog_path"), entry.get("catalog")))
        files += [(path, value) for path, value in written.items()]
        refreshed: list[tuple[str, FileIdentity]] = []
        prefix = f"{root}{os.sep}"
        for rel, value in files:
            if not isinstance(rel, str):
                return False
            if isinstance(value, list) and len(value) == 2 and isinstance(value[1], list):
                # the common case first, without objects: the signature recorded is the file's
                try:
                    info = os.stat(prefix + rel)
                except OSError:
                    info = None
                if info is not None and value[1] == [
                    info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino
                ]:  # fmt: skip
                    continue
            identity = FileIdentity.from_json(value) if value is not None else None
            if value is not None and identity is None:
                return False
            same, now = check(root / rel, identity, read, rel)
            if not same:
                self.why[source] = f"changed ({rel})"
                return False
            if now is not None:
                refreshed.append((rel, now))
        for rel, now in refreshed:  # touched, not changed
            if rel == source:
                entry["source"] = now.to_json()
            elif rel in written:
                written[rel] = now.to_json()
            else:
                entry["catalog"] = now.to_json()
        if refreshed or not self._quick.get(source):
            # a new signature to trust, or one the quick way can use from now on
            self.changed = True
            self._dirty.add(source)
        return True

    def record(
        self,
        project: Project,
        source: str,
        source_id: FileIdentity,
        catalog: str,
        catalog_id: FileIdentity | None,
        facts: dict[str, Any],
        issues: list[Issue],
        outputs: Iterable[tuple[Path | str, str | None, int]] = (),
        *,
        inputs: Iterable[tuple[Path, FileIdentity | None]] = (),
        fragments: Fragments | None = None,
        warnings: int | None = None,
        stored: tuple[str | None, Fragments] | None = None,
    ) -> None:
        """Remember one article as this run built it. ``catalog_id`` is the catalog as the
        run read it, or wrote it; ``outputs`` are the files the run made: their path, the
        hash of what was written (None: read it now) and the inode it was written to (0:
        not known). A file that is no longer what the run wrote (someone saved meanwhile)
        is not recorded: the article is built again next time. ``inputs`` are other files
        the article read (its images), as read (None: absent, and must stay so);
        ``fragments``: what the article gives the site-wide files. A caller that kept only
        the errors of ``issues`` gives the count of the others as ``warnings``, and may
        give the facts already serialized, with the fragments, as ``stored`` (``facts``
        is then their summary; None for the serialized facts: they, the manifest entry and
        the sitemap elements are in :attr:`staging`)."""
        files: dict[str, Any] = {}
        made_files: list[str] = []
        for output, digest, inode in outputs:
            path = Path(output)
            identity = _identity_now(path, digest, inode)
            if identity is None:
                self.forget({source})
                return
            rel = project.relative(path)
            files[rel] = identity.to_json()
            if rel != catalog:
                made_files.append(rel)
        for path, read in inputs:
            files[project.relative(path)] = read.to_json() if read is not None else None
        errors = [issue for issue in issues if issue.severity == "error"]
        if warnings is None:
            warnings = sum(1 for issue in issues if issue.severity == "warning")  # notes aside
        full: dict[str, Any] | str = facts
        self._staged.discard(source)
        if stored is not None:
            made_facts, fragments = stored
            if made_facts is None:  # in the staging file
                self._staged.add(source)
            full = made_facts if made_facts is not None else ""
        made = fragments or Fragments("", "", 0, [], [], {})
        summary = {key: facts[key] for key in SUMMARY_KEYS if key in facts}
        summary.update(notices=made.notices, images=made.images, feeds=made.feeds)
        self.articles[source] = {
            "source": source_id.to_json(),
            "catalog_path": catalog,
            "catalog": catalog_id.to_json() if catalog_id is not None else None,
            "files": files,
            "outputs": sorted(made_files),
            "facts": summary,
            "errors": [[i.location.path, i.location.line, i.code, i.message] for i in errors],
            "warnings": warnings,
        }
        for rel in made_files:
            self._outdirs[rel.rpartition("/")[0]] = None  # written into: its signature is taken at save
        self._built[source] = (full, made)
        self._summaries = None
        self._gone.discard(source)
        self.changed = True

    def wrote_folders(self) -> None:
        """Say that this run wrote into or removed from the output folders (pages of a
        vanished article, site files): their signatures are taken again at save, after
        the run's last change, instead of being kept from its start."""
        for folder in self._outdirs:
            self._outdirs[folder] = None

    def stale(self, source: str) -> None:
        """Keep what the last build made of ``source`` (its pages stay in the manifest) but
        build it again next time."""
        entry = self.articles.get(source)
        if entry is not None:
            entry["catalog"] = ["", None]
            entry["catalog_path"] = entry.get("catalog_path") or ""
            self.changed = True
            self._dirty.add(source)

    def forget(self, sources: Iterable[str]) -> None:
        for source in sources:
            if self.articles.pop(source, None) is not None or source in self.known:
                self._summaries = None
                self._gone.add(source)
                self._built.pop(source, None)
                self._staged.discard(source)
                self._dirty.discard(source)
                self.changed = True

    def previous(self, source: str) -> tuple[str, str] | None:
        """The slug and the source hash the last build knew for ``source``."""
        entry = self.known.get(source)
        if entry is None:
            return None
        identity = FileIdentity.from_json(entry.get("source"))
        slug = entry.get("facts", {}).get("slug")
        return (slug, identity.sha256) if isinstance(slug, str) and identity is not None else None

    def slugs(self, wanted: Collection[str] | None = None) -> dict[str, str]:
        """Source → slug of every article in the cache (``wanted``: of those whose slug is
        one of these), by source."""
        if wanted is not None and not wanted:
            return {}
        return dict(sorted((row[0], row[1]) for row in self._columns_of(("slug",), "slug", wanted)))

    def site_rows(self) -> list[tuple[str, str, str]]:
        """The source, slug and feed keys (as JSON) of every article as this run leaves the
        cache, by slug (then source): what the order of the site files and the choice of
        the feeds' articles need, without the rest of the summary."""
        return sorted(self._columns_of(("slug", "feeds")), key=itemgetter(1, 0))

    def images(self) -> dict[str, str]:
        """Source → images (as JSON) of every article that has any."""
        return {row[0]: row[1] for row in self._columns_of(("images",), "images", ["[]"], exclude=True)}

    def stored_summaries(self, sources: Iterable[str]) -> list[Summary] | None:
        """The summary of each of ``sources`` the database holds, as the last run left it
        (whatever this run recorded since), by source; None when the cache was not read
        from a database, or cannot be read."""
        if not self._read:
            return None
        wanted = sorted(set(sources))
        found: list[Summary] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT source, {', '.join(SUMMARY_COLUMNS)} FROM articles WHERE source IN ({marks})"
            try:
                found += (Summary(*row) for row in self._connection().execute(query, chunk).fetchall())
            except (sqlite3.Error, TypeError):
                return None  # (the caller counts every row: a damaged cache is found and replaced then)
        found.sort()
        return found

    def built_summaries(self) -> list[Summary]:
        """The summary of each article this run recorded, by source."""
        articles = self.articles
        return [Summary.of(source, articles[source]) for source in sorted(self._built) if source in articles]

    def _columns_of(
        self,
        names: tuple[str, ...],
        key: str | None = None,
        values: Collection[str] | None = None,
        *,
        exclude: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The source and the summary columns ``names`` of every article as this run
        leaves the cache (``key``, ``values``: only the rows whose column ``key`` is one
        of ``values``, or none of them with ``exclude``); one query, no JSON decoded."""
        picked = [SUMMARY_COLUMNS.index(name) + 1 for name in names]
        test = SUMMARY_COLUMNS.index(key) + 1 if key is not None else 0
        rows: list[tuple[Any, ...]] = []
        for source in self._built:
            if source in self.articles:
                row = Summary.of(source, self.articles[source])
                if values is None or (row[test] in values) != exclude:
                    rows.append((source, *(row[index] for index in picked)))
        if all(source in self._built for source in self.articles):
            return rows
        query = f"SELECT source, {', '.join(names if key is None else (*names, key))} FROM articles"
        parameters: list[str] = []
        if key is not None and values is not None and len(values) <= 500:  # (else filtered here only)
            parameters = sorted(values)
            query += f" WHERE {key} {'NOT ' if exclude else ''}IN ({','.join('?' * len(parameters))})"
        try:
            stored = self._connection().execute(query, parameters).fetchall()
        except sqlite3.Error:
            raise CacheDamaged("the summary columns") from None
        articles, built = self.articles.names(), self._built
        width = len(names) + 1
        rows += (
            row[:width] if key is not None else row
            for row in stored
            if row[0] in articles
            and row[0] not in built
            and (values is None or (row[-1] in values) != exclude)
        )
        return rows

    def issues(self, source: str) -> list[Issue]:
        """The error findings recorded for ``source``."""
        return [
            Issue(Location(str(path), int(line)), "error", str(code), str(message))
            for path, line, code, message in (self.state(source) if source in self.articles else {}).get(
                "errors", []
            )
        ]

    # --- writing --------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write what changed: the rows of the articles this run built, forgot or
        refreshed, and the settings, in one transaction (a killed run leaves the cache
        as it was)."""
        self.close()
        outdirs = self._output_folders(path.parent.parent)
        if outdirs != self.meta.get("outdirs"):
            self.meta["outdirs"] = outdirs
            self.changed = True
        if not self.changed and self.meta.get("settings") == self.settings:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or (path.exists() and not path.is_file() and not path.is_dir()):
            path.unlink()
        try:
            self._write(path)
        except sqlite3.OperationalError as exc:  # locked, a full disk: the cache is not to blame
            where = f"{path.parent.name}/{path.name}"  # .puente/build-cache.sqlite
            raise PipelineError(where, None, f"the build cache cannot be written: {exc}") from None
        except sqlite3.DatabaseError:
            # not a database (a damaged file): start again with everything this run knows
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self._gone.clear()
            missing = set(self.articles) - set(self._built)
            for source in missing:
                self.articles.pop(source)
            self.meta.pop("outdirs", None)  # the entries that would tell are gone
            self._write(path)

    def _output_folders(self, root: Path) -> dict[str, Any]:
        """The signature of every folder the articles' files are in: kept as it was at the
        start of the run for a folder found unchanged then and not written into since (a
        change made meanwhile is seen next time), taken now for the others. A folder whose
        last change is too recent to trust is waited for (at most :data:`RACY_NS`)."""
        if not self.articles:
            return {}
        recorded: dict[str, Any] = {}
        fresh = [folder for folder, sig in self._outdirs.items() if sig is None]
        for folder, sig in self._outdirs.items():
            if sig is not None:
                recorded[folder] = sig
        if not self.meta.get("outdirs") and not fresh:
            # a cache that never recorded its folders: every entry says where its files are
            self.articles.load()
            fresh = sorted({rel.rpartition("/")[0] for entry in self.articles.values()
                            for rel in entry.get("outputs", [])})  # fmt: skip
        deadline = 0
        for folder in fresh:
            sig = _folder_signature(root / folder)
            if sig is not None:
                deadline = max(deadline, sig[0] + RACY_NS)
        wait = deadline - time.time_ns()
        if wait > 0:
            time.sleep(wait / 1e9)  # a change in the same clock tick would not move the time
        for folder in fresh:
            recorded[folder] = _folder_signature(root / folder)
        return recorded

    def _write(self, path: Path) -> None:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            # no sync: a cache lost to a power cut, or damaged by one, only means a full build
            # (the rollback journal still undoes a killed run's transaction)
            db.execute("PRAGMA synchronous=OFF")
            staged = sorted(
                source for source in self._staged if source in self._built and source in self.articles
            )
            if staged:
                assert self.staging is not None
                db.execute("ATTACH DATABASE ? AS staging", (str(self.staging.path),))
            db.execute("BEGIN IMMEDIATE")
            if _stored_version(db) != CACHE_VERSION:
                # another layout: its tables go (the answers' tables are not the build's)
                db.execute("DROP TABLE IF EXISTS articles")
                db.execute("DROP TABLE IF EXISTS entries")
                db.execute("DROP TABLE IF EXISTS site_layout")
                db.execute("DROP TABLE IF EXISTS meta")
            for statement in re.sub(r"--[^\n]*", "", SCHEMA).split(";"):  # (comments may hold a ";")
                if statement.strip():
                    db.execute(statement)
            gone = [(source,) for source in sorted(self._gone)]
            db.executemany("DELETE FROM articles WHERE source = ?", gone)
            db.executemany("DELETE FROM entries WHERE source = ?", gone)
            insert_summary = (
                f"INSERT OR REPLACE INTO articles (source, quick, {', '.join(SUMMARY_COLUMNS)})"
                f" VALUES (?, ?{', ?' * len(SUMMARY_COLUMNS)})"
            )
            insert_entry = (
                "INSERT OR REPLACE INTO entries (source, state, ids, facts, manifest, sitemap, urls)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
            )
            for source, (facts, made) in sorted(self._built.items()):  # a row at a time, made as written
                if source in self.articles:
                    entry = self.articles[source]
                    quick, state, ids = _columns(source, entry)
                    db.execute(insert_summary, (source, quick, *Summary.of(source, entry)[1:]))
                    serialized = facts if isinstance(facts, str) else dumps(facts)
                    db.execute(
                        insert_entry, (source, state, ids, serialized, made.manifest, made.sitemap, made.urls)
                    )
            if staged:
                db.executemany(  # the staged articles' facts and site parts, copied file to file
                    "UPDATE entries SET facts = s.facts, manifest = s.manifest, sitemap = s.sitemap,"
                    " urls = s.urls FROM staging.staged AS s"
                    " WHERE s.source = ? AND entries.source = s.source",
                    [(source,) for source in staged],
                )
            dirty = [
                (source, _columns(source, self.articles[source]))
                for source in sorted(self._dirty - set(self._built))
                if source in self.articles
            ]
            db.executemany("UPDATE articles SET quick = ? WHERE source = ?", [(c[0], s) for s, c in dirty])
            db.executemany(
                "UPDATE entries SET state = ?, ids = ? WHERE source = ?", [(c[1], c[2], s) for s, c in dirty]
            )
            if self.layout is not None:
                db.execute(
                    "INSERT OR REPLACE INTO site_layout (id, sources, manifest, sitemap, urls)"
                    " VALUES (0, ?, ?, ?, ?)",
                    self.layout.to_row(),
                )
            meta = {**self.meta, "version": CACHE_VERSION, "settings": self.settings}
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(key, dumps(value)) for key, value in sorted(meta.items())],
            )
            db.execute("COMMIT")
        finally:
            db.close()
        self._built.clear()
        self._staged.clear()
        self._dirty.clear()
        self._gone.clear()
        self.changed = False


def _stored_version(db: sqlite3.Connection) -> Any:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.OperationalError:
        return None  # no table yet
    try:
        return json.loads(row[0]) if row is not None else None
    except ValueError:
        return None


def _columns(source: str, entry: dict[str, Any]) -> tuple[str, str, str]:
    """The ``quick``, ``state`` and ``ids`` columns of the entry of ``source``."""
    state = {key: value for key, value in entry.items() if key not in IDENTITY_KEYS}
    ids = {key: entry[key] for key in IDENTITY_KEYS if key in entry}
    return _quick(source, entry), dumps(state), dumps(ids)


def _quick(source: str, entry: dict[str, Any]) -> str:
    """The files an article reads (its source, its catalog, its images), one line each:
    the path, a tab and the ``stat`` signature (``-``: must not exist); "" when one of
    them has no signature to trust (the entry is then checked the slow way)."""
    files = entry.get("files", {})
    outputs = set(entry.get("outputs", ()))
    catalog = entry.get("catalog_path")
    reads: list[tuple[Any, Any]] = [(source, entry.get("source"))]
    reads.append((catalog, files.get(catalog, entry.get("catalog"))))
    reads += [(rel, value) for rel, value in files.items() if rel not in outputs and rel != catalog]
    lines = []
    for rel, value in reads:
        if not isinstance(rel, str) or "\t" in rel or "\n" in rel:
            return ""
        if value is None:
            lines.append(f"{rel}\t-")
            continue
        identity = FileIdentity.from_json(value)
        if identity is None or identity.sig is None:
            return ""
        size, mtime, ctime, inode = identity.sig
        lines.append(f"{rel}\t{size} {mtime} {ctime} {inode}")
    return "\n".join(lines)


def _quick_matches(prefix: str, quick: str) -> bool:
    """Whether every file of a ``quick`` column still has the signature it records."""
    for line in quick.split("\n"):
        rel, _, sig = line.partition("\t")
        try:
            info = os.stat(prefix + rel)
        except FileNotFoundError:
            if sig == "-":
                continue
            return False
        except OSError:
            return False
        if sig != f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}":
            return False
    return True


def _folder_signature(path: Path) -> list[int] | None:
    """A folder's modification and change times and inode (None: not a folder)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    return [info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def dumps(value: Any) -> str:
    """JSON as the build cache and the answers keep it."""
    # compact: JSON's C encoder (an indented dump takes the pure-Python path)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _identity_now(path: Path, digest: str | None, inode: int = 0) -> FileIdentity | None:
    """The identity of a file the run just wrote; None when it is not there or no longer
    the file the run wrote (another inode: someone replaced it meanwhile)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if inode and info.st_ino != inode:
        return None
    if digest is not None:
        if time.time_ns() - info.st_mtime_ns < RACY_NS:
            return FileIdentity(digest, None)
        return FileIdentity(digest, signature(info))
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return FileIdentity.of(data, info if info.st_size == len(data) else None)
