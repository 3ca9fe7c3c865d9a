"""Translators' tools round-trip without loss.

A project is built, a translator reviews some entries and fills in the header as Poedit
does, then a real tool runs over the catalog the way a translator's workflow runs it
(GNU gettext's msgcat, msgmerge, msgattrib; Babel's pybabel update; Translate Toolkit's
pot2po, pomerge and the PO storage Weblate writes with), and the project is built
again. Nothing the translator wrote may be lost or demoted, no header field or credit
line the tool kept may be dropped, Puente's drafting notes come back from the memory,
an unchanged catalog is not rewritten, msgfmt --check passes, and the pages show what
the translator wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from lxml import html as lxml_html

from pipeline.build import BuildOptions, build_project
from pipeline.mt.online import OnlineEngine
from pipeline.po import Catalog, parse
from pipeline.project import open_project
from tests.conftest import run_cli
from tests.helpers import loopback_server

BIN = Path(sys.executable).parent
SLUG = "report"
SOURCE = """---
title: Border report
slug: report
lang: en
date: 2026-01-16
author: Newsroom
---

Officials reported a 42 % reduction in homicides in Sinaloa. The statement came on Monday.

The minister said\u2028 the budget would grow. Agents seized **11,927 kg** of cocaine.

The bilateral task force met in Tijuana to review the results of the campaign.

Cartels are shifting to maritime routes near the port of Manzanillo.
"""
REVIEWED = {
    # "42 %" makes pybabel flag the entry python-format: msgfmt --check then fails on it
    "Officials reported a 42 % reduction in homicides in Sinaloa.":
        "Los funcionarios informaron una reducción del 42 % de los homicidios en Sinaloa.",
    # U+2028 is text, in the source and in the translation
    "The minister said\u2028 the budget would grow.": "El ministro dijo\u2028 que el presupuesto crecería.",
    # placeholders make pybabel flag the entry python-brace-format
    "Agents seized {1}11,927 kg{/1} of cocaine.": "Los agentes decomisaron {1}11,927 kg{/1} de cocaína.",
}  # fmt: skip
CREDITS = ["Ana Translator <ana@example.org>, 2026.", "Luis Revisor <luis@example.org>, 2026."]
POEDIT_FIELDS = {
    "Last-Translator": "Ana Translator <ana@example.org>",
    "Language-Team": "Spanish (Mexico) <es-mx@example.org>",
    "Language": "es_MX",
    "X-Generator": "Poedit 3.4.2",
    "X-Poedit-Basepath": "../../..",
    "X-Poedit-SearchPath-0": "sources",
    "X-Custom-Field": "keep me",
}
OWNED = {"Project-Id-Version", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
         "POT-Creation-Date", "PO-Revision-Date", "X-Source-Language"}  # fmt: skip


def po_path(root: Path) -> Path:
    return root / "locales" / "es" / "LC_MESSAGES" / f"{SLUG}.po"


def pot_path(root: Path) -> Path:
    return root / "locales" / "templates" / f"{SLUG}.pot"


def read(path: Path) -> Catalog:
    return parse(path.read_bytes().decode("utf-8"), str(path))


def tool(*command: str | Path, cwd: Path | None = None) -> str:
    """Run a translator's tool (from PATH or this virtualenv); fail the test if it fails."""
    first = str(command[0])
    executable = str(BIN / first) if (BIN / first).exists() else first
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [executable, *map(str, command[1:])], capture_output=True, text=True, cwd=cwd, env=env
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


def build(root: Path) -> None:
    result = run_cli("build", "--root", root, "--quiet")
    assert result.exit_code == 0, result.stderr


def msgfmt_check(path: Path) -> str:
    done = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    return "" if done.returncode == 0 else done.stderr


def catalog_errors(root: Path) -> list[str]:
    result = run_cli("check", "--root", root, "--json")
    return [
        f"{item['line']}: {item['message']}"
        for item in json.loads(result.stdout)
        if item["code"] == "catalog"
    ]


# --- a translator's edits, made as a text editor makes them -----------------------------


def entry_blocks(text: str) -> list[str]:
    return text.split("\n\n")


