"""Drafting: memory before engine, zero calls when nothing changed, people's work never replaced."""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Sequence
from pathlib import Path

import polib

from pipeline.memory import Draft, TranslationMemory
from pipeline.mt import BatchResult
from pipeline.mt.apertium import ApertiumEngine
from pipeline.mt.online import OnlineEngine
from pipeline.project import open_project
from pipeline.rules import draft_key
from pipeline.termbase import load_glossary
from tests.conftest import run_cli
from tests.helpers import extract, loopback_server, msgfmt_check, po_file, translate


def memory_path(root: Path) -> Path:
    return root / ".puente" / "memory.sqlite"


class Counting:
    """The real engine, counting its calls and units (not a mock: Apertium still runs)."""

    def __init__(self, engine: ApertiumEngine | OnlineEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.version = engine.version
        self.calls = 0
        self.units = 0

    def translate(
        self, texts: Sequence[str], source: str, target: str, **options: float | None
    ) -> BatchResult:
        self.calls += 1
        self.units += len(texts)
        return self.engine.translate(texts, source, target, **options)


TITLES = {"a": "Cocaine at the ports", "b": "A quiet week in Washington"}


def article(slug: str, *paragraphs: str) -> str:
    body = "\n\n".join(paragraphs)
    return f"---\ntitle: {TITLES[slug]}\nslug: {slug}\nlang: en\n---\n\n{body}\n"


def entries(root: Path, slug: str) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(po_file(root, slug, "es")))}


def test_second_run_makes_zero_engine_calls(project: Path) -> None:
    config = project
    extract(config)
    engine = Counting(ApertiumEngine())
    first = translate(config, engine=engine)
    assert engine.calls == 2 and engine.units == first.drafts.engine_units > 100  # one call per language pair
    for path in (project / "locales").rglob("*.po"):
        assert msgfmt_check(path) == ""
        assert all("fuzzy" in e.flags for e in polib.pofile(str(path)) if e.msgid)
    again = Counting(ApertiumEngine())
    second = translate(config, engine=again)
    assert again.calls == 0 and second.catalogs_written == []


def test_drafts_name_their_origin_and_unknown_words(project: Path) -> None:
    config = project
    extract(config)
    translate(config, engine=ApertiumEngine())
    entry = entries(project, "cartel-crackdown-results")[
        "In recent days, president Donald Trump asserted that the United States has largely neutralized drugs arriving by sea and signaled plans to expand enforcement on land."
    ]
    notes = entry.comment.split("\n")
    assert notes[-3].startswith("draft: apertium ")
    # what made the draft besides the engine, and the text's fingerprint (pipeline.refresh)
    assert re.fullmatch(r"draft key: [0-9a-f]{12}\+rules1\+en_US\+es_MX; text [0-9a-f]{8}", notes[-2])
    assert notes[-1] == "unknown to apertium: signaled"
    assert "*" not in entry.msgstr and "Donald Trump" in entry.msgstr


def test_memory_fills_repeats_exactly_adapts_what_differs_in_numbers_and_suggests_the_rest(
    empty_project: Path,
) -> None:
    config = empty_project
    sources = empty_project / "sources"
    seized = "Agents seized 1,500 kg of cocaine at the port of Manzanillo."
    (sources / "a.md").write_text(article("a", seized))
    extract(config)
    catalog = polib.pofile(str(po_file(config, "a", "es")), wrapwidth=0)
    for entry in catalog:
        entry.msgstr = "REVIEWED " + entry.msgid
        if entry.msgid == seized:
            entry.msgstr = "Agentes aseguraron 1,500 kg de cocaína en el puerto de Manzanillo."
    catalog.save()
    other_number = "Agents seized 1,600 kg of cocaine at the port of Manzanillo."
    other_words = "Agents found 1,500 kg of cocaine at the port of Manzanillo."
    (sources / "b.md").write_text(article("b", seized, other_number, other_words))
    extract(config)
    engine = Counting(ApertiumEngine())
    report = translate(config, engine=engine)
    b = entries(empty_project, "b")
    exact = b[seized]
    assert exact.msgstr == "Agentes aseguraron 1,500 kg de cocaína en el puerto de Manzanillo."
    assert "fuzzy" in exact.flags and "memory: exact match of a reviewed translation" in exact.comment
    # a similar sentence that differs only in a number: the reviewed translation, adapted
    # (a draft, fuzzy, saying where it came from)
    adapted = b[other_number]
    assert adapted.msgstr == "Agentes aseguraron 1,600 kg de cocaína en el puerto de Manzanillo."
    assert "fuzzy" in adapted.flags
    assert f"memory: adapted from a 98% match of: {seized}" in adapted.comment
    # one that differs in a word holds another article's facts: offered in a comment beside
    # the engine's draft, never published as the draft
    similar = b[other_words]
    assert "Agentes aseguraron" not in similar.msgstr and "fuzzy" in similar.flags
    assert similar.comment.split("\n")[-2:] == [
        "memory suggestion (92%): Agentes aseguraron 1,500 kg de cocaína en el puerto de Manzanillo.",
        f"memory suggestion source: {seized}",
    ]
    drafts = report.drafts
    assert drafts.memory_exact == 1 and drafts.memory_adapted == 1 and drafts.suggestions == 1
    assert engine.units == 2  # the title of b and the sentence with another word went to the engine


