"""The build cache, ``.puente/build-cache.json``: what the last build made of each article.

Per source file: the identity of the source, its catalog and template, and its pages
as the build left them, the facts the manifest and the summary need, and its
findings. An article is not processed again while every one of those files is
unchanged and the run's settings (Puente's and Babel's versions, the termbase, the
page template, the configuration, the engine and its version) are the same.

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
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.files import commit, read_with_stat, stage
from pipeline.model import Issue, Location
from pipeline.project import Project

CACHE_VERSION = 2
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


class BuildCache:
    """The cache of one project (see the module docstring)."""

    def __init__(self, settings: str, articles: dict[str, dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.articles: dict[str, dict[str, Any]] = articles or {}
        self.changed = False
        self.why: dict[str, str] = {}  # source → why it is not fresh (for -v)
        self.reset = ""
        # what the last build knew of each source, whatever the settings now: where its
        # article's files are (a slug change or a renamed source carries them over)
        self.known: dict[str, dict[str, Any]] = dict(self.articles)

    @classmethod
    def load(cls, path: Path, settings: str) -> BuildCache:
        """The cache at ``path`` if it was written with the same settings, else an empty one."""
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError):
            return cls(settings)
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls(settings)
        found = data.get("articles")
        articles: dict[str, Any] = found if isinstance(found, dict) else {}
        if data.get("settings") != settings:
            cache = cls(settings)
            cache.reset = "settings changed (versions, termbase, template, configuration or engine)"
        else:
            cache = cls(settings, articles)
        cache.known = {rel: entry for rel, entry in articles.items() if isinstance(entry, dict)}
        return cache

    def save(self, path: Path) -> None:
        payload = {"version": CACHE_VERSION, "settings": self.settings, "articles": self.articles}
        # compact: JSON's C encoder (an indented dump takes the pure-Python path)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
        commit(stage([(path, text)]), durable=False)

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
        for rel, value in files:
            if not isinstance(rel, str):
                return False
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
    ) -> None:
        """Remember one article as this run built it. ``catalog_id`` is the catalog as the
        run read it, or wrote it; ``outputs`` are the files the run made: their path, the
        hash of what was written (None: read it now) and the inode it was written to (0:
        not known). A file that is no longer what the run wrote (someone saved meanwhile)
        is not recorded: the article is built again next time. ``inputs`` are other files
        the article read (its images), as read (None: absent, and must stay so)."""
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
        self.articles[source] = {
            "source": source_id.to_json(),
            "catalog_path": catalog,
            "catalog": catalog_id.to_json() if catalog_id is not None else None,
            "files": files,
            "facts": facts,
            "errors": [[i.location.path, i.location.line, i.code, i.message] for i in errors],
            "warnings": sum(1 for issue in issues if issue.severity == "warning"),  # notes aside
        }

    def stale(self, source: str) -> None:
        """Keep what the last build made of ``source`` (its pages stay in the manifest) but
        build it again next time."""
        entry = self.articles.get(source)
        if entry is not None:
            entry["catalog"] = ["", None]
            entry["catalog_path"] = entry.get("catalog_path") or ""
            self.changed = True

    def forget(self, sources: Iterable[str]) -> None:
        for source in sources:
            self.articles.pop(source, None)

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
