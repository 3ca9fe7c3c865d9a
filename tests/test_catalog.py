"""Catalogs translators can trust: valid files, no churn, msgmerge's semantics, nothing lost."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.po import parse
from tests.conftest import run_cli
from tests.helpers import extract, po_file, pot_file

BAD = Path(__file__).parent / "bad" / "po"


def catalog_files(root: Path) -> list[Path]:
    return sorted((root / "locales").rglob("*.po")) + sorted((root / "locales").rglob("*.pot"))


def test_every_written_catalog_passes_msgfmt_check(project: Path) -> None:
    assert run_cli("extract", "--root", project).exit_code == 0
    files = catalog_files(project)
    assert len(files) == 4
    for path in files:
        result = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", path], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


def test_catalogs_are_byte_identical_to_msgcat_no_wrap(project: Path) -> None:
    extract(project)
    for path in catalog_files(project):
        catted = subprocess.run(["msgcat", "--no-wrap", path], capture_output=True, check=True).stdout
        assert catted == path.read_bytes(), path


def test_headers_and_comments(project: Path) -> None:
    extract(project)
    catalog = polib.pofile(str(po_file(project, "cartel-crackdown-results", "es")))
    assert catalog.metadata["Language"] == "es"
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalog.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalog.metadata["X-Generator"].startswith("Puente ")
    campaign = next(e for e in catalog if "outreach campaign" in e.msgid)
    assert campaign.msgctxt == "list item"
    assert campaign.comment.split("\n") == [
        "list item",
        "{1}…{/1} = bold",
        "{2/} = not translated: Juntos contra el Narco",
    ]
    assert campaign.occurrences == [("sources/cartel-crackdown-results.md", "91")]
    assert all(not e.flags for e in catalog)
    spanish = polib.pofile(str(po_file(project, "juntos-contra-el-narco-balance", "en")))
    assert spanish.metadata["Language"] == "en" and spanish.metadata["X-Source-Language"] == "es"


def test_second_extract_rewrites_nothing(project: Path) -> None:
    extract(project)
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in catalog_files(project)}
    report = extract(project)
    assert not report.templates_written and not report.catalogs_written
    assert before == {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in catalog_files(project)}


# --- msgmerge as the oracle -----------------------------------------------------------

SOURCE = """---
title: Border report
slug: report
lang: en
---

Officials reported a 28 % reduction in homicides in Sinaloa. The statement came on Monday.

Agents seized 11,927 kg of cocaine and 4,479 kg of heroin. Authorities praised the joint operation.

The bilateral task force met in Tijuana to review the results of the campaign.

Cartels are shifting to maritime routes near the port of Manzanillo.
"""

EDITED = """---
title: Border report
slug: report
lang: en
---

Officials reported a 31 % reduction in homicides in Sinaloa. The statement came on Monday.

Agents seized 11,927 kg of cocaine and 4,479 kg of heroin. Authorities welcomed the joint operation.

A new paragraph about something else entirely, with fresh words.

