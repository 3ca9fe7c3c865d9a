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

from pipeline.files import commit, stage
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


def identify(path: Path, identity: FileIdentity | None) -> bool:
    """Whether the file at ``path`` is still ``identity`` (None: still absent)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return identity is None
    except OSError:
        return False
    if identity is None:
        return False
    if identity.sig is not None and signature(info) == identity.sig:
        return True
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == identity.sha256


class BuildCache:
    """The cache of one project (see the module docstring)."""

    def __init__(self, settings: str, articles: dict[str, dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.articles: dict[str, dict[str, Any]] = articles or {}

    @classmethod
    def load(cls, path: Path, settings: str) -> BuildCache:
        """The cache at ``path`` if it was written with the same settings, else an empty one."""
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError):
            return cls(settings)
        if (
            not isinstance(data, dict)
            or data.get("version") != CACHE_VERSION
            or data.get("settings") != settings
            or not isinstance(data.get("articles"), dict)
        ):
            return cls(settings)
        return cls(settings, data["articles"])

    def save(self, path: Path) -> None:
        payload = {"version": CACHE_VERSION, "settings": self.settings, "articles": self.articles}
        # compact: JSON's C encoder (an indented dump takes the pure-Python path)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
        commit(stage([(path, text)]), durable=False)

    def fresh(self, project: Project, source: str) -> bool:
        """Whether the article of ``source`` (relative path) needs no processing."""
        entry = self.articles.get(source)
        if entry is None:
            return False
        root = project.root
        files = [(source, entry.get("source")), (entry.get("catalog_path"), entry.get("catalog"))]
        files += [(path, value) for path, value in entry.get("files", {}).items()]
        for rel, value in files:
            if not isinstance(rel, str):
                return False
            identity = FileIdentity.from_json(value) if value is not None else None
            if value is not None and identity is None:
                return False
            if not identify(root / rel, identity):
                return False
        return True

    def record(
        self,
        project: Project,
        source: str,
        source_id: FileIdentity,
        catalog: str,
        catalog_id: FileIdentity | None,
        catalog_written: bool,
        facts: dict[str, Any],
        issues: list[Issue],
        outputs: Iterable[tuple[Path, str | None]] = (),
        *,
        inputs: Iterable[tuple[Path, FileIdentity | None]] = (),
    ) -> None:
        """Remember one article as this run built it. ``catalog_id`` is the catalog as it
        was read (a catalog the run wrote is identified again now); ``outputs`` are the
        files it made, with the hash of what it wrote (None: read them); ``inputs`` other
        files it read (its images), as read (None: absent, and must stay so)."""
        root = project.root
        if catalog_written:
            catalog_id = _identity_now(root / catalog, None)
        files: dict[str, Any] = {}
        for path, digest in outputs:
            identity = _identity_now(path, digest)
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
            "warnings": len(issues) - len(errors),
        }

    def forget(self, sources: Iterable[str]) -> None:
        for source in sources:
            self.articles.pop(source, None)

    def slugs(self) -> dict[str, str]:
        """Source → slug of every article in the cache."""
        return {rel: entry["facts"].get("slug", "") for rel, entry in self.articles.items()}

    def issues(self, source: str) -> list[Issue]:
        """The error findings recorded for ``source``."""
        return [
            Issue(Location(str(path), int(line)), "error", str(code), str(message))
            for path, line, code, message in self.articles.get(source, {}).get("errors", [])
        ]


def _identity_now(path: Path, digest: str | None) -> FileIdentity | None:
    """The identity of a file the run just wrote; None when it is not there or no longer
    holds what the run wrote (``digest``; None: whatever it holds now)."""
    try:
        info = os.stat(path)
    except OSError:
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
