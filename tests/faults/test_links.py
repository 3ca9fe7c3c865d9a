"""Robustness 10 and 14: links and special files planted in a project.

A link in ``.puente/`` never makes Puente write elsewhere: the lock is opened without
following links, a linked memory is refused. A file Puente reads that is a link to a
device (``/dev/zero``), a pipe or a folder is refused with one line or treated as
absent, never read until memory runs out or waited on forever.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.faults.helpers import edit_source, one_line_error, puente, written_state
from tests.helpers import po_file, pot_file

SEED = "cartel-crackdown-results"
PRECIOUS = b"a file of the user's own, which no run may touch\n"
TMX = (
    '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>a</seg></tuv>'
    '<tuv xml:lang="es"><seg>b</seg></tuv></tu></body></tmx>'
)


@pytest.fixture
def built(project: Path) -> Path:
    for command in ("build", "review"):  # the review report's index: puente review reads it first
        result = run_cli(command, "--root", project, *(["--no-mt"] if command == "build" else []), "--quiet")
        assert result.exit_code == 0, result.stderr
    edit_source(project)
    return project


def commands(tmp_path: Path) -> dict[str, list[str]]:
    (tmp_path / "in.tmx").write_text(TMX)
    (tmp_path / "terms.csv").write_text("en,es\nseizure,decomiso\n")
    return {
        "build": ["build", "--no-mt"],
        "extract": ["extract"],
        "translate": ["translate"],
        "glossary add": ["glossary", "add", "--en", "port", "--es", "puerto"],
        "glossary import": ["glossary", "import", str(tmp_path / "terms.csv")],
        "memory import": ["memory", "import", str(tmp_path / "in.tmx")],
    }


LOCKING = ["build", "extract", "translate", "glossary add", "glossary import", "memory import"]


@pytest.mark.parametrize("command", LOCKING)
def test_a_lock_linked_to_another_file_leaves_that_file_alone(
    built: Path, tmp_path: Path, command: str
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_bytes(PRECIOUS)
    stamp = precious.stat().st_mtime_ns
    lock = built / ".puente" / "build.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(precious)
    glossary = sorted((built / "glossary").iterdir())
    before = written_state(built), [path.read_bytes() for path in glossary]
    result = puente(built, *commands(tmp_path)[command])
    one_line_error(result, ".puente/build.lock: cannot open the lock file: is a link: remove it\n")
    assert precious.read_bytes() == PRECIOUS and precious.stat().st_mtime_ns == stamp
    assert (written_state(built), [path.read_bytes() for path in glossary]) == before
    assert lock.is_symlink()  # left for the user to look at


def test_a_dangling_lock_link_creates_nothing(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "created-by-puente"
    target.parent.mkdir()
    lock = built / ".puente" / "build.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(target)
    result = puente(built, "build", "--no-mt")
    one_line_error(result, ".puente/build.lock: cannot open the lock file: is a link: remove it\n")
    assert not target.exists()


@pytest.mark.parametrize(
    "command", [["build"], ["build", "--no-mt"], ["translate"], ["memory", "export"], ["memory", "import"]]
)
def test_a_memory_linked_to_another_file_is_refused(built: Path, tmp_path: Path, command: list[str]) -> None:
    precious = tmp_path / "precious.sqlite"
    memory = built / ".puente" / "memory.sqlite"
    if memory.exists():
        memory.rename(precious)  # a real database elsewhere: not even read
    else:
        precious.write_bytes(PRECIOUS)
    kept = precious.read_bytes()
    memory.symlink_to(precious)
    arguments = {
        "memory export": [str(tmp_path / "out.tmx")],
        "memory import": [str(Path(commands(tmp_path)["memory import"][-1]))],
    }.get(" ".join(command), [])
    result = puente(built, *command, *arguments)
    one_line_error(result, ".puente/memory.sqlite: is a link: the memory must be a file of the project\n")
    assert precious.read_bytes() == kept
    assert not (tmp_path / "out.tmx").exists()
    assert not (built / ".puente" / "memory.sqlite-wal").exists()


@pytest.mark.parametrize("command", [["build"], ["translate"], ["memory", "export"]])
def test_a_memory_that_is_a_pipe_is_refused_not_waited_on(
    built: Path, tmp_path: Path, command: list[str]
) -> None:
    memory = built / ".puente" / "memory.sqlite"
    memory.unlink(missing_ok=True)
    os.mkfifo(memory)
    arguments = [str(tmp_path / "out.tmx")] if command[0] == "memory" else []
    result = puente(built, *command, *arguments, timeout=120)
    one_line_error(result, ".puente/memory.sqlite: not a regular file\n")


# --- files that are links to devices, pipes or folders ---------------------------------------


def test_a_catalog_linked_to_dev_zero_is_refused_by_every_command(built: Path, tmp_path: Path) -> None:
    po = po_file(built, SEED, "es")
    po.unlink()
    po.symlink_to("/dev/zero")
    outside = "links outside the project: a catalog must be a file of the project"
    for command in (["build", "--no-mt"], ["extract"], ["review"]):
        one_line_error(puente(built, *command), f"locales/es/LC_MESSAGES/{SEED}.po: {outside}")
    for command in (["status"], ["check"], ["xliff", "export", "--lang", "es", "--out", str(tmp_path / "x")]):
        one_line_error(puente(built, *command), f"locales/es/LC_MESSAGES/{SEED}.po: not a regular file")


@pytest.mark.parametrize("command", [["build", "--no-mt"], ["status"], ["check"], ["review"]])
def test_a_catalog_that_is_a_pipe_is_refused_not_waited_on(built: Path, command: list[str]) -> None:
    po = po_file(built, SEED, "es")
    po.unlink()
    os.mkfifo(po)
    result = puente(built, *command, timeout=60)  # a reader would wait forever for a writer
    one_line_error(result, f"locales/es/LC_MESSAGES/{SEED}.po: not a regular file")


def test_a_template_linked_to_dev_zero_is_written_anew(built: Path) -> None:
    pot = pot_file(built, SEED)
    pot.unlink()
    pot.symlink_to("/dev/zero")
    result = puente(built, "build", "--no-mt")
    assert result.returncode == 0, result.stderr
    assert not pot.is_symlink() and pot.read_text("utf-8").startswith("# ")


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "elsewhere"])
def test_a_build_cache_that_is_a_link_or_a_pipe_is_no_cache(built: Path, tmp_path: Path, target: str) -> None:
    cache = built / ".puente" / "build-cache.sqlite"
    cache.unlink()
    if target == "fifo":
        os.mkfifo(cache)
    elif target == "elsewhere":
        (tmp_path / "precious").write_bytes(PRECIOUS)
        cache.symlink_to(tmp_path / "precious")
    else:
        cache.symlink_to(target)
    result = puente(built, "build", "--no-mt", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 articles (2 rebuilt)")
    assert cache.is_file() and not cache.is_symlink()
    if target == "elsewhere":
        assert (tmp_path / "precious").read_bytes() == PRECIOUS


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "folder"])
def test_settings_that_are_not_a_file_are_one_line(built: Path, target: str) -> None:
    settings = built / "puente.toml"
    if target == "fifo":
        os.mkfifo(settings)
    elif target == "folder":
        settings.mkdir()
    else:
        settings.symlink_to(target)
    before = written_state(built)
    result = puente(built, "build", "--no-mt")
    reason = "is a folder, not a file" if target == "folder" else "not a regular file"
    one_line_error(result, f"puente.toml: {reason}\n")
    assert written_state(built) == before
