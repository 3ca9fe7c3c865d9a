"""Puente's drafting notes: the one place where the typed fields of an entry
(:class:`~pipeline.po.model.Origin`, fresh draft, unknown words, memory suggestion)
become extracted comments (``#.``) and back.

The notes a translator sees::

    #. draft: apertium 0.8.1-2
    #. draft: apertium 0.8.1-2 (from memory)
    #. draft key: 7a30c268cee9+rules1+en_US+es_MX; text 5d41402a
    #. memory: exact match of a reviewed translation
    #. fresh draft: <a draft of the current source, for a changed entry>
    #. unknown to apertium: Sheinbaum, Culiacán
    #. memory suggestion (82%): <a reviewed translation of a similar sentence>
    #. memory suggestion source: <that similar sentence>
    #. draft failed: apertium broke glossary terms (...); the source text stands in

The ``draft key`` line goes with an engine's draft: what made it besides the engine
(:attr:`Origin.key`) and a fingerprint of the text as Puente wrote it
(:attr:`Origin.fingerprint`), so that ``puente translate --refresh`` knows which drafts
predate the current glossary, rules or engine, and which a person has edited since.

Any other extracted comment is a note of the unit (block kind, placeholders,
glossary terms) and stays as it is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from pipeline.po.model import Entry, Origin, Suggestion, fingerprint

DRAFT = "draft: "
MEMORY = "memory: "
FRESH = "fresh draft: "
FAILED = "draft failed: "
UNKNOWN = re.compile(r"unknown to ([\w.-]+): (.*)\Z")
SUGGESTION = re.compile(r"memory suggestion \((\d{1,3})%\): (.*)\Z")
SUGGESTION_SOURCE = "memory suggestion source: "
_ENGINE = re.compile(r"(\S+) (\S.*?)(?: \((.*)\))?\Z")  # a version may hold spaces: "deep-translator 1.11.4"
KEY = re.compile(r"draft key: (\S+); text ([0-9a-f]{8})\Z")


def split_notes(lines: Iterable[str]) -> dict[str, object]:
    """The typed fields held by ``lines`` (extracted comments), and the other notes.

    >>> fields = split_notes(["paragraph", "draft: apertium 0.8.1-2", "unknown to apertium: Sonora"])
    >>> fields["notes"], fields["unknown"]
    (('paragraph',), ('Sonora',))
    >>> fields["origin"]
    Origin(kind='engine', name='apertium', version='0.8.1-2', detail='', key='', fingerprint='')
    >>> split_notes(["draft: libretranslate deep-translator 1.11.4 (from memory)"])["origin"].detail
    'from memory'
    >>> keyed = split_notes(["draft: apertium 0.8.1-2", "draft key: ab12+rules1+en_US; text 5ed4b2cb"])
    >>> keyed["origin"].key, keyed["origin"].fingerprint
    ('ab12+rules1+en_US', '5ed4b2cb')
    """
    notes: list[str] = []
    origin: Origin | None = None
    fresh: str | None = None
    unknown: tuple[str, ...] = ()
    score: int | None = None
    suggested = suggested_source = ""
    failure: str | None = None
    key: re.Match[str] | None = None
    for line in lines:
        if key is None and origin is not None and origin.kind == "engine" and (found := KEY.match(line)):
            key = found  # it follows its draft line; anywhere else it is a note like any other
            continue
        if line.startswith(DRAFT):
            match = _ENGINE.match(line[len(DRAFT) :])
            if match is not None:
                origin = Origin("engine", match[1], match[2], match[3] or "")
                continue
        elif line.startswith(MEMORY):
            origin = Origin("memory", detail=line[len(MEMORY) :])
            continue
        elif line.startswith(FRESH):
            fresh = line[len(FRESH) :]
            continue
        elif line.startswith(FAILED):
            failure = line[len(FAILED) :]
            continue
        elif line.startswith(SUGGESTION_SOURCE):
            suggested_source = line[len(SUGGESTION_SOURCE) :]
            continue
        elif (found := UNKNOWN.match(line)) is not None:
            unknown = tuple(word for word in found[2].split(", ") if word)
            continue
        elif (found := SUGGESTION.match(line)) is not None:
            score, suggested = int(found[1]), found[2]
            continue
        notes.append(line)
    suggestion = Suggestion(score, suggested_source, suggested) if score is not None else None
    if key is not None and origin is not None and origin.kind == "engine":
        origin = dataclasses.replace(origin, key=key[1], fingerprint=key[2])
    return {
        "notes": tuple(notes),
        "origin": origin,
        "fresh_draft": fresh,
        "unknown": unknown,
        "suggestion": suggestion,
        "failure": failure,
    }


def join_notes(entry: Entry) -> list[str]:
    """The extracted comments of ``entry``: its notes, then its drafting notes.

    Drafting notes describe a draft: once a person has reviewed the entry they are
    dropped (its text is theirs now).
    """
    lines = list(entry.notes)
    if (
        entry.origin is None
        and entry.fresh_draft is None
        and not entry.unknown
        and entry.failure is None
        and entry.suggestion is None
    ):
        return lines  # no drafting note to add (most entries of a template or a new catalog)
    if entry.state == "reviewed":
        return lines
    origin = entry.origin
    if origin is not None and entry.fuzzy:
        if origin.kind == "engine":
            detail = f" ({origin.detail})" if origin.detail else ""
            lines.append(f"{DRAFT}{origin.name} {origin.version}{detail}")
            if origin.key:
                # the fingerprint as read stays: a person's edit of the text must keep showing
                text = origin.fingerprint or fingerprint(entry.msgstr)
                lines.append(f"draft key: {origin.key}; text {text}")
        else:
            lines.append(f"{MEMORY}{origin.detail}")
    if entry.fresh_draft is not None:
        lines.append(f"{FRESH}{_one_line(entry.fresh_draft)}")
    if entry.unknown:
        engine = origin.name if origin is not None and origin.kind == "engine" else "apertium"
        lines.append(f"unknown to {engine}: {', '.join(entry.unknown)}")
    if entry.failure is not None:
        lines.append(f"{FAILED}{entry.failure}")
    if entry.suggestion is not None:
        suggestion = entry.suggestion
        lines.append(f"memory suggestion ({suggestion.score}%): {_one_line(suggestion.translation)}")
        lines.append(f"{SUGGESTION_SOURCE}{_one_line(suggestion.source)}")
    return lines


def _one_line(text: str) -> str:
    """``text`` for a comment, which ends at a newline (a page shows any run of spaces as one)."""
    return text.replace("\n", " ")
