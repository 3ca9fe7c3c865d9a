"""Engines: real Apertium in both directions; deep-translator against a faulty loopback server."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import parse_qs, urlparse

import pytest

from pipeline.errors import EngineError
from pipeline.mt import get_engine
from pipeline.mt.apertium import ApertiumEngine
from pipeline.mt.online import OnlineEngine
from tests.helpers import loopback_server


@pytest.fixture(scope="module")
def apertium() -> ApertiumEngine:
    return ApertiumEngine(jobs=1)


def test_batches_keep_every_unit_in_its_place(apertium: ApertiumEngine) -> None:
    texts = [f"Agents seized {n} kilograms of cocaine in the port." for n in range(300)]
    texts[7] = "He said: “No.” Then he left. Officials did not comment."
    result = apertium.translate(texts, "en", "es")
    assert len(result.translations) == 300
    for n, translation in enumerate(result.translations):
        if n != 7:
            assert translation is not None and f" {n} " in translation, (n, translation)
    assert result.translations[7] is not None and "no comentaron" in result.translations[7]


def test_unknown_words_are_listed_and_unmarked(apertium: ApertiumEngine) -> None:
    result = apertium.translate(["The Xyzzyq report mentions #1 and 1-800-SEC-MX."], "en", "es")
    draft = result.translations[0]
    assert draft is not None
    assert "Xyzzyq" in result.unknown[0]
    assert "*" not in draft and "Xyzzyq" in draft
    assert "#1" in draft  # a literal "#" of the source is not a mark


def test_placeholders_and_special_characters_survive(apertium: ApertiumEngine) -> None:
    texts = [
        "See {1}the report{/1} and {2/} the {901/} data.",
        "Prices ^ $ [ ] \\ / @ * # < > & rose 50%.",
        "El informe {1}completo{/1} llegó {2/} ayer.",
    ]
    en_es = apertium.translate(texts[:2], "en", "es").translations
    assert en_es[0] is not None and all(t in en_es[0] for t in ("{1}", "{/1}", "{2/}", "{901/}"))
    assert en_es[1] is not None and all(c in en_es[1] for c in "^$[]\\/@*#<>&%")
    es_en = apertium.translate(texts[2:], "es", "en").translations
    assert es_en[0] is not None and all(t in es_en[0] for t in ("{1}", "{/1}", "{2/}"))


def test_both_directions_and_empty_units(apertium: ApertiumEngine) -> None:
    result = apertium.translate(["", "La presidenta habló.", "  "], "es", "en")
    assert result.translations[0] == "" and result.translations[2] == ""
    assert result.translations[1] is not None and "president" in result.translations[1].lower()


def test_parallel_batches_equal_one_batch() -> None:
    texts = [f"Unit {n}: the border patrol met officials in Sonora." for n in range(120)]
    serial = ApertiumEngine(jobs=1).translate(texts, "en", "es")
    parallel = ApertiumEngine(jobs=2, parallel_chars=100).translate(texts, "en", "es")
    assert parallel.translations == serial.translations
    assert (
        ApertiumEngine(jobs=1).translate(texts, "en", "es").translations == serial.translations
    )  # reproducible


def test_unknown_engine_names_the_choices() -> None:
    with pytest.raises(
        EngineError, match="unknown engine 'babelfish': choose one of apertium, deepl, google"
    ):
        get_engine("babelfish")


# --- online providers through deep-translator ---------------------------------------------

KEY = "sk-test-secret-123"


def libretranslate(handler) -> None:  # type: ignore[no-untyped-def]
    """A LibreTranslate-compatible server with faults chosen by the text."""
    query = parse_qs(urlparse(handler.path).query)
    text = query.get("q", [""])[0]
    state = handler.server.__dict__.setdefault("seen", {})
    state[text] = state.get(text, 0) + 1
    if "SLOW" in text and state[text] == 1:
        time.sleep(1.5)
    if "RATE" in text and state[text] == 1:
        handler.send_response(429)
        handler.send_header("Retry-After", "0.2")
        handler.end_headers()
        return
    if "FAIL" in text:
        handler.send_response(500)
        handler.end_headers()
        return
    if "JSON" in text:
        body = b'{"translatedText": '
    elif "DROP" in text:
        handler.connection.shutdown(socket.SHUT_RDWR)
        return
    else:
        body = json.dumps({"translatedText": "ES:" + text}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def online(url: str, **options: float) -> OnlineEngine:
    env = {"PUENTE_LIBRETRANSLATE_URL": url, "PUENTE_LIBRETRANSLATE_KEY": KEY}
    settings = {"timeout": 0.5, "retries": 2, "backoff": 0.01, "rate": 200.0, "concurrency": 4, **options}
    return OnlineEngine("libretranslate", environ=env, **settings)  # type: ignore[arg-type]


def test_faults_are_retried_or_reported_and_nothing_hangs() -> None:
    texts = [
        "plain one",
        "SLOW once",
        "RATE limited once",
        "FAIL always",
        "JSON broken",
        "DROP connection",
        "plain two",
    ]
    with loopback_server(libretranslate) as (url, hits):
        started = time.monotonic()
        result = online(url).translate(texts, "en", "es")
        elapsed = time.monotonic() - started
    assert result.translations[0] == "ES:plain one"
    assert result.translations[1] == "ES:SLOW once"  # timed out once, retried
    assert result.translations[2] == "ES:RATE limited once"  # 429, Retry-After honoured
    assert result.translations[6] == "ES:plain two"
    for index, reason in ((3, "HTTP 500"), (4, "malformed answer"), (5, "connection failed or dropped")):
        assert result.translations[index] is None
        assert result.errors[index] == f"{reason} (after 3 attempts)"
    assert sum("FAIL" in hit for hit in hits) == 3  # retried, then given up
    assert elapsed < 10
    assert all(KEY not in (error or "") for error in result.errors)


def test_a_request_slower_than_the_deadline_fails_in_time() -> None:
    def never(handler):  # type: ignore[no-untyped-def]
        time.sleep(3)

    with loopback_server(never) as (url, _):
        started = time.monotonic()
        result = online(url, timeout=0.2, retries=1).translate(["anything"], "en", "es")
        assert time.monotonic() - started < 2.5
    assert result.translations == [None]
    assert result.errors == ["no answer within 0.2 s (after 2 attempts)"]


def test_missing_configuration_is_a_clear_error() -> None:
    engine = OnlineEngine("libretranslate", environ={})
    with pytest.raises(EngineError, match="set PUENTE_LIBRETRANSLATE_URL"):
        engine.translate(["x"], "en", "es")


def deepl_server(handler) -> None:  # type: ignore[no-untyped-def]
    """DeepL's /v2/translate: 429 with Retry-After once, then answers."""
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length)
    state = handler.server.__dict__.setdefault("calls", [0])
    state[0] += 1
    if state[0] == 1:
        handler.send_response(429)
        handler.send_header("Retry-After", "0.1")
        handler.end_headers()
        return
    try:
        payload = json.loads(body)
        texts = payload["text"]
    except ValueError:
        from urllib.parse import parse_qs as parse

        texts = parse(body.decode())["text"]
    answer = json.dumps(
        {
            "translations": [
                {"detected_source_language": "EN", "text": "ES:" + t, "billed_characters": len(t)}
                for t in texts
            ]
        }
    )
    data = answer.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def test_deepl_through_the_official_sdk() -> None:
    with loopback_server(deepl_server) as (url, hits):
        env = {"PUENTE_DEEPL_KEY": KEY, "PUENTE_DEEPL_URL": url}
        engine = OnlineEngine("deepl", environ=env, retries=2, backoff=0.01, rate=100)
        result = engine.translate(["Seizures rose in Sonora."], "en", "es")
    assert result.translations == ["ES:Seizures rose in Sonora."]
    assert any("/v2/translate" in hit for hit in hits) and len(hits) == 2  # 429 once, then the answer
    assert engine.version.startswith("deepl ")
