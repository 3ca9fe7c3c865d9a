"""Sources are untrusted: active content never reaches a page, legitimate content is kept,
removals are reported at their lines, and embeds come only from the hosts a project allows.

Every build here runs real Apertium; every page is read back as a browser reads it
(:func:`tests.helpers.page_problems`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from pipeline.errors import SourceError
from pipeline.model import with_texts
from pipeline.render import render_page
from pipeline.sanitize import Policy, parse_document, sanitize, srcset_urls, url_problem
from pipeline.sources import load_document
from tests.conftest import run_cli
from tests.helpers import apertium, page_problems


def write_html(root: Path, name: str, body: str, lang: str = "en") -> Path:
    path = root / "sources" / f"{name}.html"
    path.write_text(
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><title>Hostile {name}</title></head>\n<body>\n'
        f"<article>\n{body}\n</article>\n</body>\n</html>\n",
        "utf-8",
    )
    return path


def write_md(root: Path, name: str, body: str, lang: str = "en") -> Path:
    path = root / "sources" / f"{name}.md"
    path.write_text(f"---\ntitle: Hostile {name}\nlang: {lang}\n---\n\n{body}\n", "utf-8")
    return path


def page(root: Path, lang: str, slug: str) -> str:
    return (root / "build" / lang / f"{slug}.html").read_text("utf-8")


def article(text: str) -> str:
    return text[text.index("<article>") : text.index("</article>")]


def draft(text: str, pair: str = "eng-spa") -> str:
    """What the build publishes for a unit no person reviewed: Apertium's draft, unmarked."""
    return apertium(text, pair).replace("*", "")


# --- the payloads of the report --------------------------------------------------------

ISSUE_PAYLOADS = """\
<p onclick="alert(1)">Clicking does nothing here.</p>
<p>Read <a href="javascript:alert(2)">the report</a> or <a onmouseover="alert(3)" href="https://example.org/r">this one</a>.</p>
<p>A map <img src="map.png" onerror="alert(4)" alt="a map of the patrol zone"> of the area.</p>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/x.swf">object fallback</object>
<svg onload="alert(5)"><script>alert(6)</script></svg>
<div style="background: url(javascript:alert(7))"><p>The styled box stays.</p></div>
<p>The <span translate="no">Juntos<script>alert(8)</script></span> campaign.</p>
<div translate="no"><p>Kept as written.</p><script>alert(9)</script></div>
<template><script>alert(10)</script></template>
<p>Before the embed.</p><embed src="https://evil.example/x.swf">
<p>The rest of the article is translated.</p>
<style>p { background: url(javascript:alert(11)) }</style>
<p>The last paragraph.</p>"""


def test_active_content_in_an_html_source_reaches_neither_page(empty_project: Path) -> None:
    write_html(empty_project, "issue", ISSUE_PAYLOADS)
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    for lang in ("en", "es"):
        assert page_problems(page(empty_project, lang, "issue")) == [], lang
    english = article(page(empty_project, "en", "issue"))
    for kept in (
        "Clicking does nothing here.",
        '<a href="https://example.org/r">this one</a>',
        '<img src="map.png" alt="a map of the patrol zone">',
        "The styled box stays.",
        '<span translate="no">Juntos</span>',
        '<div translate="no"><p>Kept as written.</p></div>',
        "Before the embed.",
        "The rest of the article is translated.",
        "The last paragraph.",
    ):
        assert kept in english
    spanish = article(page(empty_project, "es", "issue"))
    # what followed the <embed> is no longer copied verbatim: it is translated
    assert "The rest of the article is translated." not in spanish
    assert draft("The rest of the article is translated.") in spanish
    assert draft("The last paragraph.") in spanish