def review(path: Path, translations: dict[str, str]) -> None:
    """Give each source of ``translations`` its translation and take its fuzzy flag off,
    editing the file's text (as Lokalize or a text editor does: nothing else moves)."""
    blocks = entry_blocks(path.read_text("utf-8"))
    for msgid, msgstr in translations.items():
        quoted = quote(msgid)
        index = next(i for i, block in enumerate(blocks) if f"\nmsgid {quoted}\n" in f"\n{block}\n")
        block = re.sub(r"(?m)^#, fuzzy\n", "", blocks[index])
        block = re.sub(r"(?m)^#, fuzzy, ", "#, ", block)
        block = re.sub(r'(?ms)^msgstr ".*\Z', f"msgstr {quote(msgstr)}", block)
        blocks[index] = block
    path.write_text("\n\n".join(blocks).rstrip("\n") + "\n", "utf-8")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poedit_header(path: Path) -> None:
    """What Poedit writes in a header: the translator, the team, the regional language, its
    own X-Poedit-* fields; and the credit lines of the header comment."""
    text = path.read_text("utf-8")
    head, _, rest = text.partition('msgid ""\nmsgstr ""\n')
    head = head + "".join(f"# {line}\n" for line in CREDITS)
    fields, _, entries = rest.partition("\n\n")
    values = dict(re.findall(r'^"([^:]+): (.*)\\n"$', fields, re.MULTILINE))
    values.update(POEDIT_FIELDS)
    fields = "".join(f'"{key}: {value}\\n"\n' for key, value in values.items()).rstrip("\n")
    path.write_text(f'{head}msgid ""\nmsgstr ""\n{fields}\n\n{entries}', "utf-8")


@pytest.fixture(scope="module")
def reviewed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built project whose catalog a translator reviewed in part, built again."""
    root = tmp_path_factory.mktemp("roundtrip") / "project"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / f"{SLUG}.md").write_text(SOURCE, "utf-8")
    build(root)
    poedit_header(po_path(root))
    review(po_path(root), REVIEWED)
    assert msgfmt_check(po_path(root)) == ""
    build(root)
    return root


@pytest.fixture
def project(reviewed_project: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(reviewed_project, root)
    return root


# --- the tools, as a translator's workflow runs them -----------------------------------


def msgcat(root: Path) -> dict[str, str]:
    tool("msgcat", po_path(root), "-o", po_path(root))  # re-wrapped at 79 columns
    return {}


def msgcat_no_wrap(root: Path) -> dict[str, str]:
    tool("msgcat", "--no-wrap", po_path(root), "-o", po_path(root))
    return {}


def msgmerge(root: Path) -> dict[str, str]:
    tool("msgmerge", "--quiet", po_path(root), pot_path(root), "-o", po_path(root))
    return {}


def msgmerge_previous(root: Path) -> dict[str, str]:
    tool("msgmerge", "--quiet", "--previous", "--update", "--backup=off", po_path(root), pot_path(root))
    return {}


TODO = {"Cartels are shifting to maritime routes near the port of Manzanillo.":
        "Los cárteles se desplazan a rutas marítimas cerca del puerto de Manzanillo."}  # fmt: skip


def msgattrib_then_msgcat(root: Path) -> dict[str, str]:
    """The drafts to review go out with msgattrib, come back reviewed, and msgcat puts
    them back into the catalog (the reviewed file first)."""
    todo = root / "todo.po"
    tool("msgattrib", "--only-fuzzy", po_path(root), "-o", todo)
    review(todo, TODO)
    tool("msgcat", "--use-first", todo, po_path(root), "-o", po_path(root))
    return TODO


def pybabel_update(root: Path) -> dict[str, str]:
    tool(
        "pybabel",
        "update",
        "--input-file",
        pot_path(root),
        "--output-file",
        po_path(root),
        "--locale",
        "es_MX",
    )
    return {}


def pot2po(root: Path) -> dict[str, str]:
    merged = root / "merged.po"
    tool("pot2po", "--template", po_path(root), "--input", pot_path(root), "--output", merged)
    shutil.move(merged, po_path(root))
    return {}


def pomerge(root: Path) -> dict[str, str]:
    """The drafts to review go out (msgattrib), come back reviewed, and Translate
    Toolkit's pomerge merges them into the catalog."""
    todo, merged = root / "todo.po", root / "merged.po"
    tool("msgattrib", "--only-fuzzy", po_path(root), "-o", todo)
    review(todo, TODO)
    tool("pomerge", "--template", po_path(root), "--input", todo, "--output", merged)
    shutil.move(merged, po_path(root))
    return TODO