Cartels are shifting to maritime routes near the port of Manzanillo.
"""


def translate_all(path: Path) -> None:
    catalog = polib.pofile(str(path), wrapwidth=0)
    for entry in catalog:
        if not entry.msgstr:
            entry.msgstr = f"ES<{entry.msgid}>"
    catalog.save(str(path))


def summary(catalog: polib.POFile) -> dict[tuple[bool, str | None, str], tuple[str, bool, str | None]]:
    return {
        (entry.obsolete, entry.msgctxt, entry.msgid): (
            entry.msgstr,
            "fuzzy" in entry.flags,
            entry.previous_msgid,
        )
        for entry in catalog
        if entry.msgid
    }


def test_update_matches_gnu_msgmerge(empty_project: Path, tmp_path: Path) -> None:
    config = empty_project
    source = empty_project / "sources" / "report.md"
    source.write_text(SOURCE, "utf-8")
    extract(config)
    po = po_file(config, "report", "es")
    translate_all(po)
    old = tmp_path / "old.po"
    shutil.copy(po, old)
    source.write_text(EDITED, "utf-8")
    extract(config)
    oracle = subprocess.run(
        [
            "msgmerge",
            "--quiet",
            "--previous",
            "--no-wrap",
            "-o",
            "-",
            str(old),
            str(pot_file(config, "report")),
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    ours = summary(polib.pofile(str(po)))
    theirs = summary(polib.pofile(oracle))
    assert ours == theirs
    states = [e.state for e in parse(po.read_text("utf-8"), "report.po") if not e.obsolete]
    assert states.count("changed") == 2 and states.count("untranslated") == 1


# --- random edit sequences: no translation of an unchanged unit is lost -----------------

POOL = [
    f"Sentence {word} number {index} tells of {topic}."
    for index, (word, topic) in enumerate(
        (w, t)
        for w in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
        for t in ("border patrols", "seizures at ports", "the summit in Tijuana", "fentanyl labs")
    )
]

Edit = tuple[str, int, int]


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[list[list[str]], list[Edit]]:
    start = draw(st.lists(st.sampled_from(POOL), min_size=2, max_size=6, unique=True))
    blocks = [[sentence] for sentence in start]
    edits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["insert", "delete", "modify", "move", "split", "merge"]),
                st.integers(0, 20),
                st.integers(0, 20),
            ),
            min_size=1,
            max_size=5,
        )
    )
    return blocks, edits


def apply(blocks: list[list[str]], edit: Edit, fresh: list[str]) -> list[list[str]]:
    kind, i, j = edit
    blocks = [list(block) for block in blocks]
    n = len(blocks)
    if kind == "insert" and fresh:
        blocks.insert(i % (n + 1), [fresh.pop()])
    elif kind == "delete" and n > 1:
        del blocks[i % n]
    elif kind == "modify" and n:
        block = blocks[i % n]
        k = j % len(block)
        block[k] = block[k].replace("tells of", "now tells of", 1) if "now" not in block[k] else block[k] + ""
    elif kind == "move" and n > 1:
        blocks.insert(j % n, blocks.pop(i % n))
    elif kind == "split" and n:
        block = blocks[i % n]
        if len(block) > 1:
            k = 1 + j % (len(block) - 1)
            blocks[i % n : i % n + 1] = [block[:k], block[k:]]
    elif kind == "merge" and n > 1:
        k = i % (n - 1)
        blocks[k : k + 2] = [blocks[k] + blocks[k + 1]]
    return blocks


def write_source(path: Path, blocks: list[list[str]]) -> None:
    body = "\n\n".join(" ".join(block) for block in blocks)
    path.write_text(f"---\ntitle: Edits\nslug: edits\nlang: en\n---\n\n{body}\n", "utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edit_sequences())
def test_random_edits_never_lose_a_translation(tmp_path_factory: pytest.TempPathFactory, case: tuple) -> None:
    blocks, edits = case
    root = tmp_path_factory.mktemp("edits")
    (root / "sources").mkdir()
    config = root
    source = root / "sources" / "edits.md"
    po = po_file(config, "edits", "es")
    fresh = [s for s in POOL if all(s not in b for b in blocks)]
    write_source(source, blocks)
    extract(config)
    translate_all(po)
    for number, edit in enumerate(edits):
        before = {
            e.msgid: (e.msgstr, "fuzzy" in e.flags)
            for e in polib.pofile(str(po))
            if not e.obsolete and e.msgid
        }
        blocks = apply(blocks, edit, fresh)
        write_source(source, blocks)
        extract(config)
        after = polib.pofile(str(po))
        translations = {msgstr for msgstr, _ in before.values()}
        for entry in after:
            if entry.obsolete or not entry.msgid:
                continue
            if entry.msgid in before:  # an unchanged unit: same translation, same review state
                assert (entry.msgstr, "fuzzy" in entry.flags) == before[entry.msgid]
            elif entry.msgstr:  # a changed unit: an old translation, fuzzy, with the old source in #|
                assert "fuzzy" in entry.flags and entry.previous_msgid
                assert entry.msgstr in translations
        kept = {e.msgstr for e in after if e.msgstr}
        assert translations <= kept  # every translation is somewhere: active, fuzzy or obsolete
        if number == len(edits) - 1:
            check = subprocess.run(
                ["msgfmt", "--check", "-o", "/dev/null", po], capture_output=True, text=True
            )
            assert check.returncode == 0, check.stderr
        translate_all(po)


# --- bad catalogs -----------------------------------------------------------------------

BAD_CASES = {
    "syntax-error.po": "9: syntax error: unterminated string (a missing closing quote?)",
    "wrong-charset.po": "4: charset ISO-8859-1 is not supported: use charset=UTF-8",
    "duplicate-entry.po": "10: duplicate entry for msgid 'Hello' (msgctxt 'paragraph'), first at line 6",
    "wrong-language.po": "3: header says Language: fr, but the catalog is in locales/es/: fix the header or "
    "move the file",
    "undecodable.po": "8: not valid UTF-8 (byte 0xf1); save the file as UTF-8 with charset=UTF-8 in its header",
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
@pytest.mark.parametrize("command", ["extract", "status"])
def test_bad_catalog_exit_2_nothing_rewritten(project: Path, name: str, command: str) -> None:
    extract(project)
    target = po_file(project, "cartel-crackdown-results", "es")
    shutil.copy(BAD / name, target)
    before = {path: path.read_bytes() for path in catalog_files(project)}
    result = run_cli(command, "--root", project)
    assert result.exit_code == 2
    assert result.stderr == f"locales/es/LC_MESSAGES/cartel-crackdown-results.po:{BAD_CASES[name]}\n"
    assert before == {path: path.read_bytes() for path in catalog_files(project)}


def test_every_bad_catalog_has_a_case() -> None:
    assert sorted(path.name for path in BAD.iterdir()) == sorted(BAD_CASES)


def test_status_counts(project: Path) -> None:
    extract(project)
    po = po_file(project, "juntos-contra-el-narco-balance", "en")
    catalog = polib.pofile(str(po), wrapwidth=0)
    catalog[0].msgstr = "Reviewed title"
    catalog[1].msgstr, catalog[1].flags = "A machine draft", ["fuzzy"]
    catalog[1].comment += "\ndraft: apertium 0.8.1-2"
    # fuzzy without a note Puente or its memory knows: a person's text of another source
    catalog[2].msgstr, catalog[2].flags = "An older translation", ["fuzzy"]
    catalog.save(str(po))
    result = run_cli("status", "--root", project, "--json")
    assert result.exit_code == 0
    import json

    rows = {row["slug"]: row for row in json.loads(result.stdout)}
    units = rows["juntos-contra-el-narco-balance"]["units"]
    assert units["reviewed"] == 1 and units["machine"] == 1 and units["changed"] == 1
    assert units["untranslated"] == len(catalog) - 3
    table = run_cli("status", "--root", project).stdout.splitlines()
    assert table[0].split() == [
        "article",
        "lang",
        "reviewed",
        "machine",
        "changed",
        "untranslated",
        "obsolete",
    ]
    assert table[-1].startswith("total")
