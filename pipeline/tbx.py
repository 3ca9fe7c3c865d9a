"""The termbase on disk: TBX (ISO 30042, TBX-Basic), the canonical file, and CSV for editors.

TBX is read with a parser that resolves no entities, loads no DTD and never
touches the network; any DOCTYPE or entity declaration is refused outright,
so a hostile file cannot read local files, fetch URLs or expand entities.

Puente's own data categories use TBX's ``x-`` extension names:
``x-doNotTranslate``, ``x-caseSensitive`` (concept level) and
``x-firstMention`` (per language).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections.abc import Iterable

from lxml import etree

from pipeline.config import Config
from pipeline.errors import GlossaryError
from pipeline.files import relative_to
from pipeline.glossary import MASKING_SCHEME, Glossary, Term
from pipeline.xml import safe_xml_parser, sourceline

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CSV_COLUMNS = [
    "id", "en", "es", "en_variants", "es_variants", "pos", "gender", "note", "dnt", "case_sensitive",
    "en_expansion", "es_expansion", "subject", "context",
]  # fmt: skip
_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY|<xi:include|XInclude", re.IGNORECASE)


def read_termbases(config: Config) -> Glossary:
    """All ``glossary/*.tbx`` files; raises :class:`GlossaryError` on bad, hostile or conflicting input."""
    terms: list[Term] = []
    digest = hashlib.sha256(MASKING_SCHEME.encode())  # drafts depend on how terms are masked too
    for path in sorted(config.glossary_dir.glob("*.tbx")):
        raw = path.read_bytes()
        digest.update(raw)
        terms.extend(read_tbx(raw, relative_to(path, config.root)))
    check_conflicts(terms, "glossary")
    return Glossary(terms, digest.hexdigest()[:12] if terms else "none")


def _k(tag: str) -> str:
    return f"{{{TBX_NS}}}{tag}"


def read_tbx(raw: bytes, name: str) -> list[Term]:
    """Parse one TBX file."""
    forbidden = _FORBIDDEN.search(raw)
    if forbidden:
        line = raw[: forbidden.start()].count(b"\n") + 1
        raise GlossaryError(
            name, line, "DOCTYPE, entity declarations and XInclude are not allowed in a termbase"
        )
    try:
        root = etree.fromstring(raw, safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise GlossaryError(name, exc.lineno or 1, f"malformed XML: {exc.msg}") from None
    if etree.QName(root).localname != "tbx":
        raise GlossaryError(name, sourceline(root), "not a TBX file: the root element must be <tbx>")
    terms: list[Term] = []
    for concept in root.iter(_k("conceptEntry"), "conceptEntry"):
        terms.append(dataclasses.replace(_concept(concept, name), file=name))
    return terms


def _text(element: etree._Element | None) -> str:
    return "".join(str(t) for t in element.itertext()).strip() if element is not None else ""


def _concept(concept: etree._Element, name: str) -> Term:
    line = sourceline(concept)

    def descrip(parent: etree._Element, kind: str) -> str:
        for element in parent:
            if etree.QName(element).localname in ("descrip", "note") and element.get("type", "note") == kind:
                return _text(element)
        return ""

    langs: dict[str, dict[str, object]] = {}
    for lang_sec in concept:
        if etree.QName(lang_sec).localname != "langSec":
            continue
        lang = (lang_sec.get(XML_LANG) or "").split("-")[0]
        forms: list[str] = []
        pos = gender = ""
        for term_sec in lang_sec:
            if etree.QName(term_sec).localname != "termSec":
                continue
            term_text = ""
            for child in term_sec:
                local = etree.QName(child).localname
                if local == "term":
                    term_text = _text(child)
                elif local == "termNote" and child.get("type") == "partOfSpeech":
                    pos = pos or _text(child)
                elif local == "termNote" and child.get("type") == "grammaticalGender":
                    gender = gender or {"masculine": "m", "feminine": "f"}.get(_text(child), _text(child))
            if not term_text:
                raise GlossaryError(name, sourceline(term_sec, line), "a termSec without a <term>")
            forms.append(term_text)
        langs[lang] = {
            "forms": forms,
            "pos": pos,
            "gender": gender,
            "expansion": descrip(lang_sec, "x-firstMention"),
            "context": descrip(lang_sec, "context"),
        }
    for lang in ("en", "es"):
        if lang not in langs or not langs[lang]["forms"]:
            raise GlossaryError(name, line, f"entry {concept.get('id') or '?'} has no {lang} term")
    en, es = langs["en"], langs["es"]
    en_forms = list(en["forms"])  # type: ignore[call-overload]
    es_forms = list(es["forms"])  # type: ignore[call-overload]
    return Term(
        id=concept.get("id") or f"line-{line}",
        en=en_forms[0],
        es=es_forms[0],
        en_variants=tuple(en_forms[1:]),
        es_variants=tuple(es_forms[1:]),
        pos=str(en["pos"] or es["pos"] or "noun"),
        gender=str(es["gender"]),
        note=descrip(concept, "note") or "",
        dnt=descrip(concept, "x-doNotTranslate") == "true",
        case_sensitive=descrip(concept, "x-caseSensitive") == "true",
        en_expansion=str(en["expansion"]),
        es_expansion=str(es["expansion"]),
        subject=descrip(concept, "subjectField"),
        context=str(en["context"]),
        line=line,
    )


def check_conflicts(terms: Iterable[Term], name: str) -> None:
    """One source term with two different targets and nothing to tell them apart is an error."""
    for lang, other in (("en", "es"), ("es", "en")):
        seen: dict[tuple[str, str], Term] = {}
        for term in terms:
            for form in term.forms(lang):
                key = (form.casefold(), term.subject)
                first = seen.get(key)
                if first is not None and first.target(other) != term.target(other) and first.id != term.id:
                    where = f"line {first.line}" if first.file == term.file else f"{first.file}:{first.line}"
                    raise GlossaryError(
                        term.file or name,
                        term.line,
                        f"conflicting entries for {form!r}: {first.target(other)!r} ({where}) and "
                        f"{term.target(other)!r}; give them different subject fields or merge them",
                    )
                seen.setdefault(key, term)


def write_tbx(terms: Iterable[Term]) -> bytes:
    """A TBX-Basic document holding ``terms``."""
    root = etree.Element(_k("tbx"), nsmap={None: TBX_NS}, type="TBX-Basic", style="dca")  # type: ignore[dict-item]
    root.set(XML_LANG, "en")
    header = etree.SubElement(root, _k("tbxHeader"))
    source_desc = etree.SubElement(etree.SubElement(header, _k("fileDesc")), _k("sourceDesc"))
    etree.SubElement(source_desc, _k("p")).text = "Puente newsroom termbase (English/Spanish)"
    body = etree.SubElement(etree.SubElement(root, _k("text")), _k("body"))
    for term in terms:
        concept = etree.SubElement(body, _k("conceptEntry"), id=term.id)
        for kind, value in (
            ("subjectField", term.subject),
            ("x-doNotTranslate", "true" if term.dnt else ""),
            ("x-caseSensitive", "true" if term.case_sensitive else ""),
        ):
            if value:
                etree.SubElement(concept, _k("descrip"), type=kind).text = value
        if term.note:
            etree.SubElement(concept, _k("note")).text = term.note
        for lang in ("en", "es"):
            lang_sec = etree.SubElement(concept, _k("langSec"))
            lang_sec.set(XML_LANG, lang)
            expansion = term.en_expansion if lang == "en" else term.es_expansion
            if expansion:
                etree.SubElement(lang_sec, _k("descrip"), type="x-firstMention").text = expansion
            if lang == "en" and term.context:
                etree.SubElement(lang_sec, _k("descrip"), type="context").text = term.context
            for index, form in enumerate(term.forms(lang)):
                term_sec = etree.SubElement(lang_sec, _k("termSec"))
                etree.SubElement(term_sec, _k("term")).text = form
                status = "preferredTerm-admn-sts" if index == 0 else "admittedTerm-admn-sts"
                if index == 0:
                    etree.SubElement(term_sec, _k("termNote"), type="partOfSpeech").text = term.pos
                    if lang == "es" and term.gender:
                        gender = {"m": "masculine", "f": "feminine"}.get(term.gender, term.gender)
                        etree.SubElement(term_sec, _k("termNote"), type="grammaticalGender").text = gender
                etree.SubElement(term_sec, _k("termNote"), type="administrativeStatus").text = status
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def read_csv(text: str, name: str) -> list[Term]:
    """Terms from the editors' CSV (columns: :data:`CSV_COLUMNS`; variants separated by ``|``)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in ("en", "es") if column not in (reader.fieldnames or [])]
    if missing:
        raise GlossaryError(
            name, 1, f"missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}"
        )
    unknown = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS]
    if unknown:
        raise GlossaryError(
            name, 1, f"unknown column(s) {', '.join(unknown)}; expected {','.join(CSV_COLUMNS)}"
        )
    terms = []
    for row in reader:
        line = reader.line_num
        en, es = (row.get("en") or "").strip(), (row.get("es") or "").strip()
        if not en or not es:
            raise GlossaryError(name, line, "every row needs both an en and an es term")
        flags = {}
        for column in ("dnt", "case_sensitive"):
            value = (row.get(column) or "").strip().lower()
            if value not in ("", "yes", "no", "true", "false", "1", "0"):
                raise GlossaryError(name, line, f"{column} must be yes or no, not {value!r}")
            flags[column] = value in ("yes", "true", "1")
        gender = (row.get("gender") or "").strip()
        if gender not in ("", "m", "f"):
            raise GlossaryError(name, line, f"gender must be m, f or empty, not {gender!r}")
        terms.append(
            Term(
                id=(row.get("id") or "").strip() or _slug(en),
                en=en,
                es=es,
                en_variants=_split(row.get("en_variants")),
                es_variants=_split(row.get("es_variants")),
                pos=(row.get("pos") or "").strip() or "noun",
                gender=gender,
                note=(row.get("note") or "").strip(),
                dnt=flags["dnt"],
                case_sensitive=flags["case_sensitive"],
                en_expansion=(row.get("en_expansion") or "").strip(),
                es_expansion=(row.get("es_expansion") or "").strip(),
                subject=(row.get("subject") or "").strip(),
                context=(row.get("context") or "").strip(),
                line=line,
                file=name,
            )
        )
    check_conflicts(terms, name)
    return terms


def write_csv(terms: Iterable[Term]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for term in terms:
        writer.writerow(
            {
                "id": term.id,
                "en": term.en,
                "es": term.es,
                "en_variants": "|".join(term.en_variants),
                "es_variants": "|".join(term.es_variants),
                "pos": term.pos,
                "gender": term.gender,
                "note": term.note,
                "dnt": "yes" if term.dnt else "no",
                "case_sensitive": "yes" if term.case_sensitive else "no",
                "en_expansion": term.en_expansion,
                "es_expansion": term.es_expansion,
                "subject": term.subject,
                "context": term.context,
            }
        )
    return out.getvalue()


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split("|") if part.strip())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "term"
