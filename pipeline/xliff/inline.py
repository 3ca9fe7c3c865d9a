"""Placeholders ⇄ XLIFF inline codes.

Written: ``{n}…{/n}`` becomes ``<g id="n">…</g>`` (1.2) or ``<pc id="n">…</pc>``
(2.1), ``{n/}`` becomes ``<x id="n"/>`` or ``<ph id="n"/>``. CAT tools protect
inline codes: a translator moves them, but cannot type or break them. Each code
says what it stands for, from the unit's placeholder notes (``{1}…{/1} = link to
https://…``): 1.2 ``ctype`` (``link``, ``bold``, ``lb``, ``x-protected``...) and
``equiv-text``, 2.1 ``type``/``subType``, ``disp``/``dispStart`` and ``equiv``.
Codes may be copied or deleted by no one (``clone="no"``; ``canCopy="no"``,
``canDelete="no"``): the page needs each placeholder exactly once.

A text whose placeholders do not nest (a broken draft) is written as plain text;
the reader turns the same characters back into the same placeholders.

Read: ``<g>``/``<pc>``, ``<x>``/``<ph>``, 2.x ``<sc>``/``<ec>`` (a ``<pc>`` a tool
split) become placeholders again; ``<mrk>`` annotations are unwrapped, 2.x
``<cp>`` gives its character. Any other element is not markup for the page: it
stays *text* (``<script>…</script>`` is published as those characters, escaped by
the renderer), and XLIFF inline codes Puente never writes (``<bpt>``, ``<ph>`` in
1.2, isolated codes...) are reported, as are codes whose id is not a placeholder
number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from pipeline.placeholders import problems, split, tokens
from pipeline.xliff.model import XLIFF2, Version

_CODE_NOTE = re.compile(r"\{(\d{1,4})\}…\{/\1\} = (.*)\Z|\{(\d{1,4})/\} = (.*)\Z", re.DOTALL)
_NOT_XML = re.compile("([\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff])")
"""Characters XML 1.0 cannot hold (2.x writes them as ``<cp>``, 1.2 cannot write them)."""
_NUMBER = re.compile(r"[1-9]\d{0,3}\Z")
_SLUG = re.compile(r"[^a-z0-9]+")

_FORMAT_WORDS = {
    "strikethrough",
    "subscript",
    "superscript",
    "highlight",
    "small print",
    "citation",
    "date",
    "span",
}


class NotWritable(ValueError):
    """A character XLIFF 1.2 cannot hold (``args[0]`` names it)."""


@dataclass(frozen=True)
class CodeStyle:
    """How one placeholder is shown to a CAT tool."""

    ctype: str  # 1.2
    type: str  # 2.x
    subtype: str | None = None  # 2.x
    disp: str = ""
    equiv: str | None = None


def code_notes(notes: Iterable[str]) -> dict[int, str]:
    """What each placeholder stands for, from a unit's notes.

    >>> code_notes(["paragraph", "{1}…{/1} = link to https://x.org", "{2/} = not translated: Narco"])
    {1: 'link to https://x.org', 2: 'not translated: Narco'}
    """
    found: dict[int, str] = {}
    for note in notes:
        match = _CODE_NOTE.match(note)
        if match is not None:
            number = match[1] or match[3]
            found[int(number)] = match[2] if match[1] else match[4]
    return found


def _slug(words: str) -> str:
    return _SLUG.sub("-", words.lower()).strip("-") or "code"


def code_style(paired: bool, description: str) -> CodeStyle:
    """The attributes of a placeholder's inline code, from its description.

    >>> code_style(True, "link to https://x.org").ctype, code_style(False, "line break").subtype
    ('link', 'xlf:lb')
    >>> code_style(False, "not translated: Juntos contra el Narco").equiv
    'Juntos contra el Narco'
    """
    word = description.split(":")[0].strip()
    if paired:
        if description.startswith("link to "):
            return CodeStyle("link", "link", disp=description)
        known = {
            "bold": ("bold", "xlf:b"),
            "italic": ("italic", "xlf:i"),
            "underline": ("underlined", "xlf:u"),
        }
        if description in known:
            ctype, subtype = known[description]
            return CodeStyle(ctype, "fmt", subtype, disp=description)
        if description in ("emphasis", *_FORMAT_WORDS):
            return CodeStyle(f"x-{_slug(description)}", "fmt", disp=description)
        if description == "quotation":
            return CodeStyle("x-quotation", "quote", disp=description)
        return CodeStyle(f"x-{_slug(word)}", "other", disp=description or "code")
    if description == "line break":
        return CodeStyle("lb", "fmt", "xlf:lb", disp=description)
    if description == "image" or description.startswith("image: "):
        return CodeStyle("image", "image", disp=description)
    if description.startswith("not translated: "):
        text = description[len("not translated: ") :]
        return CodeStyle("x-protected", "other", disp=description, equiv=text)
    return CodeStyle(f"x-{_slug(word)}", "other", disp=description or "code")


def _expected(text: str) -> dict[int, bool] | None:
    """The placeholders ``text`` itself declares (number → paired), or None when one number
    is used both as a pair and alone."""
    found: dict[int, bool] = {}
    for tag in tokens(text):
        paired = tag.form != "self"
        if found.setdefault(tag.id, paired) != paired:
            return None
    return found


def nests(text: str) -> bool:
    """Whether the placeholders of ``text`` open, close and nest properly, each once (only
    then can they be written as inline codes).

    >>> nests("{1}a {2/}{/1}"), nests("{1}a"), nests("{1}a{2}{/1}{/2}")
    (True, False, False)
    """
    expected = _expected(text)
    return expected is not None and not problems(text, expected.items())


def write_inline(
    parent: etree._Element, text: str, version: Version, descriptions: Mapping[int, str]
) -> None:
    """Fill ``parent`` (a ``<source>`` or ``<target>``) with ``text``, its placeholders as
    inline codes. Raises :class:`NotWritable` for a character XLIFF 1.2 cannot hold."""
    if not nests(text):
        _append(parent, text, version)
        return
    stack = [parent]
    for part in split(text):
        if isinstance(part, str):
            _append(stack[-1], part, version)
            continue
        if part.form == "close":
            stack.pop()
            continue
        paired = part.form == "open"
        code = _code(stack[-1], part.id, paired, version, descriptions.get(part.id, ""))
        if paired:
            stack.append(code)


def _code(
    parent: etree._Element, number: int, paired: bool, version: Version, description: str
) -> etree._Element:
    style = code_style(paired, description)
    if version == "1.2":
        element = etree.SubElement(parent, _name(parent, "g" if paired else "x"), id=str(number))
        element.set("ctype", style.ctype)
        element.set("clone", "no")
        if style.equiv is not None:
            element.set("equiv-text", style.equiv)
        return element
    element = etree.SubElement(parent, _name(parent, "pc" if paired else "ph"), id=str(number))
    element.set("canCopy", "no")
    element.set("canDelete", "no")
    if paired:
        element.set("dispStart", style.disp)
        element.set("dispEnd", f"/{description.split(':')[0].split(' ')[0] or 'code'}")
    else:
        element.set("disp", style.disp)
        if style.equiv is not None:
            element.set("equiv", style.equiv)
    element.set("type", style.type)
    if style.subtype is not None:
        element.set("subType", style.subtype)
    return element


def _name(parent: etree._Element, local: str) -> str:
    namespace = etree.QName(parent).namespace
    return f"{{{namespace}}}{local}" if namespace else local


def _append(container: etree._Element, text: str, version: Version) -> None:
    """Append ``text`` to ``container``'s mixed content (after its last child)."""
    for index, piece in enumerate(_NOT_XML.split(text)):
        if index % 2:  # a character XML cannot hold (the split keeps them at odd places)
            if version == "1.2":
                raise NotWritable(f"U+{ord(piece):04X}")
            cp = etree.SubElement(container, _name(container, "cp"))
            cp.set("hex", f"{ord(piece):04X}")
            continue
        if not piece:
            continue
        if len(container):
            last = container[-1]
            last.tail = (last.tail or "") + piece
        else:
            container.text = (container.text or "") + piece


