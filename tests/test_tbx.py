"""TBX interchange: the dialect Puente writes (validated with TBX-Basic's own schemas), TBX 2 and 3 from
and to real peers (Translate Toolkit), and nothing lost when the termbase is rewritten."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.glossary import Term
from pipeline.project import open_project
from pipeline.tbx import PART_OF_SPEECH, read_tbx, read_termbase, write_tbx
from pipeline.termbase import load_glossary
from pipeline.termcsv import read_csv, write_csv
from tests.conftest import REPO, run_cli
from tests.helpers import SCHEMAS, loopback_server, tbx_puente_problems

TOOLS = Path(sys.executable).parent  # Translate Toolkit's commands, installed with the test extra
CANONICAL = REPO / "glossary" / "puente.tbx"
PREVIOUS = REPO / "tests" / "data" / "puente-previous-format.tbx"
ASTRONOMY = SCHEMAS / "Example_Astronomy_DCA_VALID.tbx"  # TBX-Basic's own sample: en and es, full of data
TBX_NS = "urn:iso:std:iso:30042:ed-2"
WEBLATE_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">
<martif type="TBX" xml:lang="en">
  <martifHeader><fileDesc><sourceDesc><p>Weblate</p></sourceDesc></fileDesc></martifHeader>
  <text>
    <body>
      <termEntry id="sonora">
        <descrip type="Translation needed">no</descrip>
        <descrip>A Mexican state on the US border</descrip>
        <langSet xml:lang="en"><tig><term>Sonora</term></tig></langSet>
        <langSet xml:lang="es"><tig><term>Sonora</term><note from="translator">nunca «Audible»</note></tig></langSet>
        <langSet xml:lang="cs"><tig><term>Sonora</term></tig></langSet>
      </termEntry>
      <termEntry id="border wall">
        <descrip type="Usage note">US politics</descrip>
        <langSet xml:lang="en-US">
          <ntig>
            <termGrp><term>border wall</term><termNote type="partOfSpeech">noun</termNote></termGrp>
            <admin type="source">AP Stylebook</admin>
          </ntig>
        </langSet>
        <langSet xml:lang="es-MX">
          <tig><term>muro fronterizo</term><termNote type="grammaticalGender">masculine</termNote></tig>
        </langSet>
      </termEntry>
      <termEntry id="fr-only">
        <langSet xml:lang="en"><tig><term>cartel</term></tig></langSet>
        <langSet xml:lang="fr"><tig><term>cartel</term></tig></langSet>
      </termEntry>
    </body>
  </text>
</martif>
"""


def bare(terms: list[Term]) -> list[Term]:
    return [dataclasses.replace(term, line=0, file="") for term in terms]


# --- the dialect -------------------------------------------------------------------------------


def test_the_canonical_termbase_is_valid_tbx_puente() -> None:
    """TBX-Basic plus Puente's three data categories: TBX core RNG and TBX-Basic's Schematron pass."""
    assert tbx_puente_problems(CANONICAL.read_bytes()) == []


def test_the_validation_finds_what_the_previous_file_got_wrong() -> None:
    """The previous canonical file claimed TBX-Basic with private categories and a misplaced context."""
    problems = tbx_puente_problems(PREVIOUS.read_bytes())
    assert problems[0] == "root: type='TBX-Basic' style='dca'"
    assert problems[1:] == [
        "/tbx/text/body/conceptEntry[1]/langSec[1]/descrip: /context/ may only appear at level(s): termSec",
        "/tbx/text/body/conceptEntry[44]/langSec[1]/descrip: /context/ may only appear at level(s): termSec",
    ]
    # and the TBX-Basic checks themselves bite: a category Basic lacks, a value outside its picklist
    broken = CANONICAL.read_bytes().replace(b'type="subjectField">unit', b'type="x-unit">unit', 1)
    broken = broken.replace(b'"partOfSpeech">noun', b'"partOfSpeech">proper noun', 1)
    assert [problem.split(": ", 1)[1] for problem in tbx_puente_problems(broken)] == [
        "Permitted type value(s): subjectField, context, definition",
        "/partOfSpeech/ type may be: 'adjective' or 'noun' or 'other' or 'verb' or 'adverb'",
    ]
    misplaced = CANONICAL.read_bytes().replace(
        b'<descrip type="x-firstMention">', b'<descrip type="x-caseSensitive">', 1
    )
    assert tbx_puente_problems(misplaced)[0].endswith("x-caseSensitive belongs to conceptEntry, not langSec")


