"""Rendering pages: golden pages, valid HTML5, and parse → render is the identity on markup.

Regenerate the golden pages after an intended change with
``PUENTE_UPDATE_GOLDEN=1 pytest tests/test_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from pipeline.render import format_page_date, render_page
from pipeline.sources import load_document
from tests.conftest import REPO, run_cli

GOLDEN = Path(__file__).parent / "golden"


def strip_volatile(page: str) -> str:
    return re.sub(r'<meta name="generator" content="[^"]*">', "", page)


PAGES = [
    ("cartel-crackdown-results", "en"),
    ("cartel-crackdown-results", "es"),
    ("juntos-contra-el-narco-balance", "es"),
    ("juntos-contra-el-narco-balance", "en"),
]


@pytest.mark.parametrize(("slug", "lang"), PAGES)
def test_golden_pages(project: Path, slug: str, lang: str) -> None:
    """Source pages, and target pages built from the repository's catalogs (Apertium drafts)."""
    assert run_cli("build", "--root", project, "--quiet").exit_code == 0
    page = (project / "build" / lang / f"{slug}.html").read_text("utf-8")
    golden = GOLDEN / f"{slug}.{lang}.html"
    if os.environ.get("PUENTE_UPDATE_GOLDEN"):
        golden.write_text(page, "utf-8")
    assert strip_volatile(page) == strip_volatile(golden.read_text("utf-8"))


@pytest.mark.parametrize("name", [f"{slug}.{lang}.html" for slug, lang in PAGES])
def test_golden_pages_are_valid_html5(name: str) -> None:
    parser = html5lib.HTMLParser(strict=True)
    parser.parse((GOLDEN / name).read_bytes())
    assert not parser.errors


def test_page_metadata_and_alternates() -> None:
    document = load_document(REPO / "sources" / "juntos-contra-el-narco-balance.html", REPO)
    page = render_page(
        document,
        alternates={"es": "../es/x.html", "en": "../en/x.html"},
        locale="es_MX",
        state="machine",
    )
    root = lxml_html.document_fromstring(page.decode("utf-8"))
    assert root.get("lang") == "es"
    assert root.findtext(".//title") == document.meta.title
    links = {link.get("hreflang"): link.get("href") for link in root.iterfind(".//link[@rel='alternate']")}
    assert links == {"es": "../es/x.html", "en": "../en/x.html"}
    metas = {meta.get("name"): meta.get("content") for meta in root.iterfind(".//meta[@name]")}
    assert metas["translation-state"] == "machine"
    assert metas["date"] == "2026-02-03"
    assert root.findtext(".//article//time") == "3 de febrero de 2026"


def test_dates_follow_the_locale_and_ignore_time_zones() -> None:
    assert format_page_date("2026-01-16", "es_MX") == "16 de enero de 2026"
    assert format_page_date("2026-01-16T23:30:00-06:00", "en_US") == "January 16, 2026"


# --- parse → render is the identity on text and inline markup ---------------------------

WORDS = st.text(
    alphabet=st.sampled_from(list("abcxyzÁéñ ¿?¡!.,;:—“”&<>'\"0123456789{}/")), min_size=1, max_size=12
)
ATTR_VALUE = st.text(alphabet=st.sampled_from(list("abc/:.?=&-_ é")), max_size=10)


def inline(depth: int) -> st.SearchStrategy[str]:
    leaf = WORDS.map(lambda text: _esc(text))
    if depth == 0:
        return leaf
    child = inline(depth - 1)
    elements = st.one_of(
        st.tuples(ATTR_VALUE, ATTR_VALUE, child).map(
            lambda t: f'<a href="https://x.org/{_esc(t[0])}" title="{_esc(t[1])}">{t[2]}</a>'
        ),
        child.map(lambda c: f"<strong>{c}</strong>"),
        child.map(lambda c: f"<em>{c}</em>"),
        st.tuples(ATTR_VALUE, child).map(lambda t: f'<abbr title="{_esc(t[0])}">{t[1]}</abbr>'),
        WORDS.map(lambda w: f'<span translate="no">{_esc(w)}</span>'),
        WORDS.map(lambda w: f"<code>{_esc(w)}</code>"),
        st.just("<br>"),
    )
    return st.lists(st.one_of(leaf, elements), min_size=1, max_size=4).map("".join)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


BLOCKS = st.lists(
    st.one_of(
        inline(2).map(lambda c: f"<p>{c}</p>"),
        inline(1).map(lambda c: f"<h2>{c}</h2>"),
        st.lists(inline(1), min_size=1, max_size=3).map(
            lambda items: "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        ),
        st.lists(inline(1), min_size=1, max_size=3).map(
            lambda cells: (
                "<table><tbody><tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></tbody></table>"
            )
        ),
        inline(1).map(lambda c: f"<blockquote><p>{c}</p></blockquote>"),
    ),
    min_size=1,
    max_size=5,
).map("".join)


STRUCTURAL = {"ul", "ol", "table", "thead", "tbody", "tr", "blockquote", "article"}


def canonical(element: etree._Element) -> str:
    """Text and inline markup of an element tree, whitespace normalised, heading ids ignored."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        # lxml's HTML serialiser percent-escapes URL attributes; browsers read both the same
        attrs = sorted(
            (k, unquote(v) if k in {"href", "src"} else v)
            for k, v in node.attrib.items()
            if not (k == "id" and node.tag in {"h2"})
        )
        structural = node.tag in STRUCTURAL
        parts.append(f"<{node.tag} {attrs}>")
        parts.append("" if structural and not (node.text or "").strip() else node.text or "")
        for child in node:
            walk(child)
            parts.append("" if structural and not (child.tail or "").strip() else child.tail or "")
        parts.append(f"</{node.tag}>")

    walk(element)
    joined = re.sub(r"[ \t\n\r\f]+", " ", "".join(parts))
    return re.sub(r" ?(<[^<>]*>) ?", lambda m: m.group(0), joined)


def _block_canon(article: etree._Element) -> list[str]:
    out = []
    for element in article:
        text = canonical(element)
        # block edges: whitespace right inside a block element is not content
        text = re.sub(r"^(<[^<>]*>) ", r"\1", text)
        text = re.sub(r" (</[^<>]*>)$", r"\1", text)
        out.append(text)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BLOCKS)
def test_parse_then_render_is_identity_on_markup(tmp_path: Path, body: str) -> None:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    path = sources / "x.html"
    path.write_text(
        f'<html lang="en"><head><title>T</title></head><body><article>{body}</article></body></html>'
    )
    document = load_document(path, tmp_path) if _has_text(body) else None
    if document is None:
        return
    page = render_page(document, alternates={"en": "x.html"}, locale="en_US")
    rendered = lxml_html.document_fromstring(page.decode("utf-8")).find(".//article")
    original = lxml_html.fragment_fromstring(f"<article>{body}</article>")
    assert rendered is not None
    assert _normalise_blocks(_block_canon(rendered)) == _normalise_blocks(_block_canon(original))


def _has_text(body: str) -> bool:
    return bool(lxml_html.fragment_fromstring(f"<div>{body}</div>").text_content().strip())


def _normalise_blocks(blocks: list[str]) -> list[str]:
    # collapse whitespace at block-internal edges the same way the model does (HTML semantics)
    out = []
    for block in blocks:
        block = re.sub(r"(<(?:p|h2|li|td)[^<>]*>) +", r"\1", block)
        block = re.sub(r" +(</(?:p|h2|li|td)>)", r"\1", block)
        out.append(block)
    return out
