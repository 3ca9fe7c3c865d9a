"""puente build end to end: pages in both languages, safety, incrementality, the manifest."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import html5lib
import jsonschema
import polib
import pytest
from lxml import html as lxml_html

from pipeline.manifest import schema
from pipeline.project import open_project
from tests.conftest import BENCHMARKS, REPO, run_cli
from tests.helpers import dead_pid, po_file

SLUGS = {"cartel-crackdown-results": "en", "juntos-contra-el-narco-balance": "es"}


def page(root: Path, lang: str, slug: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring((root / "build" / lang / f"{slug}.html").read_text("utf-8"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    for name in ("sources", "glossary"):
        shutil.copytree(REPO / name, root / name)
    result = run_cli("build", "--root", root)
    assert result.exit_code == 0, result.stderr
    return root


def test_pages_for_every_article_in_both_languages(built: Path) -> None:
    for slug in SLUGS:
        for lang in ("en", "es"):
            root = page(built, lang, slug)
            assert root.get("lang") == lang
            links = {
                link.get("hreflang"): link.get("href") for link in root.iterfind(".//link[@rel='alternate']")
            }
            assert links == {"en": f"../en/{slug}.html", "es": f"../es/{slug}.html"}


def test_pages_are_valid_html5(built: Path) -> None:
    for path in (built / "build").rglob("*.html"):
        parser = html5lib.HTMLParser(strict=True)
        if path.name.endswith(".body.html"):  # a body fragment, for a CMS's content field
            parser.parseFragment(path.read_bytes())
        else:
            parser.parse(path.read_bytes())
        assert not parser.errors, path


def test_links_tables_and_protected_spans_are_preserved(built: Path) -> None:
    source = page(built, "es", "juntos-contra-el-narco-balance")
    target = page(built, "en", "juntos-contra-el-narco-balance")
    assert [a.get("href") for a in target.iterfind(".//article//p/a")] == [
        a.get("href") for a in source.iterfind(".//article//p/a")
    ]
    assert len(target.findall(".//table//td")) == len(source.findall(".//table//td")) == 9
    assert [e.text for e in target.iterfind(".//span[@translate='no']")] == ["Juntos contra el Narco"]
    seed = page(built, "es", "cartel-crackdown-results")
    assert len(seed.findall(".//table//th")) == 3
    assert "Juntos contra el Narco" in [e.text for e in seed.iterfind(".//span[@translate='no']")]


def test_glossary_terms_reach_the_pages(built: Path) -> None:
    text = page(built, "es", "cartel-crackdown-results").text_content()
    for term in (
        "Sonora",
        "golfo de California",
        "río Colorado",
        "Cártel de Sinaloa",
        "la presidenta Claudia Sheinbaum",
        "Juntos contra el Narco",
        "Iniciativa Mérida",
        "Cláusula de Continuidad",
        "Barrios Seguros",
        "ONUDD",
    ):
        assert term.lower() in text.lower(), term
    assert "Audible" not in page(built, "en", "juntos-contra-el-narco-balance").text_content()


def test_target_pages_say_they_are_machine_translated(built: Path) -> None:
    root = page(built, "es", "cartel-crackdown-results")
    assert root.find(".//meta[@name='translation-state']").get("content") == "machine"
    assert root.findtext(".//article//time") == "16 de enero de 2026"
    assert root.findtext(".//title") != page(built, "en", "cartel-crackdown-results").findtext(".//title")


def test_manifest_is_valid_and_true(built: Path) -> None:
    manifest = json.loads((built / "build" / "manifest.json").read_text("utf-8"))
    jsonschema.validate(manifest, schema())
    assert [a["slug"] for a in manifest["articles"]] == sorted(SLUGS)
    for article in manifest["articles"]:
        assert article["source_lang"] == SLUGS[article["slug"]]
        for lang, entry in article["languages"].items():
            data = (built / "build" / entry["path"]).read_bytes()
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert entry["state"] == ("source" if lang == article["source_lang"] else "machine")
    seed = manifest["articles"][0]
    assert seed["date"] == "2026-01-16" and seed["author"] == "Office of the President, Mexico"
    assert seed["languages"]["es"]["units"]["machine"] == 97


def test_no_op_rebuild_writes_nothing(built: Path) -> None:
    before = snapshot(built / "build")
    result = run_cli("build", "--root", built)
    assert result.exit_code == 0
    assert "2 articles (0 rebuilt): 0 pages written, 4 unchanged" in result.stdout
    assert snapshot(built / "build") == before


def test_translator_edit_reaches_the_page_and_only_that_article_is_rebuilt(project: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    other = (project / "build" / "en" / "juntos-contra-el-narco-balance.html").stat().st_mtime_ns
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid == "Key Facts at a Glance")
    entry.msgstr, entry.flags = "Datos clave de un vistazo", []
    catalog.save()
    result = run_cli("build", "--root", project)
    assert "2 articles (1 rebuilt)" in result.stdout
    headings = [
        h.text_content() for h in page(project, "es", "cartel-crackdown-results").iterfind(".//article/h2")
    ]
    assert "Datos clave de un vistazo" in headings
    root = page(project, "es", "cartel-crackdown-results")
    assert root.find(".//meta[@name='translation-state']").get("content") == "mixed"
    assert (project / "build" / "en" / "juntos-contra-el-narco-balance.html").stat().st_mtime_ns == other


HOSTILE = [
    "<script>alert(1)</script> Datos",
    '<img src=x onerror="alert(1)"> Datos',
    "Datos {7}inventados{/7}",
    '{1}Detenciones:{/1} <a href="javascript:alert(1)">clic</a>',
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_translations_never_become_markup(project: Path, hostile: str) -> None:
    run_cli("build", "--root", project, "--quiet", "--no-mt")
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    for entry in catalog:
        if entry.msgid in (
            "Key Facts at a Glance",
            "{1}Arrests:{/1} Over 12,300 high‑ranking cartel members and affiliates detained across 17 joint operations.",
        ):
            entry.msgstr, entry.flags = hostile, []
    catalog.save()
    result = run_cli("build", "--root", project, "--no-mt")
    assert result.exit_code == 0
    root = page(project, "es", "cartel-crackdown-results")
    assert root.find(".//script") is None
    assert not [e for e in root.iter() if any(k.startswith("on") for k in e.attrib)]
    assert not [a for a in root.iter("a") if (a.get("href") or "").startswith("javascript")]
    if "{7}" in hostile:
        assert "placeholders: unexpected {7}" in result.stderr
    elif "<script>" in hostile:
        assert "<script>alert(1)</script> Datos" in root.text_content()  # shown as text, escaped


def test_broken_catalog_stops_the_build_before_any_write(project: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet", "--no-mt").exit_code == 0
    (project / "sources" / "cartel-crackdown-results.md").write_text(
        (project / "sources" / "cartel-crackdown-results.md").read_text("utf-8").replace("Sparse", "Scarce"),
        "utf-8",
    )
    po = po_file(project, "cartel-crackdown-results", "es")
    po.write_text(po.read_text("utf-8").replace('msgstr ""\n', 'msgstr "roto\n', 3), "utf-8")
    before = snapshot(project / "build"), snapshot(project / "locales")
    result = run_cli("build", "--root", project, "--no-mt")
    assert result.exit_code == 2
    assert result.stderr.startswith("locales/es/LC_MESSAGES/cartel-crackdown-results.po:")
    assert "syntax error: unterminated string" in result.stderr and result.stderr.count("\n") == 1
    assert (snapshot(project / "build"), snapshot(project / "locales")) == before


@pytest.mark.parametrize(
    ("running", "command"),
    [("build", "build"), ("build", "extract"), ("build", "translate"), ("extract", "build")],
)
def test_a_second_run_is_refused_while_one_rewrites_the_project(
    project: Path, running: str, command: str
) -> None:
    (project / ".puente").mkdir()
    with open(project / ".puente" / "build.lock", "w") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.write(f"4242 {running}")
        handle.flush()
        result = run_cli(command, "--root", project)
    assert result.exit_code == 2
    assert result.stderr == (
        f".puente/build.lock: another {running} is running on this project (pid 4242); wait for it to finish\n"
    )
    assert not (project / "build").exists() and not (project / "locales").exists()


def test_the_lock_is_free_again_after_each_command(project: Path) -> None:
    for command in ("extract", "translate", "build", "build"):
        assert run_cli(command, "--root", project, "--quiet").exit_code == 0, command


def test_worker_processes_do_not_keep_the_build_lock(project: Path) -> None:
    read, write = os.pipe()
    with open_project(project).lock("build"):
        worker = os.fork()
        if worker == 0:  # a worker forked during the build, still running after it
            os.read(read, 1)
            os._exit(0)
    try:
        assert run_cli("build", "--root", project, "--no-mt", "--quiet").exit_code == 0
    finally:
        os.write(write, b"x")
        os.waitpid(worker, 0)


def test_reviewed_only_holds_back_machine_pages(project: Path) -> None:
    result = run_cli("build", "--root", project, "--reviewed-only", "--no-mt")
    assert result.exit_code == 0
    assert "not written: es/cartel-crackdown-results.html" in result.stdout
    assert not (project / "build" / "es" / "cartel-crackdown-results.html").exists()
    source = page(project, "en", "cartel-crackdown-results")
    assert [link.get("hreflang") for link in source.iterfind(".//link[@rel='alternate']")] == ["en"]
    manifest = json.loads((project / "build" / "manifest.json").read_text("utf-8"))
    jsonschema.validate(manifest, schema())
    assert manifest["articles"][0]["held"] == ["es"]


def test_changed_units_publish_a_fresh_draft_not_stale_facts(project: Path) -> None:
    run_cli("build", "--root", project, "--quiet")
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid.startswith("{1}Arrests:{/1}"))
    entry.msgstr, entry.flags = "{1}Detenciones:{/1} Más de 12.300 miembros detenidos en 17 operativos.", []
    catalog.save()
    run_cli("build", "--root", project, "--quiet")
    source = project / "sources" / "cartel-crackdown-results.md"
    source.write_text(source.read_text("utf-8").replace("Over 12,300", "Over 13,100"), "utf-8")
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    text = page(project, "es", "cartel-crackdown-results").text_content()
    assert "13,100" in text and "12.300 miembros" not in text
    changed = next(e for e in polib.pofile(str(po)) if "13,100" in e.msgid)
    assert changed.msgstr.startswith("{1}Detenciones:{/1} Más de 12.300") and "fuzzy" in changed.flags
    assert "fresh draft: " in changed.comment


def test_a_review_saved_just_before_a_source_change_is_kept(project: Path) -> None:
    # a translator's tool keeps the extracted "draft:" comment when it clears the fuzzy flag;
    # when the source changes before the next build, the translation is still the person's
    run_cli("build", "--root", project, "--quiet")
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid.startswith("{1}Arrests:{/1}"))
    reviewed = "{1}Detenciones:{/1} Más de 12.300 miembros detenidos en 17 operativos."
    entry.msgstr, entry.flags = reviewed, []
    assert "draft: apertium" in entry.comment
    catalog.save()
    source = project / "sources" / "cartel-crackdown-results.md"
    source.write_text(source.read_text("utf-8").replace("Over 12,300", "Over 13,100"), "utf-8")
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    changed = next(e for e in polib.pofile(str(po)) if "13,100" in e.msgid)
    assert changed.msgstr == reviewed and "fuzzy" in changed.flags
    assert changed.previous_msgid is not None and "12,300" in changed.previous_msgid
    assert "fresh draft: " in changed.comment and "draft: apertium" not in changed.comment.replace(
        "fresh draft", ""
    )


def _corpus(root: Path, n: int) -> Path:
    """A project of ``n`` generated Markdown articles."""
    command = [sys.executable, str(BENCHMARKS / "make_corpus.py"), "--n", str(n)]
    subprocess.run(
        [*command, "--out", str(root / "sources"), "--format", "md"], check=True, capture_output=True
    )
    return root


def test_a_broken_catalog_in_a_large_project_changes_no_file(tmp_path: Path) -> None:
    # large enough for worker processes, which stage every other article's files first
    root = _corpus(tmp_path / "big", 80)
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    for source in (root / "sources").glob("*.md"):
        source.write_text(source.read_text("utf-8").replace("\n\n", "\n\nA new paragraph.\n\n", 1), "utf-8")
    broken = sorted((root / "locales" / "es" / "LC_MESSAGES").glob("*.po"))[40]
    broken.write_text(broken.read_text("utf-8").replace('msgstr ""\n', 'msgstr "roto\n', 3), "utf-8")
    before = snapshot(root / "build"), snapshot(root / "locales")
    result = run_cli("build", "--root", root, "--no-mt", "--quiet")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"locales/es/LC_MESSAGES/{broken.name}:")
    # not one file changed, and no temporary file left behind
    assert (snapshot(root / "build"), snapshot(root / "locales")) == before


def test_a_build_killed_midway_leaves_no_half_written_file(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "big", 200)
    killed_while_running = 0
    for delay in (0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.5):
        process = _start_build(root)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_while_running += 1
        process.wait()
        _assert_no_process_left(root)
        _assert_whole_files(root)
    assert killed_while_running  # at least one build died midway
    # what a killed worker leaves, wherever it was writing (planted, as kills are not
    # sure to leave one), and a file of the editor's own that merely looks alike
    dead = dead_pid()
    planted = [
        root / folder / f".{name}.{dead}-0badf00d-7.tmp"
        for folder, name in [
            ("build/es", "a.html"),
            ("locales/es/LC_MESSAGES", "a.po"),
            ("locales/templates", "a.pot"),
        ]
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half a file")
    (root / "build" / ".notes.2024-05.tmp").write_text("mine")
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    assert len(list((root / "build").rglob("*.html"))) == 800  # pages and body fragments
    # the next run removed every temporary file the kills left, and nothing else
    assert [p for p in root.rglob("*") if p.name.endswith(".tmp")] == [root / "build" / ".notes.2024-05.tmp"]


def _wait_for_staging(root: Path, process: subprocess.Popen[bytes]) -> None:
    """Until the build stages its first file (or ends)."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if any(path.name.endswith(".tmp") for path in root.rglob(".*.tmp")):
            return
        time.sleep(0.02)


