"""Drafting through the glossary: every term in every context that used to split a token, through
real Apertium both ways; the re-draft and the fallback through a misbehaving provider on loopback."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.drafting import FALLBACK_NOTE, DraftOutcome, draft_batch
from pipeline.glossary import Glossary, TokenStyle, find_terms, mask, residue, restore
from pipeline.memory import Draft, TranslationMemory
from pipeline.mt.apertium import ApertiumEngine
from pipeline.mt.online import OnlineEngine
from pipeline.project import open_project
from pipeline.rules import draft_key
from pipeline.termbase import load_glossary
from tests.conftest import REPO, run_cli
from tests.helpers import extract, loopback_server, po_file, translate


def memory_path(root: Path) -> Path:
    return root / ".puente" / "memory.sqlite"


GLOSSARY = load_glossary(open_project(REPO))
APERTIUM = ApertiumEngine()

# Where a term goes ({T}, and {U} for a second one): the forms that split a token
# (possessives, hyphenated compounds, quotation marks, punctuation right after the term)
# and plain ones.
CONTEXTS = {
    "en": [
        "Officials said the {T}’s special forces arrived.",
        "The {T}'s report was late.",
        "{T}’s chief resigned.",
        "It was the {T}’ plan.",
        "The {T}-led effort failed.",
        "An anti-{T} campaign began.",
        "The {T}-{U} agreement held.",
        "He said “{T}” yesterday.",
        'He praised the "{T}."',
        "He praised ‘{T}’ twice.",
        "He said «{T}» twice.",
        "It was the {T}.",
        "It was the {T}, he said.",
        "Was it the {T}?",
        "Call the {T}!",
        "They met the {T}: a first.",
        "They met the {T}; then left.",
        "They met the {T}…",
        "Agents ({T}) arrived.",
        "{T} agents arrested him.",
        "The {T} and the {U} signed.",
        "{T}.",
        "{T}",
    ],
    "es": [
        "Las fuerzas especiales de la {T} llegaron.",
        "Fue la {T}.",
        "Fue el {T}, dijo.",
        "¿Fue la {T}?",
        "¡Llamen a la {T}!",
        "Dijo «{T}» ayer.",
        "Dijo “{T}” ayer.",
        'Elogió a "{T}."',
        "Agentes ({T}) llegaron.",
        "La campaña anti-{T} empezó.",
        "El acuerdo {T}-{U} se firmó.",
        "Según la {T}: un balance.",
        "Según {T}; luego nada.",
        "La {T}, dijo el fiscal, actuó.",
        "La {T} y el {U} firmaron.",
        "{T}.",
        "{T}",
    ],
}
PAIRS = [("en", "es"), ("es", "en")]


def forms(lang: str) -> list[str]:
    return sorted({form for term in GLOSSARY.terms for form in term.forms(lang) if form})


def expected_terms(text: str, source: str, target: str) -> list[str]:
    return [
        hit.text if hit.term.dnt else hit.term.target(target, hit.form_index)
        for hit in find_terms(GLOSSARY, text, source)
    ]


def present(term: str, draft: str) -> bool:
    wanted, folded = term.casefold(), draft.casefold()
    return wanted in folded or (wanted.startswith("el ") and wanted[3:] in folded)  # "de el" → "del"


def assert_sound(texts: list[str], outcomes: list[DraftOutcome], source: str, target: str) -> None:
    """No debris, no stray token number, every approved term present, nothing fallen back."""
    for text, outcome in zip(texts, outcomes, strict=True):
        draft = outcome.text
        assert draft is not None and not outcome.fallback, (text, outcome)
        assert residue(text, draft) == [], (text, draft)
        assert set(re.findall(r"\d+", draft)) <= set(re.findall(r"\d+", text)), (text, draft)
        for term in expected_terms(text, source, target):
            assert present(term, draft), (text, draft, term)


@pytest.mark.parametrize(("source", "target"), PAIRS)
@pytest.mark.parametrize("style", ["digits", "braces"])
def test_every_term_in_every_context_through_real_apertium(
    source: str, target: str, style: TokenStyle
) -> None:
    """Every form of every glossary term in each context, one batch per direction. With
    ``{901/}`` tokens first (what online providers get) Apertium splits some of them: the
    re-draft must heal every one, in one more call."""
    texts = list(
        dict.fromkeys(
            context.replace("{T}", form).replace("{U}", other)
            for context in CONTEXTS[source]
            for form, other in zip(forms(source), reversed(forms(source)), strict=True)
        )
    )
    batch = draft_batch(APERTIUM, GLOSSARY, texts, source, target, style=style)
    assert_sound(texts, batch.outcomes, source, target)
    assert batch.calls <= 2
    if style == "digits":  # Apertium's own way: right the first time
        assert batch.calls == 1 and not any(outcome.redrafted for outcome in batch.outcomes)


@st.composite
def units(draw: st.DrawFn, source: str) -> str:
    """One to three sentences, each putting one or two random terms in a random context."""
    sentences = []
    for _ in range(draw(st.integers(1, 3))):
        context = draw(st.sampled_from(CONTEXTS[source]))
        first, second = draw(st.sampled_from(forms(source))), draw(st.sampled_from(forms(source)))
        sentences.append(context.replace("{T}", first).replace("{U}", second))
    return " ".join(sentences)


@settings(max_examples=12, deadline=None)
@given(data=st.data(), pair=st.sampled_from(PAIRS), style=st.sampled_from(["digits", "braces"]))
def test_random_sentences_of_terms_never_leave_debris(
    data: st.DataObject, pair: tuple[str, str], style: TokenStyle
) -> None:
    source, target = pair
    texts = data.draw(st.lists(units(source), min_size=1, max_size=15))
    batch = draft_batch(APERTIUM, GLOSSARY, texts, source, target, style=style)
    assert_sound(texts, batch.outcomes, source, target)
    assert batch.calls <= 2


def test_the_issue_sentence_is_drafted_whole_with_its_article_agreeing() -> None:
    text = (
        "{1}lead Agencies:{/1} DEA, Fiscalía Anticorrupción (Mexico), and the Mexican Navy’s Special Forces."
    )
    [outcome] = draft_batch(APERTIUM, GLOSSARY, [text], "en", "es").outcomes
    assert outcome.text == (
        "{1}Agencias de ventaja:{/1} DEA, Fiscalía Anticorrupción (México), y las fuerzas Especiales de la "
        "Armada de México."
    )
    masked = mask(GLOSSARY, text, "en", "es", style="braces")
    broken = restore(masked, "y las fuerzas Especiales/} del {903. {901/}, {902/}")
    assert (
        broken.broken == (903,)
        and "the token {903/} of the glossary term 'Mexican Navy'" in broken.problems[0]
    )


def test_spanish_articles_agree_and_contract_through_apertium() -> None:
    texts = ["The report of the Mexican Navy was late.", "The SSPC signed with the Sinaloa Cartel’s rivals."]
    navy, cartel = (o.text or "" for o in draft_batch(APERTIUM, GLOSSARY, texts, "en", "es").outcomes)
    assert navy == "El informe de la Armada de México era tarde."  # Apertium's "del" made to agree
    assert cartel.startswith("La SSPC ") and cartel.endswith(" los rivales del Cártel de Sinaloa.")


def test_a_token_never_collides_with_the_units_own_numbers() -> None:
    text = "Agents seized 4,901 kg, 902 pounds and {1}903{/1} doses near the DEA office."
    masked = mask(GLOSSARY, text, "en", "es", style="digits")
    assert "DEA" not in masked.text and masked.replacements[0].token == "904"
    [outcome] = draft_batch(APERTIUM, GLOSSARY, [text], "en", "es").outcomes
    assert outcome.text is not None and "DEA" in outcome.text
    assert all(number in outcome.text for number in ("4,901", "902", "{1}903{/1}"))


def test_identical_masked_texts_go_to_the_engine_once() -> None:
    texts = ["The DEA said so.", "The ICE said so.", "The DEA said so."]
    batch = draft_batch(APERTIUM, GLOSSARY, texts, "en", "es")
    assert batch.calls == 1 and batch.units == 1  # "The 901 said so."
    assert [o.text for o in batch.outcomes] == ["La DEA dijo tan.", "El ICE dijo tan.", "La DEA dijo tan."]
    assert draft_batch(APERTIUM, GLOSSARY, [], "en", "es").calls == 0


# --- a provider that breaks tokens, on loopback ---------------------------------------------


def breaking(handler) -> None:  # type: ignore[no-untyped-def]
    """A LibreTranslate-compatible server that "translates" by copying the text, splitting every
    glossary token it sees ({901/} → {901 /}, 901 → 9 01); and, when the text says NAVYLESS,
    dropping the word "Navy" too (so the term cannot be found again either); when it says FLAKY,
    failing every request without a brace (the re-draft's)."""
    text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
    if "FLAKY" in text and "{" not in text:  # the re-draft's requests fail
        handler.send_response(500)
        handler.end_headers()
        return
    out = re.sub(r"\{(9\d\d)/\}", r"{\1 /}", text)
    out = re.sub(r"(?<!\d)9(\d\d)(?!\d)", r"9 \1", out)
    if "NAVYLESS" in text:
        out = out.replace("Navy", "")
    body = json.dumps({"translatedText": out}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def breaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[OnlineEngine]:
    with loopback_server(breaking) as (url, _):
        monkeypatch.setenv("PUENTE_LIBRETRANSLATE_URL", url)
        yield OnlineEngine("libretranslate", retries=0, rate=500.0)


def test_broken_terms_are_drafted_again_without_masking_and_put_back(breaker: OnlineEngine) -> None:
    texts = ["Agents joined the Mexican Navy’s special forces.", "No term here."]
    batch = draft_batch(breaker, GLOSSARY, texts, "en", "es")
    assert batch.calls == 2  # the batch, then every re-draft in one more call
    healed, plain = batch.outcomes
    # the provider copies text: the term left unmasked comes back as written and is aligned
    assert healed.text == "Agents joined the Armada de México’s special forces."
    assert healed.redrafted and "{901/}" in healed.problems[0] and not healed.fallback
    assert plain.text == "No term here." and not plain.problems


def test_a_unit_no_way_drafts_soundly_falls_back_to_its_source(breaker: OnlineEngine) -> None:
    text = "NAVYLESS: agents joined the Mexican Navy’s special forces."
    [outcome] = draft_batch(breaker, GLOSSARY, [text], "en", "es").outcomes
    assert outcome.fallback and outcome.text == text and not outcome.redrafted
    assert outcome.failure("libretranslate").startswith(
        "libretranslate broke glossary terms (the token {901/} of the glossary term 'Mexican Navy' was lost"
    )


def test_an_engine_failing_during_the_redraft_leaves_the_unit_to_be_asked_again(
    empty_project: Path, breaker: OnlineEngine
) -> None:
    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    config = empty_project
    flaky = "FLAKY: agents joined the Mexican Navy’s special forces."
    _article(empty_project, flaky)
    extract(config)
    report = translate(config, engine=breaker)
    assert [(f.msgid, f.reason) for f in report.failures] == [(flaky, "HTTP 500 (after 1 attempts)")]
    entry = next(e for e in polib.pofile(str(po_file(config, "a", "es"))) if e.msgid == flaky)
    assert entry.msgstr == "" and FALLBACK_NOTE not in entry.comment


def _article(root: Path, *paragraphs: str) -> None:
    body = "\n\n".join(paragraphs)
    (root / "sources" / "a.md").write_text(f"---\ntitle: Navy week\nslug: a\nlang: en\n---\n\n{body}\n")


def test_a_fallback_is_an_error_at_its_po_line_and_the_page_shows_the_source(
    empty_project: Path, breaker: OnlineEngine
) -> None:
    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    failing = "NAVYLESS: agents joined the Mexican Navy’s special forces."
    _article(empty_project, failing, "Agents joined the Mexican Navy’s special forces.")
    built = run_cli("build", "--root", empty_project, "--engine", "libretranslate")
    assert built.exit_code == 0, built.stderr
    po = po_file(empty_project, "a", "es")
    entry = next(e for e in polib.pofile(str(po)) if e.msgid == failing)
    # the source as written, not as the draft rules prepared it ("the special forces of the Mexican Navy")
    assert entry.msgstr == failing and "fuzzy" in entry.flags
    note = f"{FALLBACK_NOTE} libretranslate broke glossary terms (the token {{901/}} of the glossary term"
    assert note in entry.comment
    where = f"locales/es/LC_MESSAGES/a.po:{entry.linenum}: fallback: libretranslate broke glossary terms"
    assert any(line.startswith(where) and line.endswith("[error]") for line in built.stderr.splitlines())
    checked = run_cli("check", "--root", empty_project)
    assert checked.exit_code == 1
    assert any(
        line.startswith(where) and "the source text stands in" in line for line in checked.stdout.splitlines()
    )
    page = (empty_project / "build" / "es" / "a.html").read_text("utf-8")
    # the other unit is drafted, through the draft rules (pipeline.rules: the possessive written out)
    assert failing in page and "Agents joined the special forces of the Armada de México." in page
    assert not re.search(r"\{9|9 0\d|/\}", page)
    # the note stays with its entry through a new extraction, and a reviewer's text silences it
    assert run_cli("extract", "--root", empty_project, "--quiet").exit_code == 0
    catalog = polib.pofile(str(po), wrapwidth=0)
    reviewed = next(e for e in catalog if e.msgid == failing)
    assert FALLBACK_NOTE in reviewed.comment
    reviewed.msgstr, reviewed.flags = (
        "NAVYLESS: agentes se unieron a las fuerzas especiales de la Armada de México.",
        [],
    )
    catalog.save()
    assert ": fallback: " not in run_cli("check", "--root", empty_project).stdout


def test_a_fallback_is_not_remembered(empty_project: Path, breaker: OnlineEngine) -> None:
    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    config = empty_project
    _article(empty_project, "NAVYLESS: agents joined the Mexican Navy’s special forces.", "The DEA met.")
    extract(config)
    translate(config, engine=breaker)
    with TranslationMemory(memory_path(config)) as memory:
        project = open_project(config)
        version = draft_key(load_glossary(project).version, project.config.locales)
        assert memory.draft(breaker.name, breaker.version, "en", "es", version, "The DEA met.") is not None
        failed = "NAVYLESS: agents joined the Mexican Navy’s special forces."
        assert memory.draft(breaker.name, breaker.version, "en", "es", version, failed) is None


# --- the memory never hands out debris ------------------------------------------------------


def test_the_memory_neither_learns_nor_offers_debris(tmp_path: Path) -> None:
    source = "The Mexican Navy’s special forces arrived."
    debris = "Las fuerzas especiales/} del {903 llegaron. Armada de México"
    with TranslationMemory(tmp_path / "memory.sqlite") as memory:
        memory.store_drafts("apertium", "1", "en", "es", "g", [(source, Draft(debris, ()))])
        assert memory.draft("apertium", "1", "en", "es", "g", source) is None
        assert memory.harvest("en", "es", [(source, debris, "a.po")]) == 0
        assert memory.reviewed("en", "es", source) is None
        assert memory.fuzzy("en", "es", source.replace("arrived", "left"), 60) is None
        # rows an older version stored are passed over too
        memory.db.execute(
            "INSERT INTO reviewed VALUES ('en', 'es', ?, ?, ?, 'old.po')", (source, source, debris)
        )
        assert memory.reviewed("en", "es", source) is None
        memory.harvest(
            "en", "es", [(source, "Llegaron las fuerzas especiales de la Armada de México.", "b.po")]
        )
        assert (
            memory.reviewed("en", "es", source) == "Llegaron las fuerzas especiales de la Armada de México."
        )


def test_drafts_stored_by_the_old_masking_are_not_reused(project: Path) -> None:
    """The glossary's version keys the memory's drafts and includes the masking scheme: a draft
    the older scheme stored under the termbase's bare hash is never looked up."""
    import hashlib

    raw = b"".join(path.read_bytes() for path in sorted((project / "glossary").glob("*.tbx")))
    glossary: Glossary = load_glossary(open_project(project))
    assert glossary.version != hashlib.sha256(raw).hexdigest()[:12]


def test_a_source_that_writes_braces_and_brackets_itself_keeps_them(empty_project: Path) -> None:
    """Literal "{903/}" is protected as a placeholder by the parser, "⟦sic⟧" and "{x}" stay text:
    neither is residue, and the page shows them as the source wrote them."""
    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    _article(empty_project, "The Mexican Navy’s memo quoted {903/}, {x} and ⟦sic⟧ twice.")
    built = run_cli("build", "--root", empty_project)
    assert built.exit_code == 0 and "[error]" not in built.stderr, built.stderr
    checked = run_cli("check", "--root", empty_project).stdout
    assert ": residue: " not in checked and ": fallback: " not in checked
    text = (empty_project / "build" / "es" / "a.html").read_text("utf-8")
    assert "Armada de México" in text
    assert all(literal in text for literal in ("{903/}", "{x}", "⟦sic⟧")), text
