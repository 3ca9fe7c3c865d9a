"""Build again whenever an input of the project changes (``puente watch``).

A rebuild in a process that stays up costs what the change touches and little else: the
modules, the locale data and the Markdown parser are loaded once, not for every edit (a
third of a one-article rebuild from the command line). Each build is the one
``puente build`` makes, with the same guarantees: every input is checked by its
signature as in any build (a change the file-system events missed is still seen), bad
input is reported and nothing is written, and the build lock is held only while a build
runs, so that ``status``, ``check`` or another tool can run between two builds.

The events come from the operating system through watchfiles (inotify on Linux). What
the builds write (the output folder, the state folder, the templates) and the temporary
files of editors and of Puente itself are not inputs and start no build; the catalogs a
build writes do start one more, which finds nothing to do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.project import Project

IGNORED_ENDINGS = (".tmp", ".swp", ".swx", ".swo", ".part", "~")
"""Names of files that are never an input: temporary files (Puente's own, hidden and
ending in ``.tmp``; editors' swap and backup files)."""

QUIET_MS = 50
"""How long the project must be still after a change before the build starts (an editor's
save can be several events: a temporary file, a rename, a change of mode)."""

WAKE_MS = 100
"""How often the wait for events wakes when nothing happens (to see ``stop``)."""


def is_input(project: Project) -> Callable[[Any, str], bool]:
    """Whether a changed path (as the events name it) may be an input of ``project``."""
    root = project.root.resolve()
    skipped = [
        project.output_dir.resolve(),
        project.state_dir.resolve(),
        (project.locales_dir / "templates").resolve(),
        root / ".git",
    ]

    def wanted(_change: Any, path: str) -> bool:
        changed = Path(path)
        name = changed.name
        if name.startswith((".", "#")) or name.endswith(IGNORED_ENDINGS):
            return False
        return not any(changed == folder or changed.is_relative_to(folder) for folder in skipped)

    return wanted


def changes(
    project: Project, ready: Callable[[], None] | None = None, stop: threading.Event | None = None
) -> Iterator[set[str]]:
    """Each burst of changes to the inputs of ``project`` (the paths changed, but a file
    made and removed within the burst: a tool's temporary file), once the project has
    been still for :data:`QUIET_MS`. ``ready`` is called once the events are being
    watched (the first build: what changes while it runs comes with the first burst);
    changes made while the caller works on a burst come with the next one. Ends when
    ``stop`` is set (Ctrl-C raises KeyboardInterrupt)."""
    from watchfiles import Change, watch

    for batch in watch(
        project.root.resolve(),
        watch_filter=is_input(project),
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


__all__ = ["QUIET_MS", "changes", "is_input"]
