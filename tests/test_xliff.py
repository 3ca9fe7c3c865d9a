"""XLIFF 1.2 and 2.1: export, the OASIS schemas, Translate Toolkit, import, hostile files.

The project is the repository's two articles, built once with real Apertium; each test
works on its own copy. A "vendor" edits the exported files with lxml, the way a CAT
tool writes them: new target text around the inline codes of the source, a new state.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from translate.storage import xliff as tt_xliff

from pipeline.placeholders import Tag, split, strip
from pipeline.po import Catalog, Entry, Origin, parse, read_catalog
from pipeline.project import open_project
from pipeline.xliff import (
    XliffError,
    XliffRefused,
    import_files,
    merge_unit,
    read_xliff,
    unit_id,
    write_xliff,
)
from pipeline.xliff.inline import read_inline, write_inline
from pipeline.xliff.model import XLIFF2, XLIFF12, Note, XliffUnit
from pipeline.xliff.states import verdict
from pipeline.xml import safe_xml_parser
from tests.conftest import REPO, run_cli

SLUG = "cartel-crackdown-results"
ES_CATALOG = f"locales/es/LC_MESSAGES/{SLUG}.po"
NAMESPACE = {"1.2": XLIFF12, "2.1": XLIFF2}
VERSIONS = ("1.2", "2.1")
SCHEMAS = REPO / "tests" / "schemas"
XML_XSD = SCHEMAS / "xliff-2.1" / "informativeCopiesOf3rdPartySchemas" / "w3c" / "xml.xsd"

TITLE = "mexico Says Cartel Crackdown is Delivering ‘Compelling Results’ as U.S. Pressure Persists"
ARRESTS = "{1}Arrests:{/1} Over 12,300 high‑ranking cartel members and affiliates detained across 17 joint operations."
JUNTOS_TITLE = "La campaña “Juntos contra el Narco” llega a 40 municipios de la frontera norte"
DIALOG = (
    "{1}Public Dialog:{/1} Launched a bilingual outreach campaign (“{2/}”) to counter misinformation "
    "and maintain community trust."
)


# --- schemas ----------------------------------------------------------------------------


class _Offline(etree.Resolver):
    """The W3C ``xml.xsd`` the XLIFF 1.2 schema imports by URL, from the local copy."""

    def resolve(self, url: str, pubid: str, context: object) -> object:  # type: ignore[override]
        if url == "http://www.w3.org/2001/xml.xsd":
            return self.resolve_filename(str(XML_XSD), context)
        return None


@functools.cache
def schema(version: str) -> etree.XMLSchema:
    path = SCHEMAS / (
        "xliff-1.2/xliff-core-1.2-strict.xsd" if version == "1.2" else "xliff-2.1/xliff_core_2.0.xsd"
    )
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Offline())
    return etree.XMLSchema(etree.parse(str(path), parser))


def assert_valid(data: bytes, version: str) -> None:
    document = etree.fromstring(data, safe_xml_parser())
    xsd = schema(version)
    assert xsd.validate(document), xsd.error_log


# --- the project ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    for name in ("sources", "glossary"):
        shutil.copytree(REPO / name, root / name)
    result = run_cli("build", "--root", root)
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built, root)
    return root


def export(root: Path, version: str, lang: str = "es", *extra: str) -> Path:
    out = root.parent / f"to-vendor-{version}"
    result = run_cli(
        "xliff", "export", "--root", root, "--lang", lang, "--xliff-version", version, "--out", out, *extra
    )
    assert result.exit_code == 0, result.stderr
    return out


def catalog(root: Path, rel: str = ES_CATALOG) -> dict[tuple[str | None, str], Entry]:
    return read_catalog(root / rel, rel).by_key()


def page_title(root: Path, lang: str = "es") -> str:
    return (
        lxml_html.document_fromstring((root / "build" / lang / f"{SLUG}.html").read_bytes())
        .find(".//title")
        .text
    )


def page_article(root: Path, lang: str = "es") -> etree._Element:
    return lxml_html.document_fromstring((root / "build" / lang / f"{SLUG}.html").read_bytes()).find(
        ".//article"
    )


# --- a vendor's edits -------------------------------------------------------------------


def q(version: str, name: str) -> str:
    return f"{{{NAMESPACE[version]}}}{name}"


def units(tree: etree._ElementTree, version: str) -> dict[str, etree._Element]:
    tag = "trans-unit" if version == "1.2" else "unit"
    return {unit.get("id"): unit for unit in tree.iter(q(version, tag))}


def find_unit(tree: etree._ElementTree, version: str, msgctxt: str, msgid: str) -> etree._Element:
    return units(tree, version)[unit_id(msgctxt, msgid)]


def set_target(unit: etree._Element, version: str, text: str, state: str | None) -> None:
    """Write ``text`` (placeholder syntax) as the unit's target, with copies of the source's
    inline codes (as a CAT tool does), and set the target's state."""
    holder = unit if version == "1.2" else unit.find(q(version, "segment"))
    source = holder.find(q(version, "source"))
    codes = {code.get("id"): code for code in source.iter() if code is not source}
    target = holder.find(q(version, "target"))
    if target is None:
        target = etree.Element(q(version, "target"))
        source.addnext(target)
    target.clear()
    stack = [target]
    for part in split(text):
        if isinstance(part, str):
            if len(stack[-1]):
                stack[-1][-1].tail = (stack[-1][-1].tail or "") + part
            else:
                stack[-1].text = (stack[-1].text or "") + part
            continue
        if part.form == "close":
            stack.pop()
            continue
        code = etree.SubElement(stack[-1], codes[str(part.id)].tag, dict(codes[str(part.id)].attrib))
        if part.form == "open":
            stack.append(code)
    state_holder = target if version == "1.2" else holder
    for name in ("state-qualifier", "subState"):
        state_holder.attrib.pop(name, None)
    if state is not None:
        state_holder.set("state", state)


