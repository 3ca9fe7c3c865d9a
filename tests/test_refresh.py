"""``puente translate --refresh``: machine drafts made before the glossary, the draft
rules or the engine changed are drafted again, on the real Apertium; reviewed entries
and drafts a person edited never are; the build says how many drafts predate the
current setup."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from pipeline.po import read_catalog
from pipeline.po.model import Entry
from tests.conftest import REPO, run_cli
from tests.faults.helpers import fake_engine, puente, written_state
from tests.helpers import loopback_server, po_file

SCANNERS = "Lawmakers set aside money for new scanners at the border."
SEIZED = "Agents seized 120 kilograms of fentanyl near the scanners on March 5."
PLAIN = "The mayor visited the port on Monday."


def _project(tmp_path: Path, **articles: list[str]) -> Path:
    root = tmp_path / "project"
    (root / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "glossary", root / "glossary")
    for slug, paragraphs in articles.items():
        body = "\n\n".join(paragraphs)
        (root / "sources" / f"{slug}.md").write_text(
            f"---\ntitle: Week {slug}\nslug: {slug}\nlang: en\n---\n\n{body}\n", "utf-8"
        )
    return root


def _entries(root: Path, slug: str) -> dict[str, Entry]:
    path = po_file(root, slug, "es")
    return {entry.msgid: entry for entry in read_catalog(path, path.name, path.read_bytes()).active}


def _block(root: Path, slug: str, msgid: str) -> str:
    """The entry's lines in the file, exactly as written."""
    text = po_file(root, slug, "es").read_text("utf-8")
    return next(block for block in text.split("\n\n") if f'msgid "{msgid}"' in block)


def _state(root: Path) -> dict[str, bytes]:
    """What a run may write, without the empty write-ahead log SQLite makes on opening."""
    return {name: data for name, data in written_state(root).items() if data or not name.endswith("-wal")}


def _add_scanners(root: Path) -> None:
    added = run_cli(
        "glossary", "add", "--root", root, "--en", "scanners", "--es", "escáneres", "--gender", "m"
    )
    assert added.exit_code == 0, added.stderr


NOTICE = re.compile(
    r"(\d+) machine drafts? predates? the current glossary/engine; run `puente translate --refresh`"
)


def _stale(output: str) -> int:
    found = NOTICE.search(output)
    return int(found[1]) if found else 0


def test_a_glossary_term_added_later_reaches_the_drafts_after_a_refresh_and_not_before(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, a=[SCANNERS, SEIZED, PLAIN])
    first = run_cli("build", "--root", root)
    assert first.exit_code == 0 and _stale(first.stdout) == 0
    before = _entries(root, "a")
    assert "escáners" in before[SCANNERS].msgstr
    _add_scanners(root)
    built = run_cli("build", "--root", root)
    assert built.exit_code == 0
    # every draft (the title's and three paragraphs') predates the new glossary: its version
    # is part of every draft's key
    assert _stale(built.stdout) == 4
    assert {msgid: e.msgstr for msgid, e in _entries(root, "a").items()} == {
        msgid: e.msgstr for msgid, e in before.items()
    }  # the build leaves the drafts as they are
    again = run_cli("build", "--root", root)  # from the build cache: still said
    assert "(0 rebuilt)" in again.stdout and _stale(again.stdout) == 4
    refreshed = run_cli("translate", "--root", root, "--refresh")
    assert refreshed.exit_code == 0, refreshed.stderr
    assert "4 drafts refreshed" in refreshed.stdout and _stale(refreshed.stdout) == 0
    after = _entries(root, "a")
    assert "escáneres" in after[SCANNERS].msgstr and "escáneres" in after[SEIZED].msgstr
    assert after[PLAIN].msgstr == before[PLAIN].msgstr  # drafted again, the same words
    assert all(e.fuzzy and e.origin is not None and e.origin.key for e in after.values())
    final = run_cli("build", "--root", root)
    assert _stale(final.stdout) == 0
    page = (root / "build" / "es" / "a.html").read_text("utf-8")
    assert "escáneres" in page


