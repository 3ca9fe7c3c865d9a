"""The project's termbase on disk: every ``glossary/*.tbx`` read into one
:class:`~pipeline.glossary.Glossary`, and written back (``glossary/puente.tbx``).

The formats are :mod:`pipeline.tbx` (TBX, and CSV for editors); matching and masking
terms is :mod:`pipeline.glossary`. A run loads the termbase once and hands it to
every step.
"""

from __future__ import annotations

import hashlib

from pipeline.errors import GlossaryError
from pipeline.files import read_limited, write_atomic
from pipeline.glossary import Glossary, Term
from pipeline.project import Project
from pipeline.tbx import check_conflicts, read_tbx, write_tbx

TERMBASE_LIMIT = 64 * 1024 * 1024
CANONICAL = "puente.tbx"


def load_glossary(project: Project) -> Glossary:
    """Every ``glossary/*.tbx`` of the project (an empty glossary when there is none);
    raise :class:`GlossaryError` on bad, hostile or conflicting input. ``version`` is a
    short hash of the files' bytes (drafts in the memory are keyed by it)."""
    terms: list[Term] = []
    digest = hashlib.sha256()
    for path in sorted(project.glossary_dir.glob("*.tbx")):
        relative = project.relative(path)
        if not project.inside(path):
            raise GlossaryError(relative, None, "links outside the project: copy the file into glossary/")
        raw = read_limited(path, relative, GlossaryError, TERMBASE_LIMIT)
        digest.update(raw)
        terms.extend(read_tbx(raw, relative))
    check_conflicts(terms, "glossary")
    return Glossary(terms, digest.hexdigest()[:12] if terms else "none")


def save_terms(project: Project, terms: list[Term]) -> bool:
    """Write ``terms`` to ``glossary/puente.tbx`` (only when its content changes)."""
    check_conflicts(terms, f"glossary/{CANONICAL}")
    return write_atomic(project.glossary_dir / CANONICAL, write_tbx(terms))