def test_each_removal_is_reported_with_its_line(empty_project: Path) -> None:
    write_html(empty_project, "issue", ISSUE_PAYLOADS)
    stderr = run_cli("build", "--root", empty_project).stderr
    first = 6  # the line of the wrapper where the payloads start
    expected = {
        first: "removed the event handler onclick of <p>",
        first + 1: "removed href of <a>: a javascript: address",
        first + 2: "removed the event handler onerror of <img>",
        first + 3: "removed <iframe>: embeds are off",
        first + 4: "removed <object> and its content",
        first + 5: "removed <svg> and its content",
        first + 6: "removed style of <div>: a style that loads or runs something",
        first + 7: "removed <script> and its content",
        first + 9: "removed <template> and its content",
        first + 10: "removed <embed>",
        first + 12: "removed <style> and its content",
    }
    for line, message in expected.items():
        assert f"sources/issue.html:{line}: unsafe-markup: {message}" in stderr, message
    assert re.search(r"^sources/issue\.html:\d+: unsafe-markup: .+ \[warning\]$", stderr, re.MULTILINE)


def test_raw_html_inside_markdown_is_sanitised(empty_project: Path) -> None:
    write_md(
        empty_project,
        "raw",
        "A photo <img src=x onerror=alert(1)> of the border.\n\n"
        'See <a href="javascript:alert(2)">the report</a> today.\n\n'
        "[A markdown link](javascript:alert(3)) and <b onclick=alert(4)>bold</b>.\n\n"
        "<div onmouseover=alert(5)>\n<p>Inside a raw block.</p>\n<script>alert(6)</script>\n</div>",
    )
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0
    for lang in ("en", "es"):
        assert page_problems(page(empty_project, lang, "raw")) == [], lang
    english = article(page(empty_project, "en", "raw"))
    assert '<img src="x">' in english and "<a>the report</a>" in english
    assert "<b>bold</b>" in english and "Inside a raw block." in english
    for line, message in (
        (6, "removed the event handler onerror of <img>"),
        (8, "removed href of <a>: a javascript: address"),
        (10, "removed the event handler onclick of <b>"),
        (12, "removed the event handler onmouseover of <div>"),
        (14, "removed <script> and its content"),
    ):
        assert f"sources/raw.md:{line}: unsafe-markup: {message} [warning]" in result.stderr


def test_check_lists_what_the_sources_lost(empty_project: Path) -> None:
    write_html(empty_project, "issue", ISSUE_PAYLOADS)
    assert run_cli("build", "--root", empty_project, "--quiet").exit_code == 0
    result = run_cli("check", "--root", empty_project)
    assert "sources/issue.html:6: unsafe-markup: removed the event handler onclick of <p> [warning]" in (
        result.stdout
    )
    as_json = run_cli("check", "--root", empty_project, "--json").stdout
    assert '"code": "unsafe-markup"' in as_json


def test_inert_markup_outside_the_allowlist_loses_only_its_tags(empty_project: Path) -> None:
    write_html(
        empty_project,
        "inert",
        '<p>An <font color="red">old</font> tag and a <x-card data-id="3">custom</x-card> one.</p>',
    )
    result = run_cli("build", "--root", empty_project)
    assert "An old tag and a custom one." in page(empty_project, "en", "inert")
    assert "sources/inert.html:6: unsupported-markup: removed <font> (its text is kept) [warning]" in (
        result.stderr
    )


LEGITIMATE = """\
<h2 id="facts">Key facts</h2>
<p lang="en" dir="ltr">A <a href="https://example.org/a" hreflang="en" title="The source">link</a>, \
a <a href="mailto:desk@example.org">mail link</a>, an <a href="#facts">anchor</a> and \
<abbr title="Drug Enforcement Administration">DEA</abbr>.</p>
<figure id="fig-1"><img src="https://example.org/map.png" srcset="map-2x.png 2x" alt="A map" width="600" \
height="400"><figcaption>The patrol zone.</figcaption></figure>
<table><thead><tr><th scope="col" style="text-align:right">Year</th></tr></thead>\
<tbody><tr><td style="text-align:right">2026</td></tr></tbody></table>
<ol start="3"><li>Third item.</li></ol>
<blockquote cite="https://example.org/q"><p>A quotation.</p></blockquote>
<p><time datetime="2026-01-16">January 16</time>, <code>code</code>, <q>short quote</q>.</p>
<pre><code class="language-text">keep   this</code></pre>"""


