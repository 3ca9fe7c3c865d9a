"""The draft rules around Apertium (pipeline.rules), each on the real engine.

Every case is drafted twice through Puente's drafting path (glossary masking and
the real Apertium, :func:`pipeline.translate.engine_drafts`): with every rule, and
with every rule but the one under test, so that each test shows what its rule
changes for a translator. The engines run once per rule and direction.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from pipeline import rules
from pipeline.glossary import Glossary
from pipeline.mt.apertium import ApertiumEngine
from pipeline.project import open_project
from pipeline.termbase import load_glossary
from pipeline.translate import engine_drafts

REPO = Path(__file__).resolve().parent.parent

# (case, rule under test, source language, block kind, text, target locale)
CASES = [
    (
        "title-case",
        "sentence_case",
        "en",
        "heading",
        "Mexico Says Cartel Crackdown Is Delivering Results",
        "",
    ),
    (
        "title-terms",
        "sentence_case",
        "en",
        "heading",
        "Sinaloa Cartel Leaders Meet DEA Agents in Culiacán",
        "",
    ),
    ("multiword-name", "sentence_case", "es", "heading", "La Ayuda De Estados Unidos Llega A Sonora", ""),
    ("english-heading", "heading_case", "es", "heading", "Los albergues del norte de México se llenan", ""),
    (
        "glued",
        "compounds",
        "en",
        "paragraph",
        "Under the agreement, a high-level security group will meet.",
        "",
    ),
    ("age", "compounds", "en", "paragraph", "The buyer, a 24-year-old man, was arrested in August.", ""),
    ("known-compound", "compounds", "en", "paragraph", "Two real-estate companies were sanctioned.", ""),
    (
        "quote-es",
        "quotes",
        "en",
        "paragraph",
        "“These are people who kept running their businesses from their cells,” he told reporters.",
        "",
    ),
    (
        "single-quotes",
        "quotes",
        "en",
        "title",
        "Mexico Says Crackdown Is Delivering ‘Compelling Results’",
        "",
    ),
    (
        "guillemets",
        "quotes",
        "es",
        "paragraph",
        "«Ahí es donde se vende la droga», explicó en la conferencia.",
        "",
    ),
    (
        "apostrophe",
        "quotes",
        "es",
        "paragraph",
        "El gobierno de Sonora recibió la ayuda del gobierno de Texas.",
        "",
    ),
    ("ee-uu", "abbreviations", "es", "paragraph", "En 2025, EE. UU. entregó a México a 17 personas.", ""),
    (
        "gral",
        "abbreviations",
        "es",
        "paragraph",
        "«Todo está en orden», aseguró el Gral. Roberto Salinas.",
        "",
    ),
    (
        "us-noun",
        "abbreviations",
        "en",
        "paragraph",
        "Mexico sent 29 prisoners to the U.S. in a similar operation.",
        "",
    ),
    (
        "date-en",
        "dates",
        "en",
        "paragraph",
        "The two governments signed the memorandum on March 5, 2026.",
        "",
    ),
    ("date-es", "dates", "es", "paragraph", "El hombre fue entregado el 3 de marzo en Matamoros.", ""),
    ("weekday", "dates", "es", "paragraph", "La Secretaría informó el lunes que la campaña sigue.", ""),
    ("since", "dates", "en", "paragraph", "That is the lowest figure since 2020.", ""),
    ("time", "dates", "es", "paragraph", "Su audiencia está prevista para el lunes a las 10 a. m.", ""),
    ("dollars-es", "currency", "en", "paragraph", "Congress approved $1.9 billion for scanners.", ""),
    ("dollars-es_ES", "currency", "en", "paragraph", "Congress approved $1.9 billion for scanners.", "es_ES"),
    (
        "dollars-en",
        "currency",
        "es",
        "paragraph",
        "Estados Unidos aportará 1.900 millones de dólares en equipo.",
        "",
    ),
    (
        "pesos",
        "currency",
        "es",
        "paragraph",
        "El gobierno anunció una inversión de 350 millones de pesos.",
        "",
    ),
    (
        "grouping-en",
        "numbers",
        "es",
        "paragraph",
        "Las denuncias sumaron 12.480 reportes, un 27 % más que en 2025.",
        "",
    ),
    (
        "grouping-es_ES",
        "numbers",
        "en",
        "paragraph",
        "Officers seized 4,870 pounds, 27% more than in 2025.",
        "es_ES",
    ),
    ("decimal", "numbers", "es", "paragraph", "El gasto equivale al 0,9 % del PIB.", ""),
    (
        "spaces",
        "spacing",
        "en",
        "paragraph",
        "Among them was a former boss of the Sinaloa Cartel who had spent years in prison.",
        "",
    ),
    ("shouting", "spacing", "es", "paragraph", "Pese a las detenciones, los homicidios bajaron.", ""),
    (
        "that",
        "reported_speech",
        "en",
        "paragraph",
        "Prosecutors said the National Guard had stepped up patrols.",
        "",
    ),
    (
        "attribution",
        "reported_speech",
        "en",
        "paragraph",
        "Victims lost an average of $38,000 each, the FBI said.",
        "",
    ),
    (
        "title-es",
        "titles",
        "en",
        "paragraph",
        "Security Secretary Omar García Harfuch said the transfer was legal.",
        "",
    ),
    (
        "title-en",
        "titles",
        "es",
        "paragraph",
        "El secretario de Seguridad, Omar García Harfuch, dijo que el traslado fue legal.",
        "",
    ),
    ("president", "titles", "en", "paragraph", "President Donald Trump has threatened new tariffs.", ""),
    ("los", "articles", "en", "paragraph", "Human rights groups say the policy pushes people away.", ""),
    (
        "it",
        "articles",
        "es",
        "paragraph",
        "Manzanillo recibe cada año más de 3,5 millones de contenedores.",
        "",
    ),
    ("capital-verb", "capitals", "en", "paragraph", "Rubio described the talks as frank.", ""),
    ("owner-unknown", "possessives", "en", "paragraph", "It was Rubio’s second visit to Mexico.", ""),
    ("owner-term", "possessives", "en", "paragraph", "The Sinaloa Cartel’s leaders met in secret.", ""),
    (
        "border",
        "lexicon",
        "en",
        "paragraph",
        "Mexican officials said migrants crossed the border at night.",
        "",
    ),
    (
        "seized",
        "lexicon",
        "es",
        "paragraph",
        "Los funcionarios aseguraron 86 kg de fentanilo en la colonia.",
        "",
    ),
]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(open_project(REPO))


@pytest.fixture(scope="module")
def drafts(glossary: Glossary) -> dict[str, tuple[str, str]]:
    """Per case: (draft with every rule, draft without the rule under test). The first
    comes from Puente's drafting path; the second from the same steps with one rule off,
    every case of a language pair in one engine batch."""
    engine = ApertiumEngine(jobs=1, locales={"en": "en_US", "es": "es_MX"})
    found: dict[str, tuple[str, str]] = {}
    by_pair: dict[tuple[str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
    for case, rule, source, kind, text, locale in CASES:
        target = "es" if source == "en" else "en"
        by_pair[(source, locale or ("es_MX" if target == "es" else "en_US"))].append((case, rule, kind, text))
    for (source, locale), items in by_pair.items():
        target = "es" if source == "en" else "en"
        texts = [text for *_, text in items]
        kinds = {t: k for _, _, k, t in items}
        every, _, _ = engine_drafts(engine, glossary, texts, source, target, kinds=kinds, locale=locale)
        for rule in {rule for _, rule, _, _ in items}:
            chosen = [text for _, r, _, text in items if r == rule]
            off, _, _ = engine_drafts(
                engine, glossary, chosen, source, target, kinds=kinds, locale=locale,
                rule_names=set(rules.RULES) - {rule},
            )  # fmt: skip
            for case, r, _, text in items:
                if r == rule:
                    on, without = every[text], off[text]
                    assert on.text is not None and without.text is not None
                    assert on.failure is None and without.failure is None  # no fallback either way
                    found[case] = (on.text, without.text)
    rules.close_analysers()
    return found


def test_every_rule_has_a_test_case() -> None:
    assert {rule for _, rule, *_ in CASES} == set(rules.RULES)


def test_title_case_headings_are_sentence_cased_before_the_engine(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["title-case"]
    assert "Dice" in off and "Entregando" in off  # Apertium carries English title case over
    assert on.startswith("México dice que") and "Entregando" not in on and "Resultados" not in on
    on, _ = drafts["title-terms"]
    # glossary terms, acronyms and names keep their capitals
    assert on.startswith("Cártel de Sinaloa") and "DEA" in on and "Culiacán" in on
    on, off = drafts["multiword-name"]
    assert "United States" in on and "States Joined" not in on  # one proper noun, not two words


def test_english_headings_get_title_case(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["english-heading"]
    words = [word for word in on.split() if word.lower() not in ("of", "the", "in", "a")]
    assert all(word[0].isupper() for word in words), on
    assert not all(word[0].isupper() for word in off.split()[1:])


def test_hyphenated_compounds_are_not_glued(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["glued"]
    assert "grupodeseguridad" in off
    assert "grupo de seguridad" in on and "nivel alto" in on
    on, off = drafts["age"]
    assert "hombrede24años" in off and "hombre de 24 años" in on
    on, _ = drafts["known-compound"]
    assert "inmobiliarias" in on  # Apertium knows "real-estate" whole: the hyphen stays


def test_quotation_marks_survive_and_follow_the_target_language(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["quote-es"]
    assert "celdas,”" in off  # English punctuation inside the marks
    assert on.startswith("“") and "celdas”, dijo" in on
    on, off = drafts["single-quotes"]
    assert off.endswith("'")  # the closing ’ turned into '
    assert on.endswith("’") and "‘" in on and "'" not in on
    on, off = drafts["guillemets"]
    assert "«" in off and on.startswith("“") and "drug,” explained" in on


def test_english_drafts_have_typographic_apostrophes(glossary: Glossary) -> None:
    prepared = rules.prepare("El gobierno del país respondió.", "es", "en", glossary=glossary)
    assert rules.finish("The country's government answered.", prepared, glossary=glossary) == (
        "The country’s government answered."
    )
    # a glossary term written with a straight apostrophe keeps it (it is the approved form)
    prepared = rules.prepare(
        "Ambos fueron puestos a disposición del Ministerio Público.", "es", "en", glossary=glossary
    )
    assert "Public Prosecutor's Office" in rules.finish(
        "Both were handed to the Public Prosecutor's Office.", prepared, glossary=glossary
    )


def test_abbreviations_apertium_splits_are_replaced(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["ee-uu"]
    assert "EE. UU. It handed" in off  # read as a sentence end
    assert "the United States handed" in on
    on, off = drafts["gral"]
    assert "Gral." in off and "Gen. Roberto" in on
    on, off = drafts["us-noun"]
    assert "EE.UU." in off and "a Estados Unidos" in on and "EE.UU." not in on


def test_dates_follow_the_target_locale(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["date-en"]
    assert "Marcha 5" in off and "el 5 de marzo de 2026" in on
    on, off = drafts["date-es"]
    assert "3 March" in off and "on March 3" in on
    on, off = drafts["weekday"]
    assert "the Monday" in off and "on Monday" in on
    on, off = drafts["since"]
    assert "desde entonces 2020" in off and "desde 2020" in on and "entonces" not in on
    on, off = drafts["time"]
    assert "at 10 a.m." in on and "a. m." not in on


def test_amounts_are_written_the_target_way(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["dollars-es"]
    assert "$1.9 mil millones" in off and "1,900 millones de dólares" in on
    on, _ = drafts["dollars-es_ES"]
    assert "1.900 millones de dólares" in on  # es_ES groups with a period
    on, off = drafts["dollars-en"]
    assert "million dollars" in off and "$1.9 billion" in on
    on, off = drafts["pesos"]
    assert "weights" in off and "350 million pesos" in on


def test_numbers_and_percentages_use_the_target_separators(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["grouping-en"]
    assert "12.480" in off and "27 %" in off
    assert "12,480" in on and "27%" in on and "a 27" not in on
    on, off = drafts["grouping-es_ES"]
    assert "4,870" in off and "4.870" in on and "27\u00a0%" in on
    on, off = drafts["decimal"]
    assert "0,9" in off and "0.9%" in on


def test_spacing_is_cleaned(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["spaces"]
    assert "  " not in on and " ," not in on
    on, off = drafts["shouting"]
    assert "IN SPITE OF" in off and on.startswith("In spite of")


def test_a_that_clause_keeps_its_conjunction_and_the_glossary_token_whole(
    drafts: dict[str, tuple[str, str]],
) -> None:
    on, off = drafts["that"]
    # without "that" Apertium takes the clause's subject for the object of "said"
    assert "dijo la Guardia Nacional" in off
    assert "dijo que la Guardia Nacional había dado un paso arriba de patrullas." in on
    assert "{" not in on and "/}" not in on and "{" not in off  # tokens whole both ways (pipeline.drafting)
    on, off = drafts["attribution"]
    assert on.endswith("dijo el FBI.") and not off.endswith("dijo el FBI.")


def test_titles_before_names(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["title-es"]
    assert off.startswith("Secretario de Seguridad Omar")
    assert on.startswith("El secretario de Seguridad, Omar García Harfuch, dijo")
    on, off = drafts["title-en"]
    assert off.startswith("The Security Secretary, Omar")
    assert on.startswith("Security Secretary Omar García Harfuch said")
    on, off = drafts["president"]
    assert off.startswith("Presidente Donald Trump") and on.startswith("El presidente Donald Trump")


def test_articles_each_language_needs(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["los"]
    assert off.startswith("Grupos") and on.startswith("Los grupos de derechos humanos")
    on, off = drafts["it"]
    assert "Manzanillo it receives" in off and on.startswith("Manzanillo receives")


def test_no_capital_verb_after_an_unknown_name(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["capital-verb"]
    assert "Rubio Describió" in off and "Rubio describió" in on


def test_possessives_apertium_cannot_build(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["owner-unknown"]
    assert "Rubio segunda visita" in off and "la segunda visita de Rubio" in on
    on, off = drafts["owner-term"]
    # drafting's bare-number tokens keep the term whole through Apertium's own genitive too
    assert "{" not in off and "/}" not in off
    assert "dirigentes del Cártel de Sinaloa" in on and "{" not in on


def test_the_beats_vocabulary_where_apertium_picks_another_sense(drafts: dict[str, tuple[str, str]]) -> None:
    on, off = drafts["border"]
    assert "oficiales" in off and "nómadas" in off and "el borde" in off
    assert "funcionarios" in on and "migrantes" in on and "la frontera" in on
    on, off = drafts["seized"]
    assert "civil servants" in off and "ensured" in off
    assert "officials" in on and "seized" in on


def test_unknown_words_are_not_marked_on_the_page(glossary: Glossary) -> None:
    engine = ApertiumEngine(jobs=1)
    text = "Lawmakers set aside money for scanners."
    drafts, _, _ = engine_drafts(
        engine, glossary, [text], "en", "es", kinds={text: "paragraph"}, locale="es_MX"
    )
    made = drafts[text]
    assert made.text is not None and "*" not in made.text and "Lawmakers" in made.text
    assert made.unknown == ("Lawmakers",)  # for the PO comment, not the page


def test_rules_are_checked_by_name() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        rules.prepare("Text.", "en", "es", rules=["sentence-case"])


@pytest.mark.parametrize(
    ("msgctxt", "kind"),
    [
        ("heading", "heading"),
        ("heading (3)", "heading"),
        ("title", "title"),
        ("list item (2)", "list item"),
        (None, "paragraph"),
    ],
)
def test_kind_of_msgctxt(msgctxt: str | None, kind: str) -> None:
    assert rules.kind_of(msgctxt) == kind


def test_analyser_survives_a_fork() -> None:
    """A forked worker starts its own analyser instead of reading its parent's pipe."""
    import os

    assert rules.is_proper("Mexico", "en")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 0 if rules.is_proper("Culiacán", "es") or not rules.is_proper("Cartel", "en") else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert rules.is_proper("Mexico", "en") and not rules.is_proper("Cartel", "en")
    rules.close_analysers()


