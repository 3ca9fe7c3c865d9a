"""XML and HTML helpers shared by the readers: a safe parser, untrusted documents, source lines.

Termbases and translation memories come from other tools and other people, so
:func:`parse_untrusted` reads them with a parser that resolves no entity, loads
no DTD and never touches the network, and refuses what could make it do so:

* a DOCTYPE with an internal subset (where entities are declared); a DOCTYPE that
  only names an external DTD (``<!DOCTYPE tmx SYSTEM "tmx14.dtd">``, as many tools
  write) is accepted, and the DTD is never loaded;
* any entity reference other than XML's five (``&amp;``...) and character references;
* XInclude elements (never processed, refused all the same).

The checks look at the document as the parser decodes it, so a UTF-16 or UTF-32
file cannot slip a declaration past them.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from lxml import etree

from pipeline.errors import PipelineError

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# XML 1.0 appendix F: how "<?" or "<" looks in each encoding when there is no byte order mark
_SIGNATURES = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARED = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_LITERAL = r"""(?:"[^"]*"|'[^']*')"""
_EXTERNAL_DOCTYPE = re.compile(
    rf"<!DOCTYPE\s+[^\s>\[]+(?:\s+(?:SYSTEM\s*{_LITERAL}|PUBLIC\s*{_LITERAL}\s*{_LITERAL}))?\s*>"
)


def safe_xml_parser() -> etree.XMLParser:
    """A parser that resolves no entities, loads no DTD and never touches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def sourceline(element: etree._Element, default: int = 1) -> int:
    """The 1-based line an element starts on (``default`` when the parser did not record it)."""
    line = element.sourceline
    return line if isinstance(line, int) else default


def parse_untrusted(raw: bytes, name: str, error: type[PipelineError], what: str) -> etree._Element:
    """The root element of ``raw``, an XML document from outside; ``error`` (one line naming
    ``name`` and a line) for malformed or hostile input. ``what`` names the kind of file in
    messages ("a termbase", "TMX")."""
    text = _decoded(raw)
    if text is not None:
        _check_prolog(text, name, error, what)
    parser = safe_xml_parser()
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise error(name, exc.lineno or 1, f"malformed XML: {exc.msg}") from None
    except ValueError as exc:  # lxml refuses some inputs before parsing (e.g. nothing but a BOM)
        raise error(name, 1, f"malformed XML: {exc}") from None
    internal: Any = root.getroottree().docinfo.internalDTD  # (the stubs lack DTD's iterators)
    # a second line of defence, for encodings the prolog check could not decode
    if internal is not None and (list(internal.iterentities()) or list(internal.iterelements())):
        raise error(name, 1, _subset_message(what))
    for entry in parser.error_log:
        if "ENTITY" in entry.type_name:
            named = re.search(r"'([^']+)'", entry.message)
            reference = f"&{named.group(1)};" if named else "an entity reference"
            raise error(name, entry.line or 1, f"entity reference {reference} is not allowed in {what}")
    for node in root.iter(etree.Entity):
        parent = node.getparent()
        line = sourceline(parent) if parent is not None else 1
        raise error(name, line, f"entity reference {node.text} is not allowed in {what}")
    for element in root.iter(f"{{{XINCLUDE_NS}}}*"):
        raise error(name, sourceline(element), f"XInclude is not allowed in {what}")
    return root


def _subset_message(what: str) -> str:
    return (
        f"a DOCTYPE with an internal subset (entity declarations) is not allowed in {what}; "
        "only a DOCTYPE naming an external DTD is accepted (it is never loaded)"
    )


def _decoded(raw: bytes) -> str | None:
    """``raw`` decoded as an XML parser would (byte order mark, signature, declaration), or
    None when Python does not know the encoding or the bytes do not decode."""
    encoding = None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom) :], codec
            break
    else:
        for signature, codec in _SIGNATURES:
            if raw.startswith(signature):
                encoding = codec
                break
        else:
            declared = _DECLARED.match(raw)
            encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _check_prolog(text: str, name: str, error: type[PipelineError], what: str) -> None:
    """Refuse a DOCTYPE with an internal subset before the parser reads its declarations."""
    position = 0
    while position < len(text):
        item = _PROLOG_ITEM.match(text, position)
        if item:
            position = item.end()
            continue
        if text.startswith("<!DOCTYPE", position):
            doctype = _EXTERNAL_DOCTYPE.match(text, position)
            if doctype is None:
                raise error(name, text.count("\n", 0, position) + 1, _subset_message(what))
            position = doctype.end()
            continue
        return  # the root element (or something the parser will report)