def test_legitimate_markup_is_kept_whole(empty_project: Path) -> None:
    write_html(empty_project, "fine", LEGITIMATE)
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0
    assert "sources/fine.html" not in result.stderr  # nothing was removed
    english = page(empty_project, "en", "fine")
    assert page_problems(english) == []
    for kept in (
        '<h2 id="facts">',
        '<a href="https://example.org/a" hreflang="en" title="The source">link</a>',
        '<a href="mailto:desk@example.org">mail link</a>',
        '<a href="#facts">anchor</a>',
        '<abbr title="Drug Enforcement Administration">DEA</abbr>',
        '<figure id="fig-1">',
        'srcset="map-2x.png 2x" alt="A map" width="600" height="400">',
        '<th scope="col" style="text-align:right">',
        '<ol start="3">',
        '<blockquote cite="https://example.org/q">',
        '<time datetime="2026-01-16">',
        '<pre><code class="language-text">keep   this</code></pre>',
    ):
        assert kept in english, kept


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", " JaVa\tscript:alert(1)", "data:image/svg+xml;base64,PHN2Zz4="]
)
def test_a_featured_image_with_an_active_address_is_refused(empty_project: Path, address: str) -> None:
    (empty_project / "sources" / "a.md").write_text(
        f'---\ntitle: Featured\nlang: en\nimage: "{address}"\nimage_alt: A photo\n---\n\nText.\n', "utf-8"
    )
    write_html(empty_project, "b", "<p>Text.</p>").write_text(
        '<html lang="en"><head><title>B</title>\n'
        f'<meta property="og:image" content="{address}"></head><body><p>Text.</p></body></html>',
        "utf-8",
    )
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    for slug in ("a", "b"):
        for lang in ("en", "es"):
            assert page_problems(page(empty_project, lang, slug)) == [], (slug, lang)
    scheme = address.strip().replace("\t", "").split(":")[0].lower()
    assert (
        f"sources/a.md:4: unsafe-markup: removed the featured image: a {scheme}: address [warning]"
        in result.stderr
    )
    assert (
        f"sources/b.html:2: unsafe-markup: removed the featured image: a {scheme}: address [warning]"
        in result.stderr
    )
    assert address.strip() not in (empty_project / "build" / "manifest.json").read_text("utf-8")


# --- embeds ----------------------------------------------------------------------------

EMBEDS = """\
<p>Watch <iframe src="https://www.youtube-nocookie.com/embed/abc" title="The patrol video" width="560" \
allow="autoplay; camera; fullscreen" sandbox="allow-top-navigation" onload="alert(1)"></iframe> now.</p>
<iframe src="https://player.example.net/v/1"></iframe>
<iframe src="http://www.youtube-nocookie.com/embed/abc"></iframe>
<iframe src="https://evil.example\\@www.youtube-nocookie.com/embed/abc"></iframe>
<iframe src="https://www.youtube-nocookie.com@evil.example/embed/abc"></iframe>
<p>The end.</p>"""


def test_embeds_are_refused_unless_their_host_is_allowed(empty_project: Path) -> None:
    write_html(empty_project, "embeds", EMBEDS)
    result = run_cli("build", "--root", empty_project)
    assert "<iframe" not in page(empty_project, "en", "embeds")
    assert "sources/embeds.html:6: unsafe-markup: removed <iframe>: embeds are off" in result.stderr


