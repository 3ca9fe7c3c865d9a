"""PO text exactly as GNU gettext writes and reads it: random catalogs through Puente's
codec, real msgcat (wrapped and --no-wrap) and real msgfmt --check."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.checks import check_catalog
from pipeline.errors import CatalogError
from pipeline.glossary import Glossary
from pipeline.po import Catalog, Entry, Origin, Suggestion, decode, format_catalog, parse
from pipeline.po.codec import order_flags
from pipeline.po.notes import DRAFT, FAILED, FRESH, MEMORY, SUGGESTION, SUGGESTION_SOURCE, UNKNOWN

# Characters that broke PO text before: line and paragraph separators and the other
# characters str.splitlines() breaks at, C escapes, quotes, backslashes, tabs.
SPECIAL = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\t", '"', "\\", "\a", "\b",
           "\r", "\x01", "\x1b", "\x7f", "é", "ñ", "€", "😀", " ", "%", "{", "}", "n", "0"]  # fmt: skip


@functools.cache
def texts(
    *, newlines: bool = True, gettext: bool = True, min_size: int = 0, max_size: int = 24
) -> st.SearchStrategy[str]:
    """Random text; ``gettext``: only what GNU gettext can hold (no U+0000, which ends a C
    string, and no U+0004, its context separator)."""
    excluded = "" if newlines else "\n\r"
    excluded += "\x00\x04" if gettext else ""
    special = [char for char in SPECIAL if char not in excluded]
    if newlines:
        special.append("\n")
    if not gettext:
        special += ["\x00", "\x04"]
    alphabet = st.one_of(
        st.sampled_from(special),
        st.characters(codec="utf-8", exclude_characters=excluded or None),
    )
    return st.text(alphabet, min_size=min_size, max_size=max_size)


@functools.cache
def line_texts(gettext: bool) -> st.SearchStrategy[str]:
    """Text for a comment: one line, and not ending with a backslash (gettext joins such a
    line to the next: Puente writes a space after it, see test_a_comment_never_ends_with_a_backslash)."""
    return texts(newlines=False, gettext=gettext).map(
        lambda text: text + "x" if text.endswith("\\") else text
    )


TYPED_PREFIXES = (DRAFT, MEMORY, FRESH, FAILED, SUGGESTION_SOURCE)


def plain_note(text: str) -> bool:
    """Whether ``text`` reads back as a note of the unit (not as a drafting note)."""
    return not text.startswith(TYPED_PREFIXES) and not UNKNOWN.match(text) and not SUGGESTION.match(text)


NAMES = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,7}", fullmatch=True)
VERSIONS = st.from_regex(
    r"[a-z0-9][a-z0-9.-]{0,7}( [a-z0-9][a-z0-9.-]{0,5})?", fullmatch=True
)  # "deep-translator 1.11.4"
WORDS = st.from_regex(r"[\w-]{1,10}", fullmatch=True)
REFERENCES = st.from_regex(r"sources/[a-z]{1,8}\.md(:[1-9][0-9]{0,3})?", fullmatch=True)
HEADER_KEY = st.from_regex(r"X-[A-Za-z0-9-]{1,10}", fullmatch=True)
GETTEXT_FLAGS = ["no-wrap", "no-c-format", "no-python-format", "no-python-brace-format"]
# Format flags are left out: puente check refuses them on purpose (stricter than msgfmt),
# see test_a_format_flag_is_an_error_whatever_msgfmt_says.


@st.composite
def entries(draw: st.DrawFn, gettext: bool) -> Entry:
    text = line_texts(gettext)
    msgid = draw(texts(gettext=gettext, min_size=1))
    msgctxt = draw(st.none() | texts(gettext=gettext))
    plural = draw(st.integers(0, 9)) == 0
    msgid_plural = draw(texts(gettext=gettext, min_size=1)) if plural else None
    forms = tuple(draw(st.lists(texts(gettext=gettext), min_size=1, max_size=3))) if plural else ()
    msgstr = "" if plural else draw(texts(gettext=gettext))
    translated = bool(forms[0] if plural else msgstr)  # as gettext sees it
    fuzzy = translated and draw(st.booleans())
    obsolete = translated and draw(st.integers(0, 4)) == 0  # gettext drops an untranslated obsolete entry
    previous = draw(st.none() | st.tuples(st.none() | texts(gettext=gettext), texts(gettext=gettext)))
    previous_plural = draw(texts(gettext=gettext)) if previous and plural and draw(st.booleans()) else None
    entry = Entry(
        msgid=msgid,
        msgstr=msgstr,
        msgctxt=msgctxt,
        msgid_plural=msgid_plural,
        msgstr_plural=forms,
        fuzzy=fuzzy,
        flags=tuple(order_flags(draw(st.lists(st.sampled_from(GETTEXT_FLAGS), unique=True, max_size=2)))),
        notes=tuple(draw(st.lists(text.filter(plain_note), max_size=3))),
        comments=tuple(draw(st.lists(line_texts(gettext=True), max_size=3))),
        references=tuple(draw(st.lists(REFERENCES, max_size=3, unique=True))),
        previous_msgctxt=previous[0] if previous else None,
        previous_msgid=previous[1] if previous else None,
        previous_msgid_plural=previous_plural,
        obsolete=obsolete,
    )
    if entry.state == "reviewed":
        return entry  # drafting notes describe drafts: a reviewed entry has none
    origin = None
    if fuzzy:
        origin = draw(
            st.none()
            | st.builds(Origin, st.just("engine"), NAMES, VERSIONS, text)
            | st.builds(Origin, st.just("memory"), detail=text)
        )
    unknown = tuple(draw(st.lists(WORDS, max_size=3)))
    return entry.replace(
        origin=origin,
        fresh_draft=draw(st.none() | text),
        unknown=unknown,
        suggestion=draw(st.none() | st.builds(Suggestion, st.integers(0, 100), text, text)),
        failure=draw(st.none() | text),
    )


PLURAL_FORMS = [
    None,
    "nplurals=2; plural=(n != 1);",
    "nplurals=1; plural=0;",
    "nplurals=3; plural=(n==1 ? 0 : n%1000000==0 ? 1 : 2);",
    "nplurals=INTEGER; plural=EXPRESSION;",
    "nplurals=2; plural=n;",
    "nplurals=2; plural=n-1;",
    "nplurals=2; plural=1/(n-5);",
    "nplurals=3; plural=(n-5)%3;",
    "nplurals=2;",
    "nplurals = 2; plural = n != 1;",
    "nplurals=2; plural=n ? 1 : 0 junk;",
]
HEADER_KEYS = ["Project-Id-Version", "Report-Msgid-Bugs-To", "POT-Creation-Date", "PO-Revision-Date",
               "Last-Translator", "Language-Team", "Language", "MIME-Version", "Content-Transfer-Encoding",
               "X-Generator", "Generated-By", "X-Poedit-Basepath"]  # fmt: skip


@st.composite
def catalogs(draw: st.DrawFn, gettext: bool = True, min_entries: int = 0) -> Catalog:
    value = line_texts(gettext).map(lambda text: text.strip(" \t"))  # as gettext's tools read values
    keys = draw(st.lists(st.sampled_from(HEADER_KEYS) | HEADER_KEY, unique=True, max_size=6))
    fields = {key: draw(value) for key in keys}
    fields["Content-Type"] = "text/plain; charset=UTF-8"
    plural_forms = draw(st.sampled_from(PLURAL_FORMS))
    if plural_forms is not None:
        fields["Plural-Forms"] = plural_forms
    order = draw(st.permutations(list(fields)))
    items = draw(
        st.lists(entries(gettext), min_size=min_entries, max_size=6, unique_by=lambda entry: entry.key)
    )
    active = [entry for entry in items if not entry.obsolete]
    return Catalog(
        header_comment="\n".join(draw(st.lists(line_texts(gettext=True), max_size=3))),
        fields={key: fields[key] for key in order},
        entries=active + [entry for entry in items if entry.obsolete],  # as gettext orders them
        header_flags=draw(st.sampled_from([(), ("fuzzy",)])),
    )


def content(catalog: Catalog) -> tuple[object, ...]:
    return (
        catalog.header_comment,
        catalog.fields,
        catalog.header_flags,
        [e.replace(line=0) for e in catalog],
    )


def run(*command: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(part) for part in command], input=stdin, capture_output=True)


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
GETTEXT_SETTINGS = settings(SETTINGS, max_examples=100)  # three tools run per example


@SETTINGS
@given(catalog=catalogs(gettext=False))
def test_format_then_parse_is_the_identity(catalog: Catalog) -> None:
    text = format_catalog(catalog)
    assert content(parse(text, "x.po")) == content(catalog)
    assert format_catalog(parse(text, "x.po")) == text


@GETTEXT_SETTINGS
@given(catalog=catalogs(min_entries=1))  # msgcat writes nothing for a catalog without entries
@example(
    catalog=Catalog(
        "Budget\u2028report",
        {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
        [
            Entry("said\u2028 the budget", "dijo\u2028 el presupuesto", msgctxt="paragraph"),
            Entry(
                "Hola\u2029mundo\x85",
                "Hola\u2028mundo",
                fuzzy=True,
                origin=Origin("engine", "apertium", "0.8.1-2"),
            ),
            Entry("bell\a, nul-free\x01 escapes\x1b", "\a\x01\x1b\x7f\\0", comments=("trailing spaces  ",)),
            Entry("one", msgid_plural="many", msgstr_plural=("uno", "muchos")),
            Entry("gone", "ido", obsolete=True, fuzzy=True, previous_msgid="went\u2028away"),
        ],
    )
)
def test_msgcat_reads_and_writes_what_puente_writes(
    tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> None:
    text = format_catalog(catalog)
    path = tmp_path_factory.mktemp("po") / "x.po"
    path.write_text(text, "utf-8")
    no_wrap = run("msgcat", "--no-wrap", path)
    assert no_wrap.returncode == 0, no_wrap.stderr.decode()
    assert no_wrap.stdout.decode("utf-8") == text  # byte for byte
    for width in ("--width=79", "--width=20"):  # a re-wrapped file reads as the same catalog
        wrapped = run("msgcat", width, path)
        assert wrapped.returncode == 0, wrapped.stderr.decode()
        assert content(parse(decode(wrapped.stdout, "x.po"), "x.po")) == content(catalog)
    check = run("msgfmt", "--check", "-o", "/dev/null", path)
    errors = [
        issue.message
        for issue in check_catalog(parse(text, "x.po"), "x.po", "en", "es", Glossary(), {})
        if issue.code == "catalog"
    ]
    assert (check.returncode == 0) == (not errors), (check.stderr.decode(), errors)


def test_a_format_flag_is_an_error_whatever_msgfmt_says(tmp_path: Path) -> None:
    """Puente's units are never format strings: a format flag another tool added is a
    catalog error as soon as msgfmt would compile the entry, even where today's text
    passes msgfmt's format check (a later edit would not), and never on a fuzzy one."""
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    cases = {
        '#, python-format\nmsgid "Down 42 % in May"\nmsgstr "Baja del 42 % en mayo"\n': (False, True),
        '#, python-format\nmsgid "Down 42 % in May"\nmsgstr "Baja de 42 % de mayo"\n': (True, True),
        '#, fuzzy, python-format\nmsgid "Down 42 % in May"\nmsgstr "Baja del 42 % en mayo"\n': (True, False),
        '#, python-brace-format\nmsgid "{1}Arrests:{/1} 12"\nmsgstr "{1}Detenciones:{/1} 12"\n': (True, True),
    }
    for body, (msgfmt_passes, puente_error) in cases.items():
        path = tmp_path / "x.po"
        path.write_text(f"{header}\n{body}", "utf-8")
        assert (run("msgfmt", "--check", "-o", "/dev/null", path).returncode == 0) == msgfmt_passes, body
        issues = check_catalog(parse(path.read_text("utf-8"), "x.po"), "x.po", "en", "es", Glossary(), {})
        assert any(issue.code == "catalog" for issue in issues) == puente_error, body


