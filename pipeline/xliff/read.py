"""Reading XLIFF 1.x and 2.x documents into :class:`~pipeline.xliff.model.XliffFile` values.

The parser is :func:`pipeline.xml.safe_xml_parser` (no entities resolved, no DTD,
no network), and a document that declares a DOCTYPE or entities is refused before
it is parsed: an XLIFF file has no use for them, and they are how an XML file
reaches for other files or explodes in memory. What is wrong with the document
as a whole (not XML, not XLIFF, no ``original``, no target language) raises
:class:`~pipeline.xliff.model.XliffError` naming the line; what is wrong in one
unit is kept in the unit (:attr:`XliffUnit.problems`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from pipeline.xliff.inline import read_inline
from pipeline.xliff.model import XLIFF2, XLIFF11, XLIFF12, Note, XliffError, XliffFile, XliffUnit
from pipeline.xliff.states import V2_ORDER
from pipeline.xml import safe_xml_parser, sourceline

_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_V1_NAMESPACES = (XLIFF12, XLIFF11, "")


def read_xliff(raw: bytes, path: str) -> list[XliffFile]:
    """Every ``<file>`` of the XLIFF document ``raw`` (read from ``path``)."""
    forbidden = _FORBIDDEN.search(raw)
    if forbidden is not None:
        line = raw[: forbidden.start()].count(b"\n") + 1
        raise XliffError(path, line, "DOCTYPE and entity declarations are not allowed in an XLIFF file")
    try:
        root = etree.fromstring(raw, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        message = re.sub(r", line \d+, column \d+\Z", "", exc.msg)  # the line is in front already
        raise XliffError(path, exc.lineno or 1, f"malformed XML: {message}") from None
    qname = etree.QName(root)
    namespace = qname.namespace or ""
    version = root.get("version") or ""
    if qname.localname != "xliff" or namespace not in (*_V1_NAMESPACES, XLIFF2):
        raise XliffError(path, sourceline(root), "not an XLIFF file: the root element must be <xliff>")
    if namespace == XLIFF2:
        if not version.startswith("2."):
            raise XliffError(path, sourceline(root), f"XLIFF version {version!r} is not 2.x")
        files = [_file_2(element, root, path, version) for element in root.findall(f"{{{XLIFF2}}}file")]
    else:
        if not version and namespace:
            version = "1.1" if namespace == XLIFF11 else "1.2"
        if not version.startswith("1."):
            raise XliffError(path, sourceline(root), f"XLIFF version {version!r} is not supported")
        q = _qualifier(namespace)
        files = [_file_1(element, path, version, namespace) for element in root.findall(q("file"))]
    if not files:
        raise XliffError(path, sourceline(root), "the XLIFF file has no <file> element")
    return files


def _qualifier(namespace: str) -> Callable[[str], str]:
    def q(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    return q


def _required(element: etree._Element, attribute: str, path: str, what: str) -> str:
    value = element.get(attribute)
    if not value:
        tag = etree.QName(element).localname
        raise XliffError(path, sourceline(element), f"<{tag}> has no {attribute}: {what}")
    return value


def _file_1(element: etree._Element, path: str, version: str, namespace: str) -> XliffFile:
    q = _qualifier(namespace)
    original = _required(element, "original", path, "it must name the catalog the file was exported from")
    source_lang = _required(element, "source-language", path, "it must name the source language")
    target_lang = _required(element, "target-language", path, "it must name the target language")
    units: list[XliffUnit] = []
    for unit in element.iter(q("trans-unit")):
        line = sourceline(unit)
        unit_id = _required(unit, "id", path, "every unit needs its id")
        source = unit.find(q("source"))
        if source is None:
            raise XliffError(path, line, f"unit {unit_id} has no <source>")
        source_text, problems = read_inline(source, namespace)
        target = unit.find(q("target"))
        target_text: str | None = None
        state: str | None = None
        if target is not None:
            target_text, found = read_inline(target, namespace)
            problems += [f"target: {problem}" for problem in found]
            state = target.get("state")
        notes = tuple(Note(_text_of(note), note.get("from") or "") for note in unit.findall(q("note")))
        units.append(
            XliffUnit(
                id=unit_id,
                line=line,
                source=source_text,
                target=target_text,
                state=state,
                approved=unit.get("approved") == "yes",
                name=unit.get("resname"),
                notes=notes,
                problems=tuple(problems),
            )
        )
    return XliffFile(path, sourceline(element), version, original, source_lang, target_lang, tuple(units))


def _file_2(element: etree._Element, root: etree._Element, path: str, version: str) -> XliffFile:
    def q(name: str) -> str:
        return f"{{{XLIFF2}}}{name}"

    original = _required(element, "original", path, "it must name the catalog the file was exported from")
    source_lang = _required(root, "srcLang", path, "it must name the source language")
    target_lang = _required(root, "trgLang", path, "it must name the target language")
    units: list[XliffUnit] = []
    for unit in element.iter(q("unit")):
        line = sourceline(unit)
        unit_id = _required(unit, "id", path, "every unit needs its id")
        sources: list[str] = []
        targets: list[str | None] = []
        states: list[str] = []
        problems: list[str] = []
        for part in unit:
            if part.tag not in (q("segment"), q("ignorable")):
                continue
            source = part.find(q("source"))
            if source is None:
                raise XliffError(path, sourceline(part), f"unit {unit_id} has a segment without <source>")
            text, found = read_inline(source, XLIFF2)
            sources.append(text)
            problems += found
            target = part.find(q("target"))
            if target is not None and target.get("order"):
                problems.append("target: reordered segments (order=) cannot be merged: keep them in order")
            if target is None:
                # an ignorable (whitespace between segments) stands for itself
                targets.append(text if part.tag == q("ignorable") else None)
            else:
                text, found = read_inline(target, XLIFF2)
                targets.append(text)
                problems += [f"target: {problem}" for problem in found]
            if part.tag == q("segment"):
                states.append(part.get("state") or "initial")
        if not sources:
            raise XliffError(path, line, f"unit {unit_id} has no segment")
        joined: str | None = None
        if any(target is not None for target in targets):
            if any(target is None for target in targets):
                problems.append("target: some segments of the unit have no target: translate all of them")
            joined = "".join(target or "" for target in targets)
        # a unit a tool split into segments is only as far along as its least advanced one
        state = min(states, key=lambda value: V2_ORDER.index(value) if value in V2_ORDER else 0, default=None)
        notes_element = unit.find(q("notes"))
        notes = (
            tuple(
                Note(_text_of(note), note.get("category") or "") for note in notes_element.findall(q("note"))
            )
            if notes_element is not None
            else ()
        )
        units.append(
            XliffUnit(
                id=unit_id,
                line=line,
                source="".join(sources),
                target=joined,
                state=state,
                name=unit.get("name"),
                notes=notes,
                problems=tuple(problems),
            )
        )
    return XliffFile(path, sourceline(element), version, original, source_lang, target_lang, tuple(units))


def _text_of(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())
