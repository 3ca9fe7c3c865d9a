"""Entry states ⇄ XLIFF states, both ways.

Written (export):

============  ======================================  ===============================
entry         XLIFF 1.2 ``<target>``                  XLIFF 2.1 ``<segment>``
============  ======================================  ===============================
untranslated  ``state="new"`` (empty target)          ``state="initial"`` (no target)
machine       ``needs-review-translation``,           ``translated``,
              ``state-qualifier="leveraged-mt"``      ``subState="puente:machine"``
              (``leveraged-tm``: from the memory)     (``puente:memory``)
changed       ``needs-review-translation``,           ``translated``,
              ``state-qualifier="fuzzy-match"``       ``subState="puente:changed"``
reviewed      ``final``, unit ``approved="yes"``      ``final``
============  ======================================  ===============================

Read (import), what a target becomes (:func:`verdict`):

* ``final``: 1.2 ``final`` or ``signed-off``, or ``approved="yes"`` on a unit
  whose target is not in a ``new``/``needs-…`` state (how Translate Toolkit and the
  tools built on it mark a finished translation); 2.x ``final`` or ``reviewed``.
  The target becomes a reviewed entry.
* ``draft``: every other 1.2 state (``translated``, ``needs-review-…``,
  ``needs-adaptation``, ``x-…``, none); 2.x ``translated``. The target becomes a
  fuzzy entry, a person's text (unless it is the machine draft, unchanged).
* ``untranslated``: 1.2 ``new`` and ``needs-translation``; 2.x ``initial`` (the
  default). Nothing is merged: the entry stays as it was.
"""

from __future__ import annotations

from typing import Literal

from pipeline.adapt import ADAPTED
from pipeline.po import Entry
from pipeline.translate import EXACT
from pipeline.xliff.model import Version

Verdict = Literal["final", "draft", "untranslated"]

_V1_FINAL = frozenset({"final", "signed-off"})
_V1_UNTRANSLATED = frozenset({"new", "needs-translation"})
_V2_FINAL = frozenset({"final", "reviewed"})
V2_ORDER = ("initial", "translated", "reviewed", "final")
"""XLIFF 2 states from the least to the most advanced."""


def export_state(entry: Entry, version: Version) -> tuple[str, str | None]:
    """The state an entry is written with, and its 1.2 state qualifier or 2.x subState."""
    state = entry.state
    if version == "1.2":
        if state == "untranslated":
            return "new", None
        if state == "reviewed":
            return "final", None
        if state == "changed":
            return "needs-review-translation", "fuzzy-match"
        origin = entry.origin
        from_memory = origin is not None and origin.kind == "memory"
        return "needs-review-translation", "leveraged-tm" if from_memory else "leveraged-mt"
    if state == "untranslated":
        return "initial", None
    if state == "reviewed":
        return "final", None
    if state == "changed":
        return "translated", "puente:changed"
    origin = entry.origin
    return (
        "translated",
        "puente:memory" if origin is not None and origin.kind == "memory" else "puente:machine",
    )


def verdict(family: Literal["1", "2"], state: str | None, approved: bool) -> Verdict:
    """What an XLIFF target in ``state`` becomes (see the module docstring).

    >>> verdict("1", "signed-off", False), verdict("1", "translated", True), verdict("1", "new", True)
    ('final', 'final', 'untranslated')
    >>> verdict("2", "reviewed", False), verdict("2", "translated", False), verdict("2", None, False)
    ('final', 'draft', 'untranslated')
    """
    if family == "2":
        if state in _V2_FINAL:
            return "final"
        return "draft" if state == "translated" else "untranslated"
    if state in _V1_FINAL:
        return "final"
    if state in _V1_UNTRANSLATED:
        return "untranslated"
    if approved and not (state or "").startswith("needs-"):
        return "final"
    return "draft"


def usable_as_draft(entry: Entry) -> bool:
    """Whether the text of a machine entry is a draft of its very source (an engine's, or
    a reviewed translation of the same sentence), which stays beside a person's new text
    as its fresh draft; a similar sentence's translation is not."""
    origin = entry.origin
    if entry.state != "machine" or origin is None:
        return False
    return origin.kind == "engine" or origin.detail == EXACT or origin.detail.startswith(ADAPTED)
