"""XML and HTML helpers shared by the readers: a safe parser and source lines."""

from __future__ import annotations

from lxml import etree


def safe_xml_parser() -> etree.XMLParser:
    """A parser that resolves no entities, loads no DTD and never touches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def sourceline(element: etree._Element, default: int = 1) -> int:
    """The 1-based line an element starts on (``default`` when the parser did not record it)."""
    line = element.sourceline
    return line if isinstance(line, int) else default