def vendor(path: Path, version: str, edits: list[tuple[str, str, str, str | None]]) -> None:
    """Apply ``(msgctxt, msgid, new target, state)`` edits to the exported file ``path``."""
    tree = etree.parse(str(path))
    for msgctxt, msgid, text, state in edits:
        set_target(find_unit(tree, version, msgctxt, msgid), version, text, state)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def add_note(path: Path, version: str, msgctxt: str, msgid: str, text: str) -> None:
    tree = etree.parse(str(path))
    unit = find_unit(tree, version, msgctxt, msgid)
    if version == "1.2":
        note = etree.SubElement(unit, q(version, "note"))
        note.set("from", "reviewer")
    else:
        notes = unit.find(q(version, "notes"))
        note = etree.SubElement(notes, q(version, "note"))
    note.text = text
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


# --- export -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_export_writes_one_valid_file_per_article(project: Path, version: str) -> None:
    out = export(project, version)
    assert sorted(path.name for path in out.iterdir()) == [f"{SLUG}.es.xlf"]
    out_en = export(project, version, "en")
    assert sorted(path.name for path in out_en.iterdir()) == [
        f"{SLUG}.es.xlf",
        "juntos-contra-el-narco-balance.en.xlf",
    ]
    for path in out_en.iterdir():
        assert_valid(path.read_bytes(), version)
    (document,) = read_xliff((out / f"{SLUG}.es.xlf").read_bytes(), "x.xlf")
    entries = catalog(project)
    assert (document.original, document.source_lang, document.target_lang) == (ES_CATALOG, "en", "es")
    assert [unit.source for unit in document.units] == [msgid for _, msgid in entries]
    assert [unit.target for unit in document.units] == [entry.msgstr for entry in entries.values()]
    assert [unit.id for unit in document.units] == [unit_id(*key) for key in entries]
    assert [unit.name for unit in document.units] == [msgctxt for msgctxt, _ in entries]


@pytest.mark.parametrize("version", VERSIONS)
def test_inline_codes_say_what_they_stand_for(project: Path, version: str) -> None:
    out = export(project, version)
    tree = etree.parse(str(out / f"{SLUG}.es.xlf"))
    unit = find_unit(tree, version, "list item", DIALOG)
    source = next(unit.iter(q(version, "source")))
    codes = [(etree.QName(code).localname, dict(code.attrib)) for code in source]
    if version == "1.2":
        assert codes == [
            ("g", {"id": "1", "ctype": "bold", "clone": "no"}),
            ("x", {"id": "2", "ctype": "x-protected", "clone": "no", "equiv-text": "Juntos contra el Narco"}),
        ]
    else:
        assert codes == [
            ("pc", {"id": "1", "canCopy": "no", "canDelete": "no", "dispStart": "bold", "dispEnd": "/bold",
                    "type": "fmt", "subType": "xlf:b"}),
            ("ph", {"id": "2", "canCopy": "no", "canDelete": "no", "disp": "not translated: Juntos contra el Narco",
                    "equiv": "Juntos contra el Narco", "type": "other"}),
        ]  # fmt: skip
    assert source[0].text == "Public Dialog:"
    notes = [note.text for note in unit.iter(q(version, "note"))]
    assert "{1}…{/1} = bold" in notes and "{2/} = not translated: Juntos contra el Narco" in notes
    link = find_unit(
        etree.parse(str(export(project, version, "en") / "juntos-contra-el-narco-balance.en.xlf")),
        version,
        "paragraph",
        "“No vamos a bajar la guardia”, dijo García Harfuch, quien pidió a la población consultar el directorio "
        "de denuncia en {1}el sitio oficial de la SSPC{/1}.",
    )
    code = next(next(link.iter(q(version, "source"))).iter(q(version, "g" if version == "1.2" else "pc")))
    assert code.get("ctype" if version == "1.2" else "type") == "link"
    assert any("https://www.gob.mx/sspc" in (note.text or "") for note in link.iter(q(version, "note")))


STATES_PO = r"""msgid ""
msgstr ""
"Language: es\n"
"Content-Type: text/plain; charset=UTF-8\n"
"X-Source-Language: en\n"

#. paragraph
#. {1}…{/1} = link to https://example.org/a?b=1&c=<2>
#: sources/a.md:3
msgctxt "paragraph"
msgid "Read {1}the <report> & more{/1} now."
msgstr ""

# checked with the desk
#. paragraph
#. glossary: DEA = DEA (do not translate)
#: sources/a.md:4
msgctxt "paragraph"
msgid "The DEA said so."
msgstr "La DEA lo dijo."

#. heading (level 2)
#. draft: apertium 0.8.1-2
#. unknown to apertium: Sheinbaum
#: sources/a.md:5
#, fuzzy
msgctxt "heading"
msgid "Sheinbaum speaks {1/}"
msgstr "Sheinbaum habla {1/}"

#. paragraph
#. memory: exact match of a reviewed translation
#, fuzzy
msgctxt "paragraph (2)"
msgid "Hello."
msgstr "Hola."

#. list item
#. fresh draft: Uno dos
#, fuzzy
#| msgid "One."
msgctxt "list item"
msgid "One two."
msgstr "Uno."

#. paragraph
#, fuzzy
msgctxt "caption"
msgid "Broken {1}draft{/1}."
msgstr "Roto {1}borrador."

#~ msgid "Gone."
#~ msgstr "Ido."
"""