# --- reading --------------------------------------------------------------------------


def read_inline(element: etree._Element, namespace: str) -> tuple[str, list[str]]:
    """The text of a ``<source>`` or ``<target>`` in placeholder syntax, and what could not
    be read in it (see the module docstring); ``namespace`` is the document's XLIFF namespace."""
    out: list[str] = []
    found: list[str] = []
    _walk(element, namespace, out, found)
    return "".join(out), found


def _walk(element: etree._Element, namespace: str, out: list[str], found: list[str]) -> None:
    out.append(element.text or "")
    for child in element:
        _child(child, namespace, out, found)
        out.append(child.tail or "")


def _child(child: etree._Element, namespace: str, out: list[str], found: list[str]) -> None:
    if not isinstance(child.tag, str):  # a comment or processing instruction: not text
        return
    qname = etree.QName(child)
    local = qname.localname
    if (qname.namespace or "") != namespace:
        _literal(child, local, namespace, out, found)
        return
    v2 = namespace == XLIFF2
    if local == ("pc" if v2 else "g"):
        number = _number(child, "id", found)
        out.append(f"{{{number}}}")
        _walk(child, namespace, out, found)
        out.append(f"{{/{number}}}")
    elif local == ("ph" if v2 else "x"):
        out.append(f"{{{_number(child, 'id', found)}/}}")
        if child.text or len(child):  # its content would be lost: the page shows the source's element
            code = child.get("id")
            found.append(
                f'<{local} id="{code}"> holds text or codes: it stands alone for an element of the source'
            )
    elif local == "mrk":
        _walk(child, namespace, out, found)
    elif v2 and local in ("sm", "em"):
        pass  # annotation markers: no text
    elif v2 and local in ("sc", "ec") and child.get("isolated") != "yes":
        if local == "sc":
            out.append(f"{{{_number(child, 'id', found)}}}")
        else:
            out.append(f"{{/{_number(child, 'startRef', found)}}}")
    elif v2 and local == "cp":
        out.append(_code_point(child, found))
    elif local in (_FOREIGN_CODES_2 if v2 else _FOREIGN_CODES_1):
        codes = "<pc> and <ph>" if v2 else "<g> and <x>"
        found.append(f"inline code <{local}> is not one Puente wrote: keep the {codes} codes of the source")
    else:
        _literal(child, local, namespace, out, found)