def test_the_previous_canonical_file_reads_and_rewrites_to_the_current_one() -> None:
    previous = read_termbase(PREVIOUS.read_bytes(), "glossary/puente.tbx")
    assert bare(previous.terms) == bare(load_glossary(open_project(REPO)).terms)
    assert len(previous.terms) == 127
    assert write_tbx(previous) == CANONICAL.read_bytes()


text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufffe\uffff"),
    max_size=12,
).map(str.strip)
term_text = text.filter(bool)
note_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff\r", codec="utf-8")
    .filter(lambda c: c in "\t\n" or not c.isspace() or c == " ")
    .filter(lambda c: c in "\t\n" or (ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F)),
    max_size=20,
).map(str.strip)
terms = st.builds(
    Term,
    id=st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
    en=term_text,
    es=term_text,
    en_variants=st.lists(term_text, max_size=2).map(tuple),
    es_variants=st.lists(term_text, max_size=2).map(tuple),
    pos=st.sampled_from(PART_OF_SPEECH),
    gender=st.sampled_from(["", "m", "f"]),
    note=note_text,
    dnt=st.booleans(),
    case_sensitive=st.booleans(),
    en_expansion=note_text,
    es_expansion=note_text,
    subject=text,
    context=note_text,
)


def _distinct(values: list[Term]) -> list[Term]:
    """Terms with distinct ids and no form in common (one concept each, no conflict)."""
    seen: set[str] = set()
    out = []
    for term in values:
        keys = {term.id} | {f"{lang}:{form.casefold()}" for lang in ("en", "es") for form in term.forms(lang)}
        if not keys & seen:
            seen |= keys
            out.append(term)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(terms, min_size=1, max_size=4).map(_distinct))
def test_whatever_puente_writes_is_valid_and_reads_back_the_same(values: list[Term]) -> None:
    document = write_tbx(values)
    assert tbx_puente_problems(document) == []
    assert bare(read_tbx(document, "x.tbx")) == values
    assert bare(read_tbx(write_tbx(values, version=2), "x.tbx")) == values  # TBX 2 as well
    assert bare(read_csv(write_csv(values), "x.csv")) == values  # and CSV


# --- TBX 2 and 3 with real peers ---------------------------------------------------------------


def _csv2tbx(tmp_path: Path) -> Path:
    source = tmp_path / "terms.csv"
    source.write_text(
        'source,target\n"Sinaloa Cartel","Cártel de Sinaloa"\n"National Guard","Guardia Nacional"\n', "utf-8"
    )
    tbx = tmp_path / "terms.tbx"
    subprocess.run([TOOLS / "csv2tbx", source, tbx], check=True, capture_output=True)
    raw = tbx.read_bytes()
    assert b"\n<!DOCTYPE martif PUBLIC" in raw and b"\n<martif " in raw  # TBX 2 as the tool writes it
    return tbx


def test_csv2tbx_output_imports(empty_project: Path, tmp_path: Path) -> None:
    tbx = _csv2tbx(tmp_path)
    result = run_cli("glossary", "import", tbx, "--lang", "xx=es", "--root", empty_project)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "2 terms added, 0 updated, 2 in the termbase\n"
    listed = run_cli("glossary", "list", "--root", empty_project)
    assert listed.stdout == "National Guard = Guardia Nacional\nSinaloa Cartel = Cártel de Sinaloa\n"
    assert tbx_puente_problems((empty_project / "glossary" / "puente.tbx").read_bytes()) == []


