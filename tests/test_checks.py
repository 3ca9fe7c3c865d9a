"""Quality checks: real newsroom sentences, real Apertium output, silencing, the command."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checks import check_entry, numbers
from pipeline.project import open_project
from pipeline.termbase import load_glossary
from tests.conftest import REPO, run_cli
from tests.helpers import apertium, extract, po_file

GLOSSARY = load_glossary(open_project(REPO))


def codes(source: str, translation: str, source_lang: str = "en", target_lang: str = "es") -> list[str]:
    return [f.code for f in check_entry(source, translation, source_lang, target_lang, glossary=GLOSSARY)]


GOOD = [
    (
        "Authorities seized more then 1,500 pounds of methamphetamine from clandestine labs earlier this week.",
        "Las autoridades decomisaron más de 1.500 libras de metanfetamina en laboratorios clandestinos a principios de esta semana.",
    ),
    (
        "Approximately US $1.9 billion in cash was seized.",
        "Se decomisaron aproximadamente 1900 millones de dólares en efectivo.",
    ),
    (
        "Reported 27 % reduction in homicides in Sonora.",
        "Se informó una reducción del 27 % de los homicidios en Sonora.",
    ),
    (
        "Do you believe cooperation can deliver lasting reductions?",
        "¿Cree que la cooperación puede lograr reducciones duraderas?",
    ),
    (
        "{1}Arrests:{/1} Over 12,300 members detained.",
        "{1}Detenciones:{/1} Más de 12 300 miembros detenidos.",
    ),
]


@pytest.mark.parametrize(("source", "translation"), GOOD)
def test_good_human_translations_have_no_findings(source: str, translation: str) -> None:
    assert codes(source, translation) == []


def test_numbers_are_compared_by_value() -> None:
    assert "numbers" in codes("Over 12,300 members.", "Más de 12.400 miembros.")
    assert "numbers" in codes("US $1.9 billion", "1,9 millones de dólares")
    assert "numbers" not in codes("US $1.9 billion", "1,9 mil millones de dólares")
    assert "numbers" not in codes("$210 million", "210 millones de dólares")
    finding = check_entry("Seized 1,500 pounds in 2025.", "Decomisaron 1.400 libras en 2025.", "en", "es")[0]
    assert (
        finding.message == "number 1,500 missing or changed in the translation (numbers found: 1.400, 2025)"
    )


@settings(max_examples=100, deadline=None)
@given(value=st.integers(0, 10**9), locale=st.sampled_from(["es_MX", "es_ES", "en_US"]))
def test_any_locale_formatting_of_the_same_number_is_accepted(value: int, locale: str) -> None:
    english = format_decimal(value, locale="en_US")
    other = format_decimal(value, locale=locale)
    assert "numbers" not in codes(f"Agents seized {english} kg.", f"Se decomisaron {other} kg.")
    assert numbers(other, "es")


def test_a_negation_apertium_drops_is_flagged() -> None:
    source = "Officials never confirmed the figures."
    draft = apertium(source, "eng-spa")
    has_negation = any(word in draft.lower().split() for word in ("no", "nunca", "jamás"))
    assert ("negation" in codes(source, draft)) == (not has_negation)
    assert "negation" in codes(source, "Los funcionarios confirmaron las cifras.")
    assert "negation" in codes("The summit ended.", "La cumbre no terminó.")
    assert "negation" not in codes("The summit did not end.", "La cumbre no terminó.")


def test_placeholders_glossary_and_form() -> None:
    assert "placeholders" in codes("{1}Arrests:{/1} Over 12,300.", "Detenciones: más de 12.300.")
    assert "glossary" in codes("Cartels moved to Sonora.", "Los cárteles se movieron a Audible.")
    assert "unchanged" in codes(
        "Share your thoughts in the comments.", "Share your thoughts in the comments."
    )
    assert "length" in codes("Share your thoughts in the comments below.", "Sí.")
    assert "punctuation" in codes("Do you agree?", "Está de acuerdo?")
    assert "quotes" in codes("He said “yes”.", "Dijo “sí.")
    assert "whitespace" in codes("Yes.", "Sí.  ")
    assert codes("Yes.", "") == ["untranslated"]


def _project_with(project: Path, msgstr: str, flags: list[str]) -> Path:
    extract(project)
    po = po_file(project, "cartel-crackdown-results", "es")
    catalog = polib.pofile(str(po), wrapwidth=0)
    for entry in catalog:
        entry.msgstr = entry.msgid  # a copy everywhere: warnings only...
        entry.flags = ["puente-ignore-unchanged"]
    target = next(e for e in catalog if e.msgid.startswith("{1}Arrests:{/1}"))
    target.msgstr, target.flags = msgstr, flags
    catalog.save()
    return po


def test_check_command_exit_codes_and_format(project: Path) -> None:
    po = _project_with(project, "{1}Detenciones:{/1} Más de 12.400 miembros detenidos en 17 operativos.", [])
    line = next(e for e in polib.pofile(str(po)) if e.msgid.startswith("{1}Arrests:{/1}")).linenum
    result = run_cli("check", "--root", project)
    assert result.exit_code == 1
    assert (
        f"locales/es/LC_MESSAGES/cartel-crackdown-results.po:{line}: numbers: number 12,300 missing or changed "
        "in the translation (numbers found: 12.400, 17) [error]"
    ) in result.stdout.splitlines()
    as_json = run_cli("check", "--root", project, "--json")
    assert as_json.exit_code == 1 and '"code": "numbers"' in as_json.stdout


def test_a_translator_flag_silences_one_finding(project: Path) -> None:
    _project_with(project, "{1}Detenciones:{/1} Más de 12.400 miembros.", ["puente-ignore-numbers"])
    result = run_cli("check", "--root", project)
    assert result.exit_code == 0 and "numbers" not in result.stdout


def test_configuration_regrades_or_silences_a_check(project: Path) -> None:
    _project_with(project, "{1}Detenciones:{/1} Más de 12.400 miembros.", [])
    (project / "puente.toml").write_text('[checks]\nnumbers = "warning"\n')
    result = run_cli("check", "--root", project)
    assert result.exit_code == 0 and ": numbers: " in result.stdout and "[warning]" in result.stdout
    (project / "puente.toml").write_text('[checks]\nnumbers = "off"\n')
    assert "numbers" not in run_cli("check", "--root", project).stdout


def test_check_list_and_bad_catalog(project: Path) -> None:
    listed = run_cli("check", "--list").stdout
    assert listed.splitlines()[0].split()[:2] == ["placeholders", "error"]
    extract(project)
    po = po_file(project, "cartel-crackdown-results", "es")
    po.write_text(po.read_text("utf-8").replace('msgid "Trend"', 'msgid "Trend'), "utf-8")
    result = run_cli("check", "--root", project)
    assert result.exit_code == 2 and "syntax error" in result.stderr


# --- residue of glossary tokens -----------------------------------------------------------

RESIDUE = [
    ("the Mexican Navy’s special forces", "las fuerzas Especiales/} del {903. Armada de México"),
    ("It was the Sinaloa Cartel.", "Era el {901 /}."),
    ("The SSPC’s chief resigned.", "{901'/}  el jefe dimitió."),
    ("The FGR led the effort.", "La {901/} encabezó el esfuerzo."),
    ("The FGR led the effort.", "La FGR encabezó el esfuerzo.903/}"),
    ("The FGR led the effort.", "La ⟦FGR⟧ encabezó el esfuerzo."),
    ("The FGR led the effort.", "La FGR⟧ encabezó el esfuerzo."),
    ("{1}The FGR{/1} led the effort.", "{1}La FGR{/1} encabezó el {/1/} esfuerzo."),
    ("Set {x} to one.", "Pon {x} a uno {903"),
]


@pytest.mark.parametrize(("source", "translation"), RESIDUE)
def test_token_residue_is_an_error(source: str, translation: str) -> None:
    findings = check_entry(source, translation, "en", "es", glossary=GLOSSARY)
    assert [(f.code, f.severity) for f in findings if f.code == "residue"] == [("residue", "error")]


NOT_RESIDUE = [
    ("{1}Arrests:{/1} Over 12,300 members{2/}.", "{1}Detenciones:{/1} Más de 12.300 miembros{2/}."),
    ("Set {x} to one and {y} to two.", "Pon {x} a uno y {y} a dos."),
    ("The JSON object {} is empty.", "El objeto JSON {} está vacío."),
    ("He wrote ⟦sic⟧ there.", "Escribió ⟦sic⟧ allí."),
    ("Room 903/} is closed.", "La sala 903/} está cerrada."),  # literal source text, kept as written
    ("The {1}DEA{/1} office.", "La oficina de la {1}DEA{/1}."),
]


@pytest.mark.parametrize(("source", "translation"), NOT_RESIDUE)
def test_the_sources_own_braces_are_not_residue(source: str, translation: str) -> None:
    assert "residue" not in codes(source, translation)


def test_misplaced_own_placeholders_are_the_placeholder_checks_business() -> None:
    found = codes("{1}Arrests:{/1} Over 12,300.", "{2}Detenciones:{/2} Más de 12.300.")
    assert "placeholders" in found and "residue" not in found