# --- what other tools write, read as gettext reads it -------------------------------------

HEADER = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('msgid "a"\nmsgstr "\\303\\251t\\303\\251"\n', "été"),  # octal escapes are UTF-8 bytes
        ('msgid "a"\nmsgstr "\\303"\n"\\251"\n', "é"),  # even split over two strings
        # gettext reads every hex digit and keeps the lowest byte: \x41B is ESC
        ('msgid "a"\nmsgstr "\\x41B\\x7e7e\\1012"\n', "\x1b~A2"),
        ('msgid "a"\nmsgstr "\\a\\b\\f\\v\\0x"\n', "\a\b\f\v\x00x"),
        ('msgid "a"\nmsgstr "said\u2028 the\x85 budget\u2029"\n', "said\u2028 the\x85 budget\u2029"),
        ('msgid "a"\r\nmsgstr "windows line ends"\r\n', "windows line ends"),
    ],
)
def test_escapes_and_separators_read_as_gettext_reads_them(
    tmp_path: Path, written: str, expected: str
) -> None:
    entry = parse(HEADER + written, "x.po").entries[0]
    assert entry.msgstr == expected
    if "\\0" not in written:  # gettext ends a string at NUL
        path = tmp_path / "x.po"
        path.write_bytes((HEADER + written).encode())
        catted = run("msgcat", "--no-wrap", path)
        assert catted.returncode == 0, catted.stderr.decode()
        assert parse(decode(catted.stdout, "x.po"), "x.po").entries[0].msgstr == expected


