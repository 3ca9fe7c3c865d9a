"""The review report: puente review and build --review, checked against the catalogs.

One project goes through a translator's week: a build drafts every unit with Apertium,
the translator reviews some units (one with a wrong number, one with markup typed into
it), the editor changes a reviewed sentence (a fresh draft is made beside it) and adds
one that no engine has drafted yet (``--no-mt``). The report is then parsed (html5lib,
strict) and compared with the catalog as polib reads it and with ``puente check --json``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import html5lib
import polib
import pytest
from lxml import etree
from lxml import html as lxml_html

from pipeline.review import SCRIPT, word_diff
from tests.conftest import REPO, run_cli
from tests.helpers import po_file

SLUG = "harbour-raids"
STORY = """---
title: "Navy Raids Three Harbours"
slug: harbour-raids
lang: en
date: 2026-02-03
author: "Staff"
---

# Navy Raids Three Harbours

The Sinaloa Cartel lost 40 boats in Mexico City waters. Officials counted 17 joint operations.

## What Changed

- The navy patrols the Gulf of California every night.
- Sheinbaum praised the crews.
  - Two crews were decorated.

Nobody was hurt.
"""
REVIEWED = {
    ("paragraph", "Nobody was hurt."): "Nadie resultó herido.",
    ("heading", "What Changed"): "Qué cambió",
    # a wrong number: the check reports it on this unit
    ("paragraph", "The Sinaloa Cartel lost 40 boats in Mexico City waters."): (
        "El Cártel de Sinaloa perdió 14 lanchas en aguas de la Ciudad de México."
    ),
    (
        "paragraph",
        "Officials counted 17 joint operations.",
    ): "Las autoridades contaron 17 operativos conjuntos.",
    # markup typed into a translation is text
    (
        "list item",
        "Sheinbaum praised the crews.",
    ): '<script>alert("x")</script><img src=x onerror=alert(1)> & elogió',
}
NEW_SENTENCE = "Divers found a submarine near the coast."


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def page(path: Path) -> etree._Element:
    """``path`` parsed strictly as HTML5 (a parse error fails the test), as an lxml tree."""
    data = path.read_bytes()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(data)
    assert not parser.errors
    return lxml_html.document_fromstring(data)


def text_of(element: etree._Element) -> str:
    """What a text shows, without the glossary tooltips."""
    clone = lxml_html.fromstring(etree.tostring(element, with_tail=False))
    for tip in clone.xpath(".//span[@class='tip']"):
        tip.drop_tree()
    return clone.text_content()


def rows(root: etree._Element) -> list[etree._Element]:
    return root.xpath("//tr[@data-unit]")


def entry_of(catalog: polib.POFile, row: etree._Element) -> polib.POEntry:
    """The PO entry of a row: its msgctxt and its source text."""
    source = text_of(row.xpath(".//*[@data-text='source']")[0])
    return next(
        e for e in catalog if not e.obsolete and (e.msgctxt, e.msgid) == (row.get("data-unit"), source)
    )


def expected_state(entry: polib.POEntry) -> str:
    """The state, told from the PO file as a translator's tool shows it."""
    if not entry.msgstr:
        return "untranslated"
    if "fuzzy" not in entry.flags:
        return "reviewed"
    drafted = any(line.startswith(("draft: ", "memory: ")) for line in entry.comment.splitlines())
    return "machine" if drafted and entry.previous_msgid is None else "changed"


