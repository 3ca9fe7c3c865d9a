"""Adapting the memory's reviewed translations of similar sentences (pipeline.adapt): in
builds on the real SQLite memory and Apertium, and as a property."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import polib
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.adapt import Candidate, adapt
from pipeline.checks import numbers
from pipeline.glossary import _pattern, find_terms
from pipeline.memory import TranslationMemory
from pipeline.project import open_project
from pipeline.termbase import load_glossary
from tests.conftest import REPO, run_cli
from tests.helpers import po_file

GLOSSARY = load_glossary(open_project(REPO))

CARTEL = "The Sinaloa Cartel moved 1,500 kg of fentanyl through Culiacán on March 5."
CARTEL_ES = "El Cártel de Sinaloa movió 1,500 kg de fentanilo por Culiacán el 5 de marzo."
ARREST = "Agents arrested Ana Ruiz in Tijuana after a chase."
ARREST_ES = "Los agentes detuvieron a Ana Ruiz en Tijuana tras una persecución."


def _article(root: Path, slug: str, *paragraphs: str) -> None:
    body = "\n\n".join(paragraphs)
    (root / "sources" / f"{slug}.md").write_text(
        f"---\ntitle: Report {slug}\nslug: {slug}\nlang: en\n---\n\n{body}\n", "utf-8"
    )


def _project(tmp_path: Path, locale: str = "") -> Path:
    root = tmp_path / "project"
    (root / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "glossary", root / "glossary")
    if locale:
        (root / "puente.toml").write_text(f'[locales]\nes = "{locale}"\n', "utf-8")
    return root


def _review(root: Path, slug: str, translations: dict[str, str]) -> None:
    """A translator's review: the given translations, approved (no fuzzy flag)."""
    path = po_file(root, slug, "es")
    catalog = polib.pofile(str(path), wrapwidth=0)
    for entry in catalog:
        if entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    catalog.save()


def _entries(root: Path, slug: str) -> dict[str, polib.POEntry]:
    return {entry.msgid: entry for entry in polib.pofile(str(po_file(root, slug, "es")))}


def _reviewed_in_memory(tmp_path: Path, locale: str = "") -> Path:
    """A project whose memory (SQLite) holds two reviewed translations from article a."""
    root = _project(tmp_path, locale)
    _article(root, "a", CARTEL, ARREST)
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _review(root, "a", {CARTEL: CARTEL_ES, ARREST: ARREST_ES})
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0  # harvested into the memory
    with TranslationMemory(root / ".puente" / "memory.sqlite") as memory:
        assert memory.reviewed("en", "es", CARTEL) == CARTEL_ES
    return root


def test_a_memory_match_that_differs_in_numbers_names_and_terms_is_adapted(tmp_path: Path) -> None:
    root = _reviewed_in_memory(tmp_path)
    moved = "The National Guard moved 2,300 kg of fentanyl through Mazatlán on March 6."
    arrest = "Agents arrested Ana María Ruiz in Reynosa after a chase."
    _article(root, "b", moved, arrest)
    translated = run_cli("translate", "--root", root)
    assert translated.exit_code == 0
    assert "memory: 0 exact, 2 adapted" in translated.stdout
    assert "engine: 1 unit in 1 call" in translated.stdout  # b's title only
    b = _entries(root, "b")
    # the term's Spanish article agrees with the new term (el Cártel → la Guardia Nacional),
    # the day and the amount are the new ones, written for es_MX
    assert b[moved].msgstr == "La Guardia Nacional movió 2,300 kg de fentanilo por Mazatlán el 6 de marzo."
    assert b[arrest].msgstr == "Los agentes detuvieron a Ana María Ruiz en Reynosa tras una persecución."
    for msgid in (moved, arrest):
        assert "fuzzy" in b[msgid].flags  # a draft, never a reviewed translation
    assert "memory: adapted from a 80% match of: " + CARTEL in b[moved].comment.splitlines()
    assert "memory: adapted from a " in b[arrest].comment and ARREST in b[arrest].comment
    # the page publishes the adapted draft as a machine draft
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    page = (root / "build" / "es" / "b.html").read_text("utf-8")
    assert "La Guardia Nacional movió 2,300 kg" in page and 'content="machine"' in page


def test_numbers_of_an_adapted_draft_follow_the_target_locale(tmp_path: Path) -> None:
    root = _project(tmp_path, locale="es_ES")
    _article(root, "a", CARTEL)
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _review(root, "a", {CARTEL: CARTEL_ES.replace("1,500", "1500")})
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    moved = "The Sinaloa Cartel moved 12,300 kg of fentanyl through Culiacán on March 5."
    _article(root, "b", moved)
    assert run_cli("translate", "--root", root, "--quiet").exit_code == 0
    assert _entries(root, "b")[moved].msgstr.startswith("El Cártel de Sinaloa movió 12.300 kg de fentanilo")