def test_reviewed_entries_and_drafts_a_person_edited_are_never_touched(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS, SEIZED, PLAIN])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    po = po_file(root, "a", "es")
    text = po.read_text("utf-8")
    # a reviewer approves one draft as it is (drops the fuzzy flag), and edits another
    # while leaving it fuzzy and its notes in place (work in progress)
    reviewed, edited = _block(root, "a", SCANNERS), _block(root, "a", SEIZED)
    text = text.replace(reviewed, reviewed.replace("#, fuzzy\n", ""))  # approved as drafted
    old = _entries(root, "a")[SEIZED].msgstr
    text = text.replace(edited, edited.replace(old, "Agentes aseguraron 120 kilogramos de fentanilo."))
    po.write_text(text, "utf-8")
    entries = _entries(root, "a")
    assert entries[SEIZED].edited and not entries[PLAIN].edited
    _add_scanners(root)
    built = run_cli("build", "--root", root)
    assert _stale(built.stdout) == 2  # the title's and the plain paragraph's: the others are a person's
    reviewed_block, edited_block = _block(root, "a", SCANNERS), _block(root, "a", SEIZED)
    assert "escáners" in reviewed_block and "Agentes aseguraron" in edited_block
    refreshed = run_cli("translate", "--root", root, "--refresh")
    assert refreshed.exit_code == 0 and "2 drafts refreshed" in refreshed.stdout
    assert _block(root, "a", SCANNERS) == reviewed_block  # byte for byte
    assert _block(root, "a", SEIZED) == edited_block
    assert _stale(run_cli("build", "--root", root).stdout) == 0


def test_article_limits_the_refresh(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS], b=[SCANNERS, PLAIN])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _add_scanners(root)
    only_a = run_cli("translate", "--root", root, "--refresh", "--article", "a")
    assert only_a.exit_code == 0, only_a.stderr
    assert "2 drafts refreshed" in only_a.stdout  # a's title and paragraph
    assert "escáneres" in _entries(root, "a")[SCANNERS].msgstr
    assert "escáneres" not in _entries(root, "b")[SCANNERS].msgstr
    assert _stale(only_a.stdout) == 3  # b's title and two paragraphs are still to refresh
    assert _stale(run_cli("build", "--root", root).stdout) == 3


def test_an_unknown_article_is_one_line_and_exit_2_with_nothing_written(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _add_scanners(root)
    state = _state(root)
    result = puente(root, "translate", "--refresh", "--article", "nope")
    assert result.returncode == 2
    assert result.stderr == "sources: no article has the slug 'nope' (puente status lists them)\n"
    assert _state(root) == state
    alone = puente(root, "translate", "--article", "a")
    assert (
        alone.returncode == 2
        and alone.stderr.count("\n") == 1
        and "--article needs --refresh" in alone.stderr
    )


def test_a_refresh_is_all_or_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS], b=[SEIZED])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _add_scanners(root)
    state = _state(root)
    env = fake_engine(tmp_path / "bin", "echo 'apertium: mode files damaged' >&2\nexit 1\n")
    result = puente(root, "translate", "--refresh", env=env)
    assert result.returncode == 2 and result.stderr.startswith("apertium: apertium eng-spa failed")
    assert _state(root) == state  # neither article's catalog, nor the memory


def test_drafts_whose_notes_msgmerge_dropped_get_their_key_back_from_the_memory(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS, PLAIN])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    po, pot = po_file(root, "a", "es"), root / "locales" / "templates" / "a.pot"
    # msgmerge takes the extracted comments from the template: the draft notes go
    subprocess.run(["msgmerge", "--quiet", "--update", "--backup=off", str(po), str(pot)], check=True)
    assert "draft key:" not in po.read_text("utf-8")
    built = run_cli("build", "--root", root)
    assert built.exit_code == 0 and _stale(built.stdout) == 0
    assert "draft key:" in po.read_text("utf-8")


