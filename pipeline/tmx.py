"""TMX 1.4 exchange of the translation memory's reviewed pairs, with lxml.

Placeholders become TMX inline elements, so CAT tools protect them:
``{1}`` → ``<bpt i="1">{1}</bpt>``, ``{/1}`` → ``<ept i="1">{/1}</ept>``,
``{2/}`` → ``<ph x="2">{2/}</ph>``. Reading is the reverse; the parser resolves
no entities and touches no network, and a DOCTYPE is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.placeholders import Tag, split
from pipeline.xml import safe_xml_parser, sourceline

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class TmxError(PipelineError):
    """A TMX file cannot be read."""


def _segment(parent: etree._Element, text: str) -> None:
    seg = etree.SubElement(parent, "seg")
    last: etree._Element | None = None
    for part in split(text):
        if isinstance(part, Tag):
            if part.form == "open":
                last = etree.SubElement(seg, "bpt", i=str(part.id))
            elif part.form == "close":
                last = etree.SubElement(seg, "ept", i=str(part.id))
            else:
                last = etree.SubElement(seg, "ph", x=str(part.id))
            last.text = str(part)
        elif last is None:
            seg.text = (seg.text or "") + part
        else:
            last.tail = (last.tail or "") + part


def write_tmx(pairs: Iterable[tuple[str, str, str, str]], source_lang: str = "en") -> bytes:
    """A TMX 1.4 document of (source_lang, target_lang, source, translation) pairs."""
    root = etree.Element("tmx", version="1.4")
    header = etree.SubElement(root, "header")
    for key, value in (
        ("creationtool", "Puente"),
        ("creationtoolversion", __version__),
        ("datatype", "plaintext"),
        ("segtype", "sentence"),
        ("adminlang", "en"),
        ("srclang", source_lang),
        ("o-tmf", "Puente"),
    ):
        header.set(key, value)
    body = etree.SubElement(root, "body")
    # line breaks between elements only: whitespace inside <seg> would change the text
    root.text = header.tail = body.text = "\n"
    for src_lang, tgt_lang, source, translation in pairs:
        unit = etree.SubElement(body, "tu", srclang=src_lang)
        unit.text = unit.tail = "\n"
        for lang, text in ((src_lang, source), (tgt_lang, translation)):
            variant = etree.SubElement(unit, "tuv")
            variant.set(XML_LANG, lang)
            variant.tail = "\n"
            _segment(variant, text)
    body.tail = "\n"
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return document + b"\n"


def _text(seg: etree._Element) -> str:
    out = [seg.text or ""]
    for child in seg:
        out.append("".join(str(t) for t in child.itertext()))
        out.append(child.tail or "")
    return "".join(out)


def read_tmx(raw: bytes, name: str) -> list[tuple[str, str, str, str]]:
    """The pairs of a TMX file: (source_lang, target_lang, source, translation)."""
    forbidden = _FORBIDDEN.search(raw)
    if forbidden:
        line = raw[: forbidden.start()].count(b"\n") + 1
        raise TmxError(name, line, "DOCTYPE and entity declarations are not allowed in TMX")
    try:
        root = etree.fromstring(raw, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise TmxError(name, exc.lineno or 1, f"malformed XML: {exc.msg}") from None
    if root.tag != "tmx":
        raise TmxError(name, sourceline(root), "not a TMX file: the root element must be <tmx>")
    header = root.find("header")
    default_source = (header.get("srclang") if header is not None else None) or "en"
    pairs = []
    for unit in root.iter("tu"):
        source_lang = (unit.get("srclang") or default_source).split("-")[0].lower()
        variants = {}
        for variant in unit.findall("tuv"):
            lang = (variant.get(XML_LANG) or variant.get("lang") or "").split("-")[0].lower()
            seg = variant.find("seg")
            if seg is None:
                raise TmxError(name, sourceline(variant), "a <tuv> without <seg>")
            variants[lang] = _text(seg)
        if source_lang not in variants:
            raise TmxError(name, sourceline(unit), f"a <tu> without its source language {source_lang!r}")
        for lang, text in variants.items():
            if lang != source_lang and lang in ("en", "es"):
                pairs.append((source_lang, lang, variants[source_lang], text))
    return pairs