def test_an_allowed_embed_is_kept_sandboxed_with_its_title_translated(empty_project: Path) -> None:
    (empty_project / "puente.toml").write_text('[sources]\nallow_embeds = ["www.youtube-nocookie.com"]\n')
    write_html(empty_project, "embeds", EMBEDS)
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0
    hosts = ("www.youtube-nocookie.com",)
    for lang in ("en", "es"):
        text = page(empty_project, lang, "embeds")
        assert page_problems(text, hosts) == []
        frames = lxml_html.document_fromstring(text).findall(".//iframe")
        assert [frame.get("src") for frame in frames] == ["https://www.youtube-nocookie.com/embed/abc"]
        frame = frames[0]
        assert frame.get("allow") == "autoplay; fullscreen"
        assert frame.get("sandbox") == (
            "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation"
        )
        assert frame.get("onload") is None
        expected = "The patrol video" if lang == "en" else draft("The patrol video")
        assert frame.get("title") == expected
    for line, reason in (
        (7, "embeds from player.example.net are not allowed"),
        (8, "an embed needs an https address"),
        (9, "embeds from evil.example are not allowed"),
        (10, "embeds from evil.example are not allowed"),
    ):
        assert f"sources/embeds.html:{line}: unsafe-markup: removed <iframe>: {reason}" in result.stderr
    po = (empty_project / "locales/es/LC_MESSAGES/embeds.po").read_text("utf-8")
    assert (
        "#. embed title (read by screen readers) of the embedded https://www.youtube-nocookie.com/embed/abc\n"
        in po
    )
    assert 'msgctxt "embed title"\nmsgid "The patrol video"' in po


@pytest.mark.parametrize(
    "setting",
    ['allow_embeds = "www.youtube.com"', 'allow_embeds = ["https://www.youtube.com/"]', "allow_embeds = [3]"],
)
def test_a_bad_embed_setting_is_one_line(empty_project: Path, setting: str) -> None:
    (empty_project / "puente.toml").write_text(f"[sources]\n{setting}\n")
    write_md(empty_project, "x", "Text.")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == (
        'puente.toml:2: allow_embeds: must be a list of host names, e.g. ["www.youtube-nocookie.com"]\n'
    )


# --- units ------------------------------------------------------------------------------


def test_url_checks() -> None:
    assert url_problem("a", "href", "https://x.org/a") is None
    assert url_problem("a", "href", "mailto:a@b.org") is None
    assert url_problem("a", "href", "../relative.html#x") is None
    assert url_problem("a", "href", " \x01jav\tas\ncript:alert(1)") == "a javascript: address"
    assert url_problem("img", "src", "mailto:a@b.org") == "a mailto: address"
    assert url_problem("img", "src", "DATA:image/png;base64,AA") == "a data: address"
    assert url_problem("img", "srcset", "a.png 1x, vbscript:x 2x") == "a vbscript: address"
    assert srcset_urls("a.png 1x,\n b.png  2x , c.png") == ["a.png", "b.png", "c.png"]