def states_catalog() -> Catalog:
    return parse(STATES_PO, "a.po")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_state_validates_against_the_oasis_schema(version: str) -> None:
    data = write_xliff(states_catalog(), version=version, original="a.po", source_lang="en", target_lang="es")
    assert_valid(data, version)
    (document,) = read_xliff(data, "a.xlf")
    assert [unit.source for unit in document.units] == [entry.msgid for entry in states_catalog().active]
    assert [unit.target or "" for unit in document.units] == [
        entry.msgstr for entry in states_catalog().active
    ]
    states = [(unit.state, unit.approved) for unit in document.units]
    if version == "1.2":
        assert states == [
            ("new", False),
            ("final", True),
            ("needs-review-translation", False),
            ("needs-review-translation", False),
            ("needs-review-translation", False),
            ("needs-review-translation", False),
        ]
    else:
        assert states == [("initial", False), ("final", False), *[("translated", False)] * 4]
    notes = document.units[1].notes
    assert Note("checked with the desk", "translator") in notes
    assert Note("glossary: DEA = DEA (do not translate)", "puente") in notes
    assert Note("unknown to apertium: Sheinbaum", "puente-draft") in document.units[2].notes
    assert Note("fresh draft: Uno dos", "puente-draft") in document.units[4].notes
    assert Note("the translation is of the previous source: One.", "puente-draft") in document.units[4].notes


@pytest.mark.parametrize("version", VERSIONS)
def test_the_schema_check_can_fail(version: str) -> None:
    """The validation above is not vacuous: a state XLIFF does not know is refused."""
    data = write_xliff(states_catalog(), version=version, original="a.po", source_lang="en", target_lang="es")
    broken = data.replace(b'state="final"', b'state="approved-by-bob"')
    assert not schema(version).validate(etree.fromstring(broken, safe_xml_parser()))


def test_xliff_2_writes_characters_xml_cannot_hold_as_code_points_and_1_2_refuses_them() -> None:
    po = STATES_PO.replace('msgid "Hello."\nmsgstr "Hola."', 'msgid "Hel\\vlo."\nmsgstr "Ho\\vla."')
    data = write_xliff(parse(po, "a.po"), version="2.1", original="a.po", source_lang="en", target_lang="es")
    assert_valid(data, "2.1")
    assert b'<cp hex="000B"/>' in data
    assert read_xliff(data, "a.xlf")[0].units[3].source == "Hel\vlo."
    with pytest.raises(XliffError, match=r"a\.po:\d+: character U\+000B cannot be written in XLIFF 1\.2"):
        write_xliff(parse(po, "a.po"), version="1.2", original="a.po", source_lang="en", target_lang="es")


def test_translate_toolkit_reads_every_unit_with_its_source_target_and_state(project: Path) -> None:
    out = export(project, "1.2")
    store = tt_xliff.xlifffile.parsefile(str(out / f"{SLUG}.es.xlf"))
    found = {unit.getid().split("\x04")[-1]: unit for unit in store.units if not unit.isheader()}
    entries = catalog(project)
    assert len(found) == len(entries) == 97
    assert (store.getsourcelanguage(), store.gettargetlanguage()) == ("en", "es")
    for entry in entries.values():
        unit = found[unit_id(entry.msgctxt, entry.msgid)]
        assert unit.source == strip(entry.msgid)
        assert unit.target == strip(entry.msgstr)
        assert unit.isfuzzy() and not unit.isapproved()  # every entry is a machine draft
        assert unit.get_state_n() == unit.S_NEEDS_REVIEW
    states = states_catalog()
    data = write_xliff(states, version="1.2", original="a.po", source_lang="en", target_lang="es")
    units = [unit for unit in tt_xliff.xlifffile(data).units if not unit.isheader()]
    assert [unit.source for unit in units] == [strip(entry.msgid) for entry in states.active]
    assert [(bool(unit.target), unit.isfuzzy(), unit.isapproved()) for unit in units] == [
        (False, False, False),  # untranslated
        (True, False, True),  # reviewed
        *[(True, True, False)] * 4,  # machine, memory, changed, broken draft
    ]
    assert units[1].get_state_n() == units[1].S_SIGNED_OFF + 1  # final
    assert "checked with the desk" in units[1].getnotes("translator")


# --- placeholders and inline codes --------------------------------------------------------

_PLAIN = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"), max_size=12)


@st.composite
def placeholder_texts(draw: st.DrawFn) -> str:
    """Text with properly nested placeholders, numbered as the source numbers them."""
    counter = [0]

    def build(depth: int) -> str:
        parts = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["text", "pair", "self"] if depth < 3 else ["text", "self"]))
            if kind == "text":
                parts.append(draw(_PLAIN))
            else:
                counter[0] += 1
                number = counter[0]
                parts.append(
                    f"{{{number}}}{build(depth + 1)}{{/{number}}}" if kind == "pair" else f"{{{number}/}}"
                )
        return "".join(parts)

    return build(0)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(placeholder_texts(), st.text(max_size=30)), version=st.sampled_from(VERSIONS))
def test_any_text_comes_back_from_inline_codes_unchanged(text: str, version: str) -> None:
    if version == "1.2" and re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text):
        return  # XLIFF 1.2 cannot hold them (refused at export, tested above)
    target = etree.Element(q(version, "target"))
    write_inline(target, text, version, {})  # type: ignore[arg-type]
    parsed = etree.fromstring(etree.tostring(target), safe_xml_parser())
    assert read_inline(parsed, NAMESPACE[version]) == (text, [])


def test_a_broken_draft_is_written_as_text_and_read_back_the_same() -> None:
    text = "las fuerzas Especiales/} del {903. Armada {1}de México"
    for version in VERSIONS:
        target = etree.Element(q(version, "target"))
        write_inline(target, text, version, {})  # type: ignore[arg-type]
        assert len(target) == 0 and target.text == text
        assert read_inline(target, NAMESPACE[version]) == (text, [])