def _start_build(root: Path) -> subprocess.Popen[bytes]:
    """``puente build --no-mt`` on ``root`` in the background, in a process group of its
    own (as a terminal runs a command)."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "build", "--root", str(root), "--no-mt", "--quiet"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _assert_no_process_left(root: Path) -> None:
    """No worker of the killed build lives on (they would hold memory, and wait forever)."""
    deadline = time.monotonic() + 10
    while True:
        left = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(root).encode() in cmdline.read_bytes():
                    left.append(cmdline.parent.name)
            except OSError:  # the process ended meanwhile
                continue
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes of a killed build still running: {left}"


def _assert_whole_files(root: Path) -> None:
    leftovers = [p for p in root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    for path in [*root.rglob("*.html"), *root.rglob("*.po"), *root.rglob("*.pot")]:
        if path.name.endswith(".body.html"):  # a body fragment: its blocks, each line a whole element
            data = path.read_bytes()
            assert data == b"" or data.endswith(b">\n"), path
        elif path.suffix == ".html":
            assert path.read_bytes().rstrip().endswith(b"</html>"), path
        else:
            polib.pofile(str(path))  # parses completely
    # temporary files may be left by a kill, but never under a final name
    assert all(p.name.startswith(".") for p in leftovers)


def test_a_failed_first_build_leaves_no_empty_folders(tmp_path: Path) -> None:
    # the workers made locales/… and build/… for the good articles before the bad one failed
    root = _corpus(tmp_path / "big", 80)
    shutil.copy(REPO / "tests" / "bad" / "sources" / "bad-front-matter.md", root / "sources" / "zz-bad.md")
    result = run_cli("build", "--root", root, "--no-mt", "--quiet")
    assert result.exit_code == 2
    assert result.stderr.startswith("sources/zz-bad.md:2: malformed front matter")
    assert sorted(p.name for p in root.iterdir()) == [".puente", "sources"]


def test_ctrl_c_during_a_build_leaves_no_temporary_file(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "big", 200)
    interrupted = 0
    for delay in (0.0, 0.3, 0.6, 1.0):
        process = _start_build(root)
        _wait_for_staging(root, process)  # the build is at work, however loaded the machine
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # as a terminal does: to every process of the run
            interrupted += process.wait() == 130
        process.wait()
        _assert_no_process_left(root)
        _assert_whole_files(root)
        # unlike a kill, an interruption cleans up after itself
        assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert interrupted  # at least one build was stopped midway
    assert run_cli("build", "--root", root, "--no-mt", "--quiet").exit_code == 0
    assert len(list((root / "build").rglob("*.html"))) == 800  # pages and body fragments


# --- glossary tokens never leave debris on a page -------------------------------------------

DEBRIS = ("{", "}", "⟦", "⟧")


def test_the_seed_article_page_has_no_token_debris(built: Path) -> None:
    """ "the Mexican Navy’s Special Forces" once became "las fuerzas Especiales/} del {903. Armada de
    México": Apertium moved the token's digits with the possessive and left its braces behind."""
    root = page(built, "es", "cartel-crackdown-results")
    text = root.find(".//article").text_content()  # the page's stylesheet has braces of its own
    assert not [mark for mark in DEBRIS if mark in text]
    item = next(li.text_content() for li in root.iterfind(".//li") if "Agencias" in li.text_content())
    # the draft rules write the possessive out ("the Special Forces of the Mexican Navy")
    assert item.endswith("y las Fuerzas Especiales de la Armada de México."), item
    result = run_cli("check", "--root", built)
    assert ": residue: " not in result.stdout and ": fallback: " not in result.stdout