def test_csv2tbx_output_without_a_language_map_says_how(empty_project: Path, tmp_path: Path) -> None:
    """csv2tbx cannot name the target language and writes "xx" (Translate Toolkit issue 2598)."""
    tbx = _csv2tbx(tmp_path)
    result = run_cli("glossary", "import", tbx, "--root", empty_project)
    assert (result.exit_code, result.stdout) == (0, "0 terms added, 0 updated, 0 in the termbase\n")
    assert result.stderr.splitlines() == [
        f"{tbx}:13: warning: concept Sinaloa Cartel has no es term; skipped",
        f"{tbx}:17: warning: concept National Guard has no es term; skipped",
        f"{tbx}: warning: no concept has both an en and an es term (languages: en, xx); map one of its "
        "languages with --lang, e.g. --lang xx=es",
    ]
    assert not (empty_project / "glossary").exists()


def test_the_tbx2_export_reads_in_translate_toolkit(project: Path, tmp_path: Path) -> None:
    from translate.storage.tbx import tbxfile

    out = tmp_path / "export.tbx"
    result = run_cli("glossary", "export", "-o", out, "--tbx-version", "2", "--root", project)
    assert result.exit_code == 0 and result.stdout == ""
    expected = load_glossary(open_project(project)).terms
    with out.open("rb") as handle:
        store = tbxfile(handle, sourcelanguage="en", targetlanguage="es")
    assert len(store.units) == len(expected)
    for unit, term in zip(store.units, expected, strict=True):
        assert unit.getid() == term.id
        assert [t.text for t in unit.get_source_terms()] == list(term.forms("en"))
        assert [t.text for t in unit.get_target_terms()] == list(term.forms("es"))
        assert unit.istranslatable() is not term.dnt  # Weblate's "Translation needed" = no
        assert unit.getnotes() == term.note
    # and Puente reads its TBX 2 back without loss
    assert bare(read_tbx(out.read_bytes(), "export.tbx")) == bare(expected)