@pytest.mark.parametrize(
    ("version", "markup", "expected"),
    [
        (
            "1.2",
            '<mrk mtype="term">La <g id="1">SSPC</g></mrk> dijo<mrk mtype="seg" mid="2"> algo</mrk>',
            "La {1}SSPC{/1} dijo algo",
        ),
        (
            "2.1",
            'La <mrk id="m1" type="term">SSPC</mrk><sm id="c" type="comment"/> dijo<em startRef="c"/>',
            "La SSPC dijo",
        ),
        (
            "2.1",
            '<sc id="1"/>La SSPC<ec startRef="1"/> <ph id="2"/><!-- a comment -->',
            "{1}La SSPC{/1} {2/}",
        ),
        ("1.2", 'a <?pi data?><x id="2"/>', "a {2/}"),
    ],
)
def test_annotations_and_split_codes_from_cat_tools_are_read(
    version: str, markup: str, expected: str
) -> None:
    target = etree.fromstring(
        f'<target xmlns="{NAMESPACE[version]}">{markup}</target>'.encode(), safe_xml_parser()
    )
    assert read_inline(target, NAMESPACE[version]) == (expected, [])


# --- states, both ways ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "state", "approved", "expected"),
    [
        ("1", "final", False, "final"),
        ("1", "signed-off", False, "final"),
        ("1", "translated", True, "final"),  # Translate Toolkit's way of saying "done"
        ("1", None, True, "final"),
        ("1", "translated", False, "draft"),
        ("1", "needs-review-translation", False, "draft"),
        ("1", "needs-review-translation", True, "draft"),
        ("1", "needs-adaptation", False, "draft"),
        ("1", "x-checked", False, "draft"),
        ("1", None, False, "draft"),
        ("1", "new", True, "untranslated"),
        ("1", "needs-translation", False, "untranslated"),
        ("2", "final", False, "final"),
        ("2", "reviewed", False, "final"),
        ("2", "translated", False, "draft"),
        ("2", "initial", False, "untranslated"),
        ("2", None, False, "untranslated"),
    ],
)
def test_states_map_to_what_the_target_becomes(
    family: str, state: str | None, approved: bool, expected: str
) -> None:
    assert verdict(family, state, approved) == expected  # type: ignore[arg-type]


DRAFT = Entry(
    msgid="Hello.",
    msgstr="Hola.",
    msgctxt="paragraph",
    fuzzy=True,
    origin=Origin("engine", "apertium", "0.8.1-2"),
    unknown=("Hello",),
    comments=("keep it short",),
)


def unit_with(target: str | None, *notes: Note) -> XliffUnit:
    return XliffUnit(id="u", line=3, source="Hello.", target=target, notes=notes)


def test_a_final_target_becomes_a_reviewed_entry_and_keeps_the_comments() -> None:
    entry, outcome = merge_unit(DRAFT, unit_with("¡Hola!"), "final")
    assert outcome == "reviewed"
    assert (entry.msgstr, entry.state, entry.origin, entry.unknown) == ("¡Hola!", "reviewed", None, ())
    assert entry.comments == ("keep it short",)
    same, outcome = merge_unit(DRAFT, unit_with("Hola."), "final")  # the draft, accepted as it is
    assert (outcome, same.state, same.msgstr) == ("reviewed", "reviewed", "Hola.")


def test_an_unchanged_machine_draft_stays_the_machine_draft() -> None:
    entry, outcome = merge_unit(DRAFT, unit_with("Hola."), "draft")
    assert (entry, outcome) == (DRAFT, "unchanged")


def test_a_new_unreviewed_target_is_a_persons_fuzzy_text_beside_the_draft() -> None:
    entry, outcome = merge_unit(DRAFT, unit_with("Hola a todos."), "draft")
    assert outcome == "review"
    assert (entry.msgstr, entry.fuzzy, entry.origin, entry.state) == ("Hola a todos.", True, None, "changed")
    assert entry.fresh_draft == "Hola."  # the machine draft of this source stays beside it


def test_untranslated_targets_leave_the_entry_as_it_was() -> None:
    for target, result in ((None, "final"), ("", "final"), ("Hola, mundo.", "untranslated")):
        entry, outcome = merge_unit(DRAFT, unit_with(target), result)  # type: ignore[arg-type]
        assert (entry, outcome) == (DRAFT, "untranslated")


def test_vendor_notes_join_the_translator_comments_once() -> None:
    notes = (
        Note("unknown to apertium: Hello"),  # Puente's own note, whatever the tool did to its author
        Note("paragraph", "puente"),
        Note("keep it short", "translator"),
        Note("Client prefers ¡Hola!\nsee style guide §3\u2028(2025 edition)\r\n\x07", "reviewer"),
    )
    entry, _ = merge_unit(DRAFT, unit_with("Hola.", *notes), "draft")
    assert entry.comments == (
        "keep it short",
        "Client prefers ¡Hola!",
        "see style guide §3",
        "(2025 edition)",
    )
    again, _ = merge_unit(entry, unit_with("Hola.", *notes), "draft")
    assert again.comments == entry.comments


_LINE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    """Any entry Puente can hold: any text and placeholders, any state, notes and comments."""
    msgid = draw(placeholder_texts().filter(lambda text: text.strip() != ""))
    state = draw(st.sampled_from(["untranslated", "reviewed", "machine", "memory", "changed"]))
    msgstr = "" if state == "untranslated" else draw(st.one_of(placeholder_texts(), st.just(msgid)))
    origin = {
        "machine": Origin("engine", "apertium", "0.8.1-2"),
        "memory": Origin("memory", detail="exact match of a reviewed translation"),
    }
    return Entry(
        msgid=msgid,
        msgstr=msgstr,
        msgctxt=draw(st.sampled_from(["paragraph", "list item (2)", "title"])),
        fuzzy=state in ("machine", "memory", "changed") and msgstr != "",
        origin=origin.get(state),
        previous_msgid=draw(_LINE) if state == "changed" else None,
        notes=("paragraph", *draw(st.lists(_LINE, max_size=2))),
        comments=tuple(draw(st.lists(_LINE.filter(lambda line: "\n" not in line), max_size=3))),
    )