WEBLATE = """
import sys
from translate.storage.po import pofile

path, source, target = sys.argv[1], sys.argv[2], sys.argv[3]
store = pofile.parsefile(path)
store.wrapper.width = 77  # Weblate's default line wrap for PO files
for unit in store.units:
    if source and unit.source == source:
        unit.target = target
        unit.markfuzzy(False)
if source:
    store.updateheader(add=True, last_translator="Weblate Admin <admin@example.org>", x_generator="Weblate 5.9")
store.savefile(path)
"""
WEBLATE_REVIEW = {"The bilateral task force met in Tijuana to review the results of the campaign.":
                  "El grupo de trabajo bilateral se reunió en Tijuana para revisar los resultados de la campaña."}  # fmt: skip


def weblate(root: Path) -> dict[str, str]:
    """A translation saved in Weblate: Translate Toolkit's PO storage reads the file,
    changes one unit and writes it back."""
    [(source, target)] = WEBLATE_REVIEW.items()
    tool("python", "-c", WEBLATE, po_path(root), source, target)
    return WEBLATE_REVIEW


def weblate_untouched(root: Path) -> dict[str, str]:
    """Weblate (Translate Toolkit) rewrites the file without changing any unit."""
    tool("python", "-c", WEBLATE, po_path(root), "", "")
    return {}


TOOLS: dict[str, Callable[[Path], dict[str, str]]] = {
    "msgcat": msgcat,
    "msgcat --no-wrap": msgcat_no_wrap,
    "msgmerge": msgmerge,
    "msgmerge --previous": msgmerge_previous,
    "msgattrib + msgcat": msgattrib_then_msgcat,
    "pybabel update": pybabel_update,
    "pot2po": pot2po,
    "pomerge": pomerge,
    "weblate": weblate,
    "weblate, no change": weblate_untouched,
}
UNCHANGED = {"msgcat", "msgcat --no-wrap", "weblate, no change"}
"""Tools that change no entry: the next build must leave their file alone."""
KEEP_EVERY_FIELD = {"msgcat", "msgcat --no-wrap", "msgmerge", "msgmerge --previous", "msgattrib + msgcat",
                    "pomerge", "weblate", "weblate, no change"}  # fmt: skip
"""Tools that keep every header field (pybabel keeps only Babel's; pot2po takes the template's Language)."""


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def drafts(catalog: Catalog) -> dict[str, tuple[object, tuple[str, ...]]]:
    """Every machine draft's origin and unknown words, by source."""
    return {
        entry.msgid: (entry.origin, entry.unknown) for entry in catalog.active if entry.state == "machine"
    }


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_a_translators_tool_loses_nothing(project: Path, name: str) -> None:
    before = read(po_path(project))
    assert drafts(before), "the project has machine drafts"
    reviewed_by_tool = TOOLS[name](project)
    after_tool = read(po_path(project))
    tool_file = snapshot(po_path(project))
    if msgfmt_check(po_path(project)):  # what the tool wrote: puente check must see it too
        assert catalog_errors(project), msgfmt_check(po_path(project))
    build(project)
    rebuilt = read(po_path(project))
    by_msgid = {entry.msgid: entry for entry in rebuilt.active}

    # no reviewed translation lost or demoted, and the tool's reviews are taken
    for msgid, msgstr in {**REVIEWED, **reviewed_by_tool}.items():
        assert (by_msgid[msgid].msgstr, by_msgid[msgid].state) == (msgstr, "reviewed"), msgid

    # drafting notes of every remaining machine draft are there, restored from the memory
    expected = {msgid: notes for msgid, notes in drafts(before).items() if msgid not in reviewed_by_tool}
    assert drafts(rebuilt) == expected

    # no header field or credit line lost, a regional Language kept
    lines = rebuilt.header_comment.split("\n")
    for credit in CREDITS:
        assert credit in lines
    kept = {key: value for key, value in after_tool.fields.items() if key not in OWNED}
    if name in KEEP_EVERY_FIELD:
        assert set(POEDIT_FIELDS) <= set(kept)
    for key, value in kept.items():
        assert rebuilt.fields[key] == (value or "es" if key == "Language" else value), key

    # msgfmt --check passes, and puente check agrees
    assert msgfmt_check(po_path(project)) == ""
    assert catalog_errors(project) == []

    # no churn: the catalog of a tool that changed no entry is left as the tool wrote it,
    # and a second build rewrites nothing
    if name in UNCHANGED:
        assert snapshot(po_path(project)) == tool_file
    settled = snapshot(po_path(project))
    build(project)
    assert snapshot(po_path(project)) == settled

    # the page shows what the translator wrote
    page = lxml_html.document_fromstring((project / "build" / "es" / f"{SLUG}.html").read_bytes())
    text = page.text_content()
    for msgstr in {**REVIEWED, **reviewed_by_tool}.values():
        assert re.sub(r"\{/?\d+/?\}", "", msgstr) in text


