"""Text in attributes is translated (alt, title, aria-label, abbreviation expansions), and
text left in the source language says so with ``lang`` on the target page (WCAG 3.1.2).
Every build runs real Apertium."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from lxml import html as lxml_html

from tests.conftest import run_cli
from tests.helpers import apertium, page_problems, po_file


def draft(text: str, pair: str = "eng-spa") -> str:
    return apertium(text, pair).replace("*", "")


def write(root: Path, name: str, text: str) -> None:
    (root / "sources" / name).write_text(text, "utf-8")


def article(root: Path, lang: str, slug: str) -> lxml_html.HtmlElement:
    page = lxml_html.document_fromstring((root / "build" / lang / f"{slug}.html").read_bytes())
    found = page.find(".//article")
    assert found is not None
    return found


def catalog(root: Path, slug: str, lang: str = "es") -> polib.POFile:
    return polib.pofile(str(po_file(root, slug, lang)), wrapwidth=0)


MARKDOWN = """\
---
title: Patrols
lang: en
---

The police patrol the zone ![a map of the patrol zone](map.png "Patrol zone") every day.

See [the report](https://example.org/report "The full report") and <span aria-label="Close the gallery">×</span>.
"""

HTML = """\
<html lang="en"><head><title>Patrols</title></head><body><article>
<p>The police patrol the zone <img src="map.png" alt="a map of the patrol zone" title="Patrol zone"> every day.</p>
<p>See <a href="https://example.org/report" title="The full report">the report</a> and <span aria-label="Close the gallery">×</span>.</p>
</article></body></html>
"""


@pytest.mark.parametrize(("name", "text"), [("patrols.md", MARKDOWN), ("patrols.html", HTML)])
def test_attributes_of_inline_elements_are_translated(empty_project: Path, name: str, text: str) -> None:
    write(empty_project, name, text)
    assert run_cli("build", "--root", empty_project).exit_code == 0
    english = article(empty_project, "en", "patrols")
    spanish = article(empty_project, "es", "patrols")
    image_en, image_es = english.find(".//img"), spanish.find(".//img")
    assert (image_en.get("alt"), image_en.get("title")) == ("a map of the patrol zone", "Patrol zone")
    assert (image_es.get("alt"), image_es.get("title")) == (
        draft("a map of the patrol zone"),
        draft("Patrol zone"),
    )
    assert image_es.get("src") == "map.png"
    assert spanish.find(".//a").get("title") == draft("The full report")
    assert spanish.find(".//span").get("aria-label") == draft("Close the gallery")
    assert english.find(".//span").get("aria-label") == "Close the gallery"


def test_attribute_units_have_their_own_context_and_note(empty_project: Path) -> None:
    write(empty_project, "patrols.md", MARKDOWN)
    assert run_cli("extract", "--root", empty_project).exit_code == 0
    entries = {entry.msgid: entry for entry in catalog(empty_project, "patrols")}
    expected = {
        "a map of the patrol zone": (
            "image description",
            "image description (alt text, read instead of the image) of the image map.png",
        ),
        "Patrol zone": ("image title", "image title (shown on hover) of the image map.png"),
        "The full report": (
            "link title",
            "link title (shown on hover) of the link to https://example.org/report",
        ),
        "Close the gallery": ("label", "label (aria-label, read by screen readers) of the <span> “×”"),
    }
    for msgid, (msgctxt, note) in expected.items():
        entry = entries[msgid]
        assert entry.msgctxt == msgctxt
        assert entry.comment.split("\n")[0] == note
    assert entries["a map of the patrol zone"].occurrences == [("sources/patrols.md", "6")]


def test_attribute_contexts_are_stable_when_other_blocks_move(empty_project: Path) -> None:
    write(empty_project, "patrols.md", MARKDOWN)
    run_cli("extract", "--root", empty_project)
    before = {(e.msgctxt, e.msgid) for e in catalog(empty_project, "patrols")}
    write(
        empty_project,
        "patrols.md",
        MARKDOWN.replace("The police", "A new first paragraph ![an old photo](old.jpg).\n\nThe police")
        + "\nA repeat: ![a map of the patrol zone](map2.png)\n",
    )
    run_cli("extract", "--root", empty_project)
    after = {(e.msgctxt, e.msgid) for e in catalog(empty_project, "patrols") if not e.obsolete}
    assert before <= after
    assert ("image description (2)", "a map of the patrol zone") in after
    assert ("image description", "an old photo") in after


def test_a_reviewed_attribute_translation_is_published(empty_project: Path) -> None:
    write(empty_project, "patrols.html", HTML)
    run_cli("build", "--root", empty_project, "--quiet")
    po = catalog(empty_project, "patrols")
    for entry in po:
        if entry.msgid == "a map of the patrol zone":
            entry.msgstr, entry.flags = "un mapa de la zona de patrullaje", []
    po.save()
    run_cli("build", "--root", empty_project, "--quiet")
    assert (
        article(empty_project, "es", "patrols").find(".//img").get("alt")
        == "un mapa de la zona de patrullaje"
    )


@pytest.mark.parametrize(
    "hostile", ['"><script>alert(1)</script>', "' onerror='alert(1)", "javascript:alert(1)", "{1} extra"]
)
def test_hostile_attribute_translations_stay_text(empty_project: Path, hostile: str) -> None:
    write(empty_project, "patrols.html", HTML)
    run_cli("build", "--root", empty_project, "--quiet", "--no-mt")
    po = catalog(empty_project, "patrols")
    for entry in po:
        if entry.msgctxt in ("image description", "link title"):
            entry.msgstr, entry.flags = hostile, []
    po.save()
    result = run_cli("build", "--root", empty_project, "--no-mt")
    assert result.exit_code == 0
    page = (empty_project / "build" / "es" / "patrols.html").read_text("utf-8")
    assert page_problems(page) == []
    image = article(empty_project, "es", "patrols").find(".//img")
    if "{1}" in hostile:  # a placeholder the source has not: the source text is published
        assert image.get("alt") == "a map of the patrol zone"
        assert "placeholders: unexpected {1}" in result.stderr
    else:
        assert image.get("alt") == hostile
        assert image.get("onerror") is None


def test_figures_placeholder_lookalikes_and_empty_alt(empty_project: Path) -> None:
    write(
        empty_project,
        "figure.html",
        '<html lang="en"><head><title>Figure</title></head><body><article>\n'
        '<figure><img src="chart.png" alt="Step {1} of the plan" title="The plan"><figcaption>The plan.</figcaption></figure>\n'
        '<p>Decoration <img src="line.png" alt=""> here.</p>\n'
        "</article></body></html>\n",
    )
    assert run_cli("build", "--root", empty_project).exit_code == 0
    spanish = article(empty_project, "es", "figure")
    chart, line = spanish.findall(".//img")
    # the source's "{1}" is text, not a placeholder: it comes back as written
    assert chart.get("alt") == draft("Step {1/} of the plan").replace("{1/}", "{1}")
    assert "{1}" in chart.get("alt")
    assert chart.get("title") == draft("The plan")
    assert line.get("alt") == ""
    msgids = {e.msgid for e in catalog(empty_project, "figure")}
    assert "Step {1/} of the plan" in msgids and "" not in msgids


def test_abbreviation_expansions_are_localised_through_the_glossary(project: Path) -> None:
    """The Spanish article's <abbr title> expansions become the glossary's English names."""
    assert run_cli("build", "--root", project).exit_code == 0
    titles = {
        abbr.text_content(): abbr.get("title")
        for abbr in article(project, "en", "juntos-contra-el-narco-balance").iter("abbr")
    }
    assert titles == {
        "SSPC": "Secretariat of Security and Citizen Protection",
        "DEA": "Drug Enforcement Administration",
    }
    po = catalog(project, "juntos-contra-el-narco-balance", "en")
    entry = next(e for e in po if e.msgid == "Administración para el Control de Drogas")
    assert entry.msgctxt == "abbreviation"
    assert entry.comment.split("\n")[0] == "abbreviation: what DEA stands for (shown on hover)"
    assert (
        "glossary: Administración para el Control de Drogas = Drug Enforcement Administration"
        in entry.comment
    )


def test_untranslated_spans_say_their_language_on_the_target_page(project: Path) -> None:
    write(
        project,
        "protected.md",
        "---\ntitle: Protected\nlang: en\n---\n\n"
        'The <span translate="no">Border Watch</span> unit, <span class="notranslate" lang="es">la Guardia</span> '
        "and `code` work together.\n\n"
        '<div translate="no">\n<p>A block kept in English.</p>\n</div>\n',
    )
    assert run_cli("build", "--root", project).exit_code == 0
    spanish = article(project, "es", "protected")
    english = article(project, "en", "protected")
    kept = {span.text_content(): span.get("lang") for span in spanish.iter("span")}
    assert kept == {"Border Watch": "en", "la Guardia": "es"}
    assert spanish.find(".//div[@translate='no']").get("lang") == "en"
    assert spanish.find(".//code").get("lang") is None  # code is in no human language
    # the source page keeps the source's markup: its own language needs no mark
    assert {span.text_content(): span.get("lang") for span in english.iter("span")} == {
        "Border Watch": None,
        "la Guardia": "es",
    }
    assert english.find(".//div[@translate='no']").get("lang") is None
    # a Spanish article's untranslated campaign name is marked Spanish on the English page
    juntos = article(project, "en", "juntos-contra-el-narco-balance").find(".//span[@translate='no']")
    assert (juntos.text_content(), juntos.get("lang")) == ("Juntos contra el Narco", "es")
