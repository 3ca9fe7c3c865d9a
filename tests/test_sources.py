"""Reading sources: the seed import is faithful, both formats give one model, bad input is refused."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import SourceError
from pipeline.model import Block, Element, Verbatim, iter_blocks
from pipeline.placeholders import strip
from pipeline.project import SOURCE_SUFFIXES, open_project
from pipeline.sources import load_document, load_sources
from tests.conftest import FIXTURES, REPO, run_cli

SEED = FIXTURES / "cartel-crackdown-results.txt"
BAD = Path(__file__).parent / "bad" / "sources"

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    return WORD.findall(text)


def test_seed_import_keeps_every_word_in_order() -> None:
    """Every word of the text export (minus its table of contents) is in the article, in order."""
    lines = SEED.read_text("utf-8").split("\n")
    body = [lines[0], *lines[15:]]  # line 1 is the title, lines 2-15 the exported table of contents
    expected = words(" ".join(body))
    document = load_document(REPO / "sources" / "cartel-crackdown-results.md", REPO)
    document_text = " ".join(_plain(block) for block in iter_blocks(document.body))
    assert words(document_text) == expected


def _plain(block: Block) -> str:
    text = block.text
    for placeholder in block.placeholders:
        if placeholder.kind == "protected":
            text = text.replace(f"{{{placeholder.id}/}}", placeholder.text)
    return strip(text)


def test_seed_metadata() -> None:
    document = load_document(REPO / "sources" / "cartel-crackdown-results.md", REPO)
    meta = document.meta
    assert (meta.slug, meta.lang, meta.date) == ("cartel-crackdown-results", "en", "2026-01-16")
    assert meta.author == "Office of the President, Mexico"
    assert meta.toc is True
    assert meta.title.startswith("mexico Says Cartel Crackdown")


def test_seed_structure() -> None:
    document = load_document(REPO / "sources" / "cartel-crackdown-results.md", REPO)
    blocks = list(iter_blocks(document.body))
    levels = [block.level for block in blocks if block.kind == "heading"]
    assert levels.count(1) == 1 and levels.count(2) == 12 and levels.count(3) == 3
    assert sum(1 for block in blocks if block.kind == "table_header") == 3
    assert sum(1 for block in blocks if block.kind == "table_cell") == 12
    assert any(block.kind == "blockquote" for block in blocks)
    campaign = next(block for block in blocks if "Public Dialog" in block.text)
    protected = [p for p in campaign.placeholders if p.kind == "protected"]
    assert [p.text for p in protected] == ["Juntos contra el Narco"]


def test_spanish_html_source() -> None:
    document = load_document(REPO / "sources" / "juntos-contra-el-narco-balance.html", REPO)
    assert document.meta.lang == "es"
    assert document.meta.slug == "juntos-contra-el-narco-balance"
    blocks = list(iter_blocks(document.body))
    first = blocks[1]
    assert first.text.startswith("Ciudad de México — La {1}SSPC{/1} anunció")
    assert first.placeholders[0].attr("title") == "Secretaría de Seguridad y Protección Ciudadana"
    assert first.placeholders[1].kind == "protected"
    assert first.placeholders[1].html == '<span translate="no">Juntos contra el Narco</span>'
    assert first.location.line == 14


def test_markdown_and_html_give_the_same_model(tmp_path: Path) -> None:
    """One article written both ways parses to the same blocks."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.md").write_text(
        '---\ntitle: T\nslug: a\nlang: en\n---\n\n# T\n\nSee [the report](https://x.org/r "R") '
        "and **bold *nested*** text.\n\n- one\n- two `code`\n\n| H |\n|---|\n| c |\n\n> quoted\n",
        "utf-8",
    )
    (sources / "b.html").write_text(
        '<html lang="en"><head><title>T</title></head><body><h1>T</h1>'
        '<p>See <a href="https://x.org/r" title="R">the report</a> and <strong>bold <em>nested</em>'
        "</strong> text.</p><ul><li>one</li><li>two <code>code</code></li></ul>"
        "<table><thead><tr><th>H</th></tr></thead><tbody><tr><td>c</td></tr></tbody></table>"
        "<blockquote><p>quoted</p></blockquote></body></html>",
        "utf-8",
    )
    md = load_document(sources / "a.md", tmp_path)
    html = load_document(sources / "b.html", tmp_path)

    def shape(nodes: tuple[object, ...]) -> list[object]:
        out: list[object] = []
        for node in nodes:
            if isinstance(node, Block):
                out.append((node.tag, node.kind, node.text, node.placeholders, shape(node.children)))
            elif isinstance(node, Element):
                out.append((node.tag, node.attrs, shape(node.children)))
            elif isinstance(node, Verbatim):
                out.append(node.html)
        return out

    assert shape(md.body) == shape(html.body)


