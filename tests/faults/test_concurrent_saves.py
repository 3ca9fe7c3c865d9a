"""Robustness 1: a translator who saves a catalog while a build runs never loses the save.

Translators do not wait for builds: they save whenever they like, by writing a new file
and renaming it over the old one (Poedit, most editors) or by rewriting the file in
place. Whatever the moment, the build must keep the save: merge that catalog again, or
put the translator's file back.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import BENCHMARKS, REPO, run_cli

EMPTY = re.compile(r'^msgstr ""\n\n', re.MULTILINE)


def corpus(root: Path, n: int) -> Path:
    (root / "sources").mkdir(parents=True)
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "make_corpus.py"), "--n", str(n), "--out", str(root / "sources"),
         "--format", "md"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return root


def edit_every_source(root: Path, round_: int) -> None:
    for source in (root / "sources").glob("*.md"):
        text = source.read_text("utf-8")
        source.write_text(text + f"\nA paragraph added in round {round_}.\n", "utf-8")


def start_build(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--root", str(root), "--no-mt", "--quiet"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def save(path: Path, marker: str, in_place: bool) -> None:
    """What a translator's tool does: read the catalog, fill one empty msgstr, save."""
    text = path.read_text("utf-8")
    match = EMPTY.search(text)
    assert match is not None, path
    text = text[: match.start()] + f'msgstr "{marker}"\n\n' + text[match.end() :]
    if in_place:
        with open(path, "r+", encoding="utf-8") as handle:
            handle.truncate(0)
            handle.write(text)
    else:
        tmp = path.with_name(path.name + ".saving")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)


def test_a_save_during_a_build_survives(tmp_path: Path) -> None:
    root = corpus(tmp_path / "big", 160)
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    catalogs = sorted((root / "locales" / "es" / "LC_MESSAGES").glob("*.po"))
    saved_while_running = 0
    for round_, (delay, in_place) in enumerate(((0.8, False), (1.2, True), (2.0, False), (2.5, True))):
        edit_every_source(root, round_)
        build = start_build(root)
        time.sleep(delay)
        target = catalogs[round_ * 30]
        marker = f"GUARDADO {round_}"
        running = build.poll() is None
        save(target, marker, in_place)
        _, errors = build.communicate()
        assert build.returncode == 0, errors
        saved_while_running += running
        assert marker in target.read_text("utf-8"), f"round {round_}: the save was lost"
    assert saved_while_running  # at least one save landed while a build ran
    # and the next build keeps every save
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    for round_ in range(4):
        assert f"GUARDADO {round_}" in catalogs[round_ * 30].read_text("utf-8")


def test_saves_at_random_moments_during_many_builds_all_survive(tmp_path: Path) -> None:
    root = corpus(tmp_path / "big", 60)
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    catalogs = sorted((root / "locales" / "es" / "LC_MESSAGES").glob("*.po"))
    chance = random.Random(20261130)
    last: dict[Path, str] = {}
    for round_ in range(4):
        edit_every_source(root, round_)
        build = start_build(root)
        done = threading.Event()
        count = 0

        def translator(done: threading.Event = done, round_: int = round_) -> None:
            nonlocal count
            while not done.is_set():
                time.sleep(chance.uniform(0.01, 0.3))
                path = chance.choice(catalogs)
                marker = f"R{round_}-S{count}"
                save(path, marker, in_place=chance.random() < 0.5)
                last[path] = marker
                count += 1

        worker = threading.Thread(target=translator)
        worker.start()
        _, errors = build.communicate()
        done.set()
        worker.join()
        assert build.returncode == 0, errors
        for path, marker in last.items():
            assert marker in path.read_text("utf-8"), f"round {round_}: {path.name} lost {marker}"
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    for path, marker in last.items():
        assert marker in path.read_text("utf-8")
