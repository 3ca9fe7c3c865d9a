"""The exceptions of Puente's library: one family, each message ``path:line: what``.

The library never prints or exits; :mod:`pipeline.cli` turns these into a
one-line message on stderr and exit code 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class PipelineError(Exception):
    """A fatal problem with the project's input. ``str()`` is the whole message."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        # one line, always: a library's message may span several ("... in <string>, line 3")
        self.message = message = re.sub(r"\s*\n\s*", " ", message).strip()
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[PipelineError], tuple[str, int | None, str]]:
        # rebuilt from its three parts when it comes back from a worker process
        return type(self), (self.path, self.line, self.message)


@dataclass(frozen=True)
class Notice:
    """A problem with input that was read all the same (an entry skipped...): the CLI prints
    it as ``path:line: warning: message`` and goes on."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: warning: {self.message}"


class SourceError(PipelineError):
    """A source article cannot be read (bad front matter, bytes, language...)."""


class CatalogError(PipelineError):
    """A PO or POT file cannot be read or would be written wrong."""


class GlossaryError(PipelineError):
    """The termbase (TBX or CSV) is malformed, hostile or contradictory."""


class ConfigError(PipelineError):
    """``puente.toml`` is malformed or holds an invalid setting."""


class EngineError(PipelineError):
    """A machine-translation engine is missing or failed as a whole."""


class MemoryStoreError(PipelineError):
    """The translation memory (``.puente/memory.sqlite``) cannot be read or written."""


class ProjectError(PipelineError):
    """The folder is not a Puente project."""


class BuildError(PipelineError):
    """The build cannot proceed (another build holds the lock, output not writable)."""


class ProjectLocked(BuildError):
    """Another command holds the project's lock (it may be free in a moment)."""