def test_the_tbx3_export_is_the_canonical_file(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.tbx"
    assert run_cli("glossary", "export", "-o", out, "--root", project).exit_code == 0
    assert out.read_bytes() == CANONICAL.read_bytes()
    stdout = run_cli("glossary", "export", "--tbx-version", "3", "--root", project).stdout
    assert stdout.encode() == CANONICAL.read_bytes()


def test_export_refuses_what_it_cannot_write(project: Path, tmp_path: Path) -> None:
    result = run_cli("glossary", "export", "-o", tmp_path / "x.txt", "--root", project)
    assert (result.exit_code, result.stderr) == (
        2,
        f"{tmp_path / 'x.txt'}: give the export a .csv or a .tbx file name\n",
    )
    result = run_cli("glossary", "export", "-o", tmp_path / "x.csv", "--tbx-version", "2", "--root", project)
    assert result.stderr == f"{tmp_path / 'x.csv'}: --tbx-version applies to a .tbx file, not CSV\n"
    assert not list(tmp_path.glob("x.*"))


def test_a_weblate_style_tbx2_imports_and_keeps_what_puente_does_not_model(
    empty_project: Path, tmp_path: Path
) -> None:
    from translate.storage.tbx import tbxfile

    source = tmp_path / "weblate.tbx"
    source.write_text(WEBLATE_STYLE, "utf-8")
    result = run_cli("glossary", "import", source, "--root", empty_project)
    assert result.exit_code == 0 and result.stdout == "2 terms added, 0 updated, 2 in the termbase\n"
    assert result.stderr == f"{source}:26: warning: concept fr-only has no es term; skipped\n"
    sonora, wall = load_glossary(open_project(empty_project)).terms
    assert (sonora.id, sonora.dnt, sonora.note) == ("sonora", True, "")
    assert (wall.id, wall.en, wall.es, wall.pos, wall.gender) == (
        "border-wall",
        "border wall",
        "muro fronterizo",
        "noun",
        "m",
    )
    canonical = (empty_project / "glossary" / "puente.tbx").read_bytes()
    for kept in (
        b"<descrip>A Mexican state on the US border</descrip>",
        b'<note from="translator">nunca \xc2\xabAudible\xc2\xbb</note>',
        b'<langSec xml:lang="cs">',
        b'<descrip type="Usage note">US politics</descrip>',
        b'<admin type="source">AP Stylebook</admin>',
        b'<langSec xml:lang="en-US">',
        b'<langSec xml:lang="es-MX">',
    ):
        assert kept in canonical, kept
    # the TBX 2 export gives it all back, and Translate Toolkit reads the Czech term too
    out = tmp_path / "out.tbx"
    assert (
        run_cli("glossary", "export", "-o", out, "--tbx-version", "2", "--root", empty_project).exit_code == 0
    )
    with out.open("rb") as handle:
        store = tbxfile(handle, sourcelanguage="en", targetlanguage="cs")
    assert [(unit.source, unit.target) for unit in store.units] == [
        ("Sonora", "Sonora"),
        ("border wall", None),
    ]
    assert (
        b'<langSet xml:lang="cs">' in out.read_bytes()
        and b'<descrip type="Translation needed">no' in out.read_bytes()
    )


def test_a_multilingual_tbx3_skips_only_the_concepts_without_a_language(
    empty_project: Path, tmp_path: Path
) -> None:
    source = tmp_path / "multi.tbx"
    source.write_text(
        f'<tbx xmlns="{TBX_NS}" type="TBX-Basic" style="dca" xml:lang="en"><text><body>\n'
        '<conceptEntry id="a"><langSec xml:lang="en"><termSec><term>seizure</term></termSec></langSec>\n'
        '<langSec xml:lang="es"><termSec><term>decomiso</term></termSec></langSec>\n'
        '<langSec xml:lang="pt"><termSec><term>apreensão</term></termSec></langSec></conceptEntry>\n'
        '<conceptEntry id="b"><langSec xml:lang="en"><termSec><term>raid</term></termSec></langSec>\n'
        '<langSec xml:lang="pt"><termSec><term>batida</term></termSec></langSec></conceptEntry>\n'
        "</body></text></tbx>\n"
    )
    result = run_cli("glossary", "import", source, "--root", empty_project)
    assert (result.exit_code, result.stdout) == (0, "1 term added, 0 updated, 1 in the termbase\n")
    assert result.stderr == f"{source}:5: warning: concept b has no es term; skipped\n"
    assert "apreensão" in (empty_project / "glossary" / "puente.tbx").read_text("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be", "utf-32"])
def test_tbx_with_an_external_doctype_imports_in_every_encoding_and_fetches_nothing(
    empty_project: Path, tmp_path: Path, encoding: str
) -> None:
    def answer(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b'<!ENTITY x "FETCHED">')

    with loopback_server(answer) as (url, hits):
        document = WEBLATE_STYLE.replace('encoding="utf-8"', f'encoding="{encoding}"').replace(
            '"TBXcdv04.dtd"', f'"{url}/TBXcdv04.dtd"'
        )
        source = tmp_path / "x.tbx"
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
        source.write_bytes(bom + document.encode(encoding))
        result = run_cli("glossary", "import", source, "--root", empty_project)
        assert result.stdout == "2 terms added, 0 updated, 2 in the termbase\n"
        source.write_bytes(bom + document.replace("<term>cartel", "<term>&x;cartel").encode(encoding))
        refused = run_cli("glossary", "import", source, "--root", empty_project)
        assert (refused.exit_code, refused.stderr) == (
            2,
            f"{source}:27: entity reference &x; is not allowed in a termbase\n",
        )
        assert hits == []
    assert b"FETCHED" not in (empty_project / "glossary" / "puente.tbx").read_bytes()


# --- nothing lost on rewrite -------------------------------------------------------------------