def test_puente_check_fails_wherever_msgfmt_check_fails_before_the_build(project: Path) -> None:
    """pybabel update flags "42 %" python-format and "{1}" python-brace-format; on the
    reviewed entry msgfmt --check then fails: puente check must say so before the next
    build, and the build removes the flags."""
    pybabel_update(project)
    assert "python-format" in po_path(project).read_text("utf-8")
    problems = msgfmt_check(po_path(project))
    assert "format specifications" in problems
    errors = catalog_errors(project)
    # lines as gettext counts them (U+2028 ends no line), the entries after the minister's included
    for msgid, flag in (("Officials reported", "python-format"), ("Agents seized", "python-brace-format")):
        line = entry_line(po_path(project), msgid)
        assert any(error.startswith(f"{line}: {flag}") for error in errors), (line, errors)
    build(project)
    assert "-format" not in po_path(project).read_text("utf-8")
    assert msgfmt_check(po_path(project)) == "" and catalog_errors(project) == []


EDITED_SOURCE = SOURCE.replace("42 %", "45 %").replace(
    "the port of Manzanillo", "the port of Lázaro Cárdenas"
)


@pytest.mark.parametrize("previous", [True, False])
def test_msgmerge_after_a_source_change_ends_where_puentes_own_merge_ends(
    project: Path, tmp_path: Path, previous: bool
) -> None:
    """The source changes; Puente merges the catalog itself in one copy of the project,
    and in the other the translator's copy of the old catalog is merged with msgmerge
    against the new template: after the next build both catalogs hold the same entries
    (translations, review states, previous sources, obsolete entries with their #~|
    lines, drafting notes) and the same POT-Creation-Date as the template."""
    translator = tmp_path / "translator"
    shutil.copytree(project, translator)
    for root in (project, translator):
        (root / "sources" / f"{SLUG}.md").write_text(EDITED_SOURCE, "utf-8")
    build(project)  # Puente's own merge
    old = po_path(translator).read_bytes()
    assert run_cli("extract", "--root", translator, "--quiet").exit_code == 0  # the new template
    po_path(translator).write_bytes(old)  # the translator's catalog, older than the template
    options = ["--previous"] if previous else []
    tool(
        "msgmerge", "--quiet", *options, po_path(translator), pot_path(translator), "-o", po_path(translator)
    )
    build(translator)

    ours, theirs = read(po_path(project)), read(po_path(translator))

    def content(catalog: Catalog) -> list[tuple[object, ...]]:
        return [
            (e.msgctxt, e.msgid, e.msgstr, e.state, e.obsolete, e.previous_msgid if previous or e.obsolete else None,
             e.comments, e.origin and e.origin.name, e.unknown, e.fresh_draft)
            for e in catalog
        ]  # fmt: skip

    assert content(theirs) == content(ours)
    assert any(e.state == "changed" for e in ours)  # the reviewed "42 %" sentence changed
    for root, catalog in ((project, ours), (translator, theirs)):
        assert catalog.fields["POT-Creation-Date"] == read(pot_path(root)).fields["POT-Creation-Date"]
    assert msgfmt_check(po_path(translator)) == ""


def test_a_plural_entry_a_translator_adds_is_kept_as_obsolete(project: Path) -> None:
    po = po_path(project)
    added = (
        '\n# a plural form the translator wanted to keep\nmsgctxt "note"\nmsgid "{n} arrest"\n'
        'msgid_plural "{n} arrests"\nmsgstr[0] "{n} detención"\nmsgstr[1] "{n} detenciones"\n'
    )
    po.write_text(po.read_text("utf-8") + added, "utf-8")
    assert msgfmt_check(po) == ""
    build(project)
    [kept] = [entry for entry in read(po).obsolete if entry.msgid_plural]
    assert kept.msgstr_plural == ("{n} detención", "{n} detenciones")
    assert kept.comments == ("a plural form the translator wanted to keep",)
    assert msgfmt_check(po) == ""
    settled = snapshot(po)
    build(project)
    assert snapshot(po) == settled


