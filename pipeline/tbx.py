"""The termbase on disk: TBX (ISO 30042), version 3 (``<tbx>``) and version 2 (``<martif>``).

Puente writes TBX 3 in its own dialect, ``TBX-Puente``: TBX-Basic (DCA style) plus three
data categories TBX-Basic has no room for, ``x-doNotTranslate`` and ``x-caseSensitive``
(concept level) and ``x-firstMention`` (language level). Removing those three and
renaming the dialect leaves a valid TBX-Basic file. It reads TBX 3 of any DCA dialect
and TBX 2 as Translate Toolkit, Weblate and most termbase tools write it; a concept
without a term in one of the project's languages is skipped with a warning.

Whatever a concept holds that Puente does not model (definitions, transactions, term
types, notes, other languages...) is kept: each :class:`Concept` carries the concept's
XML without the parts Puente models (its *residual*), and writing puts the modelled
parts back into it, so a termbase rewritten by ``glossary add`` or ``glossary import``
loses nothing.

Reading goes through :func:`pipeline.xml.parse_untrusted`: no entity is expanded, no
DTD loaded, nothing fetched, in any encoding.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from pipeline.errors import GlossaryError, Notice
from pipeline.glossary import Term
from pipeline.xml import parse_untrusted, sourceline

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DIALECT = "TBX-Puente"
"""The dialect Puente writes: TBX-Basic plus Puente's three data categories (docs/glossary.md)."""
LANGUAGES = ("en", "es")
PART_OF_SPEECH = ("noun", "verb", "adjective", "adverb", "other")
"""TBX-Basic's values for ``partOfSpeech``."""
TBX2_DOCTYPE = '<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">'
TRANSLATION_NEEDED = "Translation needed"
"""Weblate's and Translate Toolkit's TBX 2 category for untranslatable terms ("no")."""

_TO_TBX3 = {"martif": "tbx", "martifHeader": "tbxHeader", "termEntry": "conceptEntry", "langSet": "langSec"}
_TO_TBX3.update(tig="termSec", ntig="termSec", refObjectList="refObjectSec")
_TO_TBX2 = {v: k for k, v in _TO_TBX3.items() if k != "ntig"}
_GENDERS = {"masculine": "m", "feminine": "f"}
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")
_XML_SPACE = re.compile(r" *[\t\r\n][ \t\r\n]*")  # a line break (and its indentation) in a term
# elements that hold only other elements: indented on writing; the others hold text and are left alone
_STRUCTURAL = {
    "tbx", "tbxHeader", "fileDesc", "titleStmt", "publicationStmt", "sourceDesc", "encodingDesc",
    "revisionDesc", "change", "text", "body", "back", "conceptEntry", "langSec", "termSec", "descripGrp",
    "adminGrp", "transacGrp", "termNoteGrp", "refObjectSec", "refObject", "itemSet", "itemGrp",
}  # fmt: skip


@dataclass
class Concept:
    """One concept of a termbase: what Puente models (``term``; None when the concept lacks
    one of the project's languages and is only carried along) and the rest (``residual``,
    a ``conceptEntry`` in TBX 3 form without the modelled parts)."""

    term: Term | None
    residual: etree._Element
    line: int = 0


@dataclass
class Termbase:
    """The concepts of one TBX file, with its header (kept when the file is rewritten)."""

    concepts: list[Concept] = field(default_factory=list)
    header: etree._Element | None = None
    back: etree._Element | None = None

    @property
    def terms(self) -> list[Term]:
        return [concept.term for concept in self.concepts if concept.term is not None]


def _k(tag: str) -> str:
    return f"{{{TBX_NS}}}{tag}"


def empty_residual() -> etree._Element:
    """The residual of a concept that holds nothing but what Puente models."""
    return etree.Element(_k("conceptEntry"))


def _local(element: etree._Element) -> str:
    tag = element.tag  # (faster than etree.QName, and this runs for every element)
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# --- reading ---------------------------------------------------------------------------------


def read_tbx(raw: bytes, name: str) -> list[Term]:
    """The usable terms of one TBX file (TBX 3 or TBX 2)."""
    return read_termbase(raw, name).terms


