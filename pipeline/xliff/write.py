"""One catalog as an XLIFF 1.2 or 2.1 document.

One ``<file>`` per catalog: ``original`` is the catalog's path in the project
(the import finds the catalog by it), the languages are the article's. One unit
per active entry:

* the unit id is :func:`unit_id` of the entry's msgctxt and msgid: stable for as
  long as the source sentence is, and an NMTOKEN as XLIFF 2 requires; the msgctxt
  itself is the unit's ``resname`` (1.2) or ``name`` (2.1);
* the source and target carry the placeholders as inline codes
  (:mod:`pipeline.xliff.inline`), the target's state says where its text came from
  (:mod:`pipeline.xliff.states`);
* the notes are the entry's: what the unit is and what each placeholder stands for,
  glossary terms (``from="puente"``/``category="puente"``), drafting notes (engine,
  unknown words, memory suggestion, the previous source of a changed entry:
  ``puente-draft``) and the translator's own
  comments (``translator``); 1.2 adds the source file and line as a context group.

Whitespace is kept as it is (``xml:space="preserve"``); layout whitespace is added
between structural elements only, never inside a source or target.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from lxml import etree

from pipeline import __version__
from pipeline.po import Catalog, Entry
from pipeline.po.notes import join_notes
from pipeline.text import strip_controls
from pipeline.xliff.inline import NotWritable, code_notes, write_inline
from pipeline.xliff.model import XLIFF2, XLIFF12, XML_SPACE, Version, XliffError
from pipeline.xliff.states import export_state

_SLUG = re.compile(r"[^a-z0-9]+")


def unit_id(msgctxt: str | None, msgid: str) -> str:
    """The id of an entry's unit: its msgctxt in letters and digits, and a digest of
    msgctxt and msgid (two entries of a catalog never share both). It must never change
    for the same entry: a file sent to a vendor months ago must still import.

    >>> unit_id("paragraph (2)", "Hola.")
    'paragraph-2.68a3422a8383c6c4'
    """
    digest = hashlib.sha256(f"{msgctxt or ''}\x04{msgid}".encode()).hexdigest()[:16]
    prefix = _SLUG.sub("-", (msgctxt or "").lower()).strip("-") or "unit"
    return f"{prefix}.{digest}"


def exported_entries(catalog: Catalog, *, skip_reviewed: bool = False) -> list[Entry]:
    """The entries an export writes: active, singular ones (Puente makes no plural
    entries), reviewed ones too unless ``skip_reviewed``."""
    return [
        entry
        for entry in catalog.active
        if entry.msgid and entry.msgid_plural is None and not (skip_reviewed and entry.state == "reviewed")
    ]


def write_xliff(
    catalog: Catalog,
    *,
    version: Version,
    original: str,
    source_lang: str,
    target_lang: str,
    skip_reviewed: bool = False,
) -> bytes:
    """The XLIFF document of ``catalog`` (``original``: its path in the project, also used
    in errors). Raises :class:`XliffError` for a text XLIFF 1.2 cannot hold."""
    entries = exported_entries(catalog, skip_reviewed=skip_reviewed)
    about = [line for line in catalog.header_comment.split("\n") if line.strip()]
    if version == "1.2":
        root = _document_1_2(entries, original, source_lang, target_lang, about)
    else:
        root = _document_2_1(entries, original, source_lang, target_lang, about)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return document + b"\n"


def _document_1_2(
    entries: list[Entry], original: str, source_lang: str, target_lang: str, about: list[str]
) -> etree._Element:
    def q(name: str) -> str:
        return f"{{{XLIFF12}}}{name}"

    root = etree.Element(q("xliff"), nsmap={None: XLIFF12}, version="1.2")  # type: ignore[dict-item]
    file = _sub(root, q("file"), 1)
    for key, value in (
        ("original", original),
        ("source-language", source_lang),
        ("target-language", target_lang),
        ("datatype", "po"),
        ("tool-id", "puente"),
    ):
        file.set(key, value)
    header = _sub(file, q("header"), 2)
    tool = _sub(header, q("tool"), 3)
    tool.set("tool-id", "puente")
    tool.set("tool-name", "Puente")
    tool.set("tool-version", __version__)
    for line in about:
        _sub(header, q("note"), 3, text=_note_text(line)).set("from", "puente")
    body = _sub(file, q("body"), 2)
    for entry in entries:
        unit = _sub(body, q("trans-unit"), 3)
        unit.set("id", unit_id(entry.msgctxt, entry.msgid))
        if entry.msgctxt:
            unit.set("resname", entry.msgctxt)
        unit.set(XML_SPACE, "preserve")
        state, qualifier = export_state(entry, "1.2")
        if entry.state == "reviewed":
            unit.set("approved", "yes")
        descriptions = code_notes(entry.notes)
        _text(_sub(unit, q("source"), 4), entry.msgid, "1.2", descriptions, original, entry)
        target = _sub(unit, q("target"), 4)
        target.set("state", state)
        if qualifier is not None:
            target.set("state-qualifier", qualifier)
        if entry.translated:
            _text(target, entry.msgstr, "1.2", descriptions, original, entry)
        for reference in entry.references:
            _context_group(unit, reference, q)
        for author, text in _notes(entry):
            _sub(unit, q("note"), 4, text=text).set("from", author)
        _close(unit, 3)
    _close(body, 2)
    _close(header, 2)
    _close(file, 1)
    _close(root, 0)
    return root


def _context_group(unit: etree._Element, reference: str, q: Callable[[str], str]) -> None:
    path, _, line = reference.rpartition(":")
    if not path or not line.isdigit():
        path, line = reference, ""
    group = _sub(unit, q("context-group"), 4)
    group.set("purpose", "location")
    _sub(group, q("context"), 5, text=_note_text(path)).set("context-type", "sourcefile")
    if line:
        _sub(group, q("context"), 5, text=line).set("context-type", "linenumber")
    _close(group, 4)


def _document_2_1(
    entries: list[Entry], original: str, source_lang: str, target_lang: str, about: list[str]
) -> etree._Element:
    def q(name: str) -> str:
        return f"{{{XLIFF2}}}{name}"

    root = etree.Element(q("xliff"), nsmap={None: XLIFF2}, version="2.1")  # type: ignore[dict-item]
    root.set("srcLang", source_lang)
    root.set("trgLang", target_lang)
    file = _sub(root, q("file"), 1)
    file.set("id", "f1")
    file.set("original", original)
    file.set("canResegment", "no")  # one unit is one PO entry: it cannot be split
    if about:
        notes = _sub(file, q("notes"), 2)
        for line in about:
            _sub(notes, q("note"), 3, text=_note_text(line)).set("category", "puente")
        _close(notes, 2)
    for entry in entries:
        unit = _sub(file, q("unit"), 2)
        unit.set("id", unit_id(entry.msgctxt, entry.msgid))
        if entry.msgctxt:
            unit.set("name", entry.msgctxt)
        unit.set(XML_SPACE, "preserve")
        notes_list = list(_notes(entry))
        if entry.references:
            notes_list += [("puente", f"source: {', '.join(entry.references)}")]
        if notes_list:
            notes = _sub(unit, q("notes"), 3)
            for author, text in notes_list:
                _sub(notes, q("note"), 4, text=text).set("category", author)
            _close(notes, 3)
        state, substate = export_state(entry, "2.1")
        segment = _sub(unit, q("segment"), 3)
        segment.set("state", state)
        if substate is not None:
            segment.set("subState", substate)
        descriptions = code_notes(entry.notes)
        _text(_sub(segment, q("source"), 4), entry.msgid, "2.1", descriptions, original, entry)
        if entry.translated:
            _text(_sub(segment, q("target"), 4), entry.msgstr, "2.1", descriptions, original, entry)
        _close(segment, 3)
        _close(unit, 2)
    _close(file, 1)
    _close(root, 0)
    return root


def _notes(entry: Entry) -> Iterable[tuple[str, str]]:
    """The notes of a unit, each with its author: the unit's notes, the drafting notes, and
    the translator's comments."""
    own = set(entry.notes)
    for line in join_notes(entry):
        yield ("puente" if line in own else "puente-draft"), _note_text(line)
    if entry.previous_msgid is not None and entry.fuzzy:
        # the target translates this older source: the vendor sees what changed
        yield "puente-draft", _note_text(f"the translation is of the previous source: {entry.previous_msgid}")
    for line in entry.comments:
        if line.strip():
            yield "translator", _note_text(line)


def _note_text(text: str) -> str:
    # a note is for people: characters XML cannot hold are dropped, not refused
    return strip_controls(text).replace("\ufffe", "").replace("\uffff", "")


def _text(
    element: etree._Element,
    text: str,
    version: Version,
    descriptions: dict[int, str],
    where: str,
    entry: Entry,
) -> None:
    try:
        write_inline(element, text, version, descriptions)
    except NotWritable as exc:
        raise XliffError(
            where,
            entry.line or None,
            f"character {exc.args[0]} cannot be written in XLIFF 1.2: remove it from the catalog, "
            "or export XLIFF 2.1",
        ) from None


def _sub(parent: etree._Element, tag: str, depth: int, text: str | None = None) -> etree._Element:
    """A structural child, on a line of its own indented by ``depth``."""
    if len(parent):
        parent[-1].tail = "\n" + "  " * depth
    else:
        parent.text = "\n" + "  " * depth
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _close(element: etree._Element, depth: int) -> None:
    """Put ``element``'s closing tag on a line of its own (after structural children)."""
    if len(element):
        element[-1].tail = "\n" + "  " * depth
