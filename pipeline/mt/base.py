"""What every machine-translation engine offers, and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

PROVIDERS = ("deepl", "google", "libretranslate", "microsoft", "mymemory")
"""The online providers (:mod:`pipeline.mt.online`)."""
ENGINES = ("apertium", *PROVIDERS)


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

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, deadline: float | None = None
    ) -> BatchResult:
        """Translate ``texts``; ``deadline`` is a ``time.monotonic()`` value past which the
        engine stops and raises :class:`~pipeline.errors.EngineError`."""
        ...