@settings(max_examples=100, deadline=None)
@given(
    items=st.lists(entries(), min_size=1, max_size=6, unique_by=lambda entry: (entry.msgctxt, entry.msgid)),
    version=st.sampled_from(VERSIONS),
)
def test_importing_an_unedited_export_is_the_identity(items: list[Entry], version: str) -> None:
    """Whatever the catalog holds, its own export merged back changes no entry."""
    catalog = Catalog(fields={"Language": "es"}, entries=items)
    try:
        data = write_xliff(catalog, version=version, original="a.po", source_lang="en", target_lang="es")  # type: ignore[arg-type]
    except XliffError:
        assert version == "1.2"  # a character only 2.1 can hold
        return
    (document,) = read_xliff(data, "a.xlf")
    for entry, unit in zip(items, document.units, strict=True):
        assert (unit.id, unit.source, unit.problems) == (unit_id(entry.msgctxt, entry.msgid), entry.msgid, ())
        merged, outcome = merge_unit(entry, unit, verdict(document.family, unit.state, unit.approved))
        assert outcome in ("unchanged", "untranslated")
        assert merged == entry


# --- import, end to end ---------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_vendor_edits_reach_the_page_as_reviewed_translations(project: Path, version: str) -> None:
    path = export(project, version) / f"{SLUG}.es.xlf"
    final = "final"
    headline = "México dice que la ofensiva contra los cárteles da «resultados contundentes»"
    vendor(
        path,
        version,
        [
            ("title", TITLE, headline, final),
            ("heading", TITLE, headline, final),
            (
                "list item",
                ARRESTS,
                "{1}Detenciones:{/1} más de 12.300 integrantes de alto rango detenidos.",
                final,
            ),
            (
                "list item",
                DIALOG,
                "{1}Diálogo público:{/1} campaña bilingüe («{2/}») contra la desinformación.",
                final,
            ),
        ],
    )
    add_note(path, version, "title", TITLE, "Shortened per the style guide.")
    assert_valid(path.read_bytes(), version)  # what the vendor sends back is still XLIFF
    result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 0, result.stderr
    assert "4 units reviewed" in result.stdout and "93 unchanged" in result.stdout
    assert "1 note added" in result.stdout
    entries = catalog(project)
    edited = [("title", TITLE), ("heading", TITLE), ("list item", ARRESTS), ("list item", DIALOG)]
    assert [entries[key].state for key in edited] == ["reviewed"] * 4
    assert entries[("title", TITLE)].comments == ("Shortened per the style guide.",)
    assert entries[("list item", DIALOG)].msgstr == (
        "{1}Diálogo público:{/1} campaña bilingüe («{2/}») contra la desinformación."
    )
    result = run_cli("build", "--root", project)
    assert result.exit_code == 0, result.stderr
    article = page_article(project)
    assert page_title(project) == article.find(".//h1").text == headline
    items = {"".join(li.itertext()): li for li in article.iter("li")}
    arrests = items["Detenciones: más de 12.300 integrantes de alto rango detenidos."]
    assert arrests.find("strong").text == "Detenciones:"
    dialog = items["Diálogo público: campaña bilingüe («Juntos contra el Narco») contra la desinformación."]
    assert dialog.find("span").get("translate") == "no"
    assert "translated units: 4 reviewed" in run_cli("build", "--root", project).stdout


@pytest.mark.parametrize("version", VERSIONS)
def test_importing_an_unedited_export_changes_nothing(project: Path, version: str) -> None:
    for lang in ("es", "en"):
        out = export(project, version, lang)
    before = {path: path.read_bytes() for path in (project / "locales").rglob("*.po")}
    result = run_cli("xliff", "import", "--root", project, *sorted(out.iterdir()))
    assert result.exit_code == 0, result.stderr
    assert "0 units reviewed, 0 to review (fuzzy), 131 unchanged" in result.stdout
    assert "catalogs: 0 written, 2 unchanged" in result.stdout
    assert {path: path.read_bytes() for path in before} == before


def test_a_translated_target_is_fuzzy_and_the_page_keeps_the_draft_until_it_is_final(project: Path) -> None:
    path = export(project, "2.1") / f"{SLUG}.es.xlf"
    draft = catalog(project)[("heading", TITLE)].msgstr
    vendor(path, "2.1", [("heading", TITLE, "México: resultados contundentes", "translated")])
    result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 0, result.stderr
    assert "1 to review (fuzzy)" in result.stdout
    entry = catalog(project)[("heading", TITLE)]
    assert (entry.state, entry.msgstr, entry.origin, entry.fresh_draft) == (
        "changed",
        "México: resultados contundentes",
        None,
        draft,
    )
    assert run_cli("build", "--root", project).exit_code == 0
    assert page_article(project).find(".//h1").text == draft
    # the reviewer signs it off in the next round
    path = export(project, "2.1") / f"{SLUG}.es.xlf"
    tree = etree.parse(str(path))
    find_unit(tree, "2.1", "heading", TITLE).find(q("2.1", "segment")).set("state", "final")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert run_cli("xliff", "import", "--root", project, path).exit_code == 0
    assert catalog(project)[("heading", TITLE)].state == "reviewed"
    assert run_cli("build", "--root", project).exit_code == 0
    assert page_article(project).find(".//h1").text == "México: resultados contundentes"


