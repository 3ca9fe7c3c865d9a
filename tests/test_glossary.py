"""The glossary: a real termbase, terms enforced through real Apertium, hostile and malformed input."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.errors import GlossaryError
from pipeline.glossary import Term, check_terms, find_terms, glossary_notes, mask, unmask
from pipeline.mt.apertium import strip_marks
from pipeline.project import open_project
from pipeline.tbx import read_tbx
from pipeline.termbase import load_glossary
from pipeline.termcsv import read_csv, write_csv
from pipeline.xml import safe_xml_parser
from tests.conftest import REPO, run_cli
from tests.helpers import apertium, loopback_server

BAD = Path(__file__).parent / "bad" / "glossary"
GLOSSARY = load_glossary(open_project(REPO))

SEED_SENTENCES = [
    "President Claudia Sheinbaum announced that the coordinated U.S.–Mexico crackdown has produced results.",
    "Reported 27 % reduction in cartel‑related homicides in the states of Baja California, Sonora, and Michoacán.",
    "Cartels are shifting to maritime routes in the Gulf of California, prompting the need for expanded naval patrols.",
    "Deployment of aerial drone surveillance along the Colorado River corridor.",
    "Subscribe to official alerts from the Secretaría de Seguridad y Protección Ciudadana (SSPC).",
    "842 cartel operatives,including two regional lieutenants of the Sinaloa Cartel.",
    "These figures are corroborated by the United Nations Office on Drugs and Crime (UNODC).",
    "Approximately US $1.9 billion was seized under the expanded Merida Initiative.",
    "Highlighted the inclusion of a “Continuity Clause” in the agreement.",
    "Expand the “Safe Neighborhoods” initiative, linking social services with law enforcement.",
    "{1}Public Dialog:{/1} Launched a bilingual outreach campaign (“{2/}”) to counter misinformation.",
    "The DEA, ICE, and CBP worked with CENAPI in Tijuana.",
]
SPANISH_SENTENCES = [
    "La presidenta Claudia Sheinbaum afirmó que la cooperación con Washington se basa en el respeto.",
    "La mayoría se refería a la venta de fentanilo y metanfetamina en Sonora.",
    "El Cártel de Sinaloa perdió terreno ante la Guardia Nacional.",
    "La información se entrega a la Fiscalía General de la República (FGR).",
    "La campaña {1/} ya opera en 40 municipios de Baja California.",
]


def test_termbase_is_large_and_covers_the_beat() -> None:
    assert len(GLOSSARY.terms) >= 80
    english = {term.en for term in GLOSSARY.terms}
    for required in (
        "SSPC",
        "FGR",
        "SEDENA",
        "SEMAR",
        "National Guard",
        "CENAPI",
        "UIF",
        "UNODC",
        "DEA",
        "ICE",
        "CBP",
        "DOJ",
        "BINAC",
        "SCBDE",
        "Mérida Initiative",
        "Juntos contra el Narco",
        "Sinaloa Cartel",
        "Jalisco New Generation Cartel",
        "Sonora",
        "Gulf of California",
        "Colorado River",
        "fentanyl",
        "methamphetamine",
        "President Claudia Sheinbaum",
        "Secretary of State",
        "Foreign Secretary",
    ):
        assert required in english, required


@pytest.mark.parametrize(
    ("sentences", "source", "target", "pair"),
    [
        (SEED_SENTENCES, "en", "es", "eng-spa"),
        (SPANISH_SENTENCES, "es", "en", "spa-eng"),
    ],
)
def test_terms_survive_real_apertium(sentences: list[str], source: str, target: str, pair: str) -> None:
    for sentence in sentences:
        hits = find_terms(GLOSSARY, sentence, source)
        masked = mask(GLOSSARY, sentence, source, target)
        raw = apertium(masked.text, pair)
        draft, _ = strip_marks(raw, masked.text)
        result = unmask(masked, draft)
        for hit in hits:
            expected = hit.text if hit.term.dnt else hit.term.target(target, hit.form_index)
            assert expected.lower() in result.lower(), (sentence, result)
        assert not re.search(r"\{9\d\d/\}", result), result  # every token replaced
        for token in re.findall(r"\{/?\d{1,2}/?\}", sentence):  # the unit's own placeholders intact
            assert token in result
        assert not check_terms(GLOSSARY, sentence, result, source, target), (sentence, result)


def test_context_examples_of_the_termbase_survive_apertium() -> None:
    examples = [term for term in GLOSSARY.terms if term.context]
    assert examples
    for term in examples:
        masked = mask(GLOSSARY, term.context, "en", "es")
        result = unmask(masked, strip_marks(apertium(masked.text, "eng-spa"), masked.text)[0])
        assert term.target("es") in result, result


def test_sonora_is_never_audible() -> None:
    assert "Audible" in apertium("Sonora", "spa-eng")  # what Apertium does on its own
    masked = mask(GLOSSARY, "La mayoría se refería a Sonora.", "es", "en")
    assert "Sonora" in unmask(masked, apertium(masked.text, "spa-eng"))


def test_spanish_articles_agree_with_the_term() -> None:
    masked = mask(GLOSSARY, "Officials of the Sinaloa Cartel met the National Guard.", "en", "es")
    assert unmask(masked, "Funcionarios de la {901/} encontraron el {902/}.") == (
        "Funcionarios del Cártel de Sinaloa encontraron la Guardia Nacional."
    )


def test_case_rules_and_longest_match() -> None:
    hits = find_terms(GLOSSARY, "The Sinaloa Cartel and the ice in Sinaloa.", "en")
    assert [hit.text for hit in hits] == ["Sinaloa Cartel", "Sinaloa"]  # "ice" is not ICE
    assert [h.text for h in find_terms(GLOSSARY, "SECRETARIA DE SEGURIDAD Y PROTECCION CIUDADANA", "es")]


def test_terms_inside_placeholders_are_not_touched() -> None:
    assert not find_terms(GLOSSARY, "{901/} and {1}x{/1}", "en")


def test_glossary_notes() -> None:
    hits = find_terms(GLOSSARY, "The SSPC and the Sinaloa Cartel.", "en")
    notes = glossary_notes(hits, "es")
    assert notes[0].startswith("glossary: SSPC = SSPC (do not translate)")
    assert notes[1] == "glossary: Sinaloa Cartel = Cártel de Sinaloa (noun, m)"


def test_check_terms_finds_multi_word_terms() -> None:
    source = "Cartels use the Gulf of California and Sonora."
    assert (
        check_terms(GLOSSARY, source, "Los cárteles usan el golfo de California y Sonora.", "en", "es") == []
    )
    problems = check_terms(
        GLOSSARY, source, "Los cárteles usan el Golfo de la California y Audible.", "en", "es"
    )
    assert "'Gulf of California' should be translated as 'golfo de California'" in problems
    assert "do-not-translate term 'Sonora' must appear unchanged" in problems


SUBSET = (
    "a DOCTYPE with an internal subset (entity declarations) is not allowed in a termbase; only a DOCTYPE "
    "naming an external DTD is accepted (it is never loaded)"
)
BAD_TBX = {
    "external-entity.tbx": f"2: {SUBSET}",
    "billion-laughs.tbx": f"2: {SUBSET}",
    "parameter-entity.tbx": f"2: {SUBSET}",
    # the same declarations in other encodings (the old guard searched the raw bytes for "<!DOCTYPE")
    "utf16le-internal-subset.tbx": f"2: {SUBSET}",
    "utf16be-internal-subset.tbx": f"2: {SUBSET}",
    "utf16-no-bom-internal-subset.tbx": f"2: {SUBSET}",
    "utf32-internal-subset.tbx": f"2: {SUBSET}",
    # an external DOCTYPE is accepted, but then an undeclared entity is no longer a syntax error
    "undeclared-entity.tbx": "7: entity reference &secret; is not allowed in a termbase",
    "utf16-undeclared-entity.tbx": "7: entity reference &secret; is not allowed in a termbase",
    "entity-in-attribute.tbx": "6: entity reference &secret; is not allowed in a termbase",
    "xinclude.tbx": "8: XInclude is not allowed in a termbase",
    "dct-style.tbx": "2: TBX in the DCT style (data categories as elements) is not supported; export it in the "
    "DCA style (data categories as attributes)",
    "not-tbx.tbx": "2: not a TBX file: the root element must be <tbx> (TBX 3) or <martif> (TBX 2)",
    "corrupt.tbx": "1: malformed XML: Start tag expected, '<' not found, line 1, column 1",
    "malformed.tbx": "7: malformed XML: Opening and ending tag mismatch: langSec line 6 and conceptEntry, line 7, "
    "column 22",
    "missing-term.tbx": "7: a termSec without a <term>",
    "conflict.tbx": "9: conflicting entries for 'seizure': 'decomiso' (line 5) and 'convulsión'; give them "
    "different subject fields or merge them",
}


@pytest.mark.parametrize("name", sorted(BAD_TBX))
def test_bad_termbase_is_refused_with_file_and_line(empty_project: Path, name: str) -> None:
    (empty_project / "glossary").mkdir()
    shutil.copy(BAD / name, empty_project / "glossary" / name)
    shutil.copy(REPO / "sources" / "cartel-crackdown-results.md", empty_project / "sources")
    result = run_cli("glossary", "list", "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == f"glossary/{name}:{BAD_TBX[name]}\n"
    assert run_cli("build", "--root", empty_project).exit_code == 2
    assert not (empty_project / "build").exists()


@pytest.mark.parametrize("name", sorted(BAD_TBX))
def test_bad_termbase_is_refused_on_import(empty_project: Path, name: str) -> None:
    result = run_cli("glossary", "import", BAD / name, "--root", empty_project)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{BAD / name}:{BAD_TBX[name]}\n"
    assert not (empty_project / "glossary").exists()


WARN_TBX = {
    "missing-language.tbx": ["5: warning: concept sspc has no es term; skipped"],
    "empty-term.tbx": [
        "7: warning: an empty es term in c1; ignored",
        "5: warning: concept c1 has no es term; skipped",
    ],
    "control-character-term.tbx": [
        "6: warning: en term 'SS\\x85PC': a term cannot hold U+0085 (a control character or a line break); "
        "concept skipped"
    ],
}


@pytest.mark.parametrize("name", sorted(WARN_TBX))
def test_unusable_concepts_are_skipped_with_a_warning(empty_project: Path, name: str) -> None:
    (empty_project / "glossary").mkdir()
    shutil.copy(BAD / name, empty_project / "glossary" / name)
    result = run_cli("glossary", "list", "--root", empty_project)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "".join(f"glossary/{name}:{line}\n" for line in WARN_TBX[name])
    assert load_glossary(open_project(empty_project)).terms == []


BAD_CSV = {
    "bad-flag.csv": "3: dnt must be yes or no, not 'maybe'",
    "wrong-header.csv": "1: missing column(s) en; expected id,en,es,en_variants,es_variants,pos,gender,note,dnt,"
    "case_sensitive,en_expansion,es_expansion,subject,context",
    "missing-column.csv": "3: every row needs both an en and an es term",
    "bad-pos.csv": "3: pos must be one of noun, verb, adjective, adverb, other (TBX-Basic's), not 'proper noun'",
    "control-character.csv": "2: note: control character U+0007 is not allowed",
    "line-separator-term.csv": "2: en term 'Sinaloa\\u2028Cartel': a term cannot hold U+2028 (a control character "
    "or a line break)",
    "duplicate-id.csv": "3: id 'sspc' is already used on line 2",
    "too-many-cells.csv": "2: 3 cells, but the header names 2 columns",
    "undecodable.csv": "2: not valid UTF-8 (byte 0xe1); save it as UTF-8 (“CSV UTF-8” in a spreadsheet) or give "
    "its encoding with --encoding",
}


@pytest.mark.parametrize("name", sorted(BAD_CSV))
def test_bad_csv_is_refused_with_file_and_line(empty_project: Path, name: str) -> None:
    result = run_cli("glossary", "import", BAD / name, "--root", empty_project)
    assert result.exit_code == 2
    assert result.stderr == f"{BAD / name}:{BAD_CSV[name]}\n"
    assert not (empty_project / "glossary").exists()


def test_every_bad_glossary_file_has_a_case() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted([*BAD_TBX, *WARN_TBX, *BAD_CSV])


def test_the_parser_itself_resolves_nothing_and_fetches_nothing(tmp_path: Path) -> None:
    """Even without the DOCTYPE refusal, the parser neither reads files nor touches the network."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")

    def answer(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b'<!ENTITY remote "FETCHED">')

    with loopback_server(answer) as (url, hits):
        xml = (
            f'<?xml version="1.0"?><!DOCTYPE t SYSTEM "{url}/dtd" [<!ENTITY s SYSTEM "file://{secret}">'
            f'<!ENTITY % r SYSTEM "{url}/param"> %r;]><t>&s;&remote;</t>'
        )
        root = etree.fromstring(xml.encode(), safe_xml_parser())
        text = etree.tostring(root).decode()
        assert hits == []
    assert "TOP-SECRET" not in text and "FETCHED" not in text