def _data(document: bytes) -> Counter[tuple[object, ...]]:
    """Every piece of data in a TBX 3 document's concepts: each element without element children,
    with its concept, language, term, path, attributes and text."""
    root = etree.fromstring(document)
    items: Counter[tuple[object, ...]] = Counter()
    for concept in root.iter(f"{{{TBX_NS}}}conceptEntry"):
        for leaf in concept.iter(etree.Element):
            if len(leaf):
                continue
            path, lang, term = [], "", ""
            node = leaf
            while node is not concept:
                local = etree.QName(node).localname
                path.append(local)
                if local == "langSec":
                    lang = node.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
                if local == "termSec":
                    term = node.findtext(f"{{{TBX_NS}}}term") or ""
                node = node.getparent()
            attributes = tuple(sorted(leaf.attrib.items()))
            items[
                (
                    concept.get("id"),
                    lang,
                    term,
                    "/".join(reversed(path)),
                    attributes,
                    " ".join((leaf.text or "").split()),
                )
            ] += 1
    return items


def _back(document: bytes) -> bytes:
    back = etree.fromstring(document).find(f"{{{TBX_NS}}}text/{{{TBX_NS}}}back")
    assert back is not None
    return re.sub(rb">\s+<", b"><", etree.tostring(back, method="c14n"))  # indentation aside


HOLDING_MORE = f"""<?xml version="1.0" encoding="UTF-8"?>
<tbx xmlns="{TBX_NS}" type="TBX-Basic" style="dca" xml:lang="en">
  <text>
    <body>
      <conceptEntry id="seizure">
        <descrip type="definition">Taking property by legal authority</descrip>
        <transacGrp><transac type="transactionType">origination</transac><date>2024-01-02</date></transacGrp>
        <admin type="projectSubset">courts</admin>
        <langSec xml:lang="en">
          <termSec>
            <term>seizure</term>
            <termNote type="termType">fullForm</termNote>
            <admin type="source">AP Stylebook</admin>
            <note>not the medical sense</note>
          </termSec>
        </langSec>
        <langSec xml:lang="es">
          <descrip type="definition">Privación de bienes por orden judicial</descrip>
          <termSec><term>decomiso</term><termNote type="geographicalUsage">MX</termNote></termSec>
        </langSec>
      </conceptEntry>
    </body>
  </text>
</tbx>
"""


def test_glossary_add_keeps_definitions_transactions_term_types_and_notes(empty_project: Path) -> None:
    canonical = empty_project / "glossary" / "puente.tbx"
    canonical.parent.mkdir()
    canonical.write_text(HOLDING_MORE, "utf-8")
    result = run_cli("glossary", "add", "--en", "raid", "--es", "redada", "--root", empty_project)
    assert (result.exit_code, result.stderr) == (0, "")
    assert not _data(HOLDING_MORE.encode()) - _data(canonical.read_bytes())
    # replacing the entry itself keeps them too
    result = run_cli("glossary", "add", "--en", "seizure", "--es", "incautación", "--root", empty_project)
    assert result.stdout == "updated: seizure = incautación\n"
    lost = _data(HOLDING_MORE.encode()) - _data(canonical.read_bytes())
    assert sorted(item[2:] for item in lost) == [  # (keyed by their term, which changed)
        ("decomiso", "langSec/termSec/term", (), "decomiso"),
        ("decomiso", "langSec/termSec/termNote", (("type", "geographicalUsage"),), "MX"),
    ]
    assert (
        "seizure",
        "es",
        "incautación",
        "langSec/termSec/termNote",
        (("type", "geographicalUsage"),),
        "MX",
    ) in _data(canonical.read_bytes())  # the Spanish term changed in place: its data stays with it
    assert tbx_puente_problems(canonical.read_bytes()) == []


