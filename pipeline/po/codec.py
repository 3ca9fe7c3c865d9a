"""PO text ⇄ :class:`~pipeline.po.model.Catalog`: the only module that uses polib.

Reading is strict: bytes must be UTF-8 (with ``charset=UTF-8`` in the header),
the grammar is checked line by line first (:func:`pipeline.po.syntax.check_syntax`,
which names the first bad line), and duplicate entries are refused. Writing is
byte-identical to ``msgcat --no-wrap``: one line per field, full headers.

Three things polib gets wrong are mended here, in both directions:

* only ``\\n`` ends a line: polib splits text with ``str.splitlines``, which also
  breaks at U+2028, U+2029, U+0085, ``\\v``, ``\\f`` and ``\\x1c``–``\\x1e``, inside
  a quoted string;
* every C escape gettext accepts (``\\a``, ``\\0``, ``\\001``, ``\\x1b``...) keeps
  its meaning: polib knows only some of them and writes the others back with a
  doubled backslash;
* ``#~|`` lines (the previous msgid of an obsolete entry) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polib

from pipeline.errors import CatalogError
from pipeline.po.model import Catalog, Entry
from pipeline.po.notes import join_notes, split_notes
from pipeline.po.syntax import check_syntax

_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))")
_POLIB_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\v": "\\v",
                  "\b": "\\b", "\f": "\\f"}  # fmt: skip
_C_ESCAPES = {"a": "\a", "?": "?", "'": "'"}
_STRING_LINE = re.compile(r'\s*(?:#~\|?\s*|#\|\s*)?(?:msg\w+(?:\[\d+\])?\s+)?"')

# Characters polib would treat as line ends, or write unescaped, are carried through
# polib's formatter as Unicode noncharacters (never found in text: they are refused
# before a catalog is written) and put back afterwards.
_CARRIED = [chr(code) for code in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, 0x85, 0x2028, 0x2029]]
_SENTINEL_CHARS = [chr(code) for code in range(0xFDD0, 0xFDF0)] + [
    chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF)
]
_TO_SENTINEL = {ord(char): _SENTINEL_CHARS[index] for index, char in enumerate(_CARRIED)}
_ESCAPED = {"\a": "\\a", "\b": "\\b", "\v": "\\v", "\f": "\\f", "\r": "\\r"}
_FROM_SENTINEL = {
    _SENTINEL_CHARS[index]: (
        char if char in ("\x85", "\u2028", "\u2029") else _ESCAPED.get(char, f"\\{ord(char):03o}")
    )
    for index, char in enumerate(_CARRIED)
}
NONCHARACTERS = re.compile("[" + "".join(_SENTINEL_CHARS) + "\ufffe\uffff]")
"""Unicode noncharacters: never text; refused in a catalog, and used as carriers."""


def decode(raw: bytes, path: str) -> str:
    """The text of a PO file, refusing bytes and headers that are not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(
            path,
            line,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8 with "
            "charset=UTF-8 in its header",
        ) from None
    header_end = text.find("\n\n")
    header = text if header_end < 0 else text[:header_end]
    match = _CHARSET.search(header)
    if match and match.group(1).upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        line = text.count("\n", 0, match.start()) + 1
        raise CatalogError(path, line, f"charset {match.group(1)} is not supported: use charset=UTF-8")
    return text.removeprefix("\ufeff")


def parse(text: str, path: str) -> Catalog:
    """Parse PO/POT text; raise :class:`CatalogError` (``path:line: message``) on bad input."""
    check_syntax(text, path)
    found = NONCHARACTERS.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise CatalogError(path, line, f"character U+{ord(found.group()):04X} is not text: remove it")
    # polib drops "#~|" lines; as "#|" lines before an obsolete entry it reads them right
    lines = [_plain_escapes("#|" + line[3:] if line.startswith("#~|") else line) for line in text.split("\n")]
    try:
        parser = polib._POFileParser("", encoding="utf-8", check_for_duplicates=False)
        parser.fhandle = lines  # lines end at "\n" only (see the module docstring)
        po = parser.parse()
    except (OSError, ValueError) as exc:
        raise CatalogError(path, 1, f"cannot read catalog: {exc}") from None
    catalog = Catalog(
        header_comment=po.header,
        fields={str(key): str(value) for key, value in po.metadata.items()},
        entries=[_entry(item) for item in po],
        header_flags=("fuzzy",) if po.metadata_is_fuzzy else (),
    )
    _refuse_duplicates(catalog, path)
    return catalog


def _plain_escapes(line: str) -> str:
    """``line`` with the escapes polib does not know turned into the characters they stand
    for, inside quoted strings only (comments are text)."""
    if "\\" not in line or _STRING_LINE.match(line) is None:
        return line
    return _QUOTED.sub(lambda match: _ESCAPE.sub(_one_escape, match.group(0)), line)