def test_unknown_words_are_on_the_review_report_and_in_the_po_comment_not_on_the_page(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import run_cli
    from tests.helpers import po_file

    root = tmp_path / "project"
    (root / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "glossary", root / "glossary")
    (root / "sources" / "a.md").write_text(
        "---\ntitle: Scanners at the Border\nslug: a\nlang: en\n---\n\n"
        "Lawmakers set aside money for biometric scanners at the border.\n",
        encoding="utf-8",
    )
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    catalog = po_file(root, "a", "es").read_text("utf-8")
    assert "#. unknown to apertium: Lawmakers, biometric" in catalog
    page = (root / "build" / "es" / "a.html").read_text("utf-8")
    article = page[page.index("<article") : page.index("</article>")]  # the page's stylesheet has its own *
    assert "Lawmakers" in article and "*" not in article
    report = run_cli("check", "--root", root)
    assert "unknown: apertium did not know: Lawmakers, biometric [info]" in report.stdout + report.stderr


def test_an_analyser_that_failed_is_tried_again_once_the_analysers_are_closed() -> None:
    # a process that builds again and again (puente watch) closes them between builds:
    # one lt-proc failure must not change what every later build drafts
    failed = rules._analyser("en")
    assert failed.analyses("house") is not None
    failed.failed = True
    assert failed.analyses("garden") is None  # (not asked before: a failed analyser knows nothing)
    rules.close_analysers()
    again = rules._analyser("en")
    assert again is not failed and again.analyses("garden") is not None