def read_termbase(
    raw: bytes,
    name: str,
    *,
    languages: Mapping[str, str] | None = None,
    warnings: list[Notice] | None = None,
) -> Termbase:
    """Parse one TBX file, keeping what Puente does not model.

    ``languages`` maps a language code of the file to a project language (``{"xx": "es"}``
    for the placeholder Translate Toolkit's ``csv2tbx`` writes). Skipped concepts and
    other remarks go to ``warnings``.
    """
    root = parse_untrusted(raw, name, GlossaryError, "a termbase")
    local = _local(root)
    if local not in ("tbx", "martif"):
        raise GlossaryError(
            name,
            sourceline(root),
            "not a TBX file: the root element must be <tbx> (TBX 3) or <martif> (TBX 2)",
        )
    if local == "tbx" and (root.get("style") or "dca").lower() == "dct":
        raise GlossaryError(
            name,
            sourceline(root),
            "TBX in the DCT style (data categories as elements) is not supported; export it in the "
            "DCA style (data categories as attributes)",
        )
    _to_tbx3(root)
    notes: list[Notice] = [] if warnings is None else warnings
    mapping = {code.lower(): lang for code, lang in (languages or {}).items()}
    termbase = Termbase()
    seen_ids: dict[str, int] = {}
    for element in root.iter(_k("conceptEntry")):
        concept = _read_concept(element, name, mapping, notes)
        if concept.term is not None:
            concept = _unique(concept, seen_ids)
        else:
            seen_ids.setdefault(concept.residual.get("id") or "", 1)
        termbase.concepts.append(concept)
    header = root.find(_k("tbxHeader"))
    termbase.header = copy.deepcopy(header) if header is not None else None
    back = root.find(f"{_k('text')}/{_k('back')}")
    termbase.back = copy.deepcopy(back) if back is not None else None
    return termbase


def _to_tbx3(root: etree._Element) -> None:
    """Rename TBX 2 elements to their TBX 3 names and put every TBX element in TBX 3's
    namespace, in place (so source lines stay); an ``ntig``'s ``termGrp`` is unwrapped."""
    version2 = _local(root) == "martif"
    prefix = f"{{{TBX_NS}}}"
    for element in list(root.iter(etree.Element)):  # (a list: ntig's children move while we go)
        tag = element.tag
        if not version2 and tag.startswith(prefix):
            continue  # TBX 3 already
        if tag.startswith("{") and not tag.startswith(prefix):
            continue  # another vocabulary: carried as it is
        local = _local(element)
        if version2 and local == "ntig":
            group = next((child for child in element if _local(child) == "termGrp"), None)
            if group is not None:
                index = element.index(group)
                for offset, child in enumerate(list(group)):
                    element.insert(index + offset, child)
                element.remove(group)
        element.tag = _k(_TO_TBX3.get(local, local) if version2 else local)


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if not len(element):  # the common case, without walking the subtree
        return (element.text or "").strip()
    return "".join(str(t) for t in element.itertext()).strip()


def _simple(element: etree._Element, kinds: tuple[str, ...], types: tuple[str, ...]) -> bool:
    """An element Puente models and writes back identically: one of ``kinds`` with a ``type``
    among ``types``, no other attribute and no child element."""
    return (
        _local(element) in kinds
        and (element.get("type") or "") in types
        and set(element.attrib) <= {"type"}
        and not len(element)
    )


def _language(lang_sec: etree._Element, mapping: Mapping[str, str]) -> str:
    code = (lang_sec.get(XML_LANG) or lang_sec.get("lang") or "").strip()
    mapped = mapping.get(code.lower())
    if mapped is not None:
        lang_sec.set(XML_LANG, mapped)
        code = mapped
    return code.split("-")[0].split("_")[0].lower()