# --- invariants --------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe src=https://www.youtube-nocookie.com/embed/x><img src=x onerror=alert(1)></iframe>",
    '<object data="javascript:alert(1)"></object>',
    "<embed src=x.swf>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<div style="background:url(javascript:alert(1))">',
    '<p style="width:expression(alert(1))">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">b</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<span translate="no"><script>alert(1)</script></span>',
    '<img srcset="javascript:alert(1) 1x">',
    '<video poster="javascript:alert(1)"><source src="javascript:alert(1)"></video>',
    "<details open ontoggle=alert(1)>",
    "<</p><script>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<style>@import 'x.css';</style>",
    "</div></p></li></ul><script>alert(1)</script>",
]
WORDS = st.sampled_from(["The border.", "Patrol", "report", "KEEP1", "zone", "¿Qué?", " ", "\n", "&amp;"])
FRAGMENTS = st.lists(
    st.one_of(
        WORDS,
        st.sampled_from(PAYLOADS),
        st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<ul><li>", "</li></ul>", "<br>"]),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=FRAGMENTS, markdown=st.booleans())
def test_no_source_makes_an_active_page(tmp_path: Path, body: str, markdown: bool) -> None:
    """Whatever a source holds, both of its pages are inert, even with hostile translations
    in every unit."""
    (tmp_path / "sources").mkdir(exist_ok=True)
    path = (write_md if markdown else write_html)(tmp_path, "x", f"Opening text.\n\n{body}\n\nClosing text.")
    try:
        document = load_document(path, tmp_path, allow_embeds=("www.youtube-nocookie.com",))
    except SourceError as exc:  # a structure the model refuses, with its line (never a crash)
        assert re.fullmatch(r"sources/x\.(md|html):\d+: [^\n]+", str(exc))
        return
    hosts = ("www.youtube-nocookie.com",)
    source_page = render_page(document, alternates={"en": "x.html"}, locale="en_US")
    assert page_problems(source_page, hosts) == []
    assert "Opening text." in source_page.decode() and "Closing text." in source_page.decode()
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(1)> javascript:alert(1)'
    texts = [block.text + hostile if block.attribute is None else hostile for block in document.blocks()]
    translated = with_texts(document, texts, "es")
    target_page = render_page(translated, alternates={"es": "x.html"}, locale="es_MX")
    assert page_problems(target_page, hosts) == []


# --- the tree kept as read --------------------------------------------------------------

TEXTS = st.sampled_from(
    [
        "The border.",
        "Patrol",
        " ",
        "\n",
        "  \n  ",
        "&amp;",
        "&nbsp;",
        "&lt;b&gt;",
        "¿Qué?",
        "a\u00a0b",
        "x" * 3,
    ]
)
OPEN = st.sampled_from(
    ["<p>", "<div>", "<b>", "<em>", "<span>", "<ul>", "<ol>", "<li>", "<blockquote>", "<h2>", "<table>",
     "<tr>", "<td>", "<figure>", "<figcaption>", "<pre>", "<code>", '<a href="https://example.org/a?b=1&amp;c=2">',
     '<a href="#part">', '<img src="images/x.png" alt="A &quot;view&quot;">', "<br>", "<hr>", '<p class="lead">',
     '<span lang="es">', '<td colspan="2">', "<sup>", "<q>", "<dl>", "<dt>", "<dd>",
     # addresses lxml writes otherwise than it read them (%-escaped, leading blanks dropped)
     '<a href="https://es.wikipedia.org/wiki/México">', '<a href=" https://example.org/">',
     '<a href="https://example.org/a b[1]|{x}">', '<a href="https://example.org/&#1;">',
     '<img src="imágenes/frontera.png" alt="">', '<a id="x" name="sección">', '<q cite="https://example.org/ñ">',
     '<img src="x.png" srcset="a.png 1x, b ñ.png 2x">', '<a href="mailto:ana@example.org?subject=Hola%20y%20adiós">']
)  # fmt: skip
CLOSE = st.sampled_from(
    ["</p>", "</div>", "</b>", "</em>", "</span>", "</ul>", "</li>", "</table>", "</td>", "</a>"]
)
CLEAN_BODIES = st.lists(st.one_of(TEXTS, OPEN, CLOSE), min_size=1, max_size=16).map("".join)


def sanitized(body: str, reparse: bool) -> tuple[bytes, tuple[object, ...]]:
    root = parse_document(f'<html lang="en"><body>{body}</body></html>')
    found = root.find("body")
    assert found is not None
    clean, issues = sanitize(
        found, "x.html", Policy(), lambda element: element.sourceline or 1, reparse=reparse
    )
    return etree.tostring(clean, method="html", encoding="utf-8"), issues


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(CLEAN_BODIES, FRAGMENTS))
def test_the_tree_kept_as_read_is_the_one_a_second_parse_gives(body: str) -> None:
    """When nh3 changes nothing and the second allowlist has nothing to remove, the source's
    tree is kept as lxml read it: it is the tree (and the findings) that parsing nh3's
    output again gives, markup soup and hostile fragments included."""
    assert sanitized(body, reparse=False) == sanitized(body, reparse=True)
