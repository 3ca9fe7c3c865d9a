"""Robustness 11: what the machine or a tool does wrong is one line and exit 2, never a
traceback, and the run writes nothing.

A full disk (under the memory, under the pages), a read-only output folder, a catalog
path that is a folder, an engine answering bytes that are not UTF-8, a memory database
that is garbage. (A UTF-16 TMX file with an entity: ``tests/test_tmx.py``.)
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.faults.helpers import (
    edit_source,
    fake_engine,
    fill,
    leftovers,
    one_line_error,
    puente,
    remount_read_only,
    tmpfs,
    written_state,
)
from tests.helpers import loopback_server, po_file

SEED = "cartel-crackdown-results"


@pytest.fixture
def edited(project: Path) -> Path:
    """The demo project built once (real Apertium), then one article edited."""
    result = run_cli("build", "--root", project, "--quiet")
    assert result.exit_code == 0, result.stderr
    edit_source(project)
    return project


@contextmanager
def moved_onto_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """``folder``, with what it holds, on a tmpfs of ``size``."""
    keep = folder.with_name(folder.name + ".kept")
    folder.rename(keep)
    with tmpfs(folder, size):
        for path in keep.iterdir():
            if path.is_dir():
                shutil.copytree(path, folder / path.name)
            else:
                shutil.copy2(path, folder / path.name)
        yield folder


def test_a_full_disk_under_the_memory(edited: Path) -> None:
    with moved_onto_tmpfs(edited / ".puente", "1m"):
        before = written_state(edited)
        fill(edited / ".puente")
        result = puente(edited, "build")
        # the memory as it is read, or the room tried for the build cache: whichever comes first
        one_line_error(result, "")
        assert ".puente/" in result.stderr
        assert any(words in result.stderr for words in ("no space left", "No space left", "disk is full"))
        (edited / ".puente" / ".filler").unlink()
        assert written_state(edited) == before
        assert leftovers(edited) == []
        assert puente(edited, "build").returncode == 0  # with room again
        assert written_state(edited) != before


def test_a_disk_that_fills_up_while_the_engine_works(edited: Path, tmp_path: Path) -> None:
    """The memory was read; the engine answers, and fills the disk meanwhile: the room for
    the articles' staged facts or for what is written after the renames (the build cache)
    is not there, and the run stops before any catalog or page is replaced, or the memory
    written."""
    with moved_onto_tmpfs(edited / ".puente", "1m"):
        filler = edited / ".puente" / ".filler"
        env = fake_engine(tmp_path / "bin", f"cat\ncat /dev/zero > {filler} 2> /dev/null\ntrue\n")
        before = written_state(edited)
        result = puente(edited, "build", env=env)
        # the articles' facts staged after the engine's answer, or the room tried for the
        # build cache: whichever comes first
        one_line_error(result, "")
        assert f"{edited / '.puente'}/" in result.stderr
        assert any(words in result.stderr for words in ("No space left", "disk is full"))
        filler.unlink()
        assert written_state(edited) == before
        assert leftovers(edited) == []


def test_a_full_disk_under_the_pages(edited: Path) -> None:
    with moved_onto_tmpfs(edited / "build", "1m"):
        fill(edited / "build")
        before = written_state(edited)
        result = puente(edited, "build", "--no-mt")
        one_line_error(result, str(edited / "build"))
        assert result.stderr.endswith(": No space left on device\n")
        assert written_state(edited) == before
        assert leftovers(edited) == []


def test_a_read_only_output_folder(edited: Path) -> None:
    with moved_onto_tmpfs(edited / "build", "1m"):
        remount_read_only(edited / "build")
        before = written_state(edited)
        result = puente(edited, "build", "--no-mt")
        one_line_error(result, str(edited / "build"))
        assert result.stderr.endswith(": Read-only file system\n")
        assert written_state(edited) == before
        assert leftovers(edited) == []


@pytest.mark.parametrize(
    "command", [["build", "--no-mt"], ["extract"], ["status"], ["check"], ["review"], ["xliff", "export"]]
)
def test_a_catalog_path_that_is_a_folder(edited: Path, tmp_path: Path, command: list[str]) -> None:
    po = po_file(edited, SEED, "es")
    po.unlink()
    po.mkdir()
    (po / "notes.txt").write_text("a folder named like a catalog")
    if command[0] == "xliff":
        command = [*command, "--lang", "es", "--out", str(tmp_path / "xliff")]
    before = written_state(edited)
    result = puente(edited, *command)
    one_line_error(result, f"locales/es/LC_MESSAGES/{SEED}.po: is a folder, not a file")
    assert written_state(edited) == before


@pytest.mark.parametrize("answer", [b"\xff\xfe caf\xe9\n", b"caf\xc3\n"])
def test_an_engine_answering_bytes_that_are_not_utf8(edited: Path, tmp_path: Path, answer: bytes) -> None:
    (tmp_path / "answer").write_bytes(answer)
    env = fake_engine(tmp_path / "bin", f"cat > /dev/null; cat {tmp_path / 'answer'}\n")
    before = written_state(edited)
    result = puente(edited, "build", env=env)
    one_line_error(result, "apertium: apertium eng-spa answered with bytes that are not UTF-8")
    assert written_state(edited) == before


def test_an_online_engine_answering_bytes_that_are_not_utf8(edited: Path) -> None:
    def latin1(handler):  # type: ignore[no-untyped-def]
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        body = b'{"translatedText": "caf\xe9 \xff"}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    (edited / "puente.toml").write_text('[translate]\nengine = "libretranslate"\n')
    with loopback_server(latin1) as (url, _):
        result = puente(edited, "translate", env={"PUENTE_LIBRETRANSLATE_URL": url})
    # refused unit by unit, each listed at its entry; nothing drafted from the bytes
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(
        line.startswith(f"locales/es/LC_MESSAGES/{SEED}.po:")
        and line.endswith("answer not in its character set (utf-8) (after 5 attempts)")
        for line in lines
    ), result.stderr
    assert "\ufffd" not in po_file(edited, SEED, "es").read_text("utf-8")


GARBAGE = b"This is not a database. \x00\xff" * 300


@pytest.mark.parametrize(
    "command", [["build"], ["build", "--no-mt"], ["translate"], ["memory", "export"], ["memory", "import"]]
)
def test_a_memory_that_is_garbage(edited: Path, tmp_path: Path, command: list[str]) -> None:
    memory = edited / ".puente" / "memory.sqlite"
    memory.write_bytes(GARBAGE)
    if command == ["memory", "export"]:
        command = [*command, str(tmp_path / "out.tmx")]
    if command == ["memory", "import"]:
        tmx = tmp_path / "in.tmx"
        tmx.write_text(
            '<tmx version="1.4"><header srclang="en"/><body><tu><tuv xml:lang="en"><seg>a</seg></tuv>'
            '<tuv xml:lang="es"><seg>b</seg></tuv></tu></body></tmx>'
        )
        command = [*command, str(tmx)]
    state = {path: data for path, data in written_state_without_memory(edited).items()}
    result = puente(edited, *command)
    one_line_error(
        result,
        ".puente/memory.sqlite: translation memory: file is not a database: move the file away "
        "(Puente makes a new memory) or restore it from a backup",
    )
    assert memory.read_bytes() == GARBAGE
    assert written_state_without_memory(edited) == state
    assert not (tmp_path / "out.tmx").exists()


def written_state_without_memory(root: Path) -> dict[str, bytes]:
    """:func:`written_state` for a project whose memory cannot be read (compared as bytes)."""
    memory = root / ".puente" / "memory.sqlite"
    kept = memory.read_bytes()
    memory.rename(memory.with_name("kept"))
    try:
        return {**written_state(root), ".puente/memory.sqlite": kept}
    finally:
        memory.with_name("kept").rename(memory)


def test_a_cache_that_is_garbage_is_rebuilt_not_an_error(edited: Path) -> None:
    cache = edited / ".puente" / "build-cache.sqlite"
    cache.write_bytes(b"\x00\xff{not a database" * 100)
    result = puente(edited, "build", "--no-mt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 articles (2 rebuilt)")
    with contextlib.closing(sqlite3.connect(cache)) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)


def test_a_cache_locked_by_another_program_is_one_line_and_kept(edited: Path) -> None:
    """The cache is written last, after the pages and catalogs: a cache another program
    keeps locked (past SQLite's 5 s wait) is one line, and is not taken for a damaged file."""
    cache = edited / ".puente" / "build-cache.sqlite"
    with contextlib.closing(sqlite3.connect(cache, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        result = puente(edited, "build", "--no-mt")
        other.execute("ROLLBACK")
    one_line_error(
        result, ".puente/build-cache.sqlite: the build cache cannot be written: database is locked\n"
    )
    with contextlib.closing(sqlite3.connect(cache)) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    assert puente(edited, "build", "--no-mt").returncode == 0
