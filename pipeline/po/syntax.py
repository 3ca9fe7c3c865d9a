"""The PO grammar: one scanner that checks every line and reads the entries.

GNU gettext's rules, as ``msgcat`` and ``msgfmt`` apply them:

* only ``\\n`` ends a line: U+2028, U+2029, U+0085, form feeds and the other
  characters :meth:`str.splitlines` breaks at are text, inside a string or a comment;
* a string's escapes are C's (``\\n \\t \\" \\\\ \\a \\b \\f \\r \\v``, octal
  ``\\NNN``, hexadecimal ``\\xHH...``); octal and hexadecimal escapes are *bytes*
  (``"\\303\\251"`` is "é"), so a field is decoded as UTF-8 once all its strings
  are joined;
* ``#`` comments, ``#.`` extracted comments, ``#:`` references, ``#,`` flags, ``#|``
  previous fields, ``#~`` obsolete entries and their ``#~|`` previous fields; the
  text of a comment is kept as written (one space after the marker is not part of it).

A hand-written scanner instead of polib: polib splits lines with
:meth:`str.splitlines` and tokens with :meth:`str.split` (so U+2028 or U+0085 in a
sentence cut it, or made the file unreadable), strips Unicode whitespace from every
line (trailing spaces of comments and header values were lost), drops ``#~|`` lines,
knows only some escapes, and reads lines it should refuse (a missing quote can
swallow the next entry). The grammar is small; the scanner reports the first bad
line as ``path:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.errors import CatalogError

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[([0-9]+)\])?)[ \t]*(.*)\Z")
_STRING = re.compile(r'"((?:[^"\\]|\\(?:[\\"abfnrtv]|[0-7]{1,3}|x[0-9A-Fa-f]+))*)"[ \t]*\Z')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))")
_BYTE_ESCAPE = re.compile(r"\\[0-7x]")
_REFERENCES = re.compile(r"[ \t]+")
_SIMPLE = {"\\": "\\", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_PREVIOUS = ("msgctxt", "msgid", "msgid_plural")


@dataclass
class RawEntry:
    """One entry as written: its comments and its fields (``msgstr[N]`` as ``msgstr[N]``)."""

    line: int
    comments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    previous: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False


class _Field:
    """The strings of one field so far (``bytes`` where an octal or hex escape made bytes)."""

    __slots__ = ("line", "parts")

    def __init__(self, line: int) -> None:
        self.line = line
        self.parts: list[str | bytes] = []

    def value(self, path: str) -> str:
        if all(isinstance(part, str) for part in self.parts):
            return "".join(self.parts)  # type: ignore[arg-type]
        joined = b"".join(part.encode() if isinstance(part, str) else part for part in self.parts)
        try:
            return joined.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogError(
                path,
                self.line,
                f"octal or hex escapes make bytes that are not UTF-8 (byte 0x{joined[exc.start]:02x}): "
                "write the character itself",
            ) from None


def unquote(value: str) -> str | bytes:
    """The text of a checked quoted string (``bytes`` when an octal or hex escape made bytes).

    >>> unquote(r'"a\\tb"'), unquote(r'"\\303\\251"')
    ('a\\tb', b'\\xc3\\xa9')
    """
    inner = value[1 : value.rindex('"')]
    if "\\" not in inner:
        return inner
    if _BYTE_ESCAPE.search(inner) is None:
        return _ESCAPE.sub(lambda match: _SIMPLE[match.group(3)], inner)
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(inner):
        out += inner[position : match.start()].encode()
        octal, hexadecimal, char = match.groups()
        if char is not None:
            out += _SIMPLE[char].encode()
        else:  # a byte, as gettext reads it (more than two hex digits keep the lowest byte)
            out.append(int(octal, 8) & 0xFF if octal is not None else int(hexadecimal, 16) & 0xFF)
        position = match.end()
    out += inner[position:].encode()
    return bytes(out)


def scan(text: str, path: str) -> list[RawEntry]:
    """Every entry of ``text`` (the header entry included), checked against the grammar;
    raise :class:`CatalogError` at the first bad line."""
    entries: list[RawEntry] = []
    entry: RawEntry | None = None
    state = "start"  # start | comments | ctxt | id | plural | str
    fields: dict[str, _Field] = {}
    previous: dict[str, _Field] = {}
    current: _Field | None = None  # the field continuation strings add to
    previous_current: _Field | None = None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    def finish() -> None:
        nonlocal entry, fields, previous
        if entry is not None and fields:
            entry.fields = {key: value.value(path) for key, value in fields.items()}
            entry.previous = {key: value.value(path) for key, value in previous.items()}
            entries.append(entry)
        entry, fields, previous = None, {}, {}

    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        stripped = line.lstrip(" \t")
        if not stripped.strip(" \t"):
            if state in ("ctxt", "id", "plural"):
                raise CatalogError(path, number, f"syntax error: entry has no msgstr after line {number - 1}")
            continue
        obsolete = stripped.startswith("#~")
        if stripped.startswith("#") and not obsolete:
            if state in ("ctxt", "id", "plural"):
                raise CatalogError(path, number, f"syntax error: entry has no msgstr after line {number - 1}")
            if state == "str" or entry is None:
                finish()
                entry = RawEntry(number)
                state = "comments"
            current = None
            marker = stripped[1:2]
            if marker == "|":
                previous_current = _previous_line(stripped[2:], previous, previous_current, path, number)
                continue
            previous_current = None
            body = stripped[2:] if marker in ".:," else stripped[1:]
            body = body[1:] if body.startswith(" ") else body
            if marker == ".":
                entry.notes.append(body)
            elif marker == ":":
                entry.references.extend(word for word in _REFERENCES.split(body) if word)
            elif marker == ",":
                entry.flags.extend(flag.strip(" \t") for flag in body.split(",") if flag.strip(" \t"))
            else:
                entry.comments.append(body)
            continue
        if obsolete:
            rest = stripped[2:]
            if rest.startswith("|"):
                if state in ("ctxt", "id", "plural"):
                    raise CatalogError(
                        path, number, f"syntax error: entry has no msgstr after line {number - 1}"
                    )
                if state == "str" or entry is None:
                    finish()
                    entry = RawEntry(number)
                    state = "comments"
                current = None
                previous_current = _previous_line(rest[1:], previous, previous_current, path, number)
                continue
            stripped = rest.lstrip(" \t")
            if not stripped:
                continue
        previous_current = None
        match = _KEYWORD.match(stripped)
        if match is None:
            if not stripped.startswith('"'):
                raise CatalogError(path, number, f"syntax error: unknown keyword {stripped.split()[0]!r}")
            if current is None:
                raise CatalogError(path, number, "syntax error: a string outside of any entry")
            if entry is not None and obsolete != entry.obsolete:
                raise CatalogError(path, number, "syntax error: an entry both obsolete (#~) and not")
            current.parts.append(_string(stripped, path, number))
            continue
        keyword, index, rest = match.groups()
        if not rest:
            raise CatalogError(path, number, "syntax error: expected a quoted string")
        value = _string(rest, path, number)
        if keyword in ("msgctxt", "msgid") and state in ("str", "start"):
            finish()
        if entry is None:
            entry = RawEntry(number, obsolete=obsolete)
        elif state in ("start", "comments"):
            entry.obsolete = obsolete
        elif obsolete != entry.obsolete:
            raise CatalogError(path, number, "syntax error: an entry both obsolete (#~) and not")
        state = _next_state(state, keyword, index, fields, path, number)
        key = keyword if index is None else f"msgstr[{int(index)}]"
        current = fields[key] = _Field(number)
        current.parts.append(value)
    if state in ("ctxt", "id", "plural"):
        raise CatalogError(path, len(lines), "syntax error: the last entry has no msgstr")
    finish()
    return entries


def _previous_line(
    rest: str, previous: dict[str, _Field], current: _Field | None, path: str, number: int
) -> _Field:
    """One ``#|`` line (``rest``: what follows the marker): a previous field or a string of it."""
    rest = rest.strip(" \t")
    if rest.startswith('"'):
        if current is None:
            raise CatalogError(path, number, "syntax error: a #| string outside of any previous field")
        current.parts.append(_string(rest, path, number))
        return current
    match = _KEYWORD.match(rest)
    if match is None or match.group(1) not in _PREVIOUS or not match.group(3):
        word = rest.split()[0] if rest.split() else "(nothing)"
        raise CatalogError(path, number, f"syntax error: unknown keyword {word!r} after #|")
    keyword = match.group(1)
    if keyword in previous:
        raise CatalogError(path, number, f"syntax error: a second previous {keyword}")
    field_ = previous[keyword] = _Field(number)
    field_.parts.append(_string(match.group(3), path, number))
    return field_