@pytest.mark.parametrize(
    ("written", "message", "tool"),
    [
        ('msgid "a"\nmsgstr "\\351t\\351"\n',
         "5: octal or hex escapes make bytes that are not UTF-8 (byte 0xe9): write the character itself", "msgcat"),
        ('msgid "a"\nmsgstr "\\q"\n', '5: syntax error: invalid escape or unescaped " in string', "msgfmt"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr "x"\n', "6: syntax error: msgstr without [index] after msgid_plural",
         "msgfmt"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr[1] "x"\n', "6: syntax error: msgstr[1] where msgstr[0] was expected",
         "msgfmt"),
        ('msgid "a"\nmsgstr[0] "x"\n', "5: syntax error: msgstr[0] without msgid_plural", "msgfmt"),
        ('#~ msgid "a"\nmsgstr "x"\n', "5: syntax error: an entry both obsolete (#~) and not", "msgfmt"),
        ('msgid "a"\u2028msgstr "x"\n', '4: syntax error: invalid escape or unescaped " in string', "msgfmt"),
    ],
)  # fmt: skip
def test_what_gettext_refuses_is_refused_with_its_line(
    tmp_path: Path, written: str, message: str, tool: str
) -> None:
    with pytest.raises(CatalogError) as error:
        parse(HEADER + written, "x.po")
    assert str(error.value) == f"x.po:{message}"
    path = tmp_path / "x.po"
    path.write_bytes((HEADER + written).encode())
    command = ["msgfmt", "--check", "-o", "/dev/null"] if tool == "msgfmt" else ["msgcat"]
    assert run(*command, path).returncode != 0


