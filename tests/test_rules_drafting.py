"""The draft rules inside Puente's drafting path, on the real Apertium both ways.

What the rules protect before the engine (a date, an amount, an abbreviation: a
``{701/}`` standing for its target-language form) goes through
:func:`pipeline.drafting.draft_batch` as the glossary's terms do: written as a bare
number for Apertium, verified back whole once, drafted again another way when it is
not. Apertium moves the digits of a ``{702/}`` with a possessive and leaves its braces
behind exactly as it does a term's ``{901/}``; before the rules' tokens were carried,
"The FBI's $350 million budget since 2008" came back as "El/} 702 presupuesto de {el
FBI..." and the unit fell back to its source text.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import rules
from pipeline.checks import check_entry
from pipeline.glossary import Glossary, mask, restore
from pipeline.mt import get_engine
from pipeline.mt.apertium import ApertiumEngine
from pipeline.mt.online import OnlineEngine
from pipeline.project import open_project
from pipeline.termbase import load_glossary
from pipeline.translate import EngineDraft, engine_drafts
from tests.conftest import REPO, run_cli
from tests.helpers import loopback_server, po_file

GLOSSARY: Glossary = load_glossary(open_project(REPO))
APERTIUM = ApertiumEngine(locales={"en": "en_US", "es": "es_MX"})
LOCALE = {"es": "es_MX", "en": "en_US"}

# Units where Apertium split the rules' tokens, and the contexts around them that split a
# glossary token (possessives, "said the", final punctuation, headings).
HARD = {
    "en": [
        "The State Department's $4.5 million budget in January 2025",
        "The FBI's $350 million budget since 2008.",
        "The Sinaloa Cartel’s US $1.9 billion network fell on March 5, 2026.",
        "The man's “historic” budget grew by 12,480 pesos on Monday.",
        "Officials said the DEA seized 27% more fentanyl on Dec. 9 than in U.S. ports.",
        "Gen. López said the Navy’s $38,000 boat arrived at 10:30 a.m.",
        "Rubio’s 2.4 billion pesos plan, the FBI said.",
        "Seizures Fell Sharply at the Border on March 5, 2026",
    ],
    "es": [
        "El presupuesto de 1.900 millones de dólares del FBI desde 2008.",
        "La Guardia Nacional aseguró 12.480 kilogramos el 5 de marzo de 2026.",
        "«No nos detendremos», dijo la presidenta Claudia Sheinbaum el lunes a las 10:30 a. m.",
        "Los funcionarios de EE. UU. informaron que la DEA gastó 350 millones de pesos.",
        "El Gral. López dijo que el 27 % de los decomisos ocurrió en enero de 2025.",
        "Aseguran 1,5 millones de pesos en Culiacán el 9 de diciembre",
    ],
}
KIND = {"Seizures Fell Sharply at the Border on March 5, 2026": "heading"}
KIND |= {"Aseguran 1,5 millones de pesos en Culiacán el 9 de diciembre": "heading"}


def assert_sound(drafts: dict[str, EngineDraft], source: str, target: str) -> None:
    """Every draft made, none fallen back, no debris or token of the rules left, and what a
    translator would be told is wrong (placeholders, residue, numbers, glossary) empty."""
    for text, made in drafts.items():
        assert made.text is not None and made.failure is None, (text, made)
        assert not re.search(r"\{/?[78]\d\d/?\}", made.text), (text, made.text)
        findings = check_entry(text, made.text, source, target, glossary=GLOSSARY)
        bad = [f for f in findings if f.code in ("placeholders", "residue", "numbers", "glossary")]
        assert not bad, (text, made.text, bad)


@pytest.mark.parametrize(("source", "target"), [("en", "es"), ("es", "en")])
def test_the_rules_values_travel_whole_through_apertium_first_time(source: str, target: str) -> None:
    texts = HARD[source]
    drafts, calls, units = engine_drafts(
        APERTIUM, GLOSSARY, texts, source, target, kinds=KIND, locale=LOCALE[target]
    )
    assert_sound(drafts, source, target)
    assert calls == 1 and units == len(texts)  # right the first time: no re-draft was needed


def test_what_the_possessive_once_split_now_reads_whole() -> None:
    texts = HARD["en"][:2]
    drafts, _, _ = engine_drafts(APERTIUM, GLOSSARY, texts, "en", "es", locale="es_MX")
    state, fbi = (drafts[text].text or "" for text in texts)
    assert (
        "4.5 millones de dólares" in state and "enero de 2025" in state and "Departamento de Estado" in state
    )
    assert "350 millones de dólares" in fbi and "desde 2008" in fbi and "FBI" in fbi


def test_a_protected_value_is_carried_as_a_token_and_verified() -> None:
    prepared = rules.prepare("Seizures fell 27% on March 5.", "en", "es", glossary=GLOSSARY)
    assert prepared.carried == {"{701/}": "el 5 de marzo"}
    masked = mask(GLOSSARY, prepared.text, "en", "es", style="digits", carry=prepared.carried)
    assert masked.text == "Seizures fell 27% 901."  # a bare number, as Apertium gets the terms
    back = restore(masked, "Los decomisos cayeron 27 % 901.")
    assert back.text == "Los decomisos cayeron 27 % {701/}." and not back.problems
    assert rules.finish(back.text, prepared, glossary=GLOSSARY) == "Los decomisos cayeron 27% el 5 de marzo."
    lost = restore(masked, "Los decomisos cayeron 27 %.")
    assert lost.problems == ("the token 901 of the protected text 'el 5 de marzo' was lost or broken",)
    twice = restore(masked, "901: los decomisos cayeron 27 % 901.")
    assert twice.problems and "came back 2 times" in twice.problems[0]


# --- a provider that splits every token, on loopback -------------------------------------


def splitting(handler) -> None:  # type: ignore[no-untyped-def]
    """LibreTranslate-compatible: "translates" by copying, splitting every token ({901/} →
    {901 /}, 901 → 9 01)."""
    text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
    out = re.sub(r"(?<!\d)9(\d\d)(?!\d)", r"9 \1", re.sub(r"\{(9\d\d)/\}", r"{\1 /}", text))
    body = ('{"translatedText": ' + __import__("json").dumps(out) + "}").encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def splitter(monkeypatch: pytest.MonkeyPatch) -> Iterator[OnlineEngine]:
    with loopback_server(splitting) as (url, _):
        monkeypatch.setenv("PUENTE_LIBRETRANSLATE_URL", url)
        yield OnlineEngine("libretranslate", retries=0, rate=500.0)


def test_a_unit_whose_protected_value_breaks_every_way_gets_its_own_source_text(
    splitter: OnlineEngine,
) -> None:
    text = "Seizures fell sharply on March 5."
    drafts, calls, _ = engine_drafts(splitter, GLOSSARY, [text], "en", "es", locale="es_MX")
    made = drafts[text]
    assert calls == 2  # the batch, and the re-draft the other way
    # the source as written, not the rules' prepared text ("...sharply {701/}.")
    assert made.text == text and made.failure is not None
    assert "the token {901/} of the protected text 'el 5 de marzo' was lost or broken" in made.failure


# --- random sentences through the real engine ----------------------------------------------

PIECES = {
    "en": {
        "term": ["the Sinaloa Cartel", "the National Guard", "the DEA", "the FBI", "SEDENA", "fentanyl"],
        "owner": ["The Sinaloa Cartel’s", "The Navy’s", "Sheinbaum’s", "The DEA's", "The FBI's", "The man's"],
        "date": [
            "on March 5, 2026",
            "on Monday",
            "since 2008",
            "at 10:30 a.m.",
            "on Dec. 9",
            "in January 2025",
        ],
        "amount": ["US $1.9 billion", "$350 million", "12,480 kilograms", "27%", "1.5 million pesos"],
        "quote": ["“we will not stop,”", "“a historic blow”", "‘enough’"],
    },
    "es": {
        "term": ["el Cártel de Sinaloa", "la Guardia Nacional", "la DEA", "el FBI", "la SEDENA", "fentanilo"],
        "owner": [
            "Los agentes del Cártel de Sinaloa",
            "Los marinos de la Armada de México",
            "El plan de Sheinbaum",
        ],
        "date": ["el 5 de marzo de 2026", "el lunes", "desde 2008", "a las 10:30 a. m.", "en enero de 2025"],
        "amount": ["1.900 millones de dólares", "350 millones de pesos", "12.480 kilogramos", "27 %"],
        "quote": ["«no nos detendremos»", "“un golpe histórico”"],
    },
}
TEMPLATES = {
    "en": [
        "{owner} {amount} budget {date}",
        "{term} said {date} that {amount} of {term} were seized.",
        "{owner} agents reported {quote} {date}.",
        "{date}, {term} and U.S. agents seized {amount} in Culiacán.",
        "{quote} {term} said {date}.",
        "{term} spent {amount} {date}, {term} said.",
    ],
    "es": [
        "{owner} gastaron {amount} {date}.",
        "{term} informó {date} que se aseguraron {amount} de {term}.",
        "{quote}, dijo {term} {date}.",
        "{date}, {term} y agentes de EE. UU. aseguraron {amount} en Culiacán.",
    ],
}


@st.composite
def sentence(draw: st.DrawFn, lang: str) -> str:
    template = draw(st.sampled_from(TEMPLATES[lang]))
    text = re.sub(r"\{(\w+)\}", lambda m: draw(st.sampled_from(PIECES[lang][m.group(1)])), template)
    return text[0].upper() + text[1:]


@settings(max_examples=10, deadline=None)
@given(data=st.data(), pair=st.sampled_from([("en", "es"), ("es", "en")]))
def test_random_sentences_with_protected_values_never_fall_back_or_leave_debris(
    data: st.DataObject, pair: tuple[str, str]
) -> None:
    source, target = pair
    texts = data.draw(st.lists(sentence(source), min_size=1, max_size=20, unique=True))
    kinds = {text: data.draw(st.sampled_from(["paragraph", "heading", "list item"])) for text in texts}
    drafts, calls, _ = engine_drafts(
        APERTIUM, GLOSSARY, texts, source, target, kinds=kinds, locale=LOCALE[target]
    )
    assert_sound(drafts, source, target)
    assert calls <= 2


# --- the engine, the locales and the build ------------------------------------------------


def test_american_english_for_en_us_projects_and_british_otherwise() -> None:
    text = "El centro de defensa reconoció el programa."
    american = get_engine("apertium", locales={"en": "en_US", "es": "es_MX"}).translate([text], "es", "en")
    british = get_engine("apertium", locales={"en": "en_GB", "es": "es_ES"}).translate([text], "es", "en")
    assert american.translations == ["The center of defense recognized the program."]
    assert british.translations == ["The centre of defence recognised the program."]
    # online providers write their own conventions: the setting is not theirs
    assert get_engine("libretranslate", locales={"en": "en_GB"}).name == "libretranslate"


def _project(tmp_path: Path, body: str, title: str = "Border week") -> Path:
    root = tmp_path / "project"
    (root / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "glossary", root / "glossary")
    (root / "sources" / "a.md").write_text(
        f"---\ntitle: {title}\nslug: a\nlang: en\n---\n\n{body}\n", "utf-8"
    )
    return root


def test_a_text_is_drafted_as_a_heading_only_where_every_use_is_one(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "## Seizures Fell Sharply at the Border\n\nSeizures Fell Sharply at the Border\n\n"
        "## Cartel Leaders Meet in Culiacán\n",
    )
    (root / "sources" / "b.md").write_text(
        "---\ntitle: Other\nslug: b\nlang: en\n---\n\n## Seizures Fell Sharply at the Border\n", "utf-8"
    )
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    drafts = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(po_file(root, "a", "es")))}
    mixed, heading = "Seizures Fell Sharply at the Border", "Cartel Leaders Meet in Culiacán"
    as_kind = {
        kind: engine_drafts(
            APERTIUM, GLOSSARY, [mixed, heading], "en", "es", kinds=dict.fromkeys([mixed, heading], kind)
        )[0]
        for kind in ("heading", "paragraph")
    }
    assert as_kind["heading"][mixed].text != as_kind["paragraph"][mixed].text  # the kind matters here
    # used as a paragraph too: drafted as a paragraph, one draft for every use
    assert drafts[("heading", mixed)] == drafts[("paragraph", mixed)] == as_kind["paragraph"][mixed].text
    # a heading wherever it is used: drafted as one (sentence case before the engine, the
    # Spanish heading's case after)
    assert (
        drafts[("heading", heading)]
        == as_kind["heading"][heading].text
        == "Dirigentes de cártel cumplen en Culiacán"
    )
    other = {e.msgid: e.msgstr for e in polib.pofile(str(po_file(root, "b", "es")))}
    assert other[mixed] == drafts[("heading", mixed)]  # one draft per text in a run


def test_notes_are_not_counted_as_warnings_in_the_summary_or_from_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path, "Lawmakers set aside money for biometric scanners at the border.")
    checked = run_cli("check", "--root", root)
    first = run_cli("build", "--root", root)
    assert first.exit_code == 0
    notes = run_cli("check", "--root", root).stdout
    assert "unknown: apertium did not know: Lawmakers, biometric [info]" in notes
    warnings = len(re.findall(r"\[warning\]$", notes, re.MULTILINE))
    assert f"0 errors, {warnings} warning" in first.stdout
    again = run_cli("build", "--root", root)  # from the build cache
    assert "(1 rebuilt)" not in again.stdout and f"0 errors, {warnings} warning" in again.stdout
    assert checked.exit_code in (0, 1)
