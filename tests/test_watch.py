"""``puente watch``: a change to an input is built by a process that stays up, with the
guarantees of ``puente build`` (bad input reported and nothing written), the project
unlocked between builds, and Ctrl-C leaving every file complete.

These tests run the real command in a subprocess, with the operating system's file events
(inotify), and wait for what a user would look at: the page, the printed lines."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.project import open_project
from pipeline.watch import is_input
from tests.conftest import REPO, run_cli
from tests.helpers import edit_keeping_times, po_file

SEED = "cartel-crackdown-results"
WAIT = 60.0  # seconds before a test gives up on what it waits for (a loaded machine is slow)


class Watcher:
    """A running ``puente watch``, its output lines gathered as they come."""

    def __init__(self, root: Path, *args: str, verbose: bool = False) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        before = ["-v"] if verbose else []  # each build then says how many articles it looked at
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--root", str(root), *before, "watch", "--no-mt", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))

    def wait_for(self, wanted: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"watch ended ({self.process.returncode}): {self.seen}"
                continue
            self.seen.append(line)
            if wanted(line):
                return line
        raise AssertionError(f"no {what} within {WAIT} s; printed: {self.seen}")

    def printed(self) -> list[str]:
        """Every line printed so far."""
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=WAIT)
        finally:
            self.process.kill()
        time.sleep(0.2)  # the reader thread takes the last lines
        self.printed()
        return code


@pytest.fixture
def watcher(project: Path) -> Iterator[Watcher]:
    result = run_cli("build", "--root", project, "--no-mt")  # catalogs made: watch starts on a built project
    assert result.exit_code == 0, result.stderr
    running = Watcher(project)
    running.wait_for(lambda line: line.startswith("watching for changes"), "start")
    yield running
    if running.process.poll() is None:
        running.stop()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT} s: {what}")


def page(root: Path, lang: str) -> str:
    path = root / "build" / lang / f"{SEED}.html"
    return path.read_text("utf-8") if path.exists() else ""


def save(path: Path, text: str) -> None:
    """Save the way editors do: a new file, renamed over the old one (one event)."""
    spare = path.with_name(f".{path.name}.saving")
    spare.write_text(text, "utf-8")
    os.replace(spare, path)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    save(path, text.replace(old, new, 1))


def test_an_edited_source_is_built_and_its_article_named(project: Path, watcher: Watcher) -> None:
    assert "Sheinbaum" in page(project, "en")  # the first build
    replace(project / "sources" / f"{SEED}.md", "Mexico City —", "Ciudad de México —")
    wait_until(lambda: "Ciudad de México —" in page(project, "en"), "the page shows the edit")
    watcher.wait_for(lambda line: line.endswith(f" rebuilt sources/{SEED}.md"), "the article named")
    watcher.wait_for(lambda line: "(1 rebuilt)" in line, "the build's summary")
    assert watcher.stop() == 0
    assert any(line.startswith("stopped:") for line in watcher.seen)


def test_a_translators_save_is_built_into_the_target_page(project: Path, watcher: Watcher) -> None:
    catalog = po_file(project, SEED, "es")
    text = catalog.read_text("utf-8")
    at = text.index('msgid "Mexico City')
    end = text.index('msgstr ""', at)
    save(catalog, text[:end] + 'msgstr "Traducción revisada en vivo."' + text[end + 9 :])
    wait_until(lambda: "Traducción revisada en vivo." in page(project, "es"), "the target page translated")
    assert watcher.stop() == 0


def test_bad_input_is_reported_nothing_written_and_the_fix_is_built(project: Path, watcher: Watcher) -> None:
    source = project / "sources" / f"{SEED}.md"
    good = source.read_text("utf-8")
    pages = {lang: page(project, lang) for lang in ("en", "es")}
    save(source, good.replace("---\n", "---\ntitle: [unclosed\n", 1))
    line = watcher.wait_for(lambda line: line.startswith(f"sources/{SEED}.md:"), "the error")
    assert "Traceback" not in "\n".join(watcher.seen)
    time.sleep(0.5)
    assert {lang: page(project, lang) for lang in ("en", "es")} == pages, line  # nothing written
    assert watcher.process.poll() is None  # still watching
    save(source, good.replace("Mexico City —", "Monterrey —", 1))
    wait_until(lambda: "Monterrey —" in page(project, "en"), "the fixed source built")
    assert watcher.stop() == 0


def test_the_project_is_not_locked_between_builds(project: Path, watcher: Watcher) -> None:
    result = run_cli("status", "--root", project)
    assert result.exit_code == 0, result.stderr
    result = run_cli("build", "--root", project, "--no-mt")  # another build, while watch waits
    assert result.exit_code == 0, result.stderr
    assert watcher.stop() == 0


def test_what_builds_write_starts_no_build_and_ctrl_c_leaves_nothing_behind(
    project: Path, watcher: Watcher
) -> None:
    replace(project / "sources" / f"{SEED}.md", "Mexico City —", "Puebla —")
    watcher.wait_for(lambda line: "(1 rebuilt)" in line, "the build")
    time.sleep(1.5)  # the catalogs that build wrote come as events: they start no build
    (project / "build" / "notes.txt").write_text("a file in the output folder", "utf-8")
    (project / "sources" / f".{SEED}.md.swp").write_text("an editor's swap file", "utf-8")
    time.sleep(1.5)
    assert watcher.stop() == 0
    assert sum("rebuilt)" in line for line in watcher.seen) == 2, watcher.seen  # the first build, the edit
    left = [path for path in project.rglob("*.tmp")]
    assert not left
    lock = (project / ".puente" / "build.lock").read_text("utf-8")
    assert lock.endswith("finished\n") or "finished" in lock


def test_the_catalogs_a_build_writes_start_no_build_but_a_change_to_them_does(project: Path) -> None:
    result = run_cli("build", "--root", project, "--no-mt")
    assert result.exit_code == 0, result.stderr
    watcher = Watcher(project, verbose=True)
    try:
        watcher.wait_for(lambda line: line.startswith("watching for changes"), "start")
        # a new sentence: the build writes the article's catalog (an input: translators save it)
        replace(project / "sources" / f"{SEED}.md", "Mexico City —", "Toluca —")
        watcher.wait_for(lambda line: "(1 rebuilt)" in line, "the edit's build")
        time.sleep(2.0)  # the catalog's events have come: a build for them would have started
        builds = [line for line in watcher.printed() if line.endswith(" to process")]
        assert len(builds) == 2, watcher.seen  # the first build and the edit's, no third
        # a tool that edits the catalog in place and puts its time back is still seen
        edit_keeping_times(po_file(project, SEED, "es"), "# Translation of ", "# translation of ")
        watcher.wait_for(lambda line: line.endswith(f" rebuilt sources/{SEED}.md"), "the catalog's build")
    finally:
        assert watcher.stop() == 0


def test_a_build_that_finds_the_project_locked_waits_for_it(project: Path, watcher: Watcher) -> None:
    with open_project(project).lock("test"):  # another command runs meanwhile
        replace(project / "sources" / f"{SEED}.md", "Mexico City —", "Oaxaca —")
        watcher.wait_for(lambda line: "(waiting)" in line and "another test is running" in line, "the wait")
        assert "Oaxaca —" not in page(project, "en")
    wait_until(lambda: "Oaxaca —" in page(project, "en"), "the build once the lock is free")
    assert watcher.stop() == 0


def test_only_inputs_start_a_build(project: Path) -> None:
    built = open_project(project)
    wanted = is_input(lambda: built)
    root = project.resolve()
    assert wanted(None, str(root / "sources" / f"{SEED}.md"))
    assert wanted(None, str(root / "locales" / "es" / "LC_MESSAGES" / f"{SEED}.po"))
    assert wanted(None, str(root / "glossary" / "puente.tbx"))
    assert wanted(None, str(root / "puente.toml"))
    for path in (
        root / "build" / "en" / f"{SEED}.html",
        root / "build" / "manifest.json",
        root / ".puente" / "build-cache.sqlite",
        root / "locales" / "templates" / f"{SEED}.pot",
        root / "locales" / "es" / "LC_MESSAGES" / f".{SEED}.po.123-abcd-1.tmp",
        root / "sources" / f".{SEED}.md.swp",
        root / "sources" / f"{SEED}.md~",
        root / ".git" / "index",
        root / ".venv" / "lib" / "python3.11" / "site.py",
        root / "sources" / ".drafts" / "next.md",
        root / "glossary" / "__pycache__" / "x.pyc",
    ):
        assert not wanted(None, str(path)), path
