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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.errors import EngineError


@dataclass
class BatchResult:
    """Per input text: the translation (None when it failed), the words the engine
    did not know, and the failure message."""

    translations: list[str | None]
    unknown: list[tuple[str, ...]]
    errors: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.errors:
            self.errors = [None] * len(self.translations)


class Engine(Protocol):
    """What every engine offers."""

    name: str
    version: str

    def translate(self, texts: Sequence[str], source: str, target: str) -> BatchResult: ...


def engine_names() -> tuple[str, ...]:
    from pipeline.mt.online import PROVIDERS

    return ("apertium", *sorted(PROVIDERS))


def get_engine(name: str, **options: Any) -> Engine:
    """The engine called ``name``; raise :class:`EngineError` naming the choices."""
    if name == "apertium":
        from pipeline.mt.apertium import ApertiumEngine

        apertium: Engine = ApertiumEngine(**options)
        return apertium
    from pipeline.mt.online import PROVIDERS, OnlineEngine

    if name in PROVIDERS:
        engine: Engine = OnlineEngine(name, **options)
        return engine
    raise EngineError(
        "puente.toml", None, f"unknown engine {name!r}: choose one of {', '.join(engine_names())}"
    )
