"""Machine-translation engines: one interface, one module per engine.

An engine translates a batch of unit texts (with placeholders ``{1}…{/1}``,
``{2/}`` and glossary tokens, ``{901/}`` or bare numbers for Apertium, which it
must leave alone: :mod:`pipeline.drafting` verifies that it did) from one
language to another. Failures of single units are reported in the result, never raised:
the caller leaves those units untranslated and lists them. A whole-engine
failure (the engine is not installed) raises :class:`EngineError`.

Engines: ``apertium`` (offline, the default) and the online providers of
:mod:`pipeline.mt.online`. API keys come from environment variables only.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import EngineError
from pipeline.mt.base import ENGINES, PROVIDERS, BatchResult, Engine

__all__ = ["ENGINES", "BatchResult", "Engine", "engine_names", "engine_version", "get_engine"]


def engine_names() -> tuple[str, ...]:
    return ENGINES


def get_engine(name: str, **options: Any) -> Engine:
    """The engine called ``name``; raise :class:`EngineError` naming the choices. ``locales``
    (the project's Babel locale per language) tells Apertium which English to write."""
    if name == "apertium":
        from pipeline.mt.apertium import ApertiumEngine

        apertium: Engine = ApertiumEngine(**options)
        return apertium
    from pipeline.mt.online import OnlineEngine

    options.pop("locales", None)  # the providers write their own conventions
    if name in PROVIDERS:
        engine: Engine = OnlineEngine(name, **options)
        return engine
    raise EngineError(
        "puente.toml", None, f"unknown engine {name!r}: choose one of {', '.join(engine_names())}"
    )


def engine_version(name: str) -> str:
    """The version of engine ``name`` without starting it (drafts in the memory are keyed
    by it, so a run that calls no engine still finds the drafts of the current one)."""
    if name == "apertium":
        from pipeline.mt.apertium import package_version

        return package_version()
    from pipeline.mt.online import provider_version

    return provider_version(name)
