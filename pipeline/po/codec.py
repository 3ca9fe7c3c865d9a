"""PO text ⇄ :class:`~pipeline.po.model.Catalog`.

Reading is strict: bytes must be UTF-8 (with ``charset=UTF-8`` in the header),
every line must follow the grammar (:func:`pipeline.po.syntax.scan` names the first
bad line), and duplicate entries are refused. Writing is byte-identical to
``msgcat --no-wrap``: one line per string (a string with inner newlines is split
after each), the header fields in the order the catalog holds them, flags in
gettext's order, only the escapes gettext writes (``\\\\ \\" \\a \\b \\f \\n \\r
\\t \\v``; every other character as itself, U+2028 and control characters included).
So a catalog that another tool wrote and ``msgcat --no-wrap`` would not change is
written back byte for byte.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from pipeline.errors import CatalogError
from pipeline.po.model import Catalog, Entry
from pipeline.po.notes import join_notes, split_notes
from pipeline.po.syntax import RawEntry, scan

_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t", "\v": "\\v", "\0": "\\000"}  # fmt: skip
_TO_ESCAPE = re.compile('[\\\\"\a\b\f\n\r\t\v\0]')

FORMAT_LANGUAGES = (
    "c", "objc", "python", "python-brace", "java", "java-printf", "csharp", "javascript", "scheme",
    "lisp", "elisp", "librep", "ruby", "sh", "awk", "lua", "object-pascal", "smalltalk", "qt",
    "qt-plural", "kde", "kde-kuit", "boost", "tcl", "perl", "perl-brace", "php", "gcc-internal",
    "gfc-internal", "ycp",
)  # fmt: skip
"""GNU gettext's format languages (0.21), in the order its tools write their flags."""
_FORMAT_RANK = {f"{language}-format": rank for rank, language in enumerate(FORMAT_LANGUAGES)}


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
    raw_entries = scan(text, path)
    catalog = Catalog()
    if raw_entries and _is_header(raw_entries[0]):
        header = raw_entries.pop(0)
        catalog.header_comment = "\n".join(header.comments)
        catalog.fields = header_fields(header.fields["msgstr"])
        catalog.header_flags = tuple(header.flags)
    catalog.entries = [_entry(raw) for raw in raw_entries]
    _refuse_duplicates(catalog, path)
    return catalog


def _is_header(raw: RawEntry) -> bool:
    return raw.fields.get("msgid") == "" and "msgctxt" not in raw.fields and not raw.obsolete


def header_fields(text: str) -> dict[str, str]:
    """The fields of a header entry's msgstr, in order (a line without a colon continues
    the field before it, as polib and Babel read it).

    >>> header_fields("Language: es_MX\\nX-Poedit-Basepath: ..\\n")
    {'Language': 'es_MX', 'X-Poedit-Basepath': '..'}
    """
    fields: dict[str, str] = {}
    key = None
    for line in text.split("\n"):
        if not line:
            continue
        name, colon, value = line.partition(":")
        if colon and name.strip(" \t"):
            key = name.strip(" \t")
            fields[key] = value.strip(" \t")
        elif key is not None:
            fields[key] += "\n" + line.strip(" \t")
    return fields


