"""Careless sources: control characters, deep nesting, links out of the project, huge files.
Each is kept, or refused with one line naming the file (and line); never a traceback,
never text dropped in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.build import SOURCE_LIMIT
from pipeline.sanitize import MAX_DEPTH
from tests.conftest import run_cli
from tests.helpers import apertium

CONTROLS = {"vertical tab": "\v", "form feed": "\f", "backspace": "\b", "NUL": "\x00", "SOH": "\x01",
            "file separator": "\x1c"}  # fmt: skip


def write(root: Path, name: str, text: str) -> None:
    (root / "sources" / name).write_bytes(text.encode("utf-8"))


def article_text(root: Path, lang: str, slug: str) -> str:
    page = (root / "build" / lang / f"{slug}.html").read_text("utf-8")
    return page[page.index("<article>") : page.index("</article>")]


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_control_characters_are_removed_with_a_warning(empty_project: Path, fmt: str, name: str) -> None:
    char = CONTROLS[name]
    body = f"The police patrol the{char}zone.\n\nSecond{char}{char} paragraph{char}."
    if fmt == "md":
        write(empty_project, "a.md", f"---\ntitle: Title{char}\nlang: en\n---\n\n{body}\n")
        lines = "2, 6, 8"
    else:
        paragraphs = "".join(f"<p>{part}</p>\n" for part in body.split("\n\n"))
        write(
            empty_project,
            "a.html",
            f'<html lang="en">\n<title>Title{char}</title>\n<body>\n{paragraphs}</body></html>\n',
        )
        lines = "2, 4, 5"
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        f"sources/a.{fmt}:2: control-characters: removed 5 control characters (U+{ord(char):04X}) "
        f"on lines {lines}: a page cannot hold them [warning]\n"
    ) in result.stderr
    english = article_text(empty_project, "en", "a")
    # the separators and \v, \f stand between words: they become spaces
    expected = "The police patrol the zone." if char in "\v\f\x1c" else "The police patrol thezone."
    assert expected in english
    spanish = article_text(empty_project, "es", "a")
    assert apertium(expected, "eng-spa").replace("*", "") in spanish


def test_character_references_to_control_characters_do_not_crash(empty_project: Path) -> None:
    write(
        empty_project,
        "a.html",
        '<html lang="en"><title>T&#11;</title><body><p title="x&#12;y">A&#11;b &#0; c&#x1c;d.</p></body></html>',
    )
    write(empty_project, "b.md", '---\ntitle: "T\\v\\x01"\nlang: en\n---\n\nA&#11;b &#0; c&#x1c;d.\n')
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr


def nested(depth: int, tag: str = "div") -> str:
    return "\n".join(f"<{tag}>" for _ in range(depth)) + "\n<p>Deep text.</p>\n" + f"</{tag}>" * depth


def html_page(body: str) -> str:
    return f'<html lang="en">\n<head><title>Deep</title></head>\n<body>\n{body}\n<p>After the nesting.</p>\n</body></html>\n'


def test_nesting_within_the_limit_is_kept(empty_project: Path) -> None:
    write(empty_project, "divs.html", html_page(nested(MAX_DEPTH - 5)))
    write(
        empty_project,
        "quotes.md",
        "---\ntitle: Q\nlang: en\n---\n\n" + ">" * 25 + " Deep text.\n\nAfter the nesting.\n",
    )
    write(empty_project, "list.md", "---\ntitle: L\nlang: en\n---\n\n"
          + "".join("  " * i + f"- item {i}\n" for i in range(40)) + "\nAfter the nesting.\n")  # fmt: skip
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    for slug in ("divs", "quotes"):
        for lang in ("en", "es"):
            text = article_text(empty_project, lang, slug)
            assert "Deep text" in text or apertium("Deep text.", "eng-spa").replace("*", "") in text
    assert "item 39" in article_text(empty_project, "en", "list")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("divs-400.html", html_page(nested(400)), 4 + MAX_DEPTH),
        ("divs-10000.html", html_page(nested(10_000)), 4 + MAX_DEPTH),
        ("spans.html", html_page("<p>" + "<span>" * 500 + "Deep text." + "</span>" * 500 + "</p>"), 4),
        ("quotes.md", "---\ntitle: Q\nlang: en\n---\n\nFirst.\n\n" + ">" * 150 + " Deep text.\n", 8),
        ("list.md", "---\ntitle: L\nlang: en\n---\n\nFirst.\n\n" + "- " * 3000 + "Deep text.\n", 8),
        (
            "indented-list.md",
            "---\ntitle: L\nlang: en\n---\n\n" + "".join("  " * i + f"- item {i}\n" for i in range(1000)),
            55,
        ),
    ],
)
def test_deeper_nesting_is_refused_at_its_line(empty_project: Path, name: str, text: str, line: int) -> None:
    """Never "empty article", never the text below the parser's limit silently dropped."""
    write(empty_project, name, text)
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == (
        f"sources/{name}:{line}: markup nested more than {MAX_DEPTH} levels deep: flatten it "
        "(Puente refuses the source rather than drop what is nested deeper)\n"
    )
    assert not (empty_project / "build").exists()


