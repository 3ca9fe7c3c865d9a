"""Reading PO files that translators edited, with errors that name the line.

polib parses leniently: a missing quote can silently swallow the next entry.
So every catalog is first checked by :func:`check_syntax`, a small scanner of
the PO grammar (keywords, quoted strings, escapes, entry order) that reports
the first bad line, and only then handed to polib.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib

from pipeline.errors import CatalogError
from pipeline.files import decode_utf8

_STRING = re.compile(r'"(?:[^"\\]|\\(?:[\\"abfnrtv]|[0-7]{1,3}|x[0-9A-Fa-f]{1,2}))*"\s*\Z')
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(.*)\Z")
_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)


def check_syntax(text: str, path: str) -> None:
    """Raise :class:`CatalogError` at the first line that breaks the PO grammar.

    >>> check_syntax('msgid "a"\\nmsgstr "b"\\n', "x.po")
    >>> check_syntax('msgid "a"\\nmsgstr "b\\n', "x.po")
    Traceback (most recent call last):
    ...
    pipeline.errors.CatalogError: x.po:2: syntax error: unterminated string (a missing closing quote?)
    """
    state = "start"  # start | ctxt | id | plural | str
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if not line or line.startswith("|"):
                continue
        elif not line or line.startswith("#"):
            if not line and state in ("ctxt", "id", "plural"):
                raise CatalogError(path, number, f"syntax error: entry has no msgstr after line {number - 1}")
            if not line:
                state = "start" if state == "str" else state
            continue
        match = _KEYWORD.match(line)
        if match is None:
            if line.startswith('"'):
                if state == "start":
                    raise CatalogError(path, number, "syntax error: a string outside of any entry")
                _check_string(line, path, number)
                continue
            raise CatalogError(path, number, f"syntax error: unknown keyword {line.split()[0]!r}")
        keyword, rest = match.groups()
        _check_string(rest, path, number)
        state = _next_state(state, keyword, path, number, obsolete)
    if state in ("ctxt", "id", "plural"):
        raise CatalogError(path, text.count("\n") + 1, "syntax error: the last entry has no msgstr")


def _check_string(value: str, path: str, number: int) -> None:
    if _STRING.match(value):
        return
    if not value.startswith('"'):
        raise CatalogError(path, number, "syntax error: expected a quoted string")
    if value.count('"') - value.count('\\"') < 2 or not value.rstrip().endswith('"'):
        raise CatalogError(path, number, "syntax error: unterminated string (a missing closing quote?)")
    raise CatalogError(path, number, 'syntax error: invalid escape or unescaped " in string')


def _next_state(state: str, keyword: str, path: str, number: int, obsolete: bool) -> str:
    if keyword == "msgctxt":
        if state in ("ctxt", "id", "plural"):
            raise CatalogError(path, number, "syntax error: msgctxt inside an unfinished entry")
        return "ctxt"
    if keyword == "msgid":
        if state in ("id", "plural"):
            raise CatalogError(path, number, "syntax error: msgid without msgstr before it")
        return "id"
    if keyword == "msgid_plural":
        if state != "id":
            raise CatalogError(path, number, "syntax error: msgid_plural without msgid")
        return "plural"
    if state not in ("id", "plural", "str"):
        raise CatalogError(path, number, "syntax error: msgstr without msgid")
    return "str"


def read_po_text(path: Path, relative: str) -> str:
    """The file's text, refusing bytes and headers that are not UTF-8."""
    raw = path.read_bytes()
    text = decode_utf8(raw, relative, CatalogError, "save the file as UTF-8 with charset=UTF-8 in its header")
    header_end = text.find("\n\n")
    header = text if header_end < 0 else text[:header_end]
    match = _CHARSET.search(header)
    if match and match.group(1).upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        line = text.count("\n", 0, match.start()) + 1
        raise CatalogError(relative, line, f"charset {match.group(1)} is not supported: use charset=UTF-8")
    return text.removeprefix("\ufeff")


def parse_po(path: Path, relative: str) -> polib.POFile:
    """Parse a PO/POT file after checking its syntax; raise :class:`CatalogError` on bad input."""
    text = read_po_text(path, relative)
    check_syntax(text, relative)
    try:
        catalog = polib.pofile(text, wrapwidth=0, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise CatalogError(relative, 1, f"cannot read catalog: {exc}") from None
    seen: dict[tuple[str | None, str], int] = {}
    for entry in catalog:
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            context = f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt else ""
            raise CatalogError(
                relative,
                entry.linenum,
                f"duplicate entry for msgid {_short(entry.msgid)!r}{context}, first at line {seen[key]}",
            )
        seen[key] = entry.linenum
    return catalog


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