def test_csv_round_trip_and_cli(empty_project: Path, tmp_path: Path) -> None:
    csv_text = write_csv(GLOSSARY.terms)

    def bare(terms: list[Term]) -> list[Term]:
        return [dataclasses.replace(term, line=0, file="") for term in terms]

    assert bare(read_csv(csv_text, "x.csv")) == bare(GLOSSARY.terms)
    path = tmp_path / "terms.csv"
    path.write_text(csv_text, "utf-8")
    assert run_cli("glossary", "import", path, "--root", empty_project).exit_code == 0
    assert bare(read_tbx((empty_project / "glossary" / "puente.tbx").read_bytes(), "x")) == bare(
        GLOSSARY.terms
    )
    added = run_cli(
        "glossary",
        "add",
        "--root",
        empty_project,
        "--en",
        "Tijuana River Valley",
        "--es",
        "valle del río Tijuana",
        "--gender",
        "m",
        "--note",
        "a place",
    )
    assert added.exit_code == 0 and added.stdout == "added: Tijuana River Valley = valle del río Tijuana\n"
    listed = run_cli("glossary", "list", "--root", empty_project).stdout
    assert "Tijuana River Valley = valle del río Tijuana\n" in listed
    exported = run_cli("glossary", "export", "--root", empty_project).stdout
    assert "Tijuana River Valley,valle del río Tijuana" in exported


