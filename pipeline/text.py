"""Characters that are never text on a page: control characters and Unicode
noncharacters (stripped from what is published, reported where a person wrote them),
and bidirectional overrides (reported: they can make a sentence read backwards).

U+2028, U+2029 and U+0085 are text (line and paragraph separators), tab and newline
are whitespace.
"""

from __future__ import annotations

import re

CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff"
    + "".join(chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF))
    + "]"
)
"""Control characters (C0 but tab, newline and carriage return; DEL; C1 but U+0085) and
noncharacters."""

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidirectional embeddings, overrides and isolates."""


def strip_controls(text: str) -> str:
    """``text`` without control characters and noncharacters.

    >>> strip_controls("a\\x00b\\x0bc\\u2028d")
    'abc\\u2028d'
    """
    return CONTROL.sub("", text) if CONTROL.search(text) else text


def describe(char: str) -> str:
    """``U+000B`` for a character, for messages."""
    return f"U+{ord(char):04X}"