def _read_concept(
    element: etree._Element, name: str, mapping: Mapping[str, str], notes: list[Notice]
) -> Concept:
    line = sourceline(element)
    concept_id = element.get("id") or ""
    modelled: list[etree._Element] = []
    values: dict[str, str] = {}

    def take(
        parent: etree._Element,
        key: str,
        kinds: tuple[str, ...],
        types: tuple[str, ...],
        values_allowed: tuple[str, ...] = (),
    ) -> None:
        """The first simple element of ``types`` under ``parent`` (with one of ``values_allowed``,
        when given) becomes ``values[key]``; anything else stays as written."""
        if key in values:
            return
        for child in parent:
            if _simple(child, kinds, types) and (not values_allowed or _text(child) in values_allowed):
                values[key] = _text(child)
                modelled.append(child)
                return

    take(element, "subject", ("descrip", "admin"), ("subjectField",))
    take(element, "dnt", ("descrip", "admin"), ("x-doNotTranslate",), ("true", "false"))
    for child in element:
        if _simple(child, ("descrip", "admin"), (TRANSLATION_NEEDED,)) and _text(child).lower() in (
            "yes",
            "no",
        ):
            values.setdefault("dnt", "true" if _text(child).lower() == "no" else "false")
            modelled.append(child)
    take(element, "case", ("descrip", "admin"), ("x-caseSensitive",), ("true", "false"))
    take(element, "note", ("note",), ("",))

    forms: dict[str, list[str]] = {}
    for lang_sec in element:
        if _local(lang_sec) != "langSec":
            continue
        lang = _language(lang_sec, mapping)
        if lang not in LANGUAGES or lang in forms:
            continue  # another language, or a second section of one: kept as it is
        forms[lang] = []
        take(lang_sec, f"{lang}_expansion", ("descrip", "admin"), ("x-firstMention",))
        for term_sec in [child for child in lang_sec if _local(child) == "termSec"]:
            term = next((child for child in term_sec if _local(child) == "term"), None)
            if term is None:
                raise GlossaryError(name, sourceline(term_sec, line), "a termSec without a <term>")
            text = _XML_SPACE.sub(" ", _text(term)).strip()
            if not text:
                notes.append(
                    Notice(
                        name,
                        sourceline(term, line),
                        f"an empty {lang} term in {concept_id or 'a concept'}; ignored",
                    )
                )
                modelled.append(term_sec)
                continue
            problem = term_problem(text)
            if problem:
                notes.append(
                    Notice(name, sourceline(term, line), f"{lang} term {text!r}: {problem}; concept skipped")
                )
                return Concept(None, element, line)
            first = not forms[lang]
            forms[lang].append(text)
            if first:
                for child in term_sec:
                    # a value TBX-Basic does not know stays as written (and is not rewritten)
                    if (
                        _simple(child, ("termNote",), ("partOfSpeech",))
                        and _text(child).lower() in PART_OF_SPEECH
                    ):
                        values[f"{lang}_pos"] = _text(child).lower()
                        modelled.append(child)
                        break
                if lang == "es":
                    for child in term_sec:
                        if _simple(child, ("termNote",), ("grammaticalGender",)) and _text(child) in _GENDERS:
                            values["gender"] = _GENDERS[_text(child)]
                            modelled.append(child)
                            break
                if lang == "en":
                    take(term_sec, "context", ("descrip",), ("context",))
            for child in term_sec:
                if _local(child) == "termNote" and child.get("type") == "partOfSpeech":
                    values.setdefault("any_pos", _text(child))
        if lang == "en":
            take(lang_sec, "context", ("descrip",), ("context",))  # where Puente used to write it
    for lang in LANGUAGES:
        if not forms.get(lang):
            notes.append(Notice(name, line, f"concept {concept_id or '?'} has no {lang} term; skipped"))
            return Concept(None, element, line)
    for node in modelled:
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    en, es = forms["en"], forms["es"]
    term_id = ncname(concept_id) if concept_id else make_id(en[0])
    element.set("id", term_id)
    return Concept(
        Term(
            id=term_id,
            en=en[0],
            es=es[0],
            en_variants=tuple(en[1:]),
            es_variants=tuple(es[1:]),
            pos=values.get("en_pos") or values.get("es_pos") or values.get("any_pos") or "noun",
            gender=values.get("gender", ""),
            note=values.get("note", ""),
            dnt=values.get("dnt") == "true",
            case_sensitive=values.get("case") == "true",
            en_expansion=values.get("en_expansion", ""),
            es_expansion=values.get("es_expansion", ""),
            subject=values.get("subject", ""),
            context=values.get("context", ""),
            line=line,
            file=name,
        ),
        element,
        line,
    )


def _unique(concept: Concept, seen: dict[str, int]) -> Concept:
    """``concept`` with an id no earlier concept of the file has (``-2``, ``-3``... appended)."""
    assert concept.term is not None
    base = concept.term.id
    count = seen.get(base, 0)
    seen[base] = count + 1
    if not count:
        return concept
    new_id = f"{base}-{count + 1}"
    while new_id in seen:
        count += 1
        new_id = f"{base}-{count + 1}"
    seen[new_id] = 1
    concept.residual.set("id", new_id)
    return Concept(dataclasses.replace(concept.term, id=new_id), concept.residual, concept.line)


