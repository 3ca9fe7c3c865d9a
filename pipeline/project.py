"""A Puente project on disk: one object knows its layout, its settings and its lock.

::

    puente.toml                            settings (optional)
    sources/<slug>.md | .html              the articles
    glossary/*.tbx                         the termbase
    templates/page.html                    the page template (optional)
    locales/templates/<slug>.pot           one template per article
    locales/<lang>/LC_MESSAGES/<slug>.po   one catalog per article and target language
    build/ (or [build] output)             pages, fragments, manifest
    .puente/                               memory, build cache, lock

A folder is a project when it holds ``sources/`` or ``puente.toml``: anything else
is refused before a single file or folder is made.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CONFIG_NAME, Config, load_config
from pipeline.errors import BuildError, GlossaryError, ProjectError, ProjectLocked
from pipeline.files import read_limited, relative_to, sweep
from pipeline.parallel import fork_safe_fd, release_fd

SOURCE_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
LOCK_NAME = "build.lock"
MEMORY_NAME = "memory.sqlite"
CACHE_NAME = "build-cache.sqlite"


FINISHED = " finished"
"""What the lock file says after a command ended (its temporary files are gone)."""

TERMBASE_LIMIT = 64 * 1024 * 1024
"""The largest termbase file read."""


def termbase_digest(files: list[tuple[Path, str, bytes]]) -> str:
    """A hash of the names and bytes of termbase files (see :meth:`Project.termbase_files`)."""
    digest = hashlib.sha256(b"termbases")
    for _, relative, raw in files:
        digest.update(relative.encode() + b"\0" + hashlib.sha256(raw).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Project:
    """The layout and settings of one project; ``output_dir`` is where pages go (the
    configured folder unless a command says otherwise)."""

    root: Path
    config: Config
    output_dir: Path

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def glossary_dir(self) -> Path:
        return self.root / "glossary"

    @property
    def state_dir(self) -> Path:
        """Puente's own working files (translation memory, build cache, lock)."""
        return self.root / ".puente"

    @property
    def memory_path(self) -> Path:
        return self.state_dir / MEMORY_NAME

    @property
    def cache_path(self) -> Path:
        return self.state_dir / CACHE_NAME

    @property
    def page_template(self) -> Path | None:
        """The project's own page template, if it has one."""
        path = self.root / "templates" / "page.html"
        return path if path.is_file() else None

    def pot_path(self, slug: str) -> Path:
        return self.locales_dir / "templates" / f"{slug}.pot"

    def po_path(self, slug: str, lang: str) -> Path:
        return self.locales_dir / lang / "LC_MESSAGES" / f"{slug}.po"

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root, with forward slashes."""
        return relative_to(path, self.root)

    def inside(self, path: Path) -> bool:
        """Whether ``path``, links resolved, is inside the project (a link in ``sources/``
        to an article elsewhere on the machine is not published)."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except (ValueError, OSError, RuntimeError):
            return False
        return True

    def termbase_files(self, limit: int = TERMBASE_LIMIT) -> list[tuple[Path, str, bytes]]:
        """Every ``glossary/*.tbx``: its path, its name in messages and its bytes (a link
        out of the project is refused: :mod:`pipeline.termbase` reads them)."""
        files = []
        for path in sorted(self.glossary_dir.glob("*.tbx")):
            relative = self.relative(path)
            if not self.inside(path):
                raise GlossaryError(relative, None, "links outside the project: copy the file into glossary/")
            files.append((path, relative, read_limited(path, relative, GlossaryError, limit)))
        return files

    def termbase_digest(self) -> str:
        """A hash of the names and bytes of the termbase files, without parsing them."""
        return termbase_digest(self.termbase_files())

    def source_paths(self) -> list[Path]:
        """Every article file in ``sources/``, sorted by name."""
        folder = self.sources_dir
        return [folder / name for name in self.source_names()]

    def source_names(self) -> list[str]:
        """The names of :meth:`source_paths` (without making a path of each)."""
        try:
            with os.scandir(self.sources_dir) as found:
                # the folder's listing says which entries are files (no stat, but for links)
                return sorted(entry.name for entry in found if _source_suffix(entry.name) and _is_file(entry))
        except FileNotFoundError:
            return []

    def catalog_paths(self) -> list[Path]:
        """Every target-language catalog of the project."""
        return [
            path
            for lang in self.config.languages
            for path in sorted((self.locales_dir / lang / "LC_MESSAGES").glob("*.po"))
        ]

    def working_folders(self) -> list[Path]:
        """The folders Puente writes files into (where a killed run can leave a temporary one)."""
        out = self.output_dir
        folders = [self.state_dir, self.glossary_dir, self.locales_dir / "templates", out, out / "review"]
        for lang in self.config.languages:
            folders += [self.locales_dir / lang / "LC_MESSAGES", out / lang]
        return folders

    @contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold ``.puente/build.lock`` while ``command`` (whatever rewrites catalogs, pages,
        the termbase or the memory) runs, or fail at once naming the run that holds it.

        The lock file is opened without following links (a link planted there could make
        Puente overwrite another file). Once taken, the temporary files a killed run left
        in the project's folders are removed, and again when the command fails (what
        worker processes that died had staged)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            reason = "is a link: remove it" if path.is_symlink() else (exc.strerror or str(exc))
            raise BuildError(".puente/build.lock", None, f"cannot open the lock file: {reason}") from None
        with open(fd, "r+") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                pid, _, holder = (
                    handle.read(200).strip().removesuffix(FINISHED.strip()).strip().partition(" ")
                )
                raise ProjectLocked(
                    ".puente/build.lock",
                    None,
                    f"another {holder or 'puente command'} is running on this project "
                    f"(pid {pid or 'unknown'}); wait for it to finish",
                ) from None
            handle.seek(0)
            last = handle.read(200)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {command}")
            handle.flush()
            fork_safe_fd(handle.fileno())  # workers must not hold it after a killed build
            if not last.endswith(FINISHED):
                sweep(self.working_folders())  # a killed run's leftovers
            try:
                yield
            except BaseException:
                sweep(self.working_folders())  # what workers that died (out of memory?) staged
                raise
            finally:
                # the next command need not look for leftovers (a run killed before this
                # line leaves the lock file without the mark: the next one sweeps)
                handle.seek(0)
                handle.write(f"{os.getpid()} {command}{FINISHED}")
                handle.flush()
                release_fd(handle.fileno())
                # unlocked before it is closed: a child forked meanwhile shares this open file
                # and, until its fork hook has run, would otherwise keep the lock after us
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _source_suffix(name: str) -> bool:
    """Whether ``name`` ends with a source's suffix, as :func:`os.path.splitext` cuts it
    (leading dots are not a suffix), without its cost over thousands of names."""
    head, dot, suffix = name.rpartition(".")
    return bool(dot) and f".{suffix.lower()}" in SOURCE_SUFFIXES and bool(head.strip("."))


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Whether a folder entry is a regular file (a link to one included; a looping or
    broken link is not one)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def is_project(root: Path) -> bool:
    return (root / "sources").is_dir() or (root / CONFIG_NAME).is_file()


def open_project(root: Path, output: Path | None = None) -> Project:
    """The project at ``root``, its settings validated; raise :class:`ProjectError` (and
    create nothing) when ``root`` is not a project folder."""
    if not root.exists():
        raise ProjectError(str(root), None, "no such folder")
    if not root.is_dir():
        raise ProjectError(str(root), None, "not a folder")
    if not is_project(root):
        raise ProjectError(
            str(root),
            None,
            "not a Puente project: it has no sources/ folder and no puente.toml "
            "(run puente in the project folder, or pass --root)",
        )
    config = load_config(root)
    out = output if output is not None else root / config.output
    return Project(root=root, config=config, output_dir=out)
