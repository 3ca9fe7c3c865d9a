"""The project's termbase on disk: every ``glossary/*.tbx`` read into one
:class:`~pipeline.glossary.Glossary`, and the project's own file, ``glossary/puente.tbx``:
adding, importing and exporting terms.

The formats are :mod:`pipeline.tbx` (TBX 3 and 2) and :mod:`pipeline.termcsv` (CSV for
editors); matching and masking terms is :mod:`pipeline.glossary`. A run loads the termbase
once and hands it to every step.

Every change rewrites ``puente.tbx`` only (other ``glossary/*.tbx`` files are read, for
conflicts, and never written), and keeps what the file holds that Puente does not model:
a replaced concept keeps its id and its other data, unless the imported file brings data
of the same kind for it (a ``definition`` replaces the ``definition``, a term's
``termType`` its ``termType``...); concepts Puente cannot use (no English or no Spanish
term) stay as they are. The callers (``puente glossary add`` and ``import``) hold the
project lock while they read and rewrite the file.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline import MASKING_SCHEME
from pipeline.errors import GlossaryError, Notice
from pipeline.files import read_limited, write_atomic
from pipeline.glossary import Glossary, Term
from pipeline.project import TERMBASE_LIMIT as TERMBASE_LIMIT
from pipeline.project import Project, termbase_digest
from pipeline.tbx import (
    PART_OF_SPEECH,
    XML_LANG,
    Concept,
    Termbase,
    check_conflicts,
    empty_residual,
    make_id,
    read_termbase,
    term_problem,
    text_problem,
    write_tbx,
)
from pipeline.termcsv import read_csv, write_csv

CANONICAL = "puente.tbx"
TBX_SUFFIXES = (".tbx", ".xml")


@dataclass(frozen=True)
class ImportReport:
    """What an import or an addition did."""

    added: int
    replaced: int
    total: int
    warnings: tuple[Notice, ...] = ()


def _termbase_files(project: Project) -> list[tuple[Path, str, bytes]]:
    """Every ``glossary/*.tbx``: its path, its name in messages and its bytes."""
    return project.termbase_files(TERMBASE_LIMIT)


def load_glossary(
    project: Project,
    warnings: list[Notice] | None = None,
    files: list[tuple[Path, str, bytes]] | None = None,
) -> Glossary:
    """Every ``glossary/*.tbx`` of the project (an empty glossary when there is none);
    raise :class:`GlossaryError` on bad, hostile or conflicting input. Concepts Puente
    cannot use are skipped, with a :class:`~pipeline.errors.Notice` in ``warnings``.
    ``version`` is a short hash of the files' bytes (drafts in the memory are keyed by it).
    ``files``: the termbase files as :meth:`Project.termbase_files` read them already."""
    terms: list[Term] = []
    digest = hashlib.sha256(MASKING_SCHEME.encode())  # drafts depend on how terms are masked too
    files = _termbase_files(project) if files is None else files
    for _, relative, raw in files:
        digest.update(raw)
        terms.extend(read_termbase(raw, relative, warnings=warnings).terms)
    check_conflicts(terms, "glossary")
    return Glossary(terms, digest.hexdigest()[:12] if terms else "none", _files_digest(files))


def files_digest(project: Project) -> str:
    """A hash of the names and bytes of the project's termbase files, without parsing them
    (what a cached answer that depends on the glossary is keyed by)."""
    return project.termbase_digest()


def _files_digest(files: list[tuple[Path, str, bytes]]) -> str:
    return termbase_digest(files)


def canonical_path(project: Project) -> Path:
    return project.glossary_dir / CANONICAL


def load_canonical(project: Project, warnings: list[Notice] | None = None) -> Termbase:
    """``glossary/puente.tbx`` with everything it holds (an empty termbase when there is none)."""
    for path, relative, raw in _termbase_files(project):
        if path.name == CANONICAL:
            return read_termbase(raw, relative, warnings=warnings)
    return Termbase()


def _other_terms(project: Project) -> list[Term]:
    return [
        term
        for path, relative, raw in _termbase_files(project)
        if path.name != CANONICAL
        for term in read_termbase(raw, relative).terms
    ]


def save_canonical(project: Project, termbase: Termbase) -> bool:
    """Write ``termbase`` to ``glossary/puente.tbx`` (only when its content changes), after
    checking its terms against each other and against the project's other termbases."""
    # the other files first: a conflict is reported where this file's entry is
    check_conflicts([*_other_terms(project), *termbase.terms], f"glossary/{CANONICAL}")
    return write_atomic(canonical_path(project), write_tbx(termbase))


def save_terms(project: Project, terms: list[Term]) -> bool:
    """Write ``terms`` as the whole content of ``glossary/puente.tbx``, each keeping what the
    file held for the concept with its id; concepts Puente cannot use are kept too."""
    existing = load_canonical(project)
    residuals = {c.term.id: c.residual for c in existing.concepts if c.term is not None}
    concepts = [Concept(term, residuals.get(term.id, empty_residual())) for term in terms]
    concepts += [c for c in existing.concepts if c.term is None]
    return save_canonical(project, Termbase(concepts, existing.header, existing.back))


def _bare(term: Term) -> Term:
    return dataclasses.replace(term, line=0, file="")


def _same(a: Term, b: Term) -> bool:
    return _bare(a) == _bare(b)


def merge_concepts(
    existing: list[Concept], incoming: list[Concept], reserved: set[str] | None = None
) -> tuple[list[Concept], int, int]:
    """``existing`` updated with ``incoming``: a concept with the same id and a term in common
    (in English or Spanish), else the same English term, is replaced (keeping its id, and its
    data of kinds the incoming concept does not bring); others are added (with an id no other
    concept has, ``reserved`` included). Returns the concepts, how many were added and how
    many changed.

    An id alone is not enough: termbases from different tools reuse ids such as ``c1``, and
    importing one must not overwrite an unrelated concept of another.
    """
    merged = list(existing)
    by_id = {c.term.id: i for i, c in enumerate(merged) if c.term is not None}
    by_en = {c.term.en.casefold(): i for i, c in enumerate(merged) if c.term is not None}
    taken = set(by_id) | set(reserved or ())
    added = replaced = 0
    for concept in incoming:
        term = concept.term
        if term is None:
            continue
        index = by_id.get(term.id)
        if index is not None and not _share_a_term(merged[index].term, term):
            index = None
        if index is None:
            index = by_en.get(term.en.casefold())
        if index is None:
            new_id = term.id
            suffix = 2
            while new_id in taken:
                new_id, suffix = f"{term.id}-{suffix}", suffix + 1
            term = dataclasses.replace(term, id=new_id)
            residual = copy.deepcopy(concept.residual)
            residual.set("id", new_id)
            taken.add(new_id)
            by_id[new_id] = by_en[term.en.casefold()] = len(merged)
            merged.append(Concept(term, residual, concept.line))
            added += 1
            continue
        old = merged[index]
        assert old.term is not None
        term = dataclasses.replace(term, id=old.term.id)
        residual = merge_residual(old.residual, concept.residual)
        if not _same(term, old.term) or etree.tostring(residual) != etree.tostring(old.residual):
            replaced += 1
        merged[index] = Concept(term, residual, old.line)
        by_en[term.en.casefold()] = index
    return merged, added, replaced


def merge_terms(existing: list[Term], incoming: list[Term]) -> tuple[list[Term], int, int]:
    """:func:`merge_concepts` for bare terms: ``existing`` updated with ``incoming``; the terms,
    how many were added and how many changed."""
    merged, added, replaced = merge_concepts(
        [Concept(term, empty_residual()) for term in existing],
        [Concept(term, empty_residual()) for term in incoming],
    )
    return [concept.term for concept in merged if concept.term is not None], added, replaced


def _share_a_term(old: Term | None, new: Term) -> bool:
    if old is None:
        return False
    return any(
        {form.casefold() for form in old.forms(lang)} & {form.casefold() for form in new.forms(lang)}
        for lang in ("en", "es")
    )


def _key(element: etree._Element) -> tuple[str, str]:
    local = etree.QName(element).localname if isinstance(element.tag, str) else ""
    if local == "langSec":
        return local, (element.get(XML_LANG) or element.get("lang") or "").lower()
    if local == "termSec":
        term = next(
            (c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == "term"), None
        )
        return local, " ".join("".join(str(t) for t in term.itertext()).split()) if term is not None else ""
    return local, element.get("type") or ""


def merge_residual(old: etree._Element, new: etree._Element) -> etree._Element:
    """``old`` with ``new``'s data: at each level (concept, language, term), new elements
    replace the old ones of the same kind (element and type); language and term sections
    are merged the same way, matched by language and by term."""
    result = copy.deepcopy(old)
    _merge_level(result, new)
    return result


def _merge_level(target: etree._Element, source: etree._Element) -> None:
    for name, value in source.attrib.items():
        target.set(name, value)
    replaced: set[tuple[str, str]] = set()
    for child in source:
        if not isinstance(child.tag, str):
            continue
        key = _key(child)
        if key[0] in ("langSec", "termSec"):
            match = next((c for c in target if isinstance(c.tag, str) and _key(c) == key), None)
            if match is not None:
                _merge_level(match, child)
            else:
                target.append(copy.deepcopy(child))
            continue
        if key not in replaced:
            replaced.add(key)
            olds = [c for c in target if isinstance(c.tag, str) and _key(c) == key]
            position = target.index(olds[0]) if olds else _first_section(target)
            for element in olds:
                target.remove(element)
        else:
            same = [c for c in target if isinstance(c.tag, str) and _key(c) == key]
            position = target.index(same[-1]) + 1
        target.insert(position, copy.deepcopy(child))


def _first_section(element: etree._Element) -> int:
    """Where data goes in ``element``: before its language or term sections."""
    for index, child in enumerate(element):
        if isinstance(child.tag, str) and etree.QName(child).localname in ("langSec", "termSec"):
            return index
    return len(element)


def read_import(
    path: Path,
    *,
    languages: Mapping[str, str] | None = None,
    encoding: str | None = None,
    warnings: list[Notice] | None = None,
) -> tuple[list[Concept], etree._Element | None]:
    """The usable concepts of a file to import, CSV (``.csv``) or TBX 3 or 2 (``.tbx``, ``.xml``),
    and its ``<back>`` (TBX only)."""
    name = str(path)
    suffix = path.suffix.lower()
    raw = read_limited(path, name, GlossaryError, TERMBASE_LIMIT)
    if suffix == ".csv":
        return [Concept(term, empty_residual(), term.line) for term in read_csv(raw, name, encoding)], None
    if suffix not in TBX_SUFFIXES:
        raise GlossaryError(name, None, "not a termbase: give a .csv file or a .tbx file (TBX 3 or TBX 2)")
    notes: list[Notice] = []
    termbase = read_termbase(raw, name, languages=languages, warnings=notes)
    usable = [c for c in termbase.concepts if c.term is not None]
    skipped = [c for c in termbase.concepts if c.term is None]
    if skipped and not usable:
        codes = sorted({
            (section.get(XML_LANG) or section.get("lang") or "?")
            for c in skipped for section in c.residual
            if isinstance(section.tag, str) and etree.QName(section).localname == "langSec"
        })  # fmt: skip
        others = [code for code in codes if code.split("-")[0].lower() not in ("en", "es")]
        hint = f"; map one of its languages with --lang, e.g. --lang {others[0]}=es" if others else ""
        notes.append(
            Notice(
                name, None, f"no concept has both an en and an es term (languages: {', '.join(codes)}){hint}"
            )
        )
    check_conflicts([c.term for c in usable if c.term is not None], name)
    if warnings is not None:
        warnings.extend(notes)
    return usable, termbase.back


def merge_back(old: etree._Element | None, new: etree._Element) -> etree._Element:
    """``old``'s ``<back>`` with ``new``'s reference objects: each goes into the section of
    its type, replacing an object with the same id."""
    result = copy.deepcopy(old) if old is not None else etree.Element(new.tag)
    for section in new:
        if not isinstance(section.tag, str):
            continue
        target = next(
            (s for s in result if s.tag == section.tag and s.get("type") == section.get("type")), None
        )
        if target is None:
            result.append(copy.deepcopy(section))
            continue
        for item in section:
            if not isinstance(item.tag, str):
                continue
            same = [o for o in target if item.get("id") and o.get("id") == item.get("id")]
            if same:
                target.replace(same[0], copy.deepcopy(item))
            else:
                target.append(copy.deepcopy(item))
    return result


def import_file(
    project: Project,
    path: Path,
    *,
    languages: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Merge the terms of ``path`` (CSV, TBX 3 or TBX 2) into ``glossary/puente.tbx``; the
    reference objects of a TBX file's ``<back>`` (the people a transaction names...) come too."""
    warnings: list[Notice] = []
    incoming, back = read_import(path, languages=languages, encoding=encoding, warnings=warnings)
    return _merge_into_canonical(project, incoming, tuple(warnings), back)


def add_term(project: Project, term: Term) -> ImportReport:
    """Add ``term`` to ``glossary/puente.tbx``, or replace the concept with its id or English term."""
    return _merge_into_canonical(project, [Concept(term, empty_residual())], ())


def _merge_into_canonical(
    project: Project,
    incoming: list[Concept],
    warnings: tuple[Notice, ...],
    back: etree._Element | None = None,
) -> ImportReport:
    notes = list(warnings)
    existing = load_canonical(project, notes)
    # an export holds the terms of every glossary file: those of the others, unchanged, stay there
    others = {_bare(term) for term in _other_terms(project)}
    incoming = [c for c in incoming if c.term is None or _bare(c.term) not in others]
    reserved = {c.residual.get("id") or "" for c in existing.concepts if c.term is None}
    merged, added, replaced = merge_concepts(existing.concepts, incoming, reserved)
    existing.concepts = merged
    if back is not None and (added or replaced):
        existing.back = merge_back(existing.back, back)
    if added or replaced:
        save_canonical(project, existing)
    return ImportReport(added, replaced, len(existing.terms), tuple(notes))


def export_termbase(project: Project, version: int = 3) -> bytes:
    """Every termbase of the project as one TBX document (version 3 or 2), all data kept."""
    merged = Termbase()
    seen: set[str] = set()
    for path, relative, raw in _termbase_files(project):
        termbase = read_termbase(raw, relative)
        if path.name == CANONICAL or merged.header is None:
            merged.header = termbase.header
        for concept in termbase.concepts:
            concept_id = concept.term.id if concept.term is not None else concept.residual.get("id") or ""
            if concept_id in seen:  # two files may use one id: the export needs unique ones
                new_id, suffix = concept_id, 2
                while new_id in seen:
                    new_id, suffix = f"{concept_id}-{suffix}", suffix + 1
                concept.residual.set("id", new_id)
                if concept.term is not None:
                    concept = Concept(
                        dataclasses.replace(concept.term, id=new_id), concept.residual, concept.line
                    )
                concept_id = new_id
            seen.add(concept_id)
            merged.concepts.append(concept)
    return write_tbx(merged, version)


def export_file(project: Project, output: Path | None, version: int | None) -> bytes | str:
    """The project's termbase for ``output``: CSV for a ``.csv`` file (and for stdout unless a
    TBX ``version`` is asked for), TBX (version 3 unless told) for a ``.tbx`` or ``.xml`` file."""
    suffix = output.suffix.lower() if output is not None else ""
    if output is not None and suffix not in (".csv", *TBX_SUFFIXES):
        raise GlossaryError(str(output), None, "give the export a .csv or a .tbx file name")
    if suffix == ".csv" or (output is None and version is None):
        if version is not None:
            raise GlossaryError(str(output), None, "--tbx-version applies to a .tbx file, not CSV")
        return write_csv(load_glossary(project).terms)
    return export_termbase(project, version or 3)


def cli_term(
    *,
    en: str,
    es: str,
    pos: str = "noun",
    gender: str = "",
    note: str = "",
    dnt: bool = False,
    case_sensitive: bool = False,
    en_variants: tuple[str, ...] = (),
    es_variants: tuple[str, ...] = (),
    subject: str = "",
) -> Term:
    """A term typed on the command line, or :class:`GlossaryError` naming the option at fault
    (an empty, blank or control-character term, a part of speech TBX-Basic does not know...)."""
    forms = {"--en": [en], "--es": [es], "--variant-en": list(en_variants), "--variant-es": list(es_variants)}
    for option, values in forms.items():
        for value in values:
            problem = term_problem(value)
            if problem:
                raise GlossaryError(option, None, f"{problem} ({value!r})")
    for option, value in (("--note", note), ("--subject", subject)):
        problem = text_problem(value)
        if problem:
            raise GlossaryError(option, None, problem)
    pos = pos.strip().lower() or "noun"
    if pos not in PART_OF_SPEECH:
        raise GlossaryError(
            "--pos", None, f"must be one of {', '.join(PART_OF_SPEECH)} (TBX-Basic's), not {pos!r}"
        )
    en, es = en.strip(), es.strip()
    return Term(
        id=make_id(en),
        en=en,
        es=es,
        en_variants=tuple(v.strip() for v in en_variants),
        es_variants=tuple(v.strip() for v in es_variants),
        pos=pos,
        gender=gender,
        note=note.strip(),
        dnt=dnt,
        case_sensitive=case_sensitive,
        subject=subject.strip(),
    )


def parse_language_map(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("xx=es",)`` → ``{"xx": "es"}``; :class:`GlossaryError` for anything else."""
    mapping: dict[str, str] = {}
    for item in items:
        code, sep, lang = item.partition("=")
        if not sep or not code.strip() or lang.strip() not in ("en", "es"):
            raise GlossaryError("--lang", None, f"expected CODE=en or CODE=es, not {item!r}")
        mapping[code.strip()] = lang.strip()
    return mapping