def test_placeholder_lookalike_text_is_protected(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    path = tmp_path / "sources" / "x.md"
    path.write_text("---\ntitle: X\nlang: en\n---\n\nThe template {1} stays.\n", "utf-8")
    block = next(iter_blocks(load_document(path, tmp_path).body))
    assert block.text == "The template {1/} stays."
    assert block.placeholders[0].kind == "protected" and block.placeholders[0].text == "{1}"


def test_scripts_never_enter_the_model(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    path = tmp_path / "sources" / "x.html"
    path.write_text(
        '<html lang="en"><head><title>X</title><script>alert(1)</script></head><body>'
        "<p>Hello<script>alert(2)</script> world<!-- note --></p><script>alert(3)</script></body></html>",
        "utf-8",
    )
    document = load_document(path, tmp_path)
    assert [block.text for block in iter_blocks(document.body)] == ["Hello world"]


BAD_CASES = {
    "bad-front-matter.md": "sources/bad-front-matter.md:2: malformed front matter: "
    "while scanning a quoted scalar, found unexpected end of stream",
    "unclosed-front-matter.md": "sources/unclosed-front-matter.md:1: front matter is not closed: "
    "add a '---' line after it",
    "unknown-language.md": "sources/unknown-language.md:3: unknown language 'fr': use one of en, es",
    "escaping-slug.md": "sources/escaping-slug.md:3: unsafe slug '../../etc/passwd': use lowercase "
    "letters, digits and hyphens only (it names the output file)",
    "undecodable.md": "sources/undecodable.md:6: not valid UTF-8 (byte 0xed); save the file as UTF-8",
    "empty-article.md": "sources/empty-article.md:1: empty article: no text to publish or translate",
    "invalid-date.md": "sources/invalid-date.md:4: invalid date '16/01/2026': use ISO 8601, e.g. 2026-01-16",
    "no-language.html": 'sources/no-language.html:2: no language: add lang="en" or lang="es" to <html>',
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_source_one_line_exit_2_nothing_written(name: str, empty_project: Path) -> None:
    shutil.copy(BAD / name, empty_project / "sources" / name)
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == BAD_CASES[name] + "\n"
    assert "Traceback" not in result.stderr
    assert not (empty_project / "build").exists()


def test_every_bad_file_has_a_case() -> None:
    assert sorted(path.name for path in BAD.iterdir()) == sorted(BAD_CASES)


def test_duplicate_slugs(empty_project: Path) -> None:
    shutil.copy(REPO / "sources" / "cartel-crackdown-results.md", empty_project / "sources" / "a.md")
    shutil.copy(REPO / "sources" / "cartel-crackdown-results.md", empty_project / "sources" / "b.md")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == (
        "sources/b.md:3: duplicate slug 'cartel-crackdown-results': sources/a.md has it already; "
        "give one of them another slug\n"
    )
    assert not (empty_project / "build").exists()


def test_load_sources_sorted_by_slug() -> None:
    documents = load_sources(open_project(REPO).source_paths(), REPO)
    assert [d.meta.slug for d in documents] == sorted(d.meta.slug for d in documents)
    assert {d.meta.lang for d in documents} == {"en", "es"}


def test_source_error_carries_path_and_line(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copy(BAD / "unknown-language.md", tmp_path / "sources" / "x.md")
    with pytest.raises(SourceError) as caught:
        load_document(tmp_path / "sources" / "x.md", tmp_path)
    assert (caught.value.path, caught.value.line) == ("sources/x.md", 3)


@given(name=st.text(alphabet=".aMdHtmlrkow n", max_size=12))
def test_a_file_is_a_source_by_the_suffix_splitext_gives_it(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    # the listing tells sources by their suffix as os.path.splitext cuts it, in any case
    # (".md" alone, or "..md", has none); what else is in the folder is not a source
    if not name.strip(".") or "/" in name:
        return
    root = tmp_path_factory.mktemp("listing")
    (root / "sources").mkdir()
    (root / "sources" / name).write_text("x", "utf-8")
    (root / "sources" / "folder.md").mkdir()
    listed = open_project(root).source_names()
    assert listed == ([name] if os.path.splitext(name)[1].lower() in SOURCE_SUFFIXES else [])