def test_a_link_out_of_the_project_is_refused(empty_project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "secret.md"
    outside.parent.mkdir()
    outside.write_text("---\ntitle: Secret\nlang: en\n---\n\nNot for publication.\n")
    os.symlink(outside, empty_project / "sources" / "secret.md")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == "sources/secret.md: links outside the project: copy the article into sources/\n"
    assert not (empty_project / "build").exists()


def test_a_relative_link_climbing_out_is_refused(empty_project: Path, tmp_path: Path) -> None:
    (tmp_path / "up.md").write_text("---\ntitle: Up\nlang: en\n---\n\nOutside.\n")
    os.symlink("../../up.md", empty_project / "sources" / "up.md")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == "sources/up.md: links outside the project: copy the article into sources/\n"


def test_a_link_inside_the_project_is_read(empty_project: Path) -> None:
    drafts = empty_project / "drafts"
    drafts.mkdir()
    (drafts / "story.md").write_text("---\ntitle: Story\nlang: en\n---\n\nA story.\n")
    os.symlink("../drafts/story.md", empty_project / "sources" / "story.md")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    assert "A story." in article_text(empty_project, "en", "story")


def test_a_looping_link_is_no_article(empty_project: Path) -> None:
    os.symlink("loop.md", empty_project / "sources" / "loop.md")
    (empty_project / "sources" / "ok.md").write_text("---\ntitle: Ok\nlang: en\n---\n\nText.\n")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    assert "1 article (1 rebuilt)" in result.stdout


def test_a_huge_source_is_refused(empty_project: Path) -> None:
    filler = "word " * (SOURCE_LIMIT // 5 + 10)
    write(empty_project, "huge.md", f"---\ntitle: Huge\nlang: en\n---\n\n{filler}\n")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == "sources/huge.md: larger than 16 MiB: refusing to read it\n"


def test_text_after_a_closing_body_or_html_tag_is_kept(empty_project: Path) -> None:
    """A browser reads what follows a stray </body> or </html> into the body: so does Puente."""
    write(
        empty_project,
        "a.html",
        '<html lang="en"><head><title>T</title></head><body>\n<p>First paragraph.</p>\n</body></html>\n'
        "<p>Pasted after the end.</p>\n",
    )
    write(
        empty_project,
        "b.md",
        "---\ntitle: B\nlang: en\n---\n\nFirst paragraph.\n\n</body></html>\n\nWritten after the end.\n",
    )
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 0, result.stderr
    assert "Pasted after the end." in article_text(empty_project, "en", "a")
    assert "Written after the end." in article_text(empty_project, "en", "b")
    assert apertium("Written after the end.", "eng-spa").replace("*", "") in article_text(
        empty_project, "es", "b"
    )


def test_an_html_source_of_comments_only_is_one_line(empty_project: Path) -> None:
    write(empty_project, "a.html", "<!-- nothing here yet -->\n")
    result = run_cli("build", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == "sources/a.html:1: empty article: no text to publish or translate\n"