def test_empty_project_has_an_empty_glossary(empty_project: Path) -> None:
    glossary = load_glossary(open_project(empty_project))
    assert glossary.terms == [] and glossary.version == "none"


def test_error_type() -> None:
    with pytest.raises(GlossaryError):
        read_tbx(b"<notbx/>", "x.tbx")


def _reference_spans(text: str, lang: str) -> dict[tuple[int, int], set[str]]:
    """Terms found one form at a time (each form's own pattern), longest first, no overlaps:
    the slow, obvious reading of the rule the combined matcher implements."""
    from pipeline.glossary import _pattern

    candidates = []
    for term in GLOSSARY.terms:
        for form in term.forms(lang):
            if form:
                for match in _pattern(form, term.strict_case).finditer(text):
                    candidates.append((match.start(), match.end(), term.id))
    chosen: dict[tuple[int, int], set[str]] = {}
    for start, end, term_id in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if (start, end) in chosen:
            chosen[(start, end)].add(term_id)
        elif not any(start < b and a < end for a, b in chosen):
            chosen[(start, end)] = {term_id}
    return chosen


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), lang=st.sampled_from(["en", "es"]))
def test_combined_matcher_finds_what_each_form_alone_finds(data: st.DataObject, lang: str) -> None:
    forms = sorted({form for term in GLOSSARY.terms for form in term.forms(lang) if form})
    pieces = data.draw(st.lists(st.sampled_from(forms), min_size=1, max_size=6))
    styled = [
        data.draw(st.sampled_from([piece, piece.upper(), piece.lower(), _strip_accents(piece)]))
        for piece in pieces
    ]
    # filler words that no term contains keep neighbouring terms from overlapping
    text = " zqx, ".join(styled) + "."
    found = {(hit.start, hit.end): hit.term.id for hit in find_terms(GLOSSARY, text, lang)}
    expected = _reference_spans(text, lang)
    assert set(found) == set(expected), text
    assert all(found[span] in expected[span] for span in found), text


