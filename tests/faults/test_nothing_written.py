"""Robustness 8: a run that fails writes nothing: no catalog, template, page, manifest,
memory or cache changes, and no temporary file stays behind.

Each fault is met on a project that was built before and then edited, so that the run
has work to write (and earlier work to lose): the engine is missing, fails, miscounts or
crashes; the output folder cannot be written; the run itself is killed, or loses a worker
process, halfway through.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BENCHMARKS, REPO, run_cli
from tests.faults.helpers import (
    edit_source,
    fake_engine,
    immutable,
    leftovers,
    one_line_error,
    puente,
    written_state,
)

SEED = "cartel-crackdown-results"


@pytest.fixture
def edited(project: Path) -> Path:
    """The demo project built once (real Apertium), then one article edited."""
    result = run_cli("build", "--root", project, "--quiet")
    assert result.exit_code == 0, result.stderr
    edit_source(project)
    return project


ENGINE_FAULTS = {
    "missing": (None, "apertium: "),
    "fails": ("cat > /dev/null; echo 'cannot load the mode' >&2; exit 1\n", "apertium: apertium eng-spa failed"),
    "miscounts": ("cat > /dev/null; printf 'una\\n\\ndos\\n'\n", "apertium: apertium eng-spa returned 2 units for 1"),
    "crashes": ("kill -SEGV $$\n", "apertium: apertium eng-spa was killed by SIGSEGV"),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(ENGINE_FAULTS))
def test_an_engine_fault_writes_nothing(edited: Path, tmp_path: Path, fault: str) -> None:
    script, start = ENGINE_FAULTS[fault]
    if script is None:  # no apertium anywhere on PATH (the Python running puente is named in full)
        (tmp_path / "empty").mkdir()
        env = {"PATH": str(tmp_path / "empty")}
    else:
        env = fake_engine(tmp_path / "bin", script)
    before = written_state(edited)
    result = puente(edited, "build", env=env)
    one_line_error(result, start)
    assert written_state(edited) == before
    assert leftovers(edited) == []
    # the same project builds once the engine is back
    assert puente(edited, "build").returncode == 0


def test_a_missing_engine_says_so(edited: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = puente(edited, "translate", env={"PATH": str(tmp_path / "empty")})
    one_line_error(result, "apertium: ")
    assert result.stderr.startswith("apertium: Apertium not found: install apertium and apertium-eng-spa")


@pytest.mark.parametrize("folder", ["build", "build/es", "locales/es/LC_MESSAGES", "locales/templates"])
def test_a_folder_that_cannot_be_written_writes_nothing(edited: Path, folder: str) -> None:
    """Root ignores permission bits: the folder is made immutable instead (what a read-only
    mount or another owner's folder does to anyone else)."""
    before = written_state(edited)
    with immutable(edited / folder):
        result = puente(edited, "build", "--no-mt")
        one_line_error(result, "")
        assert "Operation not permitted" in result.stderr
        assert written_state(edited) == before
    assert leftovers(edited) == []
    assert puente(edited, "build", "--no-mt").returncode == 0
    assert written_state(edited) != before


def test_a_run_killed_before_its_commit_leaves_every_file_as_it_was(edited: Path, tmp_path: Path) -> None:
    """The engine kills the run (as the OOM killer or a power cut would) while every
    article's files are staged: the files under their own names are untouched; the next
    run removes what the dead one staged and writes the work."""
    env = fake_engine(tmp_path / "bin", "kill -KILL $PPID; sleep 1\n")
    before = written_state(edited)
    result = puente(edited, "build", env=env)
    assert result.returncode == -signal.SIGKILL
    staged = leftovers(edited)
    after = {path: data for path, data in written_state(edited).items() if (edited / path) not in staged}
    assert after == before
    assert puente(edited, "build").returncode == 0
    assert leftovers(edited) == []
    assert written_state(edited) != before


def _workers(pid: int) -> list[int]:
    """The worker processes of the run ``pid``: its children forked from it (the same
    command line, unlike the dpkg-query or apertium it runs)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and (stat.parent / "cmdline").read_bytes() == command:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_worker_killed_midway_writes_nothing(tmp_path: Path) -> None:
    """A worker process dies (the OOM killer's favourite) while the run is at work: one
    line, exit 2, nothing written, and the next run builds everything."""
    root = tmp_path / "big"
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "make_corpus.py"), "--n", "120", "--out", str(root / "sources"),
         "--format", "md"],
        check=True, capture_output=True,
    )  # fmt: skip
    shutil.copytree(REPO / "glossary", root / "glossary")
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    for source in (root / "sources").glob("*.md"):
        source.write_text(source.read_text("utf-8") + "\nA paragraph added later.\n", "utf-8")
    before = written_state(root)
    build = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--root", str(root), "--no-mt", "--jobs", "2"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and build.poll() is None and time.monotonic() < deadline:
        workers = _workers(build.pid)
        if workers:
            time.sleep(0.2)  # at work, with files staged
            os.kill(workers[0], signal.SIGKILL)
            killed = workers[0]
        time.sleep(0.01)
    _, errors = build.communicate(timeout=120)
    assert killed is not None, "the build ended before a worker could be killed"
    assert build.returncode == 2, errors
    assert "Traceback" not in errors and errors.count("\n") == 1, errors
    assert errors.startswith("puente: a worker process stopped abruptly"), errors
    assert written_state(root) == before
    assert leftovers(root) == []  # what the workers staged is removed, the dead one's too
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    assert leftovers(root) == []
    assert written_state(root) != before