def term_problem(text: str) -> str | None:
    """Why ``text`` cannot be a term (empty, blank, a control character...), or None."""
    if not text.strip():
        return "a term cannot be empty or blank"
    if text.isprintable():  # no control character, no line break (the common case, quickly)
        return None
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in "\ufffe\uffff":
            return f"a term cannot hold U+{ord(char):04X} (a control character or a line break)"
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be written to a termbase (a control character other than tab and
    line feed, which XML cannot hold or would change), or None."""
    for char in text:
        if char in "\t\n":
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff":
            return f"control character U+{ord(char):04X} is not allowed"
    return None


def make_id(text: str) -> str:
    """A concept id (an XML name) made from a term: ``"Cártel de Sinaloa"`` → ``cartel-de-sinaloa``."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "term"
    return slug if slug[0].isalpha() else f"t-{slug}"


def ncname(value: str) -> str:
    """``value`` as an XML name (what TBX requires of an id), the same way every time."""
    value = value.strip()
    if _NCNAME.match(value):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-") or "term"
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"


def check_conflicts(terms: Iterable[Term], name: str) -> None:
    """One source term with two different targets and nothing to tell them apart is an error."""
    for lang, other in (("en", "es"), ("es", "en")):
        seen: dict[tuple[str, str], Term] = {}
        for term in terms:
            for form in term.forms(lang):
                key = (form.casefold(), term.subject)
                first = seen.get(key)
                same_concept = (first.id, first.file) == (term.id, term.file) if first is not None else False
                if first is not None and first.target(other) != term.target(other) and not same_concept:
                    if first.file == term.file:
                        where = f"line {first.line}" if first.line else "a new entry"
                    else:
                        where = f"{first.file or name}:{first.line}" if first.line else first.file or name
                    raise GlossaryError(
                        term.file or name,
                        term.line or None,
                        f"conflicting entries for {form!r}: {first.target(other)!r} ({where}) and "
                        f"{term.target(other)!r}; give them different subject fields or merge them",
                    )
                seen.setdefault(key, term)


# --- writing ---------------------------------------------------------------------------------


def write_tbx(termbase: Termbase | Iterable[Term], version: int = 3) -> bytes:
    """A TBX document: version 3 in Puente's dialect (the canonical file), or version 2
    (``martif``, for Translate Toolkit, Weblate and older tools)."""
    if not isinstance(termbase, Termbase):
        termbase = Termbase([Concept(term, empty_residual()) for term in termbase])
    if version not in (2, 3):
        raise ValueError(f"TBX version {version}: 2 or 3")
    root = etree.Element(_k("tbx"), nsmap={None: TBX_NS})  # type: ignore[dict-item]
    root.set("type", DIALECT)
    root.set("style", "dca")
    root.set(XML_LANG, "en")
    if termbase.header is not None:
        root.append(copy.deepcopy(termbase.header))
    else:
        header = etree.SubElement(root, _k("tbxHeader"))
        source_desc = etree.SubElement(etree.SubElement(header, _k("fileDesc")), _k("sourceDesc"))
        etree.SubElement(source_desc, _k("p")).text = "Puente newsroom termbase (English/Spanish)"
    text = etree.SubElement(root, _k("text"))
    body = etree.SubElement(text, _k("body"))
    for concept in termbase.concepts:
        body.append(_write_concept(concept, version))
    if termbase.back is not None:
        text.append(copy.deepcopy(termbase.back))
    _indent(root)
    if version == 2:
        root = _to_tbx2(root)
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype=TBX2_DOCTYPE)
    else:
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return bytes(document) + b"\n"


def _element(parent: etree._Element, index: int, tag: str, text: str, **attributes: str) -> int:
    """Insert ``<tag type=...>text</tag>`` at ``index`` of ``parent``; the next index."""
    child = etree.Element(_k(tag), attributes)
    child.text = text
    parent.insert(index, child)
    return index + 1


def _write_concept(concept: Concept, version: int) -> etree._Element:
    element = copy.deepcopy(concept.residual)
    term = concept.term
    if term is None:
        return element
    element.set("id", term.id)
    flag = "admin" if version == 2 else "descrip"
    index = 0
    if term.subject:
        index = _element(element, index, "descrip", term.subject, type="subjectField")
    if term.dnt:
        if version == 2:
            index = _element(element, index, "descrip", "no", type=TRANSLATION_NEEDED)
        else:
            index = _element(element, index, "descrip", "true", type="x-doNotTranslate")
    if term.case_sensitive:
        index = _element(element, index, flag, "true", type="x-caseSensitive")
    if term.note:
        index = _element(element, index, "note", term.note)
    for lang in LANGUAGES:
        lang_sec = next(
            (child for child in element if _local(child) == "langSec" and _lang_of(child) == lang), None
        )
        if lang_sec is None:
            lang_sec = etree.SubElement(element, _k("langSec"))
            lang_sec.set(XML_LANG, lang)
        expansion = term.en_expansion if lang == "en" else term.es_expansion
        if expansion:
            _element(lang_sec, 0, flag, expansion, type="x-firstMention")
        _write_terms(lang_sec, term, lang)
    return element