def _string(value: str, path: str, number: int) -> str | bytes:
    value = value.rstrip(" \t")
    if len(value) > 1 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        if "\\" not in inner and '"' not in inner:  # most strings: nothing to check or unescape
            return inner
    if _STRING.match(value):
        return unquote(value)
    if not value.startswith('"'):
        raise CatalogError(path, number, "syntax error: expected a quoted string")
    unescaped = re.sub(r"\\.", "", value)
    if unescaped.count('"') < 2 or not value.rstrip(" \t").endswith('"'):
        raise CatalogError(path, number, "syntax error: unterminated string (a missing closing quote?)")
    raise CatalogError(path, number, 'syntax error: invalid escape or unescaped " in string')


def _next_state(
    state: str, keyword: str, index: str | None, fields: dict[str, _Field], path: str, number: int
) -> str:
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
    plural = "msgid_plural" in fields
    if index is None:
        if plural:
            raise CatalogError(path, number, "syntax error: msgstr without [index] after msgid_plural")
        if state == "str":
            raise CatalogError(path, number, "syntax error: a second msgstr")
        return "str"
    if not plural:
        raise CatalogError(path, number, f"syntax error: msgstr[{index}] without msgid_plural")
    expected = sum(1 for key in fields if key.startswith("msgstr["))
    if int(index) != expected:
        raise CatalogError(
            path, number, f"syntax error: msgstr[{index}] where msgstr[{expected}] was expected"
        )
    return "str"


def check_syntax(text: str, path: str) -> None:
    """Raise :class:`CatalogError` at the first line that breaks the PO grammar.

    >>> check_syntax('msgid "a"\\nmsgstr "b"\\n', "x.po")
    >>> check_syntax('msgid "a"\\nmsgstr "b\\n', "x.po")
    Traceback (most recent call last):
    ...
    pipeline.errors.CatalogError: x.po:2: syntax error: unterminated string (a missing closing quote?)
    """
    scan(text, path)
