"""The hostile-source corpus: every case of ``tests/hostile/`` is published through both
formats (an HTML article, and raw HTML inside a Markdown article), built with real
Apertium, and every page and body fragment (what a CMS imports) in both languages must be
inert while the legitimate content around each payload (the ``KEEP…`` words) is kept and
the removals are reported at their source lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helpers import page_problems

CORPUS = Path(__file__).parent / "hostile"
CASES = sorted(path.stem for path in CORPUS.glob("*.html"))
ALLOWED = ("www.youtube-nocookie.com",)
KEEP = re.compile(r"KEEP\w+")
HTML_FIRST_LINE = 7  # the line of the wrapper below where a case's fragment starts
MD_FIRST_LINE = 8
UNREPORTED = {"33-body-and-html-attributes"}
"""Cases whose payload never reaches the article: the parser drops a second <html> or
<body> tag with its attributes (a browser would move them to the page's own elements,
which Puente never takes from a source), so nothing is there to remove."""


def html_source(name: str, fragment: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        f"<head><title>Case {name}</title></head>\n"
        "<body>\n"
        "<article>\n"
        "<p>The opening paragraph KEEPopen stays.</p>\n"
        f"{fragment}"
        "<p>The closing paragraph KEEPclose stays.</p>\n"
        "</article>\n"
        "</body>\n"
        "</html>\n"
    )


def markdown_source(name: str, fragment: str) -> str:
    return (
        f"---\ntitle: Case {name}\nlang: en\n---\n\n"
        "The opening paragraph KEEPopen stays.\n\n"
        f"{fragment}\n"
        "The closing paragraph KEEPclose stays.\n"
    )


@dataclass
class Corpus:
    root: Path
    stderr: str
    exit_code: int


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """One project holding every case twice, built once with Apertium."""
    root = tmp_path_factory.mktemp("hostile")
    sources = root / "sources"
    sources.mkdir()
    (root / "puente.toml").write_text('[sources]\nallow_embeds = ["www.youtube-nocookie.com"]\n', "utf-8")
    for name in CASES:
        fragment = (CORPUS / f"{name}.html").read_text("utf-8")
        (sources / f"{name}.html").write_text(html_source(name, fragment), "utf-8")
        (sources / f"{name}-md.md").write_text(markdown_source(name, fragment), "utf-8")
    result = run_cli("build", "--root", root, "--jobs", "4")
    return Corpus(root, result.stderr, result.exit_code)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_the_corpus_builds(corpus: Corpus) -> None:
    assert corpus.exit_code == 0, corpus.stderr
    assert "Traceback" not in corpus.stderr


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("name", CASES)
def test_pages_are_inert_and_keep_the_legitimate_content(corpus: Corpus, name: str, fmt: str) -> None:
    slug = name if fmt == "html" else f"{name}-md"
    expected = {"KEEPopen", "KEEPclose", *KEEP.findall((CORPUS / f"{name}.html").read_text("utf-8"))}
    for lang in ("en", "es"):
        page = (corpus.root / "build" / lang / f"{slug}.html").read_text("utf-8")
        assert page_problems(page, ALLOWED) == [], f"{lang} page of {slug}"
        fragment = (corpus.root / "build" / lang / f"{slug}.body.html").read_text("utf-8")
        assert page_problems(fragment, ALLOWED) == [], f"{lang} body fragment of {slug}"
        article = page[page.index("<article>") :]
        missing = {token for token in expected if token not in article}
        assert not missing, f"{lang} page of {slug} lost {sorted(missing)}"


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("name", CASES)
def test_removals_are_reported_at_the_payload_lines(corpus: Corpus, name: str, fmt: str) -> None:
    source = f"sources/{name}.html" if fmt == "html" else f"sources/{name}-md.md"
    first = HTML_FIRST_LINE if fmt == "html" else MD_FIRST_LINE
    length = (CORPUS / f"{name}.html").read_text("utf-8").count("\n")
    pattern = re.compile(rf"^{re.escape(source)}:(\d+): unsafe-markup: .+ \[warning\]$", re.MULTILINE)
    lines = [int(line) for line in pattern.findall(corpus.stderr)]
    assert lines or name in UNREPORTED, f"no unsafe-markup warning for {source}"
    assert all(first <= line < first + length for line in lines), (lines, first, length)