def _entry(raw: RawEntry) -> Entry:
    typed = split_notes(raw.notes)
    fields = raw.fields
    forms = sum(1 for key in fields if key.startswith("msgstr["))  # msgstr[0] to [N], checked by scan
    plural = tuple(fields[f"msgstr[{index}]"] for index in range(forms))
    flags = raw.flags
    return Entry(
        msgid=fields["msgid"],
        msgstr=fields.get("msgstr", ""),
        msgctxt=fields.get("msgctxt"),
        msgid_plural=fields.get("msgid_plural"),
        msgstr_plural=plural,
        fuzzy="fuzzy" in flags,
        flags=tuple(dict.fromkeys(flag for flag in flags if flag != "fuzzy")),
        comments=tuple(raw.comments),
        references=tuple(raw.references),
        previous_msgctxt=raw.previous.get("msgctxt"),
        previous_msgid=raw.previous.get("msgid"),
        previous_msgid_plural=raw.previous.get("msgid_plural"),
        obsolete=raw.obsolete,
        line=raw.line,
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


# --- writing --------------------------------------------------------------------------


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
    lines = _comments("#", catalog.header_comment.split("\n")) if catalog.header_comment else []
    if catalog.header_flags:
        lines.append("#, " + ", ".join(catalog.header_flags))
    lines.append('msgid ""')
    body = "".join(f"{key}: {value}\n" for key, value in catalog.fields.items())
    lines += _string("", "msgstr", body)
    return "\n".join(lines) + "\n"


def format_entries(entries: Iterable[Entry]) -> str:
    """The text of ``entries`` (active ones first, then obsolete ones), each after a blank line."""
    ordered = sorted(entries, key=lambda entry: entry.obsolete)  # stable: file order kept
    return "".join("\n" + format_entry(entry) for entry in ordered)


def format_entry(entry: Entry) -> str:
    """One entry as ``msgcat --no-wrap`` writes it (ending with a newline)."""
    return _format_entry(entry)


@functools.lru_cache(maxsize=4096)
def _format_entry(entry: Entry) -> str:
    # remembered: a run writes the same entries in an article's template and its catalog,
    # and the catalog once more to number its lines (an entry's line is not in its text)
    lines = _comments("#", entry.comments) if entry.comments else []
    notes = join_notes(entry)
    if notes:
        lines += _comments("#.", notes)
    if entry.references:
        lines.append("#: " + " ".join(dict.fromkeys(entry.references)))  # gettext writes each once
    # gettext keeps "fuzzy" only on a translated entry (it means nothing on an empty one)
    fuzzy = entry.fuzzy and (bool(entry.msgstr) or any(entry.msgstr_plural))
    if fuzzy or entry.flags:
        lines.append("#, " + ", ".join(order_flags((["fuzzy"] if fuzzy else []) + list(entry.flags))))
    previous = "#~| " if entry.obsolete else "#| "
    for keyword, text in (
        ("msgctxt", entry.previous_msgctxt),
        ("msgid", entry.previous_msgid),
        ("msgid_plural", entry.previous_msgid_plural),
    ):
        if text is not None:
            lines += _string(previous, keyword, text)
    prefix = "#~ " if entry.obsolete else ""
    if entry.msgctxt is not None:
        lines += _string(prefix, "msgctxt", entry.msgctxt)
    lines += _string(prefix, "msgid", entry.msgid)
    if entry.msgid_plural is not None:
        lines += _string(prefix, "msgid_plural", entry.msgid_plural)
        for index, text in enumerate(entry.msgstr_plural or ("",)):
            lines += _string(prefix, f"msgstr[{index}]", text)
    else:
        lines += _string(prefix, "msgstr", entry.msgstr)
    return "\n".join(lines) + "\n"


def order_flags(flags: Iterable[str]) -> list[str]:
    """``flags`` in the order gettext's tools write them: ``fuzzy``, format flags by
    language, ``range:``, ``no-wrap``, then any other flag as it came.

    >>> order_flags(["puente-ignore-numbers", "no-wrap", "python-format", "fuzzy", "c-format"])
    ['fuzzy', 'c-format', 'python-format', 'no-wrap', 'puente-ignore-numbers']
    """
    unique = list(dict.fromkeys(flags))
    return sorted(unique, key=_flag_rank)


def _flag_rank(flag: str) -> tuple[int, int]:
    if flag == "fuzzy":
        return (0, 0)
    rank = _FORMAT_RANK.get(flag.removeprefix("no-"))
    if rank is not None:
        return (1, rank)
    if flag.startswith("range:"):
        return (2, 0)
    if flag in ("wrap", "no-wrap"):
        return (3, 0)
    return (4, 0)


def _comments(marker: str, lines: Iterable[str]) -> list[str]:
    # a comment is one line: a newline inside one would end it and break the file, and
    # gettext joins a line that ends with a backslash to the next one
    out = []
    for line in lines:
        for part in line.split("\n") if "\n" in line else (line,):
            if part.endswith("\\"):
                part += " "
            out.append(f"{marker} {part}" if part else marker)
    return out


def _string(prefix: str, keyword: str, text: str) -> list[str]:
    """A keyword and its string, split after each inner newline as gettext does."""
    newline = text.find("\n")
    if newline < 0 or newline == len(text) - 1:
        return [f"{prefix}{keyword} {_quote(text)}"]
    pieces = text.split("\n")
    parts = [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    return [f'{prefix}{keyword} ""'] + [f"{prefix}{_quote(part)}" for part in parts]


def _quote(text: str) -> str:
    if _TO_ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _TO_ESCAPE.sub(lambda match: _ESCAPES[match.group()], text) + '"'