def test_people_are_never_overwritten(empty_project: Path) -> None:
    config = empty_project
    source = empty_project / "sources" / "a.md"
    source.write_text(article("a", "The border patrol met in Tijuana.", "Seizures rose in Sonora."))
    extract(config)
    catalog = polib.pofile(str(po_file(config, "a", "es")), wrapwidth=0)
    for entry in catalog:
        entry.msgstr = "PERSONA " + entry.msgid
    catalog.save()
    source.write_text(article("a", "The border patrol met in Tijuana on Monday.", "Seizures rose in Sonora."))
    extract(config)
    translate(config, engine=ApertiumEngine())
    after = entries(empty_project, "a")
    reviewed = after["Seizures rose in Sonora."]
    assert reviewed.msgstr == "PERSONA Seizures rose in Sonora." and not reviewed.flags
    changed = after["The border patrol met in Tijuana on Monday."]
    assert changed.msgstr == "PERSONA The border patrol met in Tijuana."  # the person's old text stays
    assert changed.previous_msgid == "The border patrol met in Tijuana."
    fresh = [line for line in changed.comment.split("\n") if line.startswith("fresh draft: ")]
    assert fresh and "lunes" in fresh[0]


def test_failures_are_listed_and_not_cached(empty_project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json
    from urllib.parse import parse_qs, urlparse

    def server(handler):  # type: ignore[no-untyped-def]
        text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
        if "cocaine" in text:
            handler.send_response(503)
            handler.end_headers()
            return
        body = json.dumps({"translatedText": "ES:" + text}).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    config = empty_project
    (empty_project / "sources" / "a.md").write_text(
        article("a", "Agents seized cocaine.", "The summit ended.")
    )
    extract(config)
    with loopback_server(server) as (url, _):
        monkeypatch.setenv("PUENTE_LIBRETRANSLATE_URL", url)
        engine = Counting(OnlineEngine("libretranslate", retries=1, backoff=0.01, rate=100))
        report = translate(config, engine=engine)
        assert [f.msgid for f in report.failures] == ["Agents seized cocaine."]
        assert str(report.failures[0]).endswith("'Agents seized cocaine.': HTTP 503 (after 2 attempts)")
        assert entries(empty_project, "a")["Agents seized cocaine."].msgstr == ""
        assert entries(empty_project, "a")["The summit ended."].msgstr == "ES:The summit ended."
        again = Counting(OnlineEngine("libretranslate", retries=0, backoff=0.01, rate=100))
        translate(config, engine=again)
        assert again.units == 1  # the failed unit is asked again; the rest comes from memory


def _writer(path: str, offset: int) -> None:
    with TranslationMemory(Path(path)) as memory:
        for n in range(50):
            memory.store_drafts(
                "apertium", "1", "en", "es", "g", [(f"Sentence {offset + n}.", Draft(f"Frase {n}.", ()))]
            )
            memory.harvest("en", "es", [(f"Reviewed {offset + n}.", f"Revisada {n}.", "x.po")])


def test_two_processes_share_the_memory(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    TranslationMemory(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(path), offset)) for offset in (0, 1000)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with TranslationMemory(path) as memory:
        assert len(memory.pairs()) == 100
        assert memory.draft("apertium", "1", "en", "es", "g", "Sentence 1049.") == Draft("Frase 49.", ())


def test_translate_command(project: Path) -> None:
    assert run_cli("extract", "--root", project, "--quiet").exit_code == 0
    result = run_cli("translate", "--root", project, "--quiet")
    assert result.exit_code == 0 and result.stderr == ""
    assert memory_path(project).is_file()
    summary = run_cli("translate", "--root", project).stdout
    assert "engine: 0 units in 0 calls" in summary


def test_first_mention_of_a_term_is_expanded_in_drafts_only(empty_project: Path) -> None:
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    config = empty_project
    (empty_project / "sources" / "a.md").write_text(
        article("a", "The SSPC met the DEA in Tijuana.", "Later the SSPC and the DEA signed an agreement.")
    )
    (empty_project / "sources" / "b.md").write_text(
        article("b", "The [Drug Enforcement Administration](https://www.dea.gov) (DEA) opened an office.")
    )
    extract(config)
    translate(config, engine=ApertiumEngine())
    drafts = entries(empty_project, "a")
    first = drafts["The SSPC met the DEA in Tijuana."].msgstr
    second = drafts["Later the SSPC and the DEA signed an agreement."].msgstr
    assert "Secretaría de Seguridad y Protección Ciudadana (SSPC)" in first
    assert "Administración para el Control de Drogas (DEA)" in first
    assert "Secretaría de Seguridad" not in second and "SSPC" in second
    assert "glossary: SSPC = SSPC (do not translate)" in drafts["The SSPC met the DEA in Tijuana."].comment
    with TranslationMemory(memory_path(config)) as memory:  # the memory keeps the plain draft
        stored = memory.draft(
            "apertium",
            ApertiumEngine().version,
            "en",
            "es",
            # drafts are stored under the glossary's version, the draft rules' and the locales
            draft_key(load_glossary(open_project(config)).version, open_project(config).config.locales),
            "The SSPC met the DEA in Tijuana.",
        )
    assert stored is not None and "Secretaría" not in stored.translation
    # a source that spells the name out already is not expanded a second time
    spelled = entries(empty_project, "b")[
        "The {1}Drug Enforcement Administration{/1} (DEA) opened an office."
    ]
    assert spelled.msgstr.count("Administración para el Control de Drogas") == 1, spelled.msgstr
    assert spelled.msgstr.count("DEA") == 1, spelled.msgstr


ISSUE_CASES = {
    # the forms that split a glossary token in Apertium, and what the draft must hold
    "Agents joined the Mexican Navy’s special forces.": ["de la Armada de México"],
    "The SSPC’s report was late.": ["SSPC"],
    "The FGR's prosecutors filed charges.": ["FGR"],
    "It was the DEA's largest seizure.": ["DEA"],
    "The FGR-led effort ended in Tijuana's port.": ["FGR", "Tijuana"],
    "It was the Sinaloa Cartel.": ["el Cártel de Sinaloa."],
    "He named the “Mexican Navy”, the DEA, and the SSPC.": ["“Armada de México”", "DEA", "SSPC"],
}


def test_possessives_hyphens_quotes_and_final_punctuation_leave_no_debris(empty_project: Path) -> None:
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "glossary", empty_project / "glossary")
    config = empty_project
    (empty_project / "sources" / "a.md").write_text(article("a", *ISSUE_CASES))
    extract(config)
    engine = Counting(ApertiumEngine())
    translate(config, engine=engine)
    drafts = entries(empty_project, "a")
    for source, expected in ISSUE_CASES.items():
        draft = drafts[source].msgstr
        assert not re.search(r"[{}⟦⟧]|\b9\d\d\b", draft), (source, draft)
        for term in expected:
            assert term in draft, (source, draft)
        assert draft.endswith("."), draft  # nothing appended after the sentence
    assert engine.calls == 1  # every draft sound the first time: no second call
