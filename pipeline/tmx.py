"""TMX 1.4 exchange of the translation memory's reviewed pairs, with lxml.

Placeholders become TMX inline elements, so CAT tools protect them:
``{1}`` → ``<bpt i="1">{1}</bpt>``, ``{/1}`` → ``<ept i="1">{/1}</ept>``,
``{2/}`` → ``<ph x="2">{2/}</ph>``. Reading is the reverse.

Reading takes TMX as other tools write it: with a DOCTYPE naming the DTD
(``<!DOCTYPE tmx SYSTEM "tmx14.dtd">``, as Translate Toolkit's ``po2tmx`` writes
it; never loaded), in any encoding, with ``srclang="*all*"`` (every language of a
unit can be its source). It goes through :func:`pipeline.xml.parse_untrusted`: an
internal DTD subset and entity references are refused, nothing is expanded or
fetched. The header's ``srclang`` on writing is the source language of every
unit, or ``*all*`` when the memory holds both directions.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from pipeline import __version__
from pipeline.errors import Notice, PipelineError
from pipeline.placeholders import Tag, split
from pipeline.text import CONTROL, describe
from pipeline.xml import parse_untrusted, sourceline

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ALL = "*all*"
"""TMX's ``srclang`` for "any language of a unit can be its source"."""
LANGUAGES = ("en", "es")


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


def write_tmx(pairs: Iterable[tuple[str, str, str, str]], source_lang: str | None = None) -> bytes:
    """A TMX 1.4 document of (source_lang, target_lang, source, translation) pairs; the
    header's ``srclang`` is ``source_lang``, else the units' one source language, else ``*all*``."""
    pairs = list(pairs)
    if source_lang is None:
        sources = {pair[0] for pair in pairs}
        source_lang = sources.pop() if len(sources) == 1 else ALL
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


def _lang(code: str | None) -> str:
    return (code or "").strip().split("-")[0].split("_")[0].lower()


def read_tmx(raw: bytes, name: str, warnings: list[Notice] | None = None) -> list[tuple[str, str, str, str]]:
    """The pairs of a TMX file between the project's languages: (source_lang, target_lang,
    source, translation). A unit without its source language, or with a control character
    in the project's languages, is skipped with a warning; a unit whose source is ``*all*``
    gives a pair in each direction."""
    root = parse_untrusted(raw, name, TmxError, "TMX")
    if root.tag != "tmx":
        raise TmxError(name, sourceline(root), "not a TMX file: the root element must be <tmx>")
    header = root.find("header")
    default_source = (header.get("srclang") if header is not None else None) or ALL
    pairs = []
    for unit in root.iter("tu"):
        declared = unit.get("srclang") or default_source
        variants: dict[str, str] = {}
        for variant in unit.findall("tuv"):
            lang = _lang(variant.get(XML_LANG) or variant.get("lang"))
            seg = variant.find("seg")
            if seg is None:
                raise TmxError(name, sourceline(variant), "a <tuv> without <seg>")
            variants.setdefault(lang, _text(seg))
        controls = sorted(
            {
                describe(char)
                for lang, text in variants.items()
                if lang in LANGUAGES
                for char in CONTROL.findall(text)
            }
        )
        if controls:  # C1 controls are legal XML, and mostly mojibake: never text for a page
            if warnings is not None:
                warnings.append(
                    Notice(
                        name,
                        sourceline(unit),
                        f"a <tu> with control characters {', '.join(controls)}; skipped",
                    )
                )
            continue
        if declared.strip().lower() == ALL:
            sources = [lang for lang in LANGUAGES if lang in variants]
        else:
            sources = [_lang(declared)]
            if sources[0] not in variants:
                if warnings is not None:
                    warnings.append(
                        Notice(
                            name,
                            sourceline(unit),
                            f"a <tu> without its source language {declared!r}; skipped",
                        )
                    )
                continue
        for source_lang in sources:
            for lang, text in variants.items():
                if lang != source_lang and lang in LANGUAGES and source_lang in LANGUAGES:
                    pairs.append((source_lang, lang, variants[source_lang], text))
    return pairs
