"""What the fault tests share: a fake engine on PATH, the real command in a subprocess,
a snapshot of everything a run may write, and the faults a machine can have (a full
disk, a read-only or immutable folder)."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO


def written_state(root: Path) -> dict[str, bytes]:
    """Every file a run may write (catalogs, pages, manifest, memory, cache), with its bytes;
    the memory as what it holds (its SQL dump, committed write-ahead log included: the
    -wal and -shm files come and go as readers open and close it)."""
    found = {}
    for folder in ("locales", "build"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = path.read_bytes()
    memory = root / ".puente" / "memory.sqlite"
    if memory.exists():
        found[".puente/memory.sqlite"] = memory_dump(memory)
    for name in ("build-cache.sqlite", "build-cache.sqlite-journal"):
        path = root / ".puente" / name
        if path.exists():
            found[f".puente/{name}"] = path.read_bytes()
    return found


def memory_dump(path: Path) -> bytes:
    """Everything the translation memory at ``path`` holds, as SQL."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return "\n".join(db.iterdump()).encode("utf-8")


def fake_engine(folder: Path, script: str) -> dict[str, str]:
    """An environment whose PATH starts with a folder holding a fake ``apertium``."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = folder / "apertium"
    engine.write_text("#!/bin/sh\n" + textwrap.dedent(script))
    engine.chmod(engine.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def puente(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``puente ARGS --root ROOT`` as a user runs it, in a process of its own (one that
    hangs past ``timeout`` seconds fails the test rather than stalling the suite)."""
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=timeout,
    )


def one_line_error(result: subprocess.CompletedProcess[str], start: str) -> None:
    """The run stopped as a user expects: exit 2, one line on stderr starting with
    ``start``, no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(start), result.stderr


def leftovers(root: Path) -> list[Path]:
    """Temporary files a run left in the project (a killed run may; a failed one must not)."""
    return sorted(path for path in root.rglob(".*.tmp") if path.is_file())


def edit_source(root: Path, old: str = "Sparse", new: str = "Scarce") -> None:
    """Change one word of the seed article, so that the next build has work to write."""
    source = root / "sources" / "cartel-crackdown-results.md"
    text = source.read_text("utf-8")
    assert old in text
    source.write_text(text.replace(old, new, 1), "utf-8")


@contextmanager
def tmpfs(folder: Path, size: str = "16k") -> Iterator[Path]:
    """A small tmpfs mounted at ``folder`` (made if needed); skips the test where mounting is
    not permitted (not root, or a container without CAP_SYS_ADMIN)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write into ``folder`` until its file system has no room left."""
    filler = os.open(folder / ".filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, b"x" * 4096):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(filler)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


@contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """``path`` made immutable (``chattr +i``): nothing in it can be created, replaced or
    removed, even by root (who ignores permission bits). Skips where the file system has no
    such attribute."""
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if made.returncode:
        pytest.skip(f"chattr +i is not available here: {made.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
