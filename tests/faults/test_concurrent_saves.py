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


ROUNDS = 6
"""Builds run, each with a translator saving at random moments all along."""


def test_saves_at_random_moments_during_many_builds_all_survive(tmp_path: Path) -> None:
    """Randomised: another process saves catalogs (renamed or rewritten in place) at random
    moments while builds run, round after round; every save survives every build. The
    seed is in every failure message (``PUENTE_FAULTS_SEED`` replays one)."""
    seed = int(os.environ.get("PUENTE_FAULTS_SEED") or random.randrange(2**32))
    root = corpus(tmp_path / "big", 40)  # enough articles for worker processes
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    folder = root / "locales" / "es" / "LC_MESSAGES"
    log = tmp_path / "saves.log"
    built_while_saving = 0
    for round_ in range(ROUNDS):
        edit_every_source(root, round_)
        stop = tmp_path / f"stop-{round_}"
        translator = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.translator", str(folder), str(seed + round_), str(round_),
             str(stop), str(log)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        build = start_build(root)
        _, errors = build.communicate()
        stop.touch()
        assert translator.wait(timeout=60) == 0
        assert build.returncode == 0, f"seed {seed}, round {round_}: {errors}"
        saves = _saves(log)
        built_while_saving += any(marker.startswith(f"R{round_}-") for _, marker in saves)
        for name, marker in saves:
            assert marker in (folder / name).read_text("utf-8"), (
                f"seed {seed}, round {round_}: {name} lost {marker}"
            )
    assert built_while_saving == ROUNDS, f"seed {seed}: no save landed during some build"
    # and the next build keeps every save, in catalogs that read back whole
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    for name, marker in _saves(log):
        assert marker in (folder / name).read_text("utf-8"), f"seed {seed}: {name} lost {marker}"
    assert run_cli("check", "--root", root).exit_code in (0, 1)


def _saves(log: Path) -> list[tuple[str, str]]:
    """(catalog, marker) of every save the translator completed."""
    return [tuple(line.split("\t")) for line in log.read_text("utf-8").splitlines()]  # type: ignore[misc]
