"""Writing many files at once: only what changed, atomically, nothing left on failure."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from pathlib import Path

import pytest

from pipeline import files
from pipeline.files import sweep, write_atomic, write_many
from tests.helpers import dead_pid


def test_only_changed_files_are_written_and_modes_are_kept(tmp_path: Path) -> None:
    same, changed, new = tmp_path / "same.po", tmp_path / "changed.po", tmp_path / "sub" / "new.html"
    same.write_text("kept\n")
    changed.write_text("old\n")
    changed.chmod(0o600)
    before = same.stat().st_mtime_ns
    written = write_many([(same, "kept\n"), (changed, "new\n"), (new, b"<html></html>\n")])
    assert written == [False, True, True]
    assert same.stat().st_mtime_ns == before
    assert changed.read_text() == "new\n" and changed.stat().st_mode & 0o777 == 0o600
    assert new.read_bytes() == b"<html></html>\n"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_a_failure_midway_writes_nothing_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    first = tmp_path / "a.po"
    first.write_text("old\n")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    with pytest.raises(OSError):
        write_many([(first, "new\n"), (blocker / "b.po", "b\n")])
    assert first.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["a.po", "not-a-folder"]


def test_a_failure_removes_the_folders_it_made(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    with pytest.raises(OSError):
        write_many([(tmp_path / "build" / "en" / "a.html", "<html></html>\n"), (blocker / "b.po", "b\n")])
    assert sorted(os.listdir(tmp_path)) == ["not-a-folder"]


def test_a_temporary_file_left_by_a_killed_run_is_stepped_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a run killed in another container with the same pid and, by bad luck, the same token
    monkeypatch.setattr(files, "_SERIAL", itertools.count())
    monkeypatch.setitem(files._TOKEN, os.getpid(), "0badf00d")
    target = tmp_path / "a.po"
    leftovers = [tmp_path / f".a.po.{os.getpid()}-0badf00d-{serial}.tmp" for serial in range(3)]
    for leftover in leftovers:
        leftover.write_text("half a catalog")
    assert write_atomic(target, 'msgid ""\n')
    assert target.read_text() == 'msgid ""\n'
    assert all(leftover.read_text() == "half a catalog" for leftover in leftovers)


def test_sweep_removes_only_what_a_dead_run_left(tmp_path: Path) -> None:
    dead = dead_pid()
    running = subprocess.Popen(["sleep", "60"])  # a run in progress, lock or not
    try:
        in_progress = files.stage([(tmp_path / "es" / "b.html", "<html></html>\n")])[0]
        left = [
            tmp_path / "es" / f".a.html.{dead}-0badf00d-17.tmp",
            tmp_path / f".a.po.{dead}-0123abcd-0.tmp",
        ]
        kept = [
            tmp_path / "es" / "a.html",
            tmp_path / "es" / f".c.html.{running.pid}-0badf00d-3.tmp",
            tmp_path / ".notes.tmp",
            tmp_path / ".notes.2024-05.tmp",
            tmp_path / f".a.po.{dead}-3.tmp",
            tmp_path / "sub" / f".a.po.{dead}-0badf00d-1.tmp",  # not a folder Puente writes to
        ]
        for path in left + kept:
            path.parent.mkdir(exist_ok=True)
            path.write_text("x")
        assert sorted(
            sweep([tmp_path, tmp_path / "es", tmp_path / "missing", tmp_path / ".notes.tmp"])
        ) == sorted(left)
        assert in_progress.tmp is not None and os.path.exists(in_progress.tmp)
        assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted([*kept, Path(in_progress.tmp)])
    finally:
        running.kill()
        running.wait()


def test_sweep_treats_a_zombie_as_dead(tmp_path: Path) -> None:
    """A killed build's worker that nobody reaped (a container's first process may reap
    late, or never) is a zombie: it still has a pid, but it runs no more."""
    parent = subprocess.Popen(
        [
            "python3",
            "-c",
            # a parent that never reaps: its child ends and stays a zombie while it sleeps
            "import os, sys, time\n"
            "child = os.fork()\n"
            "if child == 0:\n"
            "    os._exit(0)\n"
            "print(child, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        zombie = int(parent.stdout.readline())
        for _ in range(50):
            if _state(zombie) == "Z":
                break
            time.sleep(0.1)
        assert _state(zombie) == "Z"
        left = tmp_path / f".a.html.{zombie}-0badf00d-1.tmp"
        left.write_text("half a page")
        assert sweep([tmp_path]) == [left]
        assert not left.exists()
    finally:
        parent.kill()
        parent.communicate()


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rfind(")") + 2]