def _lang_of(lang_sec: etree._Element) -> str:
    code = lang_sec.get(XML_LANG) or lang_sec.get("lang") or ""
    return code.split("-")[0].split("_")[0].lower()


def _write_terms(lang_sec: etree._Element, term: Term, lang: str) -> None:
    """Put ``term``'s forms in ``lang`` into ``lang_sec``, each in the termSec that held the
    same text before (same text first, then in order) so its own data stays with it."""
    sections = [child for child in lang_sec if _local(child) == "termSec"]
    old = [
        _XML_SPACE.sub(" ", _text(next((c for c in s if _local(c) == "term"), None))).strip()
        for s in sections
    ]
    position = lang_sec.index(sections[0]) if sections else len(lang_sec)
    for section in sections:
        lang_sec.remove(section)
    forms = term.forms(lang)
    for offset, (form, index) in enumerate(zip(forms, _match(old, list(forms)), strict=True)):
        section = sections[index] if index is not None else etree.Element(_k("termSec"))
        lang_sec.insert(position + offset, section)
        _fill_term_sec(section, term, lang, form, offset)


def _match(old: list[str], new: list[str]) -> list[int | None]:
    """For each new text, the index of the old one it continues: equal texts first, then the
    remaining ones in order (an edited variant keeps its place and its data)."""
    available: dict[str, deque[int]] = defaultdict(deque)
    for index, text in enumerate(old):
        available[text].append(index)
    matches = [available[text].popleft() if available[text] else None for text in new]
    used = {index for index in matches if index is not None}
    remaining = iter(index for index in range(len(old)) if index not in used)
    return [next(remaining, None) if index is None else index for index in matches]


def _fill_term_sec(section: etree._Element, term: Term, lang: str, form: str, index: int) -> None:
    term_element = next((child for child in section if _local(child) == "term"), None)
    if term_element is None:
        term_element = etree.Element(_k("term"))
        section.insert(0, term_element)
    elif section.index(term_element) != 0:
        section.remove(term_element)
        section.insert(0, term_element)
    for child in list(term_element):
        term_element.remove(child)
    term_element.text = form
    notes = {note.get("type") for note in section.iter(_k("termNote"))}  # (grouped ones too)
    position = 1
    if index == 0 and "partOfSpeech" not in notes and term.pos in PART_OF_SPEECH:
        position = _element(section, position, "termNote", term.pos, type="partOfSpeech")
    if index == 0 and lang == "es" and term.gender and "grammaticalGender" not in notes:
        gender = {"m": "masculine", "f": "feminine"}.get(term.gender, term.gender)
        position = _element(section, position, "termNote", gender, type="grammaticalGender")
    if "administrativeStatus" not in notes:
        status = "preferredTerm-admn-sts" if index == 0 else "admittedTerm-admn-sts"
        position = _element(section, position, "termNote", status, type="administrativeStatus")
    if index == 0 and lang == "en" and term.context:
        # auxiliary data comes after every termNote (TBX's order)
        last_note = max(
            (i for i, child in enumerate(section) if _local(child) in ("termNote", "termNoteGrp")), default=0
        )
        _element(section, last_note + 1, "descrip", term.context, type="context")


def _to_tbx2(root: etree._Element) -> etree._Element:
    """A TBX 3 tree as TBX 2: no namespace, TBX 2's element names."""
    for element in root.iter(etree.Element):
        if etree.QName(element).namespace == TBX_NS:
            local = _local(element)
            element.tag = _TO_TBX2.get(local, local)
    root.set("type", "TBX")
    del root.attrib["style"]
    etree.cleanup_namespaces(root)
    return root


def _indent(element: etree._Element, level: int = 0) -> None:
    """Indent the elements that hold only elements, two spaces a level. lxml's ``indent``
    would also add whitespace inside mixed content (a note with inline markup), which is
    text: those elements are left exactly as read."""
    if _local(element) not in _STRUCTURAL or not len(element):
        return
    if (element.text or "").strip() or any((child.tail or "").strip() for child in element):
        return
    inner = "\n" + "  " * (level + 1)
    element.text = inner
    for child in element:
        child.tail = inner
        _indent(child, level + 1)
    element[-1].tail = "\n" + "  " * level
