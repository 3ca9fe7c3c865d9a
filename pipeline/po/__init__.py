"""Gettext catalogs: Puente's typed model of PO files, their text, and the merge.

The only package that knows the PO format:

* :mod:`pipeline.po.model`: :class:`Entry`, :class:`Catalog`, :class:`Origin`;
* :mod:`pipeline.po.syntax`: the grammar, one scanner that checks and reads every line;
* :mod:`pipeline.po.codec`: text ⇄ catalog (strict reading, ``msgcat --no-wrap`` writing);
* :mod:`pipeline.po.notes`: the drafting notes (``#. draft: ...``) ⇄ typed fields;
* :mod:`pipeline.po.merge`: new units into an existing catalog, with msgmerge's rules;
* :mod:`pipeline.po.msgfmt`: what ``msgfmt --check`` refuses, found without running it.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import CatalogError
from pipeline.files import read_limited
from pipeline.po.codec import (
    decode,
    format_catalog,
    format_entries,
    format_entry,
    format_header,
    format_numbered,
    parse,
)
from pipeline.po.model import STATES, Catalog, Entry, EntryState, Origin, Suggestion

__all__ = [
    "CATALOG_LIMIT",
    "STATES",
    "Catalog",
    "Entry",
    "EntryState",
    "Origin",
    "Suggestion",
    "decode",
    "format_catalog",
    "format_entries",
    "format_entry",
    "format_header",
    "format_numbered",
    "parse",
    "read_catalog",
]

CATALOG_LIMIT = 64 * 1024 * 1024
"""The largest catalog read (an article's catalog is tens of kilobytes)."""


def read_catalog(path: Path, relative: str, data: bytes | None = None) -> Catalog:
    """Read and parse a catalog (``data``: its bytes, when the caller read them already).

    A catalog under ``<lang>/LC_MESSAGES/`` must not name another language in its
    ``Language`` header (a regional variant such as ``es_MX`` is the same language; an
    empty or missing one, as ``pot2po`` and ``msginit`` may leave it, is the folder's).
    """
    raw = read_limited(path, relative, CatalogError, CATALOG_LIMIT) if data is None else data
    catalog = parse(decode(raw, relative), relative)
    if path.parent.name == "LC_MESSAGES":
        folder = path.parent.parent.name
        if catalog.language and catalog.language != folder:
            header = catalog.fields.get("Language", "")
            raise CatalogError(
                relative,
                _header_line(raw, "Language"),
                f"header says Language: {header or '(none)'}, but the catalog is in "
                f"locales/{folder}/: fix the header or move the file",
            )
    return catalog


def _header_line(raw: bytes, key: str) -> int:
    position = raw.find(f'\n"{key}:'.encode())
    return raw.count(b"\n", 0, position) + 2 if position >= 0 else 1
