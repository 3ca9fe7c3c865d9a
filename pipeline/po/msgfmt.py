"""What ``msgfmt --check`` (GNU gettext) refuses in a catalog, found without running it.

``puente check`` reports these as ``catalog`` errors, so a catalog it passes compiles
with ``msgfmt --check``, and a catalog it fails does not:

* gettext's context separator, U+0004 (EOT), in any string of any entry;
* ``Plural-Forms``: ``nplurals=`` that is not a number, a ``plural=`` expression that
  does not parse, or one that for some n from 0 to 1000 divides by zero or gives a
  value that is negative or not below nplurals; a catalog with translated plural
  entries but no ``nplurals=`` or ``plural=``;
* in each entry msgfmt compiles (translated, not fuzzy, not obsolete): a source and a
  translation that do not both begin, or both end, with a newline; a plural entry
  whose number of forms is not nplurals.

Format flags (``c-format``, ``python-format``...) are stricter here than in msgfmt,
on purpose: Puente's units are never format strings, so any such flag on a
translation msgfmt compiles is an error (``puente build`` removes it), whether or not
today's text happens to pass the format check.

Missing or default header fields are only warnings for msgfmt, and are not reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from pipeline.po.model import Catalog, Entry

EOT = "\x04"
FIRST_N, LAST_N = 0, 1000
"""The values of n msgfmt tries a plural expression with."""
_MASK = (1 << 64) - 1  # gettext evaluates plural expressions in unsigned long arithmetic
_SIGN = 1 << 63
_TOKEN = re.compile(r"[ \t]*(?:([0-9]+)|(==|!=|<=|>=|&&|\|\||[n?:()!<>*/%+-]))")


def header_text(catalog: Catalog) -> str:
    """The msgstr of the header entry, as msgfmt reads it."""
    return "".join(f"{key}: {value}\n" for key, value in catalog.fields.items())


def gettext_translated(entry: Entry) -> bool:
    """Whether msgfmt compiles ``entry``'s text at all: its (first) translation is not
    empty; fuzzy and obsolete entries are left out.

    >>> gettext_translated(Entry("a", msgid_plural="as", msgstr_plural=("", "x")))
    False
    """
    if entry.obsolete or entry.fuzzy:
        return False
    return bool(
        entry.msgstr_plural[0] if entry.msgid_plural is not None and entry.msgstr_plural else entry.msgstr
    )


def header_problems(catalog: Catalog) -> list[str]:
    """What msgfmt --check refuses in the header of ``catalog``."""
    problems = []
    if EOT in header_text(catalog):
        problems.append(_eot("the header"))
    plural_entries = any(entry.msgid_plural is not None and gettext_translated(entry) for entry in catalog)
    problems += plural_forms_problems(header_text(catalog), plural_entries)
    return problems


def plural_forms_problems(header: str, plural_entries: bool = True) -> list[str]:
    """What msgfmt --check refuses in the ``nplurals=`` and ``plural=`` of ``header``
    (a header msgstr, or a Plural-Forms value); ``plural_entries``: whether the catalog
    has translated plural entries (without them, a missing part is no error).

    >>> plural_forms_problems("nplurals=2; plural=(n != 1);")
    []
    >>> plural_forms_problems("nplurals=2; plural=n;")
    ['Plural-Forms: nplurals = 2 but the plural expression gives 2 (for n = 2)']
    >>> plural_forms_problems("nplurals=INTEGER; plural=EXPRESSION;")
    ['Plural-Forms: nplurals is not a number']
    """
    nplurals_at, plural_at = header.find("nplurals="), header.find("plural=")
    if nplurals_at < 0 or plural_at < 0:
        if not plural_entries:
            return []
        missing = " and ".join(
            part for part, at in (("nplurals=", nplurals_at), ("plural=", plural_at)) if at < 0
        )
        return [f"the catalog has translated plural entries but its Plural-Forms header has no {missing}"]
    nplurals = nplurals_value(header)
    if nplurals is None:
        return ["Plural-Forms: nplurals is not a number"]
    expression = re.split(r"[;\n]", header[plural_at + len("plural=") :], maxsplit=1)[0]
    return list(_expression_problems(expression, nplurals))


@functools.lru_cache(maxsize=256)
def _expression_problems(expression: str, nplurals: int) -> tuple[str, ...]:
    """What msgfmt --check refuses in a plural expression for ``nplurals`` forms: every
    catalog of a project has the same one, and trying n from 0 to 1000 costs a thousand
    calls, so the answer is remembered."""
    try:
        evaluate = compile_plural(expression)
    except ValueError:
        return (f"Plural-Forms: invalid plural expression {expression.strip()!r}",)
    for n in range(FIRST_N, LAST_N + 1):
        try:
            value = evaluate(n)
        except ZeroDivisionError:
            return (f"Plural-Forms: the plural expression divides by zero (for n = {n})",)
        if value & _SIGN:
            return (f"Plural-Forms: the plural expression gives a negative value (for n = {n})",)
        if value >= nplurals:
            return (
                f"Plural-Forms: nplurals = {nplurals} but the plural expression gives {value} (for n = {n})",
            )
    return ()


def nplurals_value(header: str) -> int | None:
    """The ``nplurals=`` number of ``header``, read as msgfmt reads it (None when absent
    or not a number).

    >>> nplurals_value("nplurals= 3x; plural=n%3;"), nplurals_value("nplurals=; plural=0;")
    (3, None)
    """
    at = header.find("nplurals=")
    if at < 0:
        return None
    match = re.match(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)", header[at + len("nplurals=") :])
    if match is None:
        return None
    value = int(match.group(2)) & _MASK
    return (-value) & _MASK if match.group(1) == "-" else value


def entry_problems(entry: Entry, nplurals: int | None) -> list[str]:
    """What msgfmt --check refuses in ``entry`` (``nplurals``: the header's, when valid)."""
    strings = [entry.msgctxt, entry.msgid, entry.msgid_plural, entry.msgstr, *entry.msgstr_plural,
               entry.previous_msgctxt, entry.previous_msgid, entry.previous_msgid_plural]  # fmt: skip
    problems = [_eot("a string of this entry")] if any(text and EOT in text for text in strings) else []
    if not gettext_translated(entry):
        return problems
    msgid = entry.msgid
    if entry.msgid_plural is not None:
        pairs = [("msgid_plural", entry.msgid_plural)]
        pairs += [(f"msgstr[{index}]", text) for index, text in enumerate(entry.msgstr_plural)]
    else:
        pairs = [("msgstr", entry.msgstr)]
    for where, test in (("begin", str.startswith), ("end", str.endswith)):
        for name, text in pairs:
            if test(msgid, "\n") != test(text, "\n"):
                problems.append(f"msgid and {name} do not both {where} with a newline")
                break
    if entry.msgid_plural is not None and nplurals is not None and len(entry.msgstr_plural) != nplurals:
        problems.append(
            f"{len(entry.msgstr_plural)} plural forms where the header says nplurals = {nplurals}"
        )
    formats = [flag for flag in entry.flags if flag.endswith("-format") and not flag.startswith("no-")]
    if formats:
        problems.append(
            f"{', '.join(formats)}: Puente's units are not format strings (puente build removes the flag)"
        )
    return problems


def _eot(where: str) -> str:
    return f"{where} holds U+0004, gettext's context separator: remove it"


# --- plural expressions ---------------------------------------------------------------

Node = Callable[[int], int]


@functools.cache
def compile_plural(expression: str) -> Node:
    """A function n → value for a C plural expression as gettext parses and evaluates it
    (unsigned 64-bit arithmetic, ``?:``, ``&&`` and ``||`` evaluated lazily); raise
    ValueError when it does not parse.

    >>> compile_plural("n%10==1 && n%100!=11 ? 0 : 1")(21)
    0
    >>> compile_plural("n-1")(0) == 2**64 - 1
    True
    """
    tokens: list[str] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:
            if not expression[position:].strip(" \t"):
                break
            raise ValueError(f"unexpected {expression[position:]!r}")
        tokens.append(match.group(1) or match.group(2))
        position = match.end()
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.position != len(tokens):
        raise ValueError(f"unexpected {tokens[parser.position]!r}")
    return node


_BINARY: dict[str, Callable[[int, int], int]] = {
    "*": lambda a, b: (a * b) & _MASK,
    "/": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "+": lambda a, b: (a + b) & _MASK,
    "-": lambda a, b: (a - b) & _MASK,
    "<": lambda a, b: int(a < b),
    ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b),
    ">=": lambda a, b: int(a >= b),
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
}
_LEVELS = (("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))


class _Parser:
    """Recursive descent over gettext's plural grammar (C's precedence and associativity)."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected or 'more'}")
        self.position += 1
        return token

    def expression(self) -> Node:
        condition = self.logical("||")
        if self.peek() != "?":
            return condition
        self.take("?")
        then = self.expression()
        self.take(":")
        otherwise = self.expression()
        return lambda n: then(n) if condition(n) else otherwise(n)

    def logical(self, operator: str) -> Node:
        left = self.logical("&&") if operator == "||" else self.binary(0)
        while self.peek() == operator:
            self.take()
            right = self.logical("&&") if operator == "||" else self.binary(0)
            left = _logical(operator, left, right)
        return left

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _LEVELS[level]:
            left = _apply(_BINARY[self.take()], left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        token = self.take()
        if token == "!":
            operand = self.unary()
            return lambda n: int(not operand(n))
        if token == "n":
            return lambda n: n
        if token == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token.isdigit():
            value = int(token) & _MASK
            return lambda n: value
        raise ValueError(f"unexpected {token!r}")


def _logical(operator: str, left: Node, right: Node) -> Node:
    if operator == "&&":
        return lambda n: int(bool(left(n)) and bool(right(n)))
    return lambda n: int(bool(left(n)) or bool(right(n)))


def _apply(function: Callable[[int, int], int], left: Node, right: Node) -> Node:
    return lambda n: function(left(n), right(n))