def entry_line(path: Path, ctx: str, msgid: str) -> int:
    """The line where the entry of (ctx, msgid) starts: its first comment line."""
    lines = path.read_text("utf-8").split("\n")
    start = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            start = number + 1
        if (
            line == f"msgid {json.dumps(msgid, ensure_ascii=False)}"
            and lines[number - 2] == f'msgctxt "{ctx}"'
        ):
            return start
    raise AssertionError((ctx, msgid))


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review") / "newsroom"
    shutil.copytree(REPO / "glossary", root / "glossary")
    write(root / "sources" / f"{SLUG}.md", STORY)
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    po = po_file(root, SLUG, "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    for entry in catalog:
        if (entry.msgctxt, entry.msgid) in REVIEWED:
            entry.msgstr, entry.flags = REVIEWED[(entry.msgctxt, entry.msgid)], []
    catalog.save()
    source = root / "sources" / f"{SLUG}.md"
    write(source, STORY.replace("17 joint", "18 joint"))
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0  # a fresh draft of the changed unit
    write(source, source.read_text("utf-8") + "\n" + NEW_SENTENCE + "\n")
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert result.exit_code == 0, result.stderr
    assert "review: 1 page written" in result.stdout
    return root


def review_page(root: Path) -> Path:
    return root / "build" / "review" / f"{SLUG}.es.html"


def test_every_state_is_in_the_project(week: Path) -> None:
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    states = {expected_state(entry) for entry in catalog if not entry.obsolete}
    assert states == {"reviewed", "machine", "changed", "untranslated"}


def test_rows_are_the_units_in_reading_order_with_their_states_and_lines(week: Path) -> None:
    po = po_file(week, SLUG, "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in catalog if not entry.obsolete}
    root = page(review_page(week))
    found = rows(root)
    # the catalog holds the units in reading order (the template's order)
    assert [
        (row.get("data-unit"), text_of(row.xpath(".//*[@data-text='source']")[0])) for row in found
    ] == list(by_key)
    for row in found:
        key = (row.get("data-unit"), text_of(row.xpath(".//*[@data-text='source']")[0]))
        entry = by_key[key]
        assert row.get("data-state") == expected_state(entry), key
        translation = row.xpath(".//*[@data-text='translation']")[0]
        assert text_of(translation) == (entry.msgstr or "no translation yet")
        where = f"locales/es/LC_MESSAGES/{SLUG}.po:{entry_line(po, *key)}"
        assert where in [code.text_content() for code in row.xpath(".//code[@class='where']")]
        label = row.xpath(".//span[contains(@class, 'badge')]")[0].text_content()
        assert row.get("data-state") in label  # a word, not only a colour


def test_headings_and_lists_are_shown_as_such(week: Path) -> None:
    root = page(review_page(week))
    kinds = [row.xpath(".//span[@class='kind']")[0].text for row in rows(root)]
    assert kinds == [
        "Title",
        "Heading 1",
        "Paragraph",
        "Paragraph",
        "Heading 2",
        "List item",
        "List item",
        "List item (level 2)",
        "Paragraph",
        "Paragraph",
    ]
    nested = next(row for row in rows(root) if "Two crews" in text_of(row))
    assert nested.xpath(".//span[@class='kind']")[0].text == "List item (level 2)"
    assert "k-list_item" in nested.get("class")


def test_findings_are_those_of_puente_check_on_their_units(week: Path) -> None:
    result = run_cli("check", "--root", week, "--json")
    po = po_file(week, SLUG, "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    lines = {
        entry_line(po, entry.msgctxt, entry.msgid): entry.msgctxt for entry in catalog if not entry.obsolete
    }
    expected = sorted(
        (lines[item["line"]], item["code"], item["message"]) for item in json.loads(result.stdout)
    )
    root = page(review_page(week))
    shown = sorted(
        (row.get("data-unit"), item.get("data-finding"), item.xpath("code")[0].tail.removeprefix(": "))
        for row in rows(root)
        for item in row.xpath(".//li[@data-finding]")
    )
    assert shown == expected
    assert ("paragraph", "numbers") in {(unit, code) for unit, code, _ in shown}
    assert ("paragraph", "untranslated") in {(unit, code) for unit, code, _ in shown}


def test_glossary_terms_are_marked_in_both_columns_with_the_expected_translation(week: Path) -> None:
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    root = page(review_page(week))
    for row in rows(root):
        entry = entry_of(catalog, row)
        notes = [line for line in entry.comment.splitlines() if line.startswith("glossary: ")]
        # "glossary: Sinaloa Cartel = Cártel de Sinaloa (noun, m)": what extraction told the translator
        wanted = sorted(
            (m[1], m[2]) for m in (re.match(r"glossary: (.+?) = (.+?)(?: \(|;|$)", note) for note in notes)
        )
        source = row.xpath(".//*[@data-text='source']")[0]
        marked = sorted(
            (text_of(term), term.get("data-expected")) for term in source.xpath(".//*[@data-term]")
        )
        assert marked == wanted, row.get("data-unit")
        for term in source.xpath(".//*[@data-term]"):
            assert term.get("tabindex") == "0"  # the tooltip shows on keyboard focus too
            assert term.get("data-expected") in term.xpath("span[@class='tip']")[0].text
    first = next(r for r in rows(root) if "Sinaloa" in text_of(r))  # reviewed, with two terms
    target = first.xpath(".//*[@data-text='translation']")[0]
    assert sorted(t.get("data-expected") for t in target.xpath(".//*[@data-term]")) == [
        "Ciudad de México",
        "Cártel de Sinaloa",
    ]


def test_a_changed_unit_shows_both_sources_the_difference_and_both_translations(week: Path) -> None:
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    entry = next(e for e in catalog if e.previous_msgid)
    row = next(r for r in rows(page(review_page(week))) if r.get("data-state") == "changed")
    assert text_of(row.xpath(".//*[@data-text='previous']")[0]) == entry.previous_msgid
    assert text_of(row.xpath(".//*[@data-text='source']")[0]) == entry.msgid
    assert [d.text_content() for d in row.xpath(".//del")] == ["17"]
    assert [i.text_content() for i in row.xpath(".//ins")] == ["18"]
    assert text_of(row.xpath(".//*[@data-text='translation']")[0]) == entry.msgstr
    fresh = next(line for line in entry.comment.splitlines() if line.startswith("fresh draft: "))
    assert text_of(row.xpath(".//*[@data-text='fresh-draft']")[0]) == fresh.removeprefix("fresh draft: ")
    assert "On the page: fresh draft" in row.text_content()


def test_words_the_engine_did_not_know_are_marked(week: Path) -> None:
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    root = page(review_page(week))
    marked_any = False
    for row in rows(root):
        entry = entry_of(catalog, row)
        notes = [line for line in entry.comment.splitlines() if line.startswith("unknown to apertium: ")]
        unknown = notes[0].split(": ", 1)[1].split(", ") if notes else []
        marked = [
            span.text_content() for span in row.xpath(".//*[@data-text='translation']//*[@data-unknown]")
        ]
        expected = [w for w in unknown for _ in re.finditer(rf"(?<!\w){re.escape(w)}(?!\w)", entry.msgstr)]
        assert sorted(marked) == sorted(expected)
        marked_any = marked_any or bool(marked)
    assert marked_any


def test_a_hostile_translation_is_shown_as_text(week: Path) -> None:
    root = page(review_page(week))
    assert len(root.xpath("//script")) == 1 and root.xpath("//script")[0].text == SCRIPT
    assert not root.xpath("//img") and not [
        e for e in root.iter() if any(a.startswith("on") for a in e.attrib)
    ]
    row = next(r for r in rows(root) if "Sheinbaum praised" in text_of(r))
    shown = text_of(row.xpath(".//*[@data-text='translation']")[0])
    assert shown == REVIEWED[("list item", "Sheinbaum praised the crews.")]


def test_invisible_characters_are_shown_and_a_hostile_title_stays_text(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(
        root / "sources" / "x.md",
        '---\ntitle: "</title><script>alert(1)</script>"\nlang: en\n---\n\nA quiet day.\n',
    )
    assert run_cli("build", "--root", root, "--quiet", "--no-mt").exit_code == 0
    po = po_file(root, "x", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    catalog[1].msgstr, catalog[1].flags = "Un día\x0b tranquilo\u202e.", []
    catalog.save()
    assert run_cli("review", "--root", root, "--quiet").exit_code == 0
    tree = page(root / "build" / "review" / "x.es.html")
    assert tree.findtext(".//title") == "Review: </title><script>alert(1)</script> (Spanish)"
    assert len(tree.xpath("//script")) == 1
    target = tree.xpath("//tr[@data-unit='paragraph']//*[@data-text='translation']")[0]
    assert [chip.text for chip in target.xpath(".//span[@class='ctl']")] == ["U+000B", "U+202E"]
    assert "\u202e" not in tree.text_content()
    index = page(root / "build" / "review" / "index.html")
    assert index.xpath("//tbody/tr/th/a")[0].text_content() == "</title><script>alert(1)</script>"


def test_no_request_leaves_the_report(week: Path) -> None:
    for path in (week / "build" / "review").iterdir():
        root = page(path)
        csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
        assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
        for element in root.iter():
            for name in ("src", "href", "action", "srcset", "data"):
                value = element.get(name)
                assert value is None or not re.match(r"[a-z]+:|//", value), (path, value)
        assert not root.xpath("//link|//iframe|//object|//embed|//img")
        assert not root.xpath("//script[@src]")


def test_the_filters_are_hidden_without_scripts(week: Path) -> None:
    root = page(review_page(week))
    assert root.get_element_by_id("filters").get("hidden") == ""


def test_the_index_matches_puente_status_and_check(week: Path, tmp_path: Path) -> None:
    status = json.loads(run_cli("status", "--root", week, "--json").stdout)
    findings = json.loads(run_cli("check", "--root", week, "--json").stdout)
    index = page(week / "build" / "review" / "index.html")
    [row] = index.xpath("//tbody/tr")
    assert row.xpath("th/a")[0].get("href") == f"{SLUG}.es.html"
    for state in ("reviewed", "machine", "changed", "untranslated"):
        cell = row.xpath(f"td[@data-count='{state}']")[0]
        units, words = status[0]["units"][state], status[0]["words"][state]
        assert cell.text.split()[0] == str(units) and cell.xpath("span")[0].text.split()[0] == str(words)
    errors = sum(1 for item in findings if item["severity"] == "error")
    assert row.xpath("td[@data-count='errors']")[0].text == str(errors)
    assert row.xpath("td[@data-count='warnings']")[0].text == str(len(findings) - errors)
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    assert row.xpath(".//time")[0].get("datetime").startswith(catalog.metadata["PO-Revision-Date"][:10])


def test_the_index_puts_what_needs_attention_first(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name in ("a-clean", "b-errors", "c-machine"):
        write(
            root / "sources" / f"{name}.md", f"---\ntitle: {name}\nlang: en\n---\n\nThey paid 40 dollars.\n"
        )
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    for name, text in (("a-clean", "Pagaron 40 dólares."), ("b-errors", "Pagaron 14 dólares.")):
        po = po_file(root, name, "es")
        catalog = polib.pofile(str(po), wrapwidth=0)
        for entry in catalog:
            entry.msgstr, entry.flags = (text if entry.msgid.startswith("They") else entry.msgid), []
        catalog.save()
    assert run_cli("review", "--root", root, "--quiet").exit_code == 0
    index = page(root / "build" / "review" / "index.html")
    assert [row.get("data-article") for row in index.xpath("//tbody/tr")] == [
        "b-errors",
        "c-machine",
        "a-clean",
    ]


def test_review_and_build_review_write_the_same_report(week: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    result = run_cli("review", "--root", week, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "1 article: 1 page written, 0 unchanged" in result.stdout
    for path in (week / "build" / "review").iterdir():
        # the index's data differs only in when each page was written
        ours, theirs = (
            re.sub(rb'"stat": \[\d+, \d+\]', b"", p.read_bytes()) for p in (out / path.name, path)
        )
        assert ours == theirs, path.name


def tree_snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and (skip is None or skip not in p.parents)
    }


def test_puente_review_reads_only_and_needs_no_lock(week: Path, tmp_path: Path) -> None:
    out = week / "build" / "review"
    before = tree_snapshot(week, skip=out)
    (week / ".puente").mkdir(exist_ok=True)
    with open(week / ".puente" / "build.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # a build is running
        pages = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        result = run_cli("review", "--root", week)
        assert result.exit_code == 0, result.stderr
        assert "0 pages written, 1 unchanged" in result.stdout
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == pages  # nothing rewritten
        assert run_cli("build", "--root", week).exit_code == 2  # the lock is real
    after = tree_snapshot(week, skip=out)
    assert after == before


def test_build_review_is_incremental(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "sources", root / "sources")
    shutil.copytree(REPO / "glossary", root / "glossary")
    assert run_cli("build", "--root", root, "--quiet", "--no-mt").exit_code == 0
    out = root / "build" / "review"
    assert not out.exists()  # only on request
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert "2 articles (2 rebuilt): 0 pages written, 4 unchanged" in result.stdout
    assert "review: 2 pages written, 0 unchanged" in result.stdout
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert "(0 rebuilt)" in result.stdout and "review: 0 pages written, 2 unchanged" in result.stdout
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == before
    po = po_file(root, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid == "Key Facts at a Glance")
    entry.msgstr, entry.flags = "Datos clave de un vistazo", []
    catalog.save()
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert "(1 rebuilt)" in result.stdout and "review: 1 page written, 1 unchanged" in result.stdout
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert after["juntos-contra-el-narco-balance.en.html"] == before["juntos-contra-el-narco-balance.en.html"]
    assert after["cartel-crackdown-results.es.html"] != before["cartel-crackdown-results.es.html"]
    assert after["index.html"] != before["index.html"]
    index = page(out / "index.html")
    row = index.xpath("//tbody/tr[@data-article='cartel-crackdown-results']")[0]
    assert row.xpath("td[@data-count='reviewed']")[0].text == "1 unit"
    # a deleted review page is made again, and only it
    (out / "juntos-contra-el-narco-balance.en.html").unlink()
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert "(1 rebuilt)" in result.stdout and "review: 1 page written, 1 unchanged" in result.stdout
    assert (out / "juntos-contra-el-narco-balance.en.html").read_bytes() == after[
        "juntos-contra-el-narco-balance.en.html"
    ][0]


def test_a_failed_build_writes_no_report_file(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "sources", root / "sources")
    assert run_cli("build", "--root", root, "--quiet", "--no-mt").exit_code == 0
    po = po_file(root, "cartel-crackdown-results", "es")
    po.write_text(po.read_text("utf-8").replace('msgstr "', 'msgstr "roto\n', 1), "utf-8")
    result = run_cli("build", "--root", root, "--no-mt", "--review")
    assert result.exit_code == 2 and result.stderr.startswith(f"{po.relative_to(root)}:")
    assert not (root / "build" / "review").exists()
    result = run_cli("review", "--root", root)
    assert result.exit_code == 2 and result.stderr.startswith(f"{po.relative_to(root)}:")
    assert result.stderr.count("\n") == 1
    assert not (root / "build" / "review").exists()


def test_an_article_not_built_yet_is_reviewed_as_untranslated(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root / "sources" / "new.md", "---\ntitle: New\nlang: es\n---\n\nUn día tranquilo.\n")
    result = run_cli("review", "--root", root)
    assert result.exit_code == 0, result.stderr
    tree = page(root / "build" / "review" / "new.en.html")
    assert {row.get("data-state") for row in rows(tree)} == {"untranslated"}
    assert "does not exist yet" in tree.xpath("//p[@class='banner']")[0].text
    assert not (root / "locales").exists() and not (root / ".puente").exists()


def test_two_articles_with_one_slug_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name in ("a", "b"):
        write(root / "sources" / f"{name}.md", "---\ntitle: T\nslug: same\nlang: en\n---\n\nText.\n")
    result = run_cli("review", "--root", root)
    assert result.exit_code == 2 and "duplicate slug 'same'" in result.stderr
    assert not list((root / "build" / "review").glob("*"))


def test_word_diff_on_words_and_placeholders() -> None:
    old, new = "{1}Arrests:{/1} over 17 operations.", "{1}Detentions:{/1} over 18 joint operations."
    removed, added = word_diff(old, new)
    assert [old[a:b] for a, b in removed] == ["Arrests", "17"]
    assert [new[a:b] for a, b in added] == ["Detentions", "18 joint"]


# --- in a real browser ------------------------------------------------------------------


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed and could not be (scripts/system-deps.sh installs it as root)")
    return path


def dump_dom(browser: str, target: Path, profile: Path) -> etree._Element:
    result = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
        env={**os.environ, "HOME": str(profile)},
    )
    return lxml_html.document_fromstring(result.stdout)


def test_chromium_renders_the_index_and_runs_the_filters(week: Path, tmp_path: Path) -> None:
    browser = chromium()
    catalog = polib.pofile(str(po_file(week, SLUG, "es")), wrapwidth=0)
    units = [entry for entry in catalog if not entry.obsolete and entry.msgid]
    article = dump_dom(browser, review_page(week), tmp_path / "profile")
    form = article.get_element_by_id("filters")
    assert form.get("hidden") is None  # the script ran, under the page's own policy
    assert article.get_element_by_id("shown").text_content() == f"{len(units)} of {len(units)} units shown"
    assert [row.get("data-state") for row in rows(article)] == [expected_state(e) for e in units]
    assert all(row.get("hidden") is None for row in rows(article))
    index = dump_dom(browser, week / "build" / "review" / "index.html", tmp_path / "profile")
    assert [a.get("href") for a in index.xpath("//tbody/tr/th/a")] == [f"{SLUG}.es.html"]
    assert index.xpath("//tbody/tr/td[@data-count='changed']")[0].text_content().startswith("1 unit")


def test_puente_review_remakes_only_what_changed(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "sources", root / "sources")
    shutil.copytree(REPO / "glossary", root / "glossary")
    assert run_cli("build", "--root", root, "--quiet", "--no-mt").exit_code == 0
    out = root / "build" / "review"
    assert "2 pages written, 0 unchanged" in run_cli("review", "--root", root).stdout
    first = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert "0 pages written, 2 unchanged" in run_cli("review", "--root", root).stdout
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == first
    # a translator saves a catalog: that article's page only
    po = po_file(root, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    entry = next(e for e in catalog if e.msgid == "Key Facts at a Glance")
    entry.msgstr, entry.flags = "Datos clave de un vistazo", []
    catalog.save()
    assert "1 page written, 1 unchanged" in run_cli("review", "--root", root).stdout
    tree = page(out / "cartel-crackdown-results.es.html")
    row = next(r for r in rows(tree) if "Datos clave de un vistazo" in text_of(r))
    assert row.get("data-state") == "reviewed"
    # a page someone edited or removed is made again
    other = out / "juntos-contra-el-narco-balance.en.html"
    other.write_text("<p>edited</p>", "utf-8")
    assert "1 page written, 1 unchanged" in run_cli("review", "--root", root).stdout
    assert other.read_bytes() == first[other.name][0]
    # the source changes: its page follows, even before a build merges the catalog
    source = root / "sources" / "juntos-contra-el-narco-balance.html"
    source.write_text(
        source.read_text("utf-8").replace("</article>", "<p>Una frase nueva.</p></article>"), "utf-8"
    )
    assert "1 page written, 1 unchanged" in run_cli("review", "--root", root).stdout
    tree = page(other)
    assert "not in the catalog yet" in text_of(
        next(r for r in rows(tree) if "Una frase nueva." in text_of(r))
    )
    assert "older than the source" in tree.xpath("//p[@class='banner']")[0].text
    # a new glossary term can change every page
    assert run_cli("glossary", "add", "--root", root, "--en", "Glance", "--es", "Vistazo").exit_code == 0
    assert "2 unchanged" not in run_cli("review", "--root", root).stdout
    tree = page(out / "cartel-crackdown-results.es.html")
    assert tree.xpath("//*[@data-term='glance']")


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (REPO / "pipeline" / "templates" / "review.css").read_text("utf-8")
    variables = dict(re.findall(r"--([\w-]+):(#[0-9a-fA-F]{3,6})", css))

    def resolve(value: str) -> str | None:
        value = value.strip().removesuffix("!important")
        found = re.fullmatch(r"var\(--([\w-]+)\)", value)
        value = variables.get(found[1], "") if found else value
        return value if re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value) else None

    pages = [variables["paper"], variables["soft"]]  # the page's two backgrounds
    checked = 0
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = dict(
            (name.strip(), value)
            for name, value in re.findall(r"([\w-]+):([^;]+)", body)
            if not name.startswith("--")
        )
        colour = resolve(props.get("color", ""))
        if colour is None:
            continue
        background = resolve(props.get("background", props.get("background-color", "")))
        for behind in [background] if background else pages:
            assert contrast(colour, behind) >= 4.5, (selector.strip(), colour, behind)
            checked += 1
    assert checked > 20
    # the focus ring is a non-text indicator: 3:1 against the page
    assert all(contrast(variables["focus"], page) >= 3 for page in pages)


def test_a_tampered_index_only_makes_puente_review_start_afresh(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "sources", root / "sources")
    assert run_cli("review", "--root", root, "--quiet").exit_code == 0
    index = root / "build" / "review" / "index.html"
    original = index.read_text("utf-8")
    data = json.loads(re.search(r'id="puente-review-data">(.*?)</script>', original, re.DOTALL)[1])
    tampered = [
        original.replace('id="puente-review-data">', 'id="puente-review-data">{'),  # not JSON
        original.replace('"page": "', '"page": "../../'),  # a page outside the report
        original.replace('"errors": ', '"errors": "x", "was": '),  # counts that are no numbers
        "<p>not an index</p>",
    ]
    for text in tampered:
        index.write_text(text, "utf-8")
        result = run_cli("review", "--root", root)
        assert result.exit_code == 0, result.stderr
        assert "0 pages written, 2 unchanged" in result.stdout  # all read again, the same pages
        assert index.read_text("utf-8") == original
    assert len(data["articles"]) == 2


def test_the_page_of_a_deleted_or_renamed_article_goes(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "sources", root / "sources")
    out = root / "build" / "review"
    (out).mkdir(parents=True)
    (out / "notes.html").write_text("an editor's own file", "utf-8")
    assert run_cli("review", "--root", root, "--quiet").exit_code == 0
    (root / "sources" / "juntos-contra-el-narco-balance.html").unlink()
    source = root / "sources" / "cartel-crackdown-results.md"
    source.write_text(
        source.read_text("utf-8").replace("slug: cartel-crackdown-results", "slug: crackdown"), "utf-8"
    )
    assert run_cli("review", "--root", root, "--quiet").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["crackdown.es.html", "index.html", "notes.html"]
    assert run_cli("build", "--root", root, "--quiet", "--no-mt", "--review").exit_code == 0
    source.write_text(source.read_text("utf-8").replace("slug: crackdown", "slug: crackdown-2"), "utf-8")
    assert run_cli("build", "--root", root, "--quiet", "--no-mt", "--review").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["crackdown-2.es.html", "index.html", "notes.html"]