def test_a_file_edited_with_translate_toolkit_imports(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    store = tt_xliff.xlifffile.parsefile(str(path))
    unit = next(u for u in store.units if u.getid().endswith(unit_id("title", TITLE)))
    unit.settarget("Título revisado")
    unit.markfuzzy(False)  # approved="yes", state="translated"
    store.savefile(str(path))
    result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 0, result.stderr
    entry = catalog(project)[("title", TITLE)]
    assert (entry.msgstr, entry.state) == ("Título revisado", "reviewed")


def test_translator_comments_in_the_catalog_survive_an_import(project: Path) -> None:
    po = project / ES_CATALOG
    text = po.read_text("utf-8").replace("#. title\n", "# ask the desk about the headline\n#. title\n", 1)
    po.write_text(text, "utf-8")
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    vendor(path, "1.2", [("title", TITLE, "Nuevo título", "final")])
    add_note(path, "1.2", "title", TITLE, "Headline approved by the client.")
    assert run_cli("xliff", "import", "--root", project, path).exit_code == 0
    assert catalog(project)[("title", TITLE)].comments == (
        "ask the desk about the headline",
        "Headline approved by the client.",
    )
    assert run_cli("xliff", "import", "--root", project, path).exit_code == 0  # the same file again
    assert catalog(project)[("title", TITLE)].comments == (
        "ask the desk about the headline",
        "Headline approved by the client.",
    )


def test_a_unit_split_into_segments_by_a_tool_is_joined(project: Path) -> None:
    path = export(project, "2.1") / f"{SLUG}.es.xlf"
    tree = etree.parse(str(path))
    unit = find_unit(tree, "2.1", "title", TITLE)
    segment = unit.find(q("2.1", "segment"))
    segment.find(q("2.1", "source")).text = "mexico Says Cartel Crackdown is Delivering ‘Compelling Results’"
    segment.find(q("2.1", "target")).text = "México dice que la ofensiva da «resultados contundentes»"
    segment.set("state", "final")
    second = etree.SubElement(unit, q("2.1", "segment"), state="reviewed")
    etree.SubElement(second, q("2.1", "source")).text = " as U.S. Pressure Persists"
    etree.SubElement(second, q("2.1", "target")).text = " ante la presión de EE. UU."
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 0, result.stderr
    entry = catalog(project)[("title", TITLE)]
    assert (entry.msgstr, entry.state) == (
        "México dice que la ofensiva da «resultados contundentes» ante la presión de EE. UU.",
        "reviewed",
    )


# --- refused, and nothing changes ------------------------------------------------------------


def locales(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted((root / "locales").rglob("*")) if path.is_file()}


def refused(root: Path, *files: Path) -> str:
    """Import ``files``: exit code 2, no catalog changed; the messages."""
    before = locales(root)
    result = run_cli("xliff", "import", "--root", root, *files)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("no catalog changed")
    assert locales(root) == before
    return result.stderr


def unit_line(path: Path, version: str, msgctxt: str, msgid: str) -> int:
    return find_unit(etree.parse(str(path)), version, msgctxt, msgid).sourceline


@pytest.mark.parametrize("version", VERSIONS)
def test_a_file_whose_source_changed_since_the_export_is_refused(project: Path, version: str) -> None:
    out = export(project, version)
    path = out / f"{SLUG}.es.xlf"
    vendor(path, version, [("list item", ARRESTS, "{1}Detenciones:{/1} más de 12.300.", "final")])
    vendor(path, version, [("title", TITLE, "Un título", "final")])
    other = export(project, version, "en") / "juntos-contra-el-narco-balance.en.xlf"
    vendor(
        other,
        version,
        [("title", JUNTOS_TITLE, "A title", "final")],
    )
    source = project / "sources" / f"{SLUG}.md"
    source.write_text(source.read_text("utf-8").replace("Over 12,300", "Over 13,300"), "utf-8")
    assert run_cli("build", "--root", project).exit_code == 0
    message = refused(project, other, path)
    line = unit_line(path, version, "list item", ARRESTS)
    assert (
        f"{path}:{line}: unit {unit_id('list item', ARRESTS)} (list item) is not in {ES_CATALOG}: its source "
        in message
    )
    assert "export the article again" in message
    assert (
        catalog(project)[("title", TITLE)].state == "machine"
    )  # the good units of the file were not merged either


def test_an_import_into_a_catalog_older_than_its_article_is_refused(project: Path) -> None:
    """The source must match the article itself: a catalog not rebuilt since the article
    changed cannot tell."""
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    other = export(project, "2.1") / f"{SLUG}.es.xlf"
    vendor(path, "1.2", [("title", TITLE, "Un título", "final")])
    source = project / "sources" / f"{SLUG}.md"
    source.write_text(source.read_text("utf-8").replace("Over 12,300", "Over 13,300"), "utf-8")
    message = refused(project, path, other)
    assert message.count("not up to date") == 1  # one problem of the catalog, however many files
    assert message.startswith(
        f"{ES_CATALOG}: not up to date with sources/{SLUG}.md (the article changed since the last build): "
        "run puente build, then import\n"
    )
    source.unlink()
    assert f"{ES_CATALOG}: no article in sources/ is translated in this catalog any more" in refused(
        project, path
    )


def test_a_catalog_that_links_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    outside = tmp_path / "elsewhere.po"
    shutil.move(project / ES_CATALOG, outside)
    (project / ES_CATALOG).symlink_to(outside)
    before = outside.read_bytes()
    assert f"{ES_CATALOG}: links outside the project" in refused(project, path)
    assert outside.read_bytes() == before and (project / ES_CATALOG).is_symlink()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_source_edited_in_the_file_is_refused(project: Path, version: str) -> None:
    path = export(project, version) / f"{SLUG}.es.xlf"
    tree = etree.parse(str(path))
    unit = find_unit(tree, version, "title", TITLE)
    next(unit.iter(q(version, "source"))).text = "Something else entirely"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    message = refused(project, path)
    assert (
        f"{path}:{unit.sourceline}: unit {unit_id('title', TITLE)} (title): the source text in this file"
        in message
    )


HOSTILE_REFUSED = [
    ("{1}Detenciones:{/1} {9}más{/9}", "unexpected {9}"),
    ("{1}Detenciones:{/1} {1}otra vez{/1}", "{1} appears more than once"),
    ("Detenciones: sin código", "missing {1}"),
    ("{1}Detenciones:{/1} y {7/}", "unexpected {7/}"),
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("target", "problem"), HOSTILE_REFUSED)
def test_targets_with_other_codes_than_the_source_are_refused(
    project: Path, version: str, target: str, problem: str
) -> None:
    path = export(project, version) / f"{SLUG}.es.xlf"
    tree = etree.parse(str(path))
    unit = find_unit(tree, version, "list item", ARRESTS)
    holder = unit if version == "1.2" else unit.find(q(version, "segment"))
    element = holder.find(q(version, "target"))
    element.clear()
    pair, alone = ("g", "x") if version == "1.2" else ("pc", "ph")
    for part in split(target):  # codes with ids the source does not have, as a careless tool writes them
        if isinstance(part, Tag):
            if part.form == "close":
                continue
            code = etree.SubElement(
                element, q(version, pair if part.form == "open" else alone), id=str(part.id)
            )
            text = target[part.end : target.index(f"{{/{part.id}}}", part.end)] if part.form == "open" else ""
            code.text = text or None
        elif not (len(element) and element[-1].text == part):
            if len(element):
                element[-1].tail = (element[-1].tail or "") + part
            else:
                element.text = part
    (holder if version == "2.1" else element).set("state", "final")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    message = refused(project, path)
    assert (
        f"{path}:{unit.sourceline}: unit {unit_id('list item', ARRESTS)} (list item): target: {problem}"
        in message
    )


HOSTILE_TARGETS = {
    # case: (1.2 target, 2.1 target, what the message says): what a hostile or careless tool writes
    "unknown code id": (
        '<g id="abc">Detenciones:</g> más',
        '<pc id="abc">Detenciones:</pc> más',
        'target: <{pair} id="abc"> is not a code of the source',
    ),
    "code inside a standalone code": (
        '<x id="1"><g id="2">Detenciones:</g></x> más',
        '<ph id="1"><pc id="2">Detenciones:</pc></ph> más',
        'target: <{alone} id="1"> holds text or codes',
    ),
    "native code": (
        '<bpt id="1">&lt;b&gt;</bpt>Detenciones:<ept id="1">&lt;/b&gt;</ept>',
        '<sc id="1" isolated="yes"/>Detenciones:',
        "target: inline code <{native}> is not one Puente wrote: keep the <{pair}> and <{alone}> codes",
    ),
    "control character": (
        '<g id="1">Detenciones:</g> m&#127;ás',
        '<pc id="1">Detenciones:</pc> m<cp hex="007F"/>ás',
        "target: character U+007F is not text: remove it",
    ),
    "not a character": (
        '<g id="1">Detenciones:</g> m&#x85;ás&#xFDD0;',
        '<pc id="1">Detenciones:</pc> <cp hex="D800"/>',
        "{not_char}",
    ),
    "typed placeholder": (
        '<g id="1">Detenciones:</g> {2/}',
        '<pc id="1">Detenciones:</pc> {2/}',
        "target: unexpected {{2/}}",
    ),
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(HOSTILE_TARGETS))
def test_hostile_targets_are_refused_with_the_unit_named(project: Path, version: str, case: str) -> None:
    path = export(project, version) / f"{SLUG}.es.xlf"
    markup = HOSTILE_TARGETS[case][VERSIONS.index(version)]
    path.write_text(_replace_target(path.read_text("utf-8"), version, ARRESTS, markup), "utf-8")
    line = _line_of(path, unit_id("list item", ARRESTS))
    message = refused(project, path)
    names = (
        {"pair": "g", "alone": "x", "native": "bpt"}
        if version == "1.2"
        else {"pair": "pc", "alone": "ph", "native": "sc"}
    )
    not_char = (
        "target: character U+FDD0 is not text"
        if version == "1.2"
        else 'target: <cp hex="D800"> is not a character'
    )
    expected = HOSTILE_TARGETS[case][2].format(**names, not_char=not_char)
    assert f"{path}:{line}: unit {unit_id('list item', ARRESTS)} (list item): {expected}" in message


def _line_of(path: Path, unit: str) -> int:
    """The line of the unit ``unit`` in a file that may not even parse any more."""
    text = path.read_text("utf-8")
    return text.count("\n", 0, text.index(f'id="{unit}"')) + 1


def _replace_target(data: str, version: str, msgid: str, markup: str) -> str:
    """The file text with the target of the unit of ``msgid`` replaced by raw ``markup``, state final."""
    tree = etree.fromstring(data.encode(), safe_xml_parser())
    unit = find_unit(tree.getroottree(), version, "list item", msgid)
    holder = unit if version == "1.2" else unit.find(q(version, "segment"))
    holder.find(q(version, "target")).clear()
    (holder.find(q(version, "target")) if version == "1.2" else holder).set("state", "final")
    text = etree.tostring(tree, encoding="unicode")
    marker = 'state="final"/>' if version == "1.2" else "<target/>"
    start = text.index(marker, text.index(unit.get("id")))
    if version == "1.2":
        return text[: start + len(marker) - 2] + ">" + markup + "</target>" + text[start + len(marker) :]
    return text[:start] + "<target>" + markup + "</target>" + text[start + len(marker) :]


@pytest.mark.parametrize("version", VERSIONS)
def test_markup_in_a_target_stays_text_on_the_page(project: Path, version: str) -> None:
    path = export(project, version) / f"{SLUG}.es.xlf"
    code = "g" if version == "1.2" else "pc"
    markup = (
        f'<{code} id="1">Detenciones:</{code}> <script>alert(1)</script> '
        '<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="x" onerror="alert(2)"/> '
        "&lt;iframe src=//evil&gt; &amp;amp; &#60;b&#62;"
    )
    path.write_text(_replace_target(path.read_text("utf-8"), version, ARRESTS, markup), "utf-8")
    result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 0, result.stderr
    assert catalog(project)[("list item", ARRESTS)].msgstr == (
        '{1}Detenciones:{/1} <script>alert(1)</script> <img src="x" onerror="alert(2)"/> '
        "<iframe src=//evil> &amp; <b>"
    )
    assert run_cli("build", "--root", project).exit_code == 0
    article = page_article(project)
    for tag in ("script", "img", "iframe", "b"):
        assert article.find(f".//{tag}") is None
    (item,) = [li for li in article.iter("li") if "Detenciones:" in "".join(li.itertext())]
    assert "".join(item.itertext()) == (
        'Detenciones: <script>alert(1)</script> <img src="x" onerror="alert(2)"/> <iframe src=//evil> &amp; <b>'
    )
    raw = (project / "build" / "es" / f"{SLUG}.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file original="x" source-language="en"
 target-language="es" datatype="po"><body><trans-unit id="a"><source>a</source><target>&xxe;</target>
</trans-unit></body></file></xliff>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1" srcLang="en" trgLang="es"><file id="f"
 original="x"><unit id="a"><segment><source>&lol3;</source></segment></unit></file></xliff>"""
UNDEFINED = b"""<?xml version="1.0"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file original="x" source-language="en"
 target-language="es" datatype="po"><body><trans-unit id="a"><source>a</source><target>&secret;</target>
</trans-unit></body></file></xliff>"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (XXE, ":2: DOCTYPE and entity declarations are not allowed in an XLIFF file"),
        (LAUGHS, ":2: DOCTYPE and entity declarations are not allowed in an XLIFF file"),
        (UNDEFINED, ":3: malformed XML: Entity 'secret' not defined\n"),
        (b"<xliff version='1.2'><file", ":1: malformed XML"),
        (b"<html><body>hi</body></html>", ":1: not an XLIFF file: the root element must be <xliff>"),
        (
            b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="3.0" srcLang="en"/>',
            ":1: XLIFF version '3.0' is not 2.x",
        ),
    ],
)
def test_hostile_and_malformed_files_are_refused_before_anything_is_read(
    project: Path, data: bytes, expected: str
) -> None:
    path = project.parent / "hostile.xlf"
    path.write_bytes(data)
    assert f"{path}{expected}" in refused(project, path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("original", "../../../etc/passwd"),
            "original='../../../etc/passwd' is not a catalog of this project",
        ),
        (
            ("original", "locales/en/LC_MESSAGES/juntos-contra-el-narco-balance.po"),
            "source language is 'en', but",
        ),
        (("target-language", "fr"), f"target language is 'fr', but {ES_CATALOG} translates into 'es'"),
        (("source-language", "es"), f"source language is 'es', but {ES_CATALOG} translates from 'en'"),
    ],
)
def test_a_file_for_another_catalog_or_language_is_refused(
    project: Path, change: tuple[str, str], expected: str
) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    tree = etree.parse(str(path))
    tree.find(q("1.2", "file")).set(*change)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    assert f"{path}:3: {expected}" in refused(project, path)