def test_data_puente_does_not_model_survives_add_and_import(empty_project: Path, tmp_path: Path) -> None:
    """Definitions, transactions, term types, sources, notes, pictures: the TBX-Basic sample imported,
    then the termbase rewritten by `glossary add` and by a CSV import, loses none of it."""
    result = run_cli("glossary", "import", ASTRONOMY, "--root", empty_project)
    assert (result.exit_code, result.stdout) == (0, "39 terms added, 0 updated, 39 in the termbase\n")
    # the sample's bibliography entries are concepts in Zulu only: skipped, the others imported
    skipped = [line.split(": warning: concept ")[1] for line in result.stderr.splitlines()]
    assert len(skipped) == 6 and all(line.endswith(" has no en term; skipped") for line in skipped)
    skipped_ids = {line.split()[0] for line in skipped}
    original = Counter(
        {item: n for item, n in _data(ASTRONOMY.read_bytes()).items() if item[0] not in skipped_ids}
    )
    canonical = empty_project / "glossary" / "puente.tbx"
    assert not original - _data(canonical.read_bytes())
    added = run_cli(
        "glossary", "add", "--en", "wormhole", "--es", "agujero de gusano", "--root", empty_project
    )
    assert added.stdout == "added: wormhole = agujero de gusano\n"
    csv_path = tmp_path / "terms.csv"
    assert run_cli("glossary", "export", "-o", csv_path, "--root", empty_project).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8"))))
    rows[0]["note"] = "edited in a spreadsheet"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    imported = run_cli("glossary", "import", csv_path, "--root", empty_project)
    assert imported.stdout.startswith("0 terms added, 1 updated")
    rewritten = canonical.read_bytes()
    lost = original - _data(rewritten)
    # only the note the editor replaced is gone, and it was replaced
    assert list(lost) == [
        ("c1", "", "", "note", (), "G-Source: http://www.physics.drexel.edu/observatory/dump.shtml")
    ]
    assert ("c1", "", "", "note", (), "edited in a spreadsheet") in _data(rewritten)
    assert _back(rewritten) == _back(ASTRONOMY.read_bytes())  # the person the transactions name
    assert tbx_puente_problems(rewritten) == []