def _entry_of(po: Path, start: str) -> polib.POEntry:
    return next(e for e in polib.pofile(str(po), wrapwidth=0) if e.msgid.startswith(start))


def test_debris_an_older_version_drafted_is_drafted_again(project: Path) -> None:
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid.startswith("{1}lead Agencies:{/1}"))
    entry.msgstr = (
        "{1}Agencias de ventaja:{/1} DEA (México), y las fuerzas Especiales/} del {903. Armada de México"
    )
    catalog.save()
    assert ": residue: " in run_cli("check", "--root", project).stdout
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    redrafted = _entry_of(po, "{1}lead Agencies:{/1}")
    assert "fuzzy" in redrafted.flags and not [mark for mark in ("/}", "{903") if mark in redrafted.msgstr]
    assert redrafted.msgstr.endswith("de la Armada de México.")
    assert "/}" not in page(project, "es", "cartel-crackdown-results").find(".//article").text_content()


def test_a_reviewed_translation_with_debris_is_an_error_and_never_published(project: Path) -> None:
    assert run_cli("extract", "--root", project, "--quiet").exit_code == 0
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid.startswith("{1}lead Agencies:{/1}"))
    entry.msgstr = "{1}Agencias:{/1} DEA, y las fuerzas Especiales/} del {903. Armada de México"
    entry.flags = []  # a translator marked the debris reviewed
    catalog.save()
    line = _entry_of(po, "{1}lead Agencies:{/1}").linenum
    where = f"locales/es/LC_MESSAGES/cartel-crackdown-results.po:{line}"
    checked = run_cli("check", "--root", project)
    assert checked.exit_code == 1
    assert f"{where}: residue: token-like residue in the translation: '/}}', '{{903' [error]" in (
        checked.stdout.splitlines()
    )
    built = run_cli("build", "--root", project)  # drafts the other entries: lines move
    where = (
        f"locales/es/LC_MESSAGES/cartel-crackdown-results.po:{_entry_of(po, '{1}lead Agencies:{/1}').linenum}"
    )
    assert (
        f"{where}: residue: token-like residue '/}}', '{{903': published the source text instead [error]"
        in (built.stderr.splitlines())
    )
    text = page(project, "es", "cartel-crackdown-results").find(".//article").text_content()
    assert "/}" not in text and "{903" not in text
    assert "and the Mexican Navy’s Special Forces." in text  # the source text stands in