def test_two_files_that_disagree_on_a_unit_are_refused(project: Path) -> None:
    first = export(project, "1.2") / f"{SLUG}.es.xlf"
    second = export(project, "2.1") / f"{SLUG}.es.xlf"
    vendor(first, "1.2", [("title", TITLE, "Un título", "final")])
    vendor(second, "2.1", [("title", TITLE, "Otro título", "final")])
    message = refused(project, first, second)
    line = unit_line(first, "1.2", "title", TITLE)
    assert f"is also imported from {first}:{line}, with another target or state" in message


def test_every_problem_is_listed(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    missing = project.parent / "missing.xlf"
    tree = etree.parse(str(path))
    for unit in units(tree, "1.2").values():
        unit.find(q("1.2", "source")).text = "changed"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    lines = refused(project, missing, path).splitlines()
    assert lines[0].startswith(f"{missing}: cannot read")
    assert len(lines) == 1 + 97 + 1
    assert lines[-1] == "nothing imported: 98 problems, no catalog changed"


def test_import_takes_the_project_lock(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    before = locales(project)
    with open_project(project).lock("build"):
        result = run_cli("xliff", "import", "--root", project, path)
    assert result.exit_code == 2
    assert "another build is running on this project" in result.stderr
    assert locales(project) == before


def test_dry_run_counts_and_writes_nothing(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    vendor(path, "1.2", [("title", TITLE, "Un título", "final")])
    before = locales(project)
    result = run_cli("xliff", "import", "--root", project, "--dry-run", path)
    assert result.exit_code == 0, result.stderr
    assert "1 unit reviewed" in result.stdout and "dry run: no catalog written" in result.stdout
    assert locales(project) == before


def test_import_through_the_library_raises_every_problem(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    path.write_text(path.read_text("utf-8").replace('target-language="es"', 'target-language="de"'), "utf-8")
    with pytest.raises(XliffRefused) as caught:
        import_files(open_project(project), [path])
    assert [problem.line for problem in caught.value.problems] == [3]


# --- the command line -----------------------------------------------------------------


def test_export_can_leave_out_reviewed_units(project: Path) -> None:
    path = export(project, "1.2") / f"{SLUG}.es.xlf"
    vendor(path, "1.2", [("title", TITLE, "Un título", "final")])
    assert run_cli("xliff", "import", "--root", project, path).exit_code == 0
    (document,) = read_xliff(
        (export(project, "2.1", "es", "--skip-reviewed") / f"{SLUG}.es.xlf").read_bytes(), "x"
    )
    assert len(document.units) == 96 and unit_id("title", TITLE) not in [unit.id for unit in document.units]


def test_export_errors_name_the_problem(project: Path, tmp_path: Path) -> None:
    empty_project = tmp_path / "empty"
    (empty_project / "sources").mkdir(parents=True)
    result = run_cli("xliff", "export", "--root", project, "--lang", "fr", "--out", project.parent / "x")
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "puente.toml: 'fr' is not a language of this project (en, es)",
    )
    result = run_cli(
        "xliff", "export", "--root", empty_project, "--lang", "es", "--out", project.parent / "x"
    )
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "locales/es/LC_MESSAGES: no catalogs to export: run puente build (or puente extract) first",
    )
    result = run_cli(
        "xliff", "export", "--root", project, "--lang", "es", "--out", project / "sources" / f"{SLUG}.md"
    )
    assert result.exit_code == 2 and "Traceback" not in result.stderr