def test_an_imported_concept_replaces_data_of_the_same_kind_only(empty_project: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.tbx"
    first.write_text(
        f'<tbx xmlns="{TBX_NS}" type="TBX-Basic" style="dca" xml:lang="en"><text><body><conceptEntry id="c">'
        '<descrip type="definition">Old definition</descrip>'
        '<transacGrp><transac type="transactionType">origination</transac><date>2024-01-02</date></transacGrp>'
        '<langSec xml:lang="en"><termSec><term>seizure</term><termNote type="termType">fullForm</termNote>'
        "<note>en note</note></termSec></langSec>"
        '<langSec xml:lang="es"><termSec><term>decomiso</term></termSec>'
        '<termSec><term>incautación</term><termNote type="termType">variant</termNote></termSec></langSec>'
        "</conceptEntry></body></text></tbx>"
    )
    second = tmp_path / "second.tbx"
    second.write_text(
        '<martif type="TBX"><text><body><termEntry id="c">'
        '<descrip type="definition">New definition</descrip>'
        '<langSet xml:lang="en"><tig><term>seizure</term><termNote type="termType">phrase</termNote></tig></langSet>'
        '<langSet xml:lang="es"><tig><term>decomiso</term></tig><tig><term>incautación</term></tig></langSet>'
        "</termEntry></body></text></martif>"
    )
    assert run_cli("glossary", "import", first, "--root", empty_project).exit_code == 0
    result = run_cli("glossary", "import", second, "--root", empty_project)
    assert result.stdout == "0 terms added, 1 updated, 1 in the termbase\n"
    data = {
        (item[2], item[3], item[5])
        for item in _data((empty_project / "glossary" / "puente.tbx").read_bytes())
    }
    assert ("", "descrip", "New definition") in data and ("", "descrip", "Old definition") not in data
    assert ("", "transacGrp/date", "2024-01-02") in data  # the second file has no transactions: kept
    assert ("seizure", "langSec/termSec/termNote", "phrase") in data
    assert ("seizure", "langSec/termSec/termNote", "fullForm") not in data
    assert ("seizure", "langSec/termSec/note", "en note") in data
    assert ("incautación", "langSec/termSec/termNote", "variant") in data


def test_an_edited_variant_keeps_its_data(empty_project: Path, tmp_path: Path) -> None:
    assert run_cli("glossary", "import", ASTRONOMY, "--root", empty_project).exit_code == 0
    concepts = read_termbase((empty_project / "glossary" / "puente.tbx").read_bytes(), "x").terms
    first = concepts[0]
    assert first.en_variants == ("galactic cluster",)
    edited = dataclasses.replace(first, en_variants=("galactic star cluster",))
    csv_path = tmp_path / "edit.csv"
    csv_path.write_text(write_csv([edited]), "utf-8")
    assert run_cli("glossary", "import", csv_path, "--root", empty_project).exit_code == 0
    data = _data((empty_project / "glossary" / "puente.tbx").read_bytes())
    assert (
        "c1",
        "en",
        "galactic star cluster",
        "langSec/termSec/termNote",
        (("type", "administrativeStatus"),),
        "supersededTerm-admn-sts",
    ) in data


def test_concepts_puente_cannot_use_stay_in_the_canonical_file(project: Path) -> None:
    canonical = project / "glossary" / "puente.tbx"
    lone = (
        '<conceptEntry id="lone"><descrip type="definition">English only, for now</descrip>'
        '<langSec xml:lang="en"><termSec><term>fentanyl precursor</term></termSec></langSec></conceptEntry>'
    )
    canonical.write_bytes(canonical.read_bytes().replace(b"    </body>", lone.encode() + b"\n    </body>"))
    line = canonical.read_text("utf-8").splitlines().index(lone) + 1
    result = run_cli("glossary", "add", "--en", "cartel boss", "--es", "capo", "--root", project)
    assert result.exit_code == 0
    assert result.stderr == f"glossary/puente.tbx:{line}: warning: concept lone has no es term; skipped\n"
    after = canonical.read_text("utf-8")
    assert "English only, for now" in after and "fentanyl precursor" in after and "<term>capo</term>" in after


# --- glossary add and import: input checks and the lock -----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--en", "", "--es", "vacío"], "--en: a term cannot be empty or blank ('')"),
        (["--en", "   ", "--es", "vacío"], "--en: a term cannot be empty or blank ('   ')"),
        (
            ["--en", "bell", "--es", "cam\x07pana"],
            "--es: a term cannot hold U+0007 (a control character or a line break) ('cam\\x07pana')",
        ),
        (
            ["--en", "two\nlines", "--es", "x"],
            "--en: a term cannot hold U+000A (a control character or a line break) ('two\\nlines')",
        ),
        (
            ["--en", "a", "--es", "b", "--variant-en", " "],
            "--variant-en: a term cannot be empty or blank (' ')",
        ),
        (["--en", "a", "--es", "b", "--note", "nul\x00"], "--note: control character U+0000 is not allowed"),
        (
            ["--en", "a", "--es", "b", "--pos", "proper noun"],
            "--pos: must be one of noun, verb, adjective, adverb, other (TBX-Basic's), not 'proper noun'",
        ),
    ],
)
def test_glossary_add_refuses_what_would_break_the_termbase(
    project: Path, args: list[str], message: str
) -> None:
    before = (project / "glossary" / "puente.tbx").read_bytes()
    result = run_cli("glossary", "add", *args, "--root", project)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert (project / "glossary" / "puente.tbx").read_bytes() == before
    assert run_cli("glossary", "list", "--root", project).exit_code == 0


@pytest.mark.parametrize("command", ["add", "import"])
def test_glossary_add_and_import_take_the_project_lock(project: Path, tmp_path: Path, command: str) -> None:
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("en,es\nraid,redada\n", "utf-8")
    args = ["--en", "raid", "--es", "redada"] if command == "add" else [str(csv_path)]
    before = (project / "glossary" / "puente.tbx").read_bytes()
    with open_project(project).lock("build"):
        result = run_cli("glossary", command, *args, "--root", project)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(".puente/build.lock: another build is running on this project (pid ")
    assert (project / "glossary" / "puente.tbx").read_bytes() == before
    assert run_cli("glossary", command, *args, "--root", project).exit_code == 0


