"""Robustness 6 and 15: no engine can hang a run, flood it, or leak a key.

Every engine call has a deadline per request and per run (``[translate] timeout``);
past it the run stops with one line naming the engine and how long it tried, and
nothing is written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from pipeline.errors import EngineError
from pipeline.mt.online import OnlineEngine
from tests.faults.helpers import fake_engine, puente, written_state
from tests.helpers import loopback_server

KEY = "sk-live-secret-999"


def test_an_apertium_that_never_answers_stops_the_run_at_its_deadline(project: Path, tmp_path: Path) -> None:
    (project / "puente.toml").write_text("[translate]\ntimeout = 2\n")
    env = fake_engine(tmp_path / "bin", "sleep 60\n")
    started = time.monotonic()
    result = puente(project, "build", env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stderr.startswith("apertium: apertium eng-spa gave no answer in 2 s: stopped")
    assert result.stderr.count("\n") == 1
    assert elapsed < 20
    assert written_state(project) == {}


def engine(url: str, **options: float) -> OnlineEngine:
    env = {"PUENTE_LIBRETRANSLATE_URL": url, "PUENTE_LIBRETRANSLATE_KEY": KEY}
    settings = {"timeout": 0.5, "retries": 2, "backoff": 0.01, "rate": 500.0, "concurrency": 4, **options}
    return OnlineEngine("libretranslate", environ=env, **settings)  # type: ignore[arg-type]


def answer(handler, text: str) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"translatedText": "ES:" + text}).encode()
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_a_server_that_never_answers_stops_the_run_quickly() -> None:
    def silent(handler):  # type: ignore[no-untyped-def]
        time.sleep(5)

    with loopback_server(silent) as (url, _):
        started = time.monotonic()
        with pytest.raises(EngineError) as caught:
            engine(url, timeout=0.3, retries=1).translate([f"sentence {n}" for n in range(200)], "en", "es")
        elapsed = time.monotonic() - started
    # the provider is taken to be down after a few requests in a row, not 200 × retries × timeout
    assert elapsed < 10
    assert str(caught.value).startswith("libretranslate: stopped after ")
    assert "requests in a row failed (no answer within 0.3 s" in str(caught.value)


def test_a_slow_drip_cannot_hold_a_request_past_its_deadline() -> None:
    def drip(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):  # one byte every 0.1 s: each read is quick, the whole is 10 s
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)

    with loopback_server(drip) as (url, _):
        started = time.monotonic()
        result = engine(url, timeout=0.5, retries=0).translate(["slow"], "en", "es")
        elapsed = time.monotonic() - started
    assert result.translations == [None]
    assert result.errors == ["no answer within 0.5 s (after 1 attempts)"]
    assert elapsed < 3


def test_a_huge_retry_after_is_not_waited_for() -> None:
    def throttled(handler):  # type: ignore[no-untyped-def]
        handler.send_response(429)
        handler.send_header("Retry-After", "100000")
        handler.end_headers()

    with loopback_server(throttled) as (url, _):
        started = time.monotonic()
        with pytest.raises(EngineError, match="out of time"):
            engine(url, retries=3).translate(["a", "b"], "en", "es", deadline=time.monotonic() + 2)
        assert time.monotonic() - started < 6


def test_the_run_deadline_stops_a_slow_provider(project: Path, tmp_path: Path) -> None:
    def slow(handler):  # type: ignore[no-untyped-def]
        time.sleep(0.4)
        text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
        answer(handler, text)

    with loopback_server(slow) as (url, _):
        (project / "puente.toml").write_text('[translate]\nengine = "libretranslate"\ntimeout = 3\n')
        started = time.monotonic()
        result = puente(project, "build", env={"PUENTE_LIBRETRANSLATE_URL": url})
        elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stderr.startswith("libretranslate: stopped after ") and "out of time" in result.stderr
    assert elapsed < 30
    assert written_state(project) == {}


def test_an_answer_larger_than_the_limit_is_refused() -> None:
    def flood(handler):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.end_headers()
        chunk = b"x" * (1024 * 1024)
        try:
            for _ in range(20):
                handler.wfile.write(chunk)
        except OSError:
            pass

    with loopback_server(flood) as (url, _):
        result = engine(url, timeout=5, retries=0).translate(["big"], "en", "es")
    assert result.translations == [None]
    assert result.errors == ["answer larger than 10 MB (after 1 attempts)"]


def test_the_libretranslate_key_never_travels_in_the_url() -> None:
    seen: list[tuple[str, bytes]] = []

    def server(handler):  # type: ignore[no-untyped-def]
        length = int(handler.headers.get("Content-Length") or 0)
        seen.append((handler.path, handler.rfile.read(length)))
        text = parse_qs(urlparse(handler.path).query).get("q", [""])[0]
        answer(handler, text)

    with loopback_server(server) as (url, _):
        result = engine(url).translate(["hello"], "en", "es")
    assert result.translations == ["ES:hello"]
    path, body = seen[0]
    assert KEY not in path
    assert parse_qs(body.decode())["api_key"] == [KEY]