def test_comments_keep_their_text_exactly() -> None:
    text = (
        HEADER.replace('msgid ""', '#  indented credit  \n#\n#comment without a space\nmsgid ""', 1)
        + "#  two leading, two trailing  \n#.  note  \n#: sources/a.md:1\tsources/b.md:2\n"
        + '#, fuzzy,no-wrap\n#| msgid "old"\nmsgid "a"\nmsgstr "b"\n'
    )
    catalog = parse(text, "x.po")
    assert catalog.header_comment == " indented credit  \n\ncomment without a space"
    entry = catalog.entries[0]
    assert entry.comments == (" two leading, two trailing  ",)
    assert entry.notes == (" note  ",)
    assert entry.references == ("sources/a.md:1", "sources/b.md:2")
    assert entry.fuzzy and entry.flags == ("no-wrap",) and entry.previous_msgid == "old"
    assert re.search(r"^#  two leading, two trailing  $", format_catalog(catalog), re.MULTILINE)


def test_a_comment_never_ends_with_a_backslash(tmp_path: Path) -> None:
    """gettext joins a line that ends with a backslash to the next one, in a comment too:
    a note or comment ending with one gets a space after it, so the next line stays a line."""
    entry = Entry("C:\\", "C:\\", fuzzy=True, comments=("path C:\\",), fresh_draft="unidad C:\\",
                  origin=Origin("engine", "apertium", "0.8.1-2"))  # fmt: skip
    text = format_catalog(Catalog(fields={"Content-Type": "text/plain; charset=UTF-8"}, entries=[entry]))
    assert "# path C:\\ \n" in text and "#. fresh draft: unidad C:\\ \n" in text
    path = tmp_path / "x.po"
    path.write_text(text, "utf-8")
    catted = run("msgcat", "--no-wrap", path)
    assert catted.returncode == 0 and catted.stdout.decode() == text
    [read_back] = parse(text, "x.po").entries
    assert (read_back.msgstr, read_back.origin, read_back.fresh_draft) == (
        "C:\\",
        entry.origin,
        "unidad C:\\ ",
    )
