"""The PO grammar, checked line by line before a file is parsed.

polib parses leniently: a missing quote can silently swallow the next entry.
So every catalog is first checked by :func:`check_syntax`, a small scanner of
the PO grammar (keywords, quoted strings, escapes, entry order) that reports
the first bad line, and only then handed to polib. Only ``\n`` ends a line:
U+2028, U+2029 and U+0085 are text.
"""

from __future__ import annotations

import re

from pipeline.errors import CatalogError

_STRING = re.compile(r'"(?:[^"\\]|\\(?:[\\"abfnrtv]|[0-7]{1,3}|x[0-9A-Fa-f]{1,2}))*"\s*\Z')
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(.*)\Z")


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
        line = raw.strip(" \t\r")
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip(" \t")
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