_TRICKY = [" ", "  ", "\t", "\u00a0", "\n", "{", "}", "{1}", "{/1}", "’", "—", "-", "_", "É", "é", "Ñ", "ñ", "ſ",
           "\u212a", "İ", "ı", "ß", "Σ", "ς", "Ǆ", "ǅ", "x", "1"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(data=st.data(), lang=st.sampled_from(["en", "es"]))
def test_the_automaton_finds_what_the_expression_finds(data: st.DataObject, lang: str) -> None:
    """Terms are found in one pass of an Aho-Corasick automaton where it agrees with the
    trie-shaped expression, which stays the reference: the same spans in any text, with odd
    whitespace, cased letters beyond ASCII (the long s, the Kelvin sign, dotless i...), braces
    and word characters glued to the terms."""
    from pipeline.glossary import _fold_text, _simple_text

    forms = sorted({form for term in GLOSSARY.terms for form in term.forms(lang) if form})
    pieces = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(forms), st.sampled_from(forms).map(str.upper), st.sampled_from(_TRICKY)
            ),
            min_size=1,
            max_size=12,
        )
    )
    text = "".join(data.draw(st.sampled_from(["", " "])) + piece for piece in pieces)
    folded = _fold_text(text)
    simple = _simple_text(folded)
    for scanner in GLOSSARY._matchers[lang]:
        assert scanner.automaton is not None  # the project's termbase is scanned by automaton
        expected = [match.span() for match in scanner.pattern.finditer(folded)]
        assert scanner.spans(folded, simple) == expected, text
        assert scanner.spans(folded, False) == expected, text


def test_texts_the_automaton_must_leave_to_the_expression() -> None:
    from pipeline.glossary import _fold_text, _simple_text

    assert _simple_text(_fold_text("The DEA’s “Sinaloa Cartel” — ¿Cártel de Sinaloa?"))
    for text in [
        "two  spaces",
        "a\ttab",
        "no\u00a0break",
        "a\nline",
        "the \u212aelvin sign",
        "long ſ",
        "ΣΙΣ",
        "ǅ",
    ]:
        assert not _simple_text(_fold_text(text)), text