def test_a_match_that_differs_in_words_stays_a_suggestion_beside_the_engine_draft(tmp_path: Path) -> None:
    root = _reviewed_in_memory(tmp_path)
    other = "The Sinaloa Cartel hid 1,500 kg of fentanyl in Culiacán on March 5."
    _article(root, "b", other)
    translated = run_cli("translate", "--root", root)
    assert "0 adapted" in translated.stdout and "1 suggestion" in translated.stdout
    entry = _entries(root, "b")[other]
    assert entry.msgstr != CARTEL_ES and "draft: apertium" in entry.comment
    assert f"memory suggestion source: {CARTEL}" in entry.comment


def test_an_adaptation_that_does_not_verify_is_not_used(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _article(root, "a", CARTEL)
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    # the translator wrote the number out in words: 2,300 has nowhere to go
    _review(root, "a", {CARTEL: CARTEL_ES.replace("1,500 kg", "mil quinientos kilos")})
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    moved = "The Sinaloa Cartel moved 2,300 kg of fentanyl through Culiacán on March 5."
    _article(root, "b", moved)
    translated = run_cli("translate", "--root", root)
    assert "0 adapted" in translated.stdout
    entry = _entries(root, "b")[moved]
    assert "mil quinientos" not in entry.msgstr and "2,300" in entry.msgstr
    assert "memory suggestion (" in entry.comment


def test_a_reviewed_translation_of_the_same_sentence_is_reused_as_a_draft_never_as_reviewed(
    tmp_path: Path,
) -> None:
    root = _reviewed_in_memory(tmp_path)  # from the memory, in a later run
    _article(root, "b", CARTEL)
    # and from another article reviewed in the same run, before the memory has it
    _article(root, "c", ARREST.replace("Ana Ruiz", "Luis Mora"))
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    _review(root, "c", {ARREST.replace("Ana Ruiz", "Luis Mora"): ARREST_ES.replace("Ana Ruiz", "Luis Mora")})
    _article(root, "d", ARREST.replace("Ana Ruiz", "Luis Mora"))
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    for slug, msgid, text in (
        ("b", CARTEL, CARTEL_ES),
        ("d", ARREST.replace("Ana Ruiz", "Luis Mora"), ARREST_ES.replace("Ana Ruiz", "Luis Mora")),
    ):
        entry = _entries(root, slug)[msgid]
        assert entry.msgstr == text and "fuzzy" in entry.flags, slug
        assert "memory: exact match of a reviewed translation" in entry.comment
    status = run_cli("status", "--root", root)
    line = next(line for line in status.stdout.splitlines() if line.startswith("b "))
    assert " 0 (0 w)" in line.split("es", 1)[1][:20]  # nothing of b counted as reviewed


# --- the property: adaptation never drops or duplicates a number or a term ----------------

TEMPLATES = [
    (
        "{term} moved {n1} kg of fentanyl through {city} on March {day}.",
        "{term_es} movió {n1_es} kg de fentanilo por {city} el {day} de marzo.",
    ),
    (
        "Agents arrested {name} in {city} with {n1} pills and {n2} guns.",
        "Los agentes detuvieron a {name} en {city} con {n1_es} pastillas y {n2_es} armas.",
    ),
    (
        "{term} said {n1} people were detained.",
        "{term_es} dijo que {n1_es} personas fueron detenidas.",
    ),
]
TERMS = [
    ("The Sinaloa Cartel", "El Cártel de Sinaloa"),
    ("The National Guard", "La Guardia Nacional"),
    ("The DEA", "La DEA"),
    ("The FBI", "El FBI"),
    ("SEDENA", "La SEDENA"),
]
CITIES = ["Culiacán", "Tijuana", "Reynosa", "Mazatlán", "Nogales"]
NAMES = ["Ana Ruiz", "Juan Pérez López", "Luis Mora", "María José Salas"]


@st.composite
def fill(draw: st.DrawFn) -> dict[str, str]:
    en, es = draw(st.sampled_from(TERMS))
    n1, n2 = draw(st.integers(2, 99_999)), draw(st.integers(2, 99_999))
    return {
        "term": en,
        "term_es": es,
        "city": draw(st.sampled_from(CITIES)),
        "name": draw(st.sampled_from(NAMES)),
        "day": str(draw(st.integers(1, 28))),
        "n1": f"{n1:,}",
        "n1_es": f"{n1:,}",
        "n2": f"{n2:,}",
        "n2_es": f"{n2:,}",
    }


def _term_counts(text: str, lang: str, target: str) -> Counter[str]:
    return Counter(
        hit.text if hit.term.dnt else hit.term.target(target, hit.form_index)
        for hit in find_terms(GLOSSARY, text, lang)
    )


@settings(max_examples=300, deadline=None)
@given(template=st.sampled_from(TEMPLATES), old=fill(), new=fill(), other=st.sampled_from(TEMPLATES))
def test_adaptation_never_drops_or_duplicates_a_number_or_a_term(
    template: tuple[str, str], old: dict[str, str], new: dict[str, str], other: tuple[str, str]
) -> None:
    english, spanish = template
    old_source, old_translation = english.format(**old), spanish.format(**old)
    for source, expected in ((english.format(**new), spanish.format(**new)), (other[0].format(**new), None)):
        adapted = adapt(source, Candidate(old_source, old_translation, 80), "en", "es", GLOSSARY, "es_MX")
        if adapted is None:
            continue
        result = adapted.text
        if expected is not None:
            assert result == expected  # what a translator would have written
        found = sorted(min(values) for _, values in numbers(result, "es"))
        assert found == sorted(min(values) for _, values in numbers(source, "en")), result
        for form, count in _term_counts(source, "en", "es").items():
            assert len(_pattern(form, False).findall(result)) == count, (form, result)
        for form in set(_term_counts(old_source, "en", "es")) - set(_term_counts(source, "en", "es")):
            assert not _pattern(form, False).search(result), (form, result)


def test_a_match_adapts_whenever_only_the_slots_differ() -> None:
    """The property's templates, filled two ways with values that cannot be confused: adapted."""
    old = {"term": "The DEA", "term_es": "La DEA", "city": "Tijuana", "name": "Ana Ruiz", "day": "5",
           "n1": "1,500", "n1_es": "1,500", "n2": "37", "n2_es": "37"}  # fmt: skip
    new = {"term": "The Sinaloa Cartel", "term_es": "El Cártel de Sinaloa", "city": "Nogales",
           "name": "Juan Pérez López", "day": "9", "n1": "2,750", "n1_es": "2,750", "n2": "41", "n2_es": "41"}  # fmt: skip
    for english, spanish in TEMPLATES:
        candidate = Candidate(english.format(**old), spanish.format(**old), 80)
        adapted = adapt(english.format(**new), candidate, "en", "es", GLOSSARY, "es_MX")
        assert adapted is not None and adapted.text == spanish.format(**new)


def test_a_number_is_found_by_its_value_and_scale_and_written_in_the_translations_scale() -> None:
    """A translator who wrote "72.000 millones de pesos" as "72 billion pesos": the new amount
    goes into the translation's scale (and "72.000", which could read 72, is not taken for
    72 billion's "72" with the new digits glued on)."""
    old, reviewed = "Recibirá 72.000 millones de pesos.", "It will receive 72 billion pesos."
    for new, expected in (
        ("Recibirá 72.003 millones de pesos.", "It will receive 72.003 billion pesos."),
        ("Recibirá 1.500 millones de pesos.", "It will receive 1.5 billion pesos."),
    ):
        adapted = adapt(new, Candidate(old, reviewed, 90), "es", "en", GLOSSARY, "en_US")
        assert adapted is not None and adapted.text == expected
    # a translation that does not hold the old amount by value gets nothing
    assert (
        adapt(
            "Recibirá 9 pesos.",
            Candidate("Recibirá 8 pesos.", "It gets eight.", 90),
            "es",
            "en",
            GLOSSARY,
            "en_US",
        )
        is None
    )


def test_adaptation_needs_no_engine(tmp_path: Path) -> None:
    root = _reviewed_in_memory(tmp_path)
    moved = "The Sinaloa Cartel moved 2,300 kg of fentanyl through Culiacán on March 5."
    _article(root, "b", moved)
    built = run_cli("build", "--root", root, "--no-mt", "--quiet")
    assert built.exit_code == 0
    # without an engine, the units nothing adapted stay untranslated: no draft failed
    assert "failed" not in built.stderr, built.stderr
    entry = _entries(root, "b")[moved]
    assert entry.msgstr == CARTEL_ES.replace("1,500", "2,300") and "fuzzy" in entry.flags
    assert "Report b" in _entries(root, "b") and _entries(root, "b")["Report b"].msgstr == ""  # no engine
    with TranslationMemory(root / ".puente" / "memory.sqlite") as memory:
        # an adapted translation is neither an engine's draft nor a reviewed one
        assert memory.provenance("en", "es", moved, entry.msgstr) is None