def test_add_rewrites_only_the_canonical_file(project: Path) -> None:
    other = project / "glossary" / "desk.tbx"
    other.write_bytes(write_tbx([Term("raid", "raid", "redada")]))
    before = other.read_bytes()
    assert run_cli("glossary", "add", "--en", "cartel boss", "--es", "capo", "--root", project).exit_code == 0
    assert other.read_bytes() == before
    canonical = read_tbx((project / "glossary" / "puente.tbx").read_bytes(), "x")
    assert "raid" not in {term.en for term in canonical} and "cartel boss" in {term.en for term in canonical}
    conflict = run_cli("glossary", "add", "--en", "raid", "--es", "incursión", "--root", project)
    assert conflict.exit_code == 2
    assert conflict.stderr == (
        "glossary/puente.tbx: conflicting entries for 'raid': 'redada' (glossary/desk.tbx:12) and 'incursión'; "
        "give them different subject fields or merge them\n"
    )


def test_a_replaced_entry_keeps_its_id(project: Path) -> None:
    result = run_cli(
        "glossary", "add", "--en", "Sinaloa Cartel", "--es", "cártel de Sinaloa", "--root", project
    )
    assert result.stdout == "updated: Sinaloa Cartel = cártel de Sinaloa\n"
    ids = {term.en: term.id for term in load_glossary(open_project(project)).terms}
    assert (
        ids["Sinaloa Cartel"]
        == {t.en: t.id for t in load_glossary(open_project(REPO)).terms}["Sinaloa Cartel"]
    )


def test_the_astronomy_sample_is_itself_valid_tbx_basic() -> None:
    """The schemas and the XPath 1 translation of the Schematron accept the dialect's own sample."""
    from tests.helpers import tbx_basic_problems

    assert tbx_basic_problems(ASTRONOMY.read_bytes()) == []


def test_concepts_of_other_tools_with_the_same_id_do_not_overwrite_each_other(
    empty_project: Path, tmp_path: Path
) -> None:
    for name, (en, es) in {"a.tbx": ("seizure", "decomiso"), "b.tbx": ("raid", "redada")}.items():
        (tmp_path / name).write_text(
            f'<tbx xmlns="{TBX_NS}" type="TBX-Basic" style="dca"><text><body><conceptEntry id="c1">'
            f'<langSec xml:lang="en"><termSec><term>{en}</term></termSec></langSec>'
            f'<langSec xml:lang="es"><termSec><term>{es}</term></termSec></langSec>'
            "</conceptEntry></body></text></tbx>"
        )
        assert run_cli("glossary", "import", tmp_path / name, "--root", empty_project).exit_code == 0
    terms = load_glossary(open_project(empty_project)).terms
    assert [(t.id, t.en) for t in terms] == [("c1", "seizure"), ("c1-2", "raid")]
    # the same id with a term in common is the same concept: an update
    (tmp_path / "a.tbx").write_text((tmp_path / "a.tbx").read_text().replace("decomiso", "incautación"))
    result = run_cli("glossary", "import", tmp_path / "a.tbx", "--root", empty_project)
    assert result.stdout == "0 terms added, 1 updated, 2 in the termbase\n"


def test_a_csv_round_trip_leaves_the_terms_of_other_files_where_they_are(
    project: Path, tmp_path: Path
) -> None:
    (project / "glossary" / "desk.tbx").write_bytes(write_tbx([Term("raid", "raid", "redada")]))
    before = (project / "glossary" / "puente.tbx").read_bytes()
    csv_path = tmp_path / "all.csv"
    assert run_cli("glossary", "export", "-o", csv_path, "--root", project).exit_code == 0
    assert "raid,raid,redada" in csv_path.read_text("utf-8")
    result = run_cli("glossary", "import", csv_path, "--root", project)
    assert result.stdout == "0 terms added, 0 updated, 127 in the termbase\n"
    assert (project / "glossary" / "puente.tbx").read_bytes() == before
