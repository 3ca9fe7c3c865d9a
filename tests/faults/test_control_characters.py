"""Robustness 7: control characters, wherever text enters, are stripped or refused at
their ``path:line``; never a traceback, never a catalog that breaks later builds.

The characters of the report: vertical tab, form feed, backspace, NUL, U+0001, U+001C;
and those of a later report, U+0004 and U+0007, in sources. They come in a translator's
msgstr (as gettext escapes and as raw bytes), a source, an engine's answer (Apertium's and
an online provider's), the settings, the page template and a TMX file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from lxml import html as lxml_html

from pipeline.text import CONTROL
from tests.conftest import run_cli
from tests.faults.helpers import (
    edit_source,
    fake_engine,
    memory_dump,
    one_line_error,
    puente,
    written_state,
)
from tests.helpers import loopback_server, po_file

SEED = "cartel-crackdown-results"
CONTROLS = {"\v": "\\v", "\f": "\\f", "\b": "\\b", "\x00": "\\0", "\x01": "\\001", "\x1c": "\\x1c"}
"""Each character, and how a translator's tool may escape it in a PO file."""


def page_text(root: Path, lang: str, slug: str = SEED) -> str:
    page = lxml_html.document_fromstring((root / "build" / lang / f"{slug}.html").read_bytes())
    return str(page.text_content())


def built(project: Path) -> Path:
    result = run_cli("build", "--root", project, "--no-mt", "--quiet")
    assert result.exit_code == 0, result.stderr
    return project


def fill_entries(po: Path, translations: list[str]) -> list[int]:
    """Write ``translations`` (already escaped) into the first empty msgstrs of ``po``;
    return the line of each."""
    text = po.read_text("utf-8")
    lines: list[int] = []
    for translation in translations:
        match = re.search(r'^msgstr ""\n\n', text, re.MULTILINE)
        assert match is not None
        text = text[: match.start()] + f'msgstr "{translation}"\n\n' + text[match.end() :]
        lines.append(text.count("\n", 0, match.start()) + 1)
    po.write_bytes(text.encode("utf-8"))
    return lines


def entry_start(po: Path, line: int) -> int:
    """The first line of the entry holding ``line`` (where findings point)."""
    lines = po.read_text("utf-8").split("\n")
    while line > 1 and lines[line - 2] != "":
        line -= 1
    return line


@pytest.mark.parametrize("raw", [False, True], ids=["escaped", "raw"])
def test_control_characters_in_a_msgstr(project: Path, raw: bool) -> None:
    built(project)
    po = po_file(project, SEED, "es")
    words = [f"Palabra{n}" for n in range(len(CONTROLS))]
    filled = [
        f"{word}{char if raw else escape}Zona{n}"
        for n, (word, (char, escape)) in enumerate(zip(words, CONTROLS.items(), strict=True))
    ]
    lines = fill_entries(po, filled)
    result = puente(project, "build", "--no-mt")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page = (project / "build" / "es" / f"{SEED}.html").read_text("utf-8")
    for n, word in enumerate(words):
        assert f"{word}Zona{n}" in page  # published without the character (the description: in <meta>)
    assert not CONTROL.search(page)
    check = puente(project, "check")
    assert check.returncode == 1
    findings = [line for line in check.stdout.splitlines() if ": control: " in line]
    assert [f"locales/es/LC_MESSAGES/{SEED}.po:{entry_start(po, line)}" for line in lines] == [
        finding.split(": control: ")[0] for finding in findings
    ]
    # not poisoned: the catalog is merged, written and read again by later builds
    edit_source(project)
    again = puente(project, "build", "--no-mt")
    assert again.returncode == 0, again.stderr
    assert puente(project, "build", "--no-mt").returncode == 0


def test_a_bidirectional_override_in_a_msgstr_is_an_error_in_check(project: Path) -> None:
    built(project)
    po = po_file(project, SEED, "es")
    (line,) = fill_entries(po, ["Pago de \u202e0001$ \u202cal mes"])
    check = puente(project, "check")
    assert check.returncode == 1
    assert (
        f"locales/es/LC_MESSAGES/{SEED}.po:{entry_start(po, line)}: control: bidirectional controls U+202C, "
        "U+202E can reorder what a reader sees [error]"
    ) in check.stdout.splitlines()


PLACES_MD = """---
title: "Title {c} here"
lang: en
author: "Ann{c} Lee"
description: "A description{c}."
tags: [a{c}b]
---

Some text{c} here with a [link{c}](https://example.org/{c}x "ti{c}tle") and `code{c}`.

| a{c} | b |
|---|---|
| c{c} | d |

> A quote{c}.

<span title="x{c}">Raw markup{c}.</span>

```
fenced{c}
```

Footnote[^1].

[^1]: A note{c}.
"""

PLACES_HTML = """<html lang="en"><head><title>T{c}</title><meta name="author" content="A{c}">
<meta name="description" content="d{c}"></head>
<body><article><h1>Heading{c}</h1><p>Para{c} <a href="https://example.org/{c}" title="t{c}">l{c}</a>
<img src="https://example.org/i.png" alt="a{c}"></p><pre>pre{c}</pre><code>c{c}</code>
<table><tr><td>x{c}</td></tr></table><figure><figcaption>cap{c}</figcaption></figure>
<!-- comment{c} --><p>{c}</p><p><abbr title="W{c}">W</abbr> &#{n};end.</p></article></body></html>"""