def test_drafts_older_than_draft_keys_count_as_predating(tmp_path: Path) -> None:
    root = _project(tmp_path, a=[SCANNERS, PLAIN])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    shutil.rmtree(root / ".puente")  # a fresh clone: no memory to ask
    po = po_file(root, "a", "es")
    po.write_text(re.sub(r"#\. draft key: .*\n", "", po.read_text("utf-8")), "utf-8")
    built = run_cli("build", "--root", root)
    assert _stale(built.stdout) == 3
    assert run_cli("translate", "--root", root, "--refresh", "--quiet").exit_code == 0
    assert _stale(run_cli("build", "--root", root).stdout) == 0
    assert po.read_text("utf-8").count("#. draft key: ") == 3


def test_a_first_mention_spelled_out_later_is_not_taken_for_an_edit(tmp_path: Path) -> None:
    first, second = "The DEA opened an office.", "Later the DEA closed it."
    root = _project(tmp_path, a=[first, second])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    assert "Administración para el Control de Drogas" not in _entries(root, "a")[second].msgstr
    source = root / "sources" / "a.md"
    source.write_text(source.read_text("utf-8").replace(first + "\n\n", ""), "utf-8")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    kept = _entries(root, "a")[second]
    assert "Administración para el Control de Drogas (DEA)" in kept.msgstr  # now the first mention
    assert not kept.edited


# --- a refresh never trades a sound draft for the source text ------------------------------


def splitting(handler) -> None:  # type: ignore[no-untyped-def]
    """LibreTranslate-compatible: copies the text, splitting every token ({901/} → {901 /})."""
    text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
    out = re.sub(r"(?<!\d)9(\d\d)(?!\d)", r"9 \1", re.sub(r"\{(9\d\d)/\}", r"{\1 /}", text))
    body = json.dumps({"translatedText": out}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def splitter(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with loopback_server(splitting) as (url, _):
        monkeypatch.setenv("PUENTE_LIBRETRANSLATE_URL", url)
        yield


def test_a_refresh_that_cannot_draft_soundly_keeps_the_draft_it_had(tmp_path: Path, splitter: None) -> None:
    plain = "The mayor visited the port."
    root = _project(tmp_path, a=[SEIZED, plain])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    before = _entries(root, "a")
    # another engine: every Apertium draft predates it; its drafts of a glossary term break
    result = run_cli("translate", "--root", root, "--refresh", "--engine", "libretranslate")
    assert result.exit_code == 0
    after = _entries(root, "a")
    assert after[SEIZED].msgstr == before[SEIZED].msgstr and after[SEIZED].failure is None
    assert after[SEIZED].origin is not None and after[SEIZED].origin.name == "apertium"
    assert "libretranslate broke glossary terms" in result.stderr
    assert after[plain].msgstr == plain and after[plain].origin is not None
    assert after[plain].origin.name == "libretranslate"  # the provider copies: a sound draft


def test_a_new_engine_version_or_new_draft_rules_make_drafts_predate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, a=[SCANNERS, PLAIN])
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    po = po_file(root, "a", "es")
    # one draft made by an older apertium-eng-spa (as a catalog from before an upgrade says)
    text = po.read_text("utf-8")
    block = _block(root, "a", PLAIN)
    po.write_text(
        text.replace(block, re.sub(r"draft: apertium \S+", "draft: apertium 0.7.0-1", block)), "utf-8"
    )
    assert _stale(run_cli("build", "--root", root).stdout) == 1
    # a Puente whose draft rules write something else: every draft predates them
    monkeypatch.setattr("pipeline.RULES_VERSION", "2")
    assert _stale(run_cli("build", "--root", root).stdout) == 3
    refreshed = run_cli("translate", "--root", root, "--refresh")
    assert "3 drafts refreshed" in refreshed.stdout and _stale(refreshed.stdout) == 0
    assert po.read_text("utf-8").count("+rules2+") == 3
