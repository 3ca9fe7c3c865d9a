"""Build again whenever an input of the project changes (``puente watch``).

A rebuild in a process that stays up costs what the change touches and little else: the
modules, the locale data and the Markdown parser are loaded once, not for every edit (a
third of a one-article rebuild from the command line). Each build is the one
``puente build`` makes, with the same guarantees: every input is checked by its
signature as in any build, bad input is reported and nothing is written, and the build
lock is held only while a build runs, so that ``status``, ``check`` or another tool can
run between two builds (a build that finds the lock taken waits for it).

The events come from the operating system through watchfiles (inotify on Linux). What
the builds write (the output folder, the state folder, the templates), hidden files and
folders (editors' swap files, Puente's own temporary files, ``.git``, ``.venv``) and
backups are not inputs and start no build. The events are a hint, not the truth: a build
of :data:`FOLLOW_UP` articles or more is followed by one more, which checks every input
by its signature again, so that a save the events missed while a build wrote thousands
of files (the kernel's queue of events can overflow) is built then.

The catalogs a build writes are inputs too (a translator saves them): their events come
after the build, and a catalog still as the build left it starts nothing
(:class:`LeftByBuild`), where it used to start a build that found nothing to do (at
10,000 articles, the time of a no-op rebuild after every edit).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.cache import RACY_NS, Signature, signature
from pipeline.project import Project

IGNORED_ENDINGS = (".tmp", ".swp", ".swx", ".swo", ".part", "~")
"""Names of files that are never an input: temporary files (Puente's own, hidden and
ending in ``.tmp``; editors' swap and backup files)."""

IGNORED_FOLDERS = frozenset({"__pycache__", "node_modules"})

QUIET_MS = 50
"""How long the project must be still after a change before the build starts (an editor's
save can be several events: a temporary file, a rename, a change of mode); while changes
keep coming, at most watchfiles' debounce (1.6 s)."""

FOLLOW_UP = 100
"""A build that processed this many articles or more is followed by one more at once."""

WAKE_MS = 500
"""How often the wait for events wakes when nothing happens (to see ``stop``)."""


def is_input(current: Callable[[], Project]) -> Callable[[Any, str], bool]:
    """Whether a changed path (as the events name it) may be an input of the project
    ``current()`` returns (its settings may move the output folder between builds)."""
    seen: list[tuple[Project, Path, list[Path]]] = []

    def skipped(project: Project) -> tuple[Path, list[Path]]:
        if not seen or seen[0][0] is not project:
            root = project.root.resolve()
            folders = [
                project.output_dir.resolve(),
                project.state_dir.resolve(),
                (project.locales_dir / "templates").resolve(),
            ]
            seen[:] = [(project, root, folders)]
        return seen[0][1], seen[0][2]

    def wanted(_change: Any, path: str) -> bool:
        root, folders = skipped(current())
        changed = Path(path)
        name = changed.name
        if name.startswith(("#", ".")) or name.endswith(IGNORED_ENDINGS):
            return False
        if changed.is_relative_to(root):
            parts = changed.relative_to(root).parts[:-1]
            if any(part.startswith(".") or part in IGNORED_FOLDERS for part in parts):
                return False
        return not any(changed == folder or changed.is_relative_to(folder) for folder in folders)

    return wanted


def preload(project: Project) -> None:
    """Load what the first article a process builds loads (the per-article steps, the
    Markdown parser, the locale data of the project's languages), so that the first edit
    of a session is not the one that waits for it."""
    from babel import Locale

    from pipeline import steps  # noqa: F401
    from pipeline.sources import _markdown

    _markdown()
    for lang in project.config.languages:
        Locale.parse(project.config.locale(lang))


def between_builds() -> None:
    """Leave the process as a new ``puente build`` would find it: the draft rules'
    analysers stopped (one that failed is tried again by the next build), the last
    build's objects collected."""
    rules = sys.modules.get("pipeline.rules")
    if rules is not None:
        rules.close_analysers()
    gc.collect()


class LeftByBuild:
    """The catalogs the last build wrote, as it left them: an event on one of them that is
    still as the build left it (its ``stat`` signature) is the build's own write, not a
    change to build. A catalog whose last change is too recent to trust by its signature
    (a save in the same clock tick would not move it, see :data:`~pipeline.cache.RACY_NS`)
    is not remembered: its event starts a build, as any other."""

    def __init__(self) -> None:
        self._left: dict[str, Signature] = {}

    def remember(self, project: Project, written: list[str]) -> None:
        """What the build that just ended wrote (``written``: catalogs, relative to the
        project); an empty list after a build that failed."""
        self._left = {}
        root = project.root.resolve()
        now = time.time_ns()
        for rel in written:
            path = str(root / rel)
            try:
                info = os.stat(path)
            except OSError:
                continue
            if now - info.st_mtime_ns >= RACY_NS:
                self._left[path] = signature(info)

    def changed(self, paths: set[str]) -> set[str]:
        """``paths`` but the files still as the last build left them."""
        kept = set()
        for path in paths:
            left = self._left.get(path)
            if left is not None:
                try:
                    if signature(os.stat(path)) == left:
                        continue
                except OSError:
                    pass
            kept.add(path)
        return kept


def changes(
    current: Callable[[], Project],
    ready: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> Iterator[set[str]]:
    """Each burst of changes to the inputs of the project ``current()`` returns (the
    paths changed, but a file made and removed within the burst: a tool's temporary
    file), once the project has been still for :data:`QUIET_MS`. ``ready`` is called
    once the events are being watched (the first build: what changes while it runs
    comes with the first burst); changes made while the caller works on a burst come
    with the next one. Ends when ``stop`` is set (Ctrl-C raises KeyboardInterrupt)."""
    from watchfiles import Change, watch

    for batch in watch(
        current().root.resolve(),
        watch_filter=is_input(current),
        step=QUIET_MS,
        stop_event=stop,
        raise_interrupt=True,
        rust_timeout=WAKE_MS,
        yield_on_timeout=True,
    ):
        if ready is not None:
            ready()
            ready = None
        seen: dict[str, set[Change]] = {}
        for change, path in batch:
            seen.setdefault(path, set()).add(change)
        paths = {
            path
            for path, kinds in seen.items()
            if not (Change.added in kinds and Change.deleted in kinds and not Path(path).exists())
        }
        if paths:
            yield paths


__all__ = ["FOLLOW_UP", "QUIET_MS", "LeftByBuild", "between_builds", "changes", "is_input", "preload"]