@pytest.mark.parametrize("char", ["\x00", "\x04", "\x07", "\x1b"])
def test_control_characters_anywhere_in_a_source_are_removed_at_their_lines(
    empty_project: Path, char: str
) -> None:
    """Front matter, links, code, tables, attributes, comments, character references: the
    places a control character reached the page renderer (a reported crash)."""
    sources = empty_project / "sources"
    (sources / "md.md").write_bytes(PLACES_MD.format(c=char).encode("utf-8"))
    (sources / "html.html").write_bytes(PLACES_HTML.format(c=char, n=ord(char)).encode("utf-8"))
    result = puente(empty_project, "build", "--no-mt")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if "control-characters: removed" in line]
    assert [line.split(":")[0] for line in warned] == ["sources/html.html", "sources/md.md"]
    assert all(f"(U+{ord(char):04X})" in line for line in warned)
    for path in (empty_project / "build").rglob("*"):
        if path.is_file():
            assert not CONTROL.search(path.read_text("utf-8")), path


def test_control_characters_in_apertiums_answer_never_reach_a_catalog(project: Path, tmp_path: Path) -> None:
    env = fake_engine(tmp_path / "bin", "sed 's/ /\\x00\\x0b\\x0c\\x08\\x01\\x1c /g'\n")
    result = puente(project, "build", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    catalog = po_file(project, SEED, "es").read_text("utf-8")
    assert "#. draft: apertium" in catalog
    assert not CONTROL.search(catalog) and not re.search(r"\\(0|v|f|b|001|x1c)", catalog)
    assert not CONTROL.search(memory_dump(project / ".puente" / "memory.sqlite").decode("utf-8"))
    check = puente(project, "check")
    assert ": control: " not in check.stdout
    # the next builds read the catalog back: it was never poisoned
    edit_source(project)
    assert puente(project, "build", env=env).returncode == 0
    assert puente(project, "build", "--no-mt").returncode == 0


def test_control_characters_in_an_online_answer_never_reach_a_catalog(empty_project: Path) -> None:
    def libretranslate(handler):  # type: ignore[no-untyped-def]
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
        body = json.dumps({"translatedText": "ES\x00\v\f\b\x01\x1c " + text}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    project = empty_project  # a short article: the provider is asked 5 times a second
    (project / "sources" / "port.md").write_text(
        "---\ntitle: Port security\nlang: en\n---\n\nThe navy took over the ports.\n\nCustoms agents were moved.\n"
    )
    (project / "puente.toml").write_text('[translate]\nengine = "libretranslate"\n')
    with loopback_server(libretranslate) as (url, _):
        result = puente(project, "build", env={"PUENTE_LIBRETRANSLATE_URL": url})
    assert result.returncode == 0, result.stderr
    catalog = po_file(project, "port", "es").read_text("utf-8")
    assert 'msgstr "ES The navy took over the ports."' in catalog
    assert not CONTROL.search(catalog) and "\\0" not in catalog and "\\v" not in catalog
    assert "ES Customs agents were moved." in page_text(project, "es", "port")
    assert not CONTROL.search(memory_dump(project / ".puente" / "memory.sqlite").decode("utf-8"))
    assert puente(project, "build", "--no-mt").returncode == 0


SETTINGS = {
    "site name": ('[site]\nname = "News\\u0007"\n', "puente.toml:2: name: control character U+0007"),
    "notice": ('[site.notice]\nes = "Aviso\\u0001"\n', "puente.toml:2: es: control character U+0001"),
    "output folder": ('[build]\noutput = "bu\\u0000ild"\n', "puente.toml:2: output: control character U+0000"),
    "base address": ('[site]\nbase_url = "https://x.org/\\u001c"\n', "puente.toml:2: base_url: control character U+001C"),
    "address pattern": (
        '[site]\nbase_url = "https://x.org/"\n\n[site.urls]\nes = "https://y.org/\\b{slug}"\n',
        "puente.toml:5: es: control character U+0008",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_a_control_character_in_the_settings_is_refused_at_its_line(project: Path, case: str) -> None:
    """They reached the feeds and pages through lxml, after the catalogs were written."""
    settings, message = SETTINGS[case]
    (project / "puente.toml").write_text(settings)
    result = puente(project, "build", "--no-mt")
    one_line_error(result, message + " is not allowed: remove it\n")
    assert written_state(project) == {}


def test_a_control_character_in_the_page_template_is_refused_at_its_line(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "page.html").write_bytes(
        b"<!DOCTYPE html>\n<html><head><title>News</title></head>\n<body><header>Bell\x07</header>\n"
        b"<article></article></body></html>\n"
    )
    result = puente(project, "build", "--no-mt")
    one_line_error(
        result, "templates/page.html:3: control character U+0007 in the page template: remove it\n"
    )
    assert written_state(project) == {}


def test_a_tmx_unit_with_control_characters_is_skipped_at_its_line(project: Path, tmp_path: Path) -> None:
    tmx = tmp_path / "vendor.tmx"
    tmx.write_bytes(
        b'<tmx version="1.4"><header srclang="en"/><body>\n'
        b'<tu><tuv xml:lang="en"><seg>The police patrol.</seg></tuv>'
        b'<tuv xml:lang="es"><seg>La polic\xc2\x81a patrulla.</seg></tuv></tu>\n'
        b'<tu><tuv xml:lang="en"><seg>Good morning.</seg></tuv><tuv xml:lang="es"><seg>Buenos d&#x86;as.</seg></tuv></tu>\n'
        b'<tu><tuv xml:lang="en"><seg>Thank you.</seg></tuv><tuv xml:lang="es"><seg>Gracias.</seg></tuv></tu>\n'
        b"</body></tmx>\n"
    )
    result = puente(project, "memory", "import", str(tmx))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 translation unit read, 1 new\n"
    assert result.stderr == (
        f"{tmx}:2: warning: a <tu> with control characters U+0081; skipped\n"
        f"{tmx}:3: warning: a <tu> with control characters U+0086; skipped\n"
    )
    assert not CONTROL.search(memory_dump(project / ".puente" / "memory.sqlite").decode("utf-8"))