def _one_escape(match: re.Match[str]) -> str:
    octal, hexadecimal, char = match.groups()
    if char is not None:
        if char in '\\"ntrvbf':
            return match.group(0)  # polib reads these itself
        value = _C_ESCAPES.get(char)
        if value is None:
            return match.group(0)  # not an escape: the syntax check refused it already
    else:
        value = chr(int(octal, 8) if octal is not None else int(hexadecimal, 16))
    return _POLIB_ESCAPES.get(value, value)


def _entry(item: polib.POEntry) -> Entry:
    typed = split_notes(line for line in (item.comment or "").split("\n") if line)
    flags = [flag.strip() for flag in item.flags if flag.strip()]
    plural = tuple(item.msgstr_plural[index] for index in sorted(item.msgstr_plural))
    return Entry(
        msgid=item.msgid,
        msgstr=item.msgstr if not plural else "",
        msgctxt=item.msgctxt,
        msgid_plural=item.msgid_plural or None,
        msgstr_plural=plural,
        fuzzy="fuzzy" in flags,
        flags=tuple(flag for flag in flags if flag != "fuzzy"),
        comments=tuple(item.tcomment.split("\n")) if item.tcomment else (),
        references=tuple(f"{path}:{line}" if line else path for path, line in item.occurrences),
        previous_msgctxt=item.previous_msgctxt,
        previous_msgid=item.previous_msgid,
        previous_msgid_plural=item.previous_msgid_plural,
        obsolete=bool(item.obsolete),
        line=int(item.linenum or 0),
        **typed,  # type: ignore[arg-type]
    )


def _refuse_duplicates(catalog: Catalog, path: str) -> None:
    seen: dict[tuple[str | None, str], int] = {}
    for entry in catalog:
        if entry.obsolete:
            continue
        first = seen.get(entry.key)
        if first is not None:
            context = f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt else ""
            short = entry.msgid if len(entry.msgid) <= 40 else entry.msgid[:39] + "…"
            raise CatalogError(
                path, entry.line, f"duplicate entry for msgid {short!r}{context}, first at line {first}"
            )
        seen[entry.key] = entry.line


def format_catalog(catalog: Catalog) -> str:
    """The text of ``catalog``, as ``msgcat --no-wrap`` writes it."""
    return format_header(catalog) + format_entries(catalog.entries)


def format_numbered(catalog: Catalog) -> str:
    """The text of ``catalog``; its entries (reordered as written: active ones first) get
    the line each starts on in that text, for findings that name ``path:line``."""
    catalog.entries.sort(key=lambda entry: entry.obsolete)
    parts = [format_header(catalog)]
    line = parts[0].count("\n") + 1
    for index, entry in enumerate(catalog.entries):
        text = format_entry(entry)
        line += 1  # the blank line before each entry
        catalog.entries[index] = entry.replace(line=line)
        parts.append("\n" + text)
        line += text.count("\n")
    return "".join(parts)


def format_header(catalog: Catalog) -> str:
    """The header comment and header entry of ``catalog``."""
    head = polib.POFile(wrapwidth=0)
    head.header = catalog.header_comment
    head.metadata = {key: _carry(value) for key, value in catalog.fields.items()}
    head.metadata_is_fuzzy = "fuzzy" in catalog.header_flags
    return _restore(str(head))


def format_entries(entries: Iterable[Entry]) -> str:
    """The text of ``entries`` (active ones first, then obsolete ones), each after a blank line."""
    ordered = sorted(entries, key=lambda entry: entry.obsolete)  # stable: file order kept
    return "".join("\n" + format_entry(entry) for entry in ordered)


def format_entry(entry: Entry) -> str:
    """One entry as ``msgcat --no-wrap`` writes it (ending with a newline)."""
    item = polib.POEntry(
        msgid=_carry(entry.msgid),
        msgstr=_carry(entry.msgstr),
        msgctxt=_carry(entry.msgctxt),
        msgid_plural=_carry(entry.msgid_plural) or "",
        msgstr_plural={index: _carry(text) for index, text in enumerate(entry.msgstr_plural)},
        comment="\n".join(join_notes(entry)),
        tcomment="\n".join(entry.comments),
        occurrences=[_reference(reference) for reference in entry.references],
        flags=(["fuzzy"] if entry.fuzzy else []) + list(entry.flags),
        previous_msgctxt=_carry(entry.previous_msgctxt),
        previous_msgid=_carry(entry.previous_msgid),
        previous_msgid_plural=_carry(entry.previous_msgid_plural),
        obsolete=entry.obsolete,
    )
    return _restore(item.__unicode__(0))


def _reference(reference: str) -> tuple[str, str]:
    path, _, line = reference.rpartition(":")
    return (path, line) if path and line.isdigit() else (reference, "")


def _carry(text: str | None) -> str | None:
    if text is None:
        return None
    found = NONCHARACTERS.search(text)
    if found is not None:
        raise ValueError(f"character U+{ord(found.group()):04X} is not text and cannot be written")
    return text.translate(_TO_SENTINEL)


def _restore(text: str) -> str:
    return NONCHARACTERS.sub(lambda match: _FROM_SENTINEL.get(match.group(), ""), text)
