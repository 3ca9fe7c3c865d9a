"""The build cache, ``.puente/build-cache.sqlite``: what the last build made of each article.

Per source file: the identity of the source, its catalog and template, and its pages
as the build left them, the facts the manifest and the summary need, its findings,
and what it gives the site-wide files (its manifest entry and sitemap elements,
serialized when it was built). A run reads the small state of every article (one
row each) and writes back only the rows of the articles it built: the cost of a run
follows what changed, not the size of the project. An article is not processed
again while every one of those files is unchanged and the run's settings (Puente's
and Babel's versions, the termbase, the page template, the configuration, the engine
and its version) are the same.

"Unchanged" is decided the way version control does: a file whose ``stat``
signature (size, modification and change times, inode) is the one recorded is
unchanged, without reading it; only when the signature differs, or was taken so soon
after the file was written that a same-size edit in the same clock tick could hide
(a "racy" signature), is its content hashed and compared. The change time (ctime)
cannot be set by a tool, so an edit that restores the old modification time is
still seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.files import read_with_stat
from pipeline.model import Issue, Location
from pipeline.project import Project

CACHE_VERSION = 3
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
    def of(cls, data: bytes, info: os.stat_result | None) -> FileIdentity:
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
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL,     -- JSON: file identities, errors, and the summary of the facts
    facts TEXT NOT NULL,     -- JSON: every fact of the article (the feeds, the review index)
    manifest TEXT NOT NULL,  -- the article's entry of build/manifest.json, serialized
    sitemap TEXT NOT NULL,   -- its <url> elements of build/sitemap.xml, serialized
    urls INTEGER NOT NULL    -- how many <url> elements that is
);
"""

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


class BuildCache:
    """The cache of one project (see the module docstring), kept in SQLite: a run reads
    the small state of every article and writes only the rows of what it built."""

    def __init__(self, settings: str, articles: dict[str, dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.articles: dict[str, dict[str, Any]] = articles or {}
        self.changed = False
        self.why: dict[str, str] = {}  # source → why it is not fresh (for -v)
        self.reset = ""
        # what the last build knew of each source, whatever the settings now: where its
        # article's files are (a slug change or a renamed source carries them over)
        self.known: dict[str, dict[str, Any]] = dict(self.articles)
        self.meta: dict[str, Any] = {}
        self._db: sqlite3.Connection | None = None
        self._path: Path | None = None
        self._dirty: set[str] = set()  # rows whose state changed
        self._built: dict[str, tuple[dict[str, Any] | str, Fragments]] = {}  # rows recorded by this run
        self._gone: set[str] = set()  # rows to delete

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
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            try:
                meta = {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
                rows = db.execute("SELECT source, state FROM articles").fetchall()
            finally:
                db.close()
        except (sqlite3.Error, ValueError):
            return cache
        if meta.get("version") != CACHE_VERSION:
            return cache
        articles: dict[str, dict[str, Any]] = {}
        for source, state in rows:
            try:
                entry = json.loads(state)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("facts"), dict):
                articles[source] = entry
        cache.known = articles
        cache.meta = meta
        if meta.get("settings") != settings:
            cache.reset = "settings changed (versions, termbase, template, configuration or engine)"
            cache._gone = set(articles)
            cache.changed = bool(articles)
        else:
            cache.articles = dict(articles)
        return cache

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

    def facts(self, sources: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Every fact of each of ``sources`` (as this run recorded it, else as stored)."""
        found: dict[str, dict[str, Any]] = {}
        built, stored = self._split(sources)
        for source in built:
            made = self._built[source][0]
            found[source] = json.loads(made) if isinstance(made, str) else made
        for start in range(0, len(stored), 500):
            chunk = stored[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(f"SELECT source, facts FROM articles WHERE source IN ({marks})", chunk)
            found.update((source, json.loads(facts)) for source, facts in rows)
        return found

    def fragments(self, sources: Iterable[str]) -> dict[str, tuple[str, str, int]]:
        """The manifest entry, the sitemap elements and their count of each of ``sources``."""
        built, stored = self._split(sources)
        found = {source: self._built[source][1].row for source in built}
        if stored:
            wanted = set(stored)
            rows = self._rows("SELECT source, manifest, sitemap, urls FROM articles")
            found.update((row[0], (row[1], row[2], row[3])) for row in rows if row[0] in wanted)
        return found

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
        to be read to tell goes into ``read``."""
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
        outputs: Iterable[tuple[Path, str | None, int]] = (),
        *,
        inputs: Iterable[tuple[Path, FileIdentity | None]] = (),
        fragments: Fragments | None = None,
        warnings: int | None = None,
        stored: tuple[str, Fragments] | None = None,
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
        is then their summary)."""
        files: dict[str, Any] = {}
        for path, digest, inode in outputs:
            identity = _identity_now(path, digest, inode)
            if identity is None:
                self.forget({source})
                return
            files[project.relative(path)] = identity.to_json()
        for path, read in inputs:
            files[project.relative(path)] = read.to_json() if read is not None else None
        errors = [issue for issue in issues if issue.severity == "error"]
        if warnings is None:
            warnings = sum(1 for issue in issues if issue.severity == "warning")  # notes aside
        full: dict[str, Any] | str = facts
        if stored is not None:
            full, fragments = stored
        made = fragments or Fragments("", "", 0, [], [], {})
        summary = {key: facts[key] for key in SUMMARY_KEYS if key in facts}
        summary.update(notices=made.notices, images=made.images, feeds=made.feeds)
        self.articles[source] = {
            "source": source_id.to_json(),
            "catalog_path": catalog,
            "catalog": catalog_id.to_json() if catalog_id is not None else None,
            "files": files,
            "facts": summary,
            "errors": [[i.location.path, i.location.line, i.code, i.message] for i in errors],
            "warnings": warnings,
        }
        self._built[source] = (full, made)
        self._gone.discard(source)
        self.changed = True

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
                self._gone.add(source)
                self._built.pop(source, None)
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

    def slugs(self) -> dict[str, str]:
        """Source → slug of every article in the cache."""
        return {rel: entry["facts"].get("slug", "") for rel, entry in self.articles.items()}

    def issues(self, source: str) -> list[Issue]:
        """The error findings recorded for ``source``."""
        return [
            Issue(Location(str(path), int(line)), "error", str(code), str(message))
            for path, line, code, message in self.articles.get(source, {}).get("errors", [])
        ]

    # --- writing --------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write what changed: the rows of the articles this run built, forgot or
        refreshed, and the settings, in one transaction (a killed run leaves the cache
        as it was)."""
        self.close()
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
            self._write(path)

    def _write(self, path: Path) -> None:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            # no sync: a cache lost to a power cut, or damaged by one, only means a full build
            # (the rollback journal still undoes a killed run's transaction)
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            db.executemany("DELETE FROM articles WHERE source = ?", [(s,) for s in sorted(self._gone)])
            db.executemany(
                "INSERT OR REPLACE INTO articles (source, state, facts, manifest, sitemap, urls)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        source,
                        dumps(self.articles[source]),
                        facts if isinstance(facts, str) else dumps(facts),
                        made.manifest,
                        made.sitemap,
                        made.urls,
                    )
                    for source, (facts, made) in sorted(self._built.items())
                    if source in self.articles
                ],
            )
            db.executemany(
                "UPDATE articles SET state = ? WHERE source = ?",
                [
                    (dumps(self.articles[source]), source)
                    for source in sorted(self._dirty - set(self._built))
                    if source in self.articles
                ],
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
        self._dirty.clear()
        self._gone.clear()
        self.changed = False


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