_FOREIGN_CODES_1 = frozenset({"bpt", "ept", "ph", "it", "bx", "ex", "sub"})
_FOREIGN_CODES_2 = frozenset({"sc", "ec"})  # isolated ones: the pair is not in this text


def _number(child: etree._Element, attribute: str, found: list[str]) -> str:
    value = child.get(attribute) or ""
    if _NUMBER.match(value) is None:
        name = etree.QName(child).localname
        found.append(f'<{name} {attribute}="{value}"> is not a code of the source (their ids are numbers)')
        return "?"
    return value


def _code_point(child: etree._Element, found: list[str]) -> str:
    value = child.get("hex") or ""
    if re.fullmatch(r"[0-9A-Fa-f]{1,6}", value):
        code = int(value, 16)
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
    found.append(f'<cp hex="{value}"> is not a character')
    return ""


def _literal(child: etree._Element, local: str, namespace: str, out: list[str], found: list[str]) -> None:
    """An element that is not an inline code, kept as the characters of its tags (text, never
    markup: the page escapes it); inline codes inside it still count."""
    attributes = "".join(
        f' {etree.QName(key).localname}="{_str(value)}"' for key, value in child.attrib.items()
    )
    if child.text is None and not len(child):
        out.append(f"<{local}{attributes}/>")
        return
    out.append(f"<{local}{attributes}>")
    _walk(child, namespace, out, found)
    out.append(f"</{local}>")


def _str(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