def test_a_silenced_check_stays_silenced_through_msgmerge(project: Path) -> None:
    """GNU gettext's tools drop flags they do not know (``#, puente-ignore-numbers``) and
    keep translator comments: ``# puente-ignore-numbers`` survives msgmerge."""
    source = "Officials reported a 42 % reduction in homicides in Sinaloa."
    review(
        po_path(project),
        {source: "Los funcionarios informaron que los homicidios bajaron a la mitad en Sinaloa."},
    )
    assert "numbers" in codes(project)
    blocks = entry_blocks(po_path(project).read_text("utf-8"))
    index = next(i for i, block in enumerate(blocks) if f"msgid {quote(source)}" in block)
    blocks[index] = "# puente-ignore-numbers\n" + blocks[index]
    po_path(project).write_text("\n\n".join(blocks), "utf-8")
    assert "numbers" not in codes(project)
    msgmerge(project)
    build(project)
    assert "# puente-ignore-numbers" in po_path(project).read_text("utf-8")
    assert "numbers" not in codes(project)


def entry_line(path: Path, msgid_start: str) -> int:
    """The line an entry starts on (its first comment), counted in the file's bytes."""
    lines = path.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f'msgid "{msgid_start}'.encode()))
    while at > 0 and lines[at - 1].strip():
        at -= 1
    return at + 1


def codes(root: Path) -> set[str]:
    result = run_cli("check", "--root", root, "--json")
    return {item["code"] for item in json.loads(result.stdout)}


# --- line separators and escapes through the whole flow ----------------------------------


def msgstr_as_gettext_reads_it(path: Path, msgid: str) -> bytes:
    """The msgstr line of ``msgid`` in what ``msgcat --no-wrap`` writes for ``path``."""
    lines = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True, check=True).stdout.split(
        b"\n"
    )
    return lines[lines.index(f"msgid {quote(msgid)}".encode()) + 1]


def test_c_escapes_a_translator_writes_keep_their_meaning(project: Path) -> None:
    source = "The statement came on Monday."
    translator_file = project / "translator.po"
    review(po_path(project), {source: "El comunicado\x01 se emitió\x07 el lunes\x1b."})
    text = po_path(project).read_text("utf-8")
    text = text.replace(
        "El comunicado\x01 se emitió\x07 el lunes\x1b.", "El comunicado\\001 se emitió\\a el lunes\\x1b."
    )
    po_path(project).write_text(text, "utf-8")
    shutil.copy(po_path(project), translator_file)
    assert msgfmt_check(translator_file) == ""
    build(project)
    # gettext reads the rebuilt file as it read the translator's: same characters, no doubled backslash
    assert msgstr_as_gettext_reads_it(po_path(project), source) == msgstr_as_gettext_reads_it(
        translator_file, source
    )
    entry = next(e for e in read(po_path(project)).active if e.msgid == source)
    assert (entry.msgstr, entry.state) == ("El comunicado\x01 se emitió\a el lunes\x1b.", "reviewed")
    page = lxml_html.document_fromstring(
        (project / "build" / "es" / f"{SLUG}.html").read_bytes()
    ).text_content()
    assert "El comunicado se emitió el lunes." in page and "\\" not in page
    assert "control" in codes(project)  # reported where the translator wrote them


def test_a_draft_with_a_line_separator_is_stored_whole(tmp_path: Path) -> None:
    """An engine's draft "Hola<U+2028>mundo" is stored and read back as it came."""
    root = tmp_path / "project"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "hello.md").write_text(
        "---\ntitle: Hello\nslug: hello\nlang: en\n---\n\nHello\u2028world.\n", "utf-8"
    )

    def libretranslate(handler: BaseHTTPRequestHandler) -> None:
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))  # the key, in the body
        text = parse_qs(urlparse(handler.path).query)["q"][0]
        body = json.dumps({"translatedText": text.replace("Hello", "Hola").replace("world", "mundo")})
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body.encode())))
        handler.end_headers()
        handler.wfile.write(body.encode())

    with loopback_server(libretranslate) as (url, _):
        engine = OnlineEngine(
            "libretranslate", environ={"PUENTE_LIBRETRANSLATE_URL": url}, retries=1, backoff=0.01
        )
        build_project(open_project(root), BuildOptions("build"), engine=engine)
        po = root / "locales" / "es" / "LC_MESSAGES" / "hello.po"
        [entry] = [e for e in read(po).active if e.msgid == "Hello\u2028world."]
        assert (entry.msgstr, entry.state) == ("Hola\u2028mundo.", "machine")
        assert msgfmt_check(po) == ""
        assert subprocess.run(["msgcat", "--no-wrap", str(po)], capture_output=True).stdout == po.read_bytes()
        settled = snapshot(po)
        build_project(open_project(root), BuildOptions("build"), engine=engine)
        assert snapshot(po) == settled
