"""Sources are untrusted: nothing active in them reaches a page.

Wire copy and pasted embeds come from outside the newsroom, so the markup of
every source (an HTML article, or the raw HTML inside a Markdown one) goes
through an allowlist before it becomes the document model:

* :func:`strip_controls` removes the control characters a page cannot hold
  (NUL, ``\\b``, ``\\v``, ``\\f``, 0x1c..., see :mod:`pipeline.text`) from the
  source text;
* :func:`check_depth` stops a source nested deeper than :data:`MAX_DEPTH`
  levels (text is never dropped silently);
* :func:`sanitize` runs the markup through nh3 (the Python binding of the Rust
  sanitiser ammonia, which parses as browsers do with html5ever) with an
  allowlist of tags, attributes and URL schemes, then checks the result again
  with an independent allowlist of its own: no script, no style sheet, no
  event handler, no ``javascript:``/``vbscript:``/``data:`` address, no
  ``<iframe>``/``<object>``/``<embed>``, ``<svg>``, ``<math>``, ``<form>``,
  ``<base>`` or ``<meta>``. The only embeds kept are ``<iframe>`` elements
  whose ``https`` address is on a host the project allows
  (``[sources] allow_embeds`` in ``puente.toml``); they keep a few safe
  attributes and get a ``sandbox``.

What is kept: text, links (http, https, mailto and relative addresses),
images (``src``/``srcset`` over http, https or relative; ``data:`` images are
refused: a page must not carry megabytes of base64 or SVG from a source),
figures, tables, lists, quotations, ``abbr``, ``time``, code, ``id``,
``class``, ``lang``, ``dir``, ``translate``, ``title``, ``aria-label`` and
``style`` limited to presentational properties with no ``url()``.

Every removal is reported as a warning with the source line
(:class:`~pipeline.model.Issue`, code ``unsafe-markup`` for active content,
``unsupported-markup`` for inert markup outside the allowlist, whose text is
kept). The lines travel through the sanitiser as a ``data-puente-line``
attribute on every element, and removals are found by comparing the element
numbers (``data-puente-id``) before and after.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from lxml import etree

from pipeline.errors import SourceError
from pipeline.model import Issue, Location
from pipeline.text import CONTROL, describe

LINE_ATTR = "data-puente-line"
ID_ATTR = "data-puente-id"
MAX_DEPTH = 100
"""Deepest nesting of elements (or of Markdown blocks) a source may have: far above any
real article (a table in a list in a quotation is about ten), far below what the parsers
and the renderer can hold."""

UNSAFE = "unsafe-markup"
UNSUPPORTED = "unsupported-markup"
CONTROLS = "control-characters"
CODES = frozenset({UNSAFE, UNSUPPORTED, CONTROLS})
"""The warning codes of parsing a source (``puente build`` prints them on every build
until the source is fixed, ``puente check`` lists them)."""

# --- the allowlist ------------------------------------------------------------------

TAGS = frozenset(
    {
        # structure
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "blockquote", "figure", "figcaption", "section", "div", "header", "footer", "aside",
        "nav", "main", "article", "details", "summary", "address", "hgroup", "pre", "hr",
        # text
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
        "i", "ins", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
        "strong", "sub", "sup", "time", "u", "var", "wbr",
        # media
        "img", "picture", "source", "video", "audio", "track",
    }
)  # fmt: skip
EMBED_TAG = "iframe"

GLOBAL_ATTRIBUTES = frozenset(
    {"id", "class", "lang", "dir", "title", "translate", "style", "role", "aria-label",
     "aria-labelledby", "aria-describedby", "aria-hidden"}
)  # fmt: skip
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "hreflang", "rel", "type"}),
    "img": frozenset({"src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding"}),
    "source": frozenset({"src", "srcset", "sizes", "type", "media", "width", "height"}),
    "video": frozenset({"src", "poster", "controls", "width", "height", "preload", "muted", "loop",
                        "playsinline"}),
    "audio": frozenset({"src", "controls", "preload", "muted", "loop"}),
    "track": frozenset({"src", "kind", "srclang", "label", "default"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align", "valign", "width"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "abbr", "align", "valign", "width"}),
    "tr": frozenset({"align", "valign"}),
    "col": frozenset({"span", "width", "align", "valign"}),
    "colgroup": frozenset({"span", "width", "align", "valign"}),
    "table": frozenset({"width", "border"}),
    "time": frozenset({"datetime"}),
    "data": frozenset({"value"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "details": frozenset({"open"}),
}  # fmt: skip
EMBED_ATTRIBUTES = frozenset({"src", "width", "height", "title", "allow", "allowfullscreen", "loading"})
EMBED_FIXED = {
    "sandbox": (
        "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation"
    ),
    "referrerpolicy": "strict-origin-when-cross-origin",
}
"""Set on every kept embed: the player runs in its own origin, cannot navigate the page,
and learns only the site it is on."""
EMBED_PERMISSIONS = frozenset(
    {"autoplay", "encrypted-media", "fullscreen", "picture-in-picture", "web-share"}
)
"""Features an embed may ask for in its ``allow`` attribute (no camera, microphone,
geolocation, payment...)."""

URL_SCHEMES = {"href": frozenset({"http", "https", "mailto"})}
MEDIA_SCHEMES = frozenset({"http", "https"})
URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "poster", "cite"})
# no margin, position or transform: a source must not lay its text over the page's own
STYLE_PROPERTIES = frozenset(
    {"text-align", "vertical-align", "color", "background-color", "font-weight", "font-style",
     "text-decoration", "text-transform", "white-space", "width", "min-width", "max-width", "height",
     "border", "border-collapse", "padding", "float", "clear", "list-style-type"}
)  # fmt: skip
_STYLE_FORBIDDEN = re.compile(r"url\s*\(|expression\s*\(|image-set|image\s*\(|element\s*\(|@import|"
                              r"javascript|vbscript|behavior|binding|[\\<>]|/\*", re.IGNORECASE)  # fmt: skip

DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "noembed", "noframes", "iframe", "frame", "frameset",
     "object", "embed", "applet", "svg", "math", "textarea", "select", "datalist", "title", "head",
     "base", "meta", "link", "param", "portal", "fencedframe", "canvas", "dialog"}
)  # fmt: skip
"""Removed with everything inside: their content is code, fallback for active content,
or never shown."""
ACTIVE = DROPPED_WITH_CONTENT | {"form", "input", "button", "option", "optgroup", "label", "fieldset",
                                 "legend", "output", "keygen", "marquee", "blink", "image", "area", "map",
                                 "bgsound", "basefont", "xml", "xss", "isindex", "html", "body"}  # fmt: skip
"""Elements whose removal is reported as unsafe (the others are inert markup outside
the allowlist, e.g. ``<font>``, and lose only their tags)."""
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                  "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image"})  # fmt: skip
"""Elements with no content in HTML5 (libxml2 lets some of them, ``<embed>`` included,
swallow what follows)."""

_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_EDGES = "".join(chr(code) for code in range(0x21))
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SPACE_CONTROLS = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")
"""Control characters that stand between words (vertical tab, form feed, separators)."""
_BMP_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


_MAYBE_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff\U00010000-\U0010ffff]"
)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a character of :data:`pipeline.text.CONTROL`: that class,
    with its noncharacters beyond the BMP, scans ten times slower than these two. Most
    text has neither a control character nor one beyond the BMP: one scan tells."""
    if _MAYBE_CONTROL.search(text) is None:
        return False
    return _BMP_CONTROL.search(text) is not None or (
        _ASTRAL.search(text) is not None and CONTROL.search(text) is not None
    )


@dataclass(frozen=True)
class Policy:
    """What a project lets through besides the allowlist: embeds from these hosts."""

    embed_hosts: frozenset[str] = frozenset()


# --- control characters --------------------------------------------------------------


def strip_controls(text: str, path: str) -> tuple[str, tuple[Issue, ...]]:
    """``text`` without control characters (``\\v``, ``\\f`` and the separators 0x1c-0x1f
    become spaces, the others go), and one warning naming their lines.

    >>> strip_controls("a\\vb\\x00c", "sources/x.md")[0]
    'a bc'
    """
    if not has_controls(text):
        return text, ()
    found: dict[str, int] = {}
    lines: list[int] = []

    def replace(match: re.Match[str]) -> str:
        char = match.group(0)
        found[char] = found.get(char, 0) + 1
        line = text.count("\n", 0, match.start()) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        return " " if char in _SPACE_CONTROLS else ""

    cleaned = CONTROL.sub(replace, text)
    total = sum(found.values())
    names = ", ".join(describe(char) for char in sorted(found))
    where = ", ".join(str(line) for line in lines[:10]) + (
        f" and {len(lines) - 10} more" if len(lines) > 10 else ""
    )
    message = (
        f"removed {total} control character{'s' if total > 1 else ''} ({names}) "
        f"on line{'s' if len(lines) > 1 else ''} {where}: a page cannot hold them"
    )
    return cleaned, (Issue(Location(path, lines[0]), "warning", CONTROLS, message),)


def xml_safe(text: str) -> str:
    """``text`` without control characters, as :func:`strip_controls` does, silently: for
    text that reaches the model by another way than the source text (decoded character
    references, YAML escapes), which a page cannot hold either."""
    if not has_controls(text):
        return text
    return CONTROL.sub(lambda match: " " if match.group(0) in _SPACE_CONTROLS else "", text)


# --- nesting -------------------------------------------------------------------------


def check_depth(root: etree._Element, path: str, line_of: Callable[[etree._Element], int]) -> None:
    """Raise :class:`SourceError` at the first element nested deeper than :data:`MAX_DEPTH`
    levels below ``root``."""
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > MAX_DEPTH + 1:
            raise SourceError(path, line_of(element), depth_message())


def depth_message() -> str:
    return (
        f"markup nested more than {MAX_DEPTH} levels deep: flatten it "
        "(Puente refuses the source rather than drop what is nested deeper)"
    )


# --- URLs ----------------------------------------------------------------------------


def url_problem(tag: str, attribute: str, value: str, policy: Policy = Policy()) -> str | None:
    """Why the address in ``attribute`` of ``tag`` must go (None when it may stay).

    >>> url_problem("a", "href", "JaVa\\tScRiPt:alert(1)")
    'a javascript: address'
    >>> url_problem("img", "src", "data:image/png;base64,AAAA")
    'a data: address'
    >>> url_problem("img", "srcset", "a.png 1x, https://x.org/b.png 2x") is None
    True
    """
    if attribute == "srcset":
        for candidate in srcset_urls(value):
            problem = url_problem(tag, "src", candidate, policy)
            if problem is not None:
                return problem
        return None
    url = _URL_IGNORED.sub("", value).strip(_URL_EDGES)
    match = _SCHEME.match(url)
    if tag == EMBED_TAG and attribute == "src":
        return embed_problem(url, policy)
    if match is None:
        return None  # a relative address: resolved against the page's own
    scheme = match.group(1).lower()
    allowed = URL_SCHEMES.get(attribute, MEDIA_SCHEMES)
    return None if scheme in allowed else f"a {scheme}: address"


def srcset_urls(value: str) -> list[str]:
    """The addresses of a ``srcset`` (the HTML "parse a srcset attribute" steps, without
    the descriptors).

    >>> srcset_urls("a.png 1x,b.png 2x, data:x,y 3x")
    ['a.png', 'b.png', 'data:x,y']
    """
    urls: list[str] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position] in " \t\n\r\f,"):
            position += 1
        start = position
        while position < length and value[position] not in " \t\n\r\f":
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0  # skip the descriptors, up to the next comma outside parentheses
        while position < length and not (value[position] == "," and depth == 0):
            depth += {"(": 1, ")": -1}.get(value[position], 0)
            position += 1
    return urls


def embed_problem(url: str, policy: Policy) -> str | None:
    """Why an embed's address is refused (None when its host is allowed over https)."""
    if not policy.embed_hosts:
        return "embeds are off (allow a host with [sources] allow_embeds in puente.toml)"
    url = url.replace("\\", "/")  # as browsers read http(s) addresses
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "an address that cannot be read"
    if parts.scheme.lower() != "https":
        return "an embed needs an https address"
    if host not in policy.embed_hosts or parts.username is not None or parts.password is not None:
        return f"embeds from {host or '(no host)'} are not allowed ([sources] allow_embeds in puente.toml)"
    return None


def style_problem(value: str) -> str | None:
    """Why a ``style`` attribute must go (None when it may stay).

    >>> style_problem("background: url(javascript:alert(1))")
    'a style that loads or runs something'
    >>> style_problem("text-align: right") is None
    True
    """
    return "a style that loads or runs something" if _STYLE_FORBIDDEN.search(value) else None


def _allow_permissions(value: str) -> str:
    kept = []
    for directive in value.split(";"):
        words = directive.split()
        if words and words[0].lower() in EMBED_PERMISSIONS:
            kept.append(words[0].lower())
    return "; ".join(kept)


# --- the sanitiser -------------------------------------------------------------------


def _attribute_filter(policy: Policy) -> Callable[[str, str, str], str | None]:
    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute in (LINE_ATTR, ID_ATTR):
            return value if value.isdigit() else None
        if attribute in URL_ATTRIBUTES and url_problem(tag, attribute, value, policy) is not None:
            return None
        if attribute == "style" and style_problem(value) is not None:
            return None
        if tag == EMBED_TAG and attribute == "allow":
            return _allow_permissions(value) or None
        return value

    return check


@functools.lru_cache(maxsize=8)
def _cleaner(policy: Policy) -> nh3.Cleaner:
    embeds = bool(policy.embed_hosts)
    tags = set(TAGS) | ({EMBED_TAG} if embeds else set())
    attributes: dict[str, set[str]] = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    attributes["*"] = set(GLOBAL_ATTRIBUTES) | {LINE_ATTR, ID_ATTR}
    if embeds:
        attributes[EMBED_TAG] = set(EMBED_ATTRIBUTES)
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags=set(DROPPED_WITH_CONTENT) - tags,
        attributes=attributes,
        attribute_filter=_attribute_filter(policy),
        strip_comments=True,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties=set(STYLE_PROPERTIES),
        set_tag_attribute_values={EMBED_TAG: dict(EMBED_FIXED)} if embeds else None,
    )


@dataclass
class _Original:
    tag: str
    attrs: dict[str, str]
    line: int
    parent: int | None


def sanitize(
    root: etree._Element,
    path: str,
    policy: Policy,
    line_of: Callable[[etree._Element], int],
    *,
    reparse: bool = False,
) -> tuple[etree._Element, tuple[Issue, ...]]:
    """The content of ``root`` with everything outside the allowlist removed, as a new
    ``<div>`` whose elements carry their source line in ``data-puente-line``; and a
    warning for each removal. ``root`` itself is consumed (its elements are renumbered).

    The markup goes through nh3, and lxml parses what nh3 returns, which the second
    allowlist then checks. When nh3 returns every byte it was given and the second
    allowlist would remove nothing, the tree as read is the result: parsing the same
    markup again gives the same tree (``reparse``: parse it anyway; the tests compare
    the two)."""
    originals = _prepare(root, line_of)
    markup = (_escape(root.text) if root.text else "") + "".join(
        etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in root
    )
    cleaned = _cleaner(policy).clean(markup)
    if (
        not reparse
        and _same_markup(cleaned, markup)
        and not has_controls(cleaned)
        and _allowed_as_read(root, policy)
    ):
        # nh3 kept every byte of the source as lxml read it, and the second allowlist finds
        # nothing to remove either: the tree as read is the result (the most common case,
        # without a second parse; every element is still checked by both)
        kept = etree.Element("div")
        kept.text = root.text
        for child in list(root):
            kept.append(child)
        for element in kept.iterdescendants():
            del element.attrib[ID_ATTR]  # (every element has one: numbered by _prepare)
        return kept, ()
    clean_root = parse_fragment(xml_safe(cleaned))
    hoist_void_content(clean_root)  # libxml2 nests them again
    issues: list[Issue] = []
    _verify(clean_root, path, policy, issues)
    _report(originals, clean_root, path, policy, issues)
    return clean_root, _merge(issues)


def parser() -> etree.HTMLParser:
    """lxml's HTML parser as Puente uses it: no network, no comments or processing
    instructions, and no silent cut at 256 levels of nesting (:func:`check_depth` refuses
    deep sources with their line instead). Plain elements (lxml.html's element classes
    cost a Python call per element)."""
    return etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=True
    )


_CLOSING_PAGE = re.compile(r"</\s*(?:body|html)\s*>", re.IGNORECASE)


def parse_document(text: str) -> etree._Element:
    """An HTML source as a tree. A ``</body>`` or ``</html>`` before the end changes
    nothing for a browser (what follows is still the body); libxml2 would drop or move
    what follows, so they go first."""
    return etree.fromstring(_CLOSING_PAGE.sub("", text).encode("utf-8"), parser())


def parse_fragment(text: str) -> etree._Element:
    """An HTML fragment as the content of a new ``<div>`` (a stray end tag in it cannot
    close anything outside it)."""
    holder = etree.Element("div")
    if not text.strip():
        holder.text = text or None
        return holder
    document = etree.fromstring(("<html><body>" + _CLOSING_PAGE.sub("", text)).encode("utf-8"), parser())
    body = document.find("body")
    if body is None:
        body = document
    holder.text = body.text
    for child in list(body):
        holder.append(child)
    return holder


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _prepare(root: etree._Element, line_of: Callable[[etree._Element], int]) -> dict[int, _Original]:
    """Number every element below ``root`` and write its line on it; fix what libxml2
    parses unlike a browser (void elements holding content, content inside an embed)."""
    hoist_void_content(root)
    elements = [element for element in root.iterdescendants() if isinstance(element.tag, str)]
    lines = [line_of(element) for element in elements]  # before the source's own marks go
    originals: dict[int, _Original] = {}
    numbers: dict[etree._Element, int] = {}
    for element, line in zip(elements, lines, strict=True):
        tag = str(element.tag).lower()
        for name in [name for name in element.attrib if str(name).startswith("data-puente-")]:
            del element.attrib[name]
        if tag == "a" and element.get("name") and element.get("id") is None:
            # an old-style anchor: the same link target, as an id
            element.set("id", element.get("name") or "")
            del element.attrib["name"]
        number = len(originals) + 1
        parent = element.getparent()
        originals[number] = _Original(
            tag,
            {str(k): str(v) for k, v in element.attrib.items()},
            line,
            numbers.get(parent) if parent is not None else None,
        )
        numbers[element] = number
        element.set(LINE_ATTR, str(originals[number].line))
        element.set(ID_ATTR, str(number))
        if tag == EMBED_TAG:
            # an iframe's content is never shown, and html5ever reads it as raw text that
            # would come back as markup for libxml2
            for child in list(element):
                element.remove(child)
            element.text = None
    return originals


def hoist_void_content(root: etree._Element) -> None:
    """Move what libxml2 put inside void elements (``<embed>``, ``<source>``, ``<track>``,
    ``<wbr>``...) after them, where a browser has it."""
    for element in list(root.iterdescendants(*VOID)):
        if len(element) == 0 and not element.text:
            continue
        parent = element.getparent()
        if parent is None:
            continue
        position = parent.index(element)
        moved = list(element)
        text = element.text
        element.text = None
        for offset, child in enumerate(moved, start=1):
            parent.insert(position + offset, child)
        if text:
            element.tail = text + (element.tail or "")


def _verify(root: etree._Element, path: str, policy: Policy, issues: list[Issue]) -> None:
    """The second allowlist, on the tree lxml reads from nh3's output: whatever a
    difference between the two parsers could let through is removed here. Removals of
    the source's own elements and attributes are reported by :func:`_report`; those of
    elements the parsers made up are reported here."""
    allowed_tags = TAGS | ({EMBED_TAG} if policy.embed_hosts else frozenset())
    stack: list[tuple[etree._Element, int]] = [(child, 1) for child in reversed(root)]
    while stack:
        element, inherited = stack.pop()
        line_value = element.get(LINE_ATTR) if isinstance(element.tag, str) else None
        line = int(line_value) if line_value and line_value.isdigit() else inherited
        made_up = element.get(ID_ATTR) is None if isinstance(element.tag, str) else True
        tag = element.tag if isinstance(element.tag, str) else "(comment)"
        if tag not in allowed_tags:
            if made_up:
                issues.append(Issue(Location(path, line), "warning", UNSAFE, f"removed <{tag}>"))
            _drop(element)
            continue
        allowed = _allowed_attributes(tag)
        attributes = element.attrib
        if _own_marks_only(attributes):
            items = []  # the common case: nothing but Puente's own two marks
        else:
            items = [(str(name), str(value)) for name, value in attributes.items()]
        for name, value in items:
            problem = _attribute_problem(tag, name, value, allowed, policy)
            if problem is not None:
                del element.attrib[name]
                if made_up:
                    issues.append(
                        Issue(
                            Location(path, line), "warning", UNSAFE, f"removed {name} of <{tag}>: {problem}"
                        )
                    )
        if tag == EMBED_TAG:
            for child in list(element):
                element.remove(child)
            element.text = None
            if element.get("allow") is not None:
                element.set("allow", _allow_permissions(element.get("allow") or ""))
            for name, value in EMBED_FIXED.items():
                element.set(name, value)
            if element.get("src") is None:
                _drop(element)
            continue
        stack.extend((child, line) for child in reversed(element))


def _same_markup(cleaned: str, markup: str) -> bool:
    """Whether nh3 returned ``markup`` as it was given: every byte, but a no-break space
    it writes ``&nbsp;`` where lxml wrote the character (both read as the same text)."""
    if cleaned == markup:
        return True
    return "&nbsp;" in cleaned and cleaned.replace("&nbsp;", "\u00a0") == markup


_ESCAPED_AS_URIS = frozenset({"href", "src", "action"})
"""Attributes libxml2's HTML serialiser writes as URIs: a character outside
:data:`_URI_AS_IS` (a space, a letter beyond ASCII, a bracket) is written %-escaped, and
leading blanks are dropped, so the markup read again differs from the tree."""

_URI_AS_IS = re.compile(r"[A-Za-z0-9\-_.~!*'()/:?#=&%+,;@]*")


def _allowed_as_read(root: etree._Element, policy: Policy) -> bool:
    """Whether the tree below ``root`` is what reading its markup again gives and what
    :func:`_verify` leaves as it is: every element and attribute allowed, every address
    written as it is, no embed (whose attributes :func:`_verify` rewrites)."""
    for element in root.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str) or tag not in TAGS:
            return False
        attributes = element.attrib
        if _own_marks_only(attributes):
            continue
        allowed = _allowed_attributes(tag)
        for name, value in attributes.items():
            name, value = str(name), str(value)
            if _attribute_problem(tag, name, value, allowed, policy) is not None:
                return False
            if name in _ESCAPED_AS_URIS and not _URI_AS_IS.fullmatch(value):
                return False
    return True


def _own_marks_only(attributes: etree._Attrib) -> bool:
    """Whether an element's attributes are Puente's own two marks and nothing else."""
    return len(attributes) <= 2 and ID_ATTR in attributes and LINE_ATTR in attributes


def _attribute_problem(
    tag: str, name: str, value: str, allowed: frozenset[str], policy: Policy
) -> str | None:
    """What the second allowlist holds against the attribute ``name="value"`` of a ``tag``
    whose attributes may be ``allowed`` (None: nothing, it stays)."""
    if name not in allowed:
        return "not allowed"
    if name in URL_ATTRIBUTES:
        return url_problem(tag, name, value, policy)
    if name == "style":
        return style_problem(value)
    return None


@functools.cache
def _allowed_attributes(tag: str) -> frozenset[str]:
    own = EMBED_ATTRIBUTES | set(EMBED_FIXED) if tag == EMBED_TAG else ATTRIBUTES.get(tag, frozenset())
    return GLOBAL_ATTRIBUTES | own | {LINE_ATTR, ID_ATTR}


def _drop(element: etree._Element) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _report(
    originals: dict[int, _Original],
    clean_root: etree._Element,
    path: str,
    policy: Policy,
    issues: list[Issue],
) -> None:
    """A warning for each element and attribute of the source that is not in the result."""
    kept: dict[int, etree._Element] = {}
    for descendant in clean_root.iterdescendants():
        value = descendant.get(ID_ATTR)
        if value is not None and value.isdigit():
            kept[int(value)] = descendant
            del descendant.attrib[ID_ATTR]
    for number, original in originals.items():
        where = Location(path, original.line)
        element = kept.get(number)
        if element is None:
            if _inside_dropped(original, originals, kept):
                continue
            issues.append(_removed_element(original, where, policy))
            continue
        for name, value in original.attrs.items():
            if name in element.attrib:
                continue
            if original.tag == EMBED_TAG and name in EMBED_FIXED:
                continue  # replaced by Puente's own
            issues.append(_removed_attribute(original.tag, name, value, where, policy))


def _inside_dropped(
    original: _Original, originals: dict[int, _Original], kept: dict[int, etree._Element]
) -> bool:
    """Whether an ancestor of a removed element went with its content (reported already)."""
    parent = original.parent
    while parent is not None:
        ancestor = originals[parent]
        if parent not in kept and (ancestor.tag in DROPPED_WITH_CONTENT or ancestor.tag == EMBED_TAG):
            return True
        parent = ancestor.parent
    return False


def _removed_element(original: _Original, where: Location, policy: Policy) -> Issue:
    tag = original.tag
    if tag == EMBED_TAG:
        src = original.attrs.get("src", "")
        reason = embed_problem(_URL_IGNORED.sub("", src).strip(_URL_EDGES), policy) if src else "no address"
        return Issue(where, "warning", UNSAFE, f"removed <iframe>: {reason}")
    if tag in VOID:
        return Issue(where, "warning", UNSAFE if tag in ACTIVE else UNSUPPORTED, f"removed <{tag}>")
    if tag in DROPPED_WITH_CONTENT:
        return Issue(where, "warning", UNSAFE, f"removed <{tag}> and its content")
    if tag in ACTIVE:
        return Issue(where, "warning", UNSAFE, f"removed <{tag}> (its text is kept)")
    return Issue(where, "warning", UNSUPPORTED, f"removed <{tag}> (its text is kept)")


def _removed_attribute(tag: str, name: str, value: str, where: Location, policy: Policy) -> Issue:
    lowered = name.lower()
    if lowered.startswith("on"):
        return Issue(where, "warning", UNSAFE, f"removed the event handler {name} of <{tag}>")
    if lowered in URL_ATTRIBUTES:
        problem = url_problem(tag, lowered, value, policy)
        if problem is not None:
            return Issue(where, "warning", UNSAFE, f"removed {name} of <{tag}>: {problem}")
    if lowered == "style" and style_problem(value) is not None:
        return Issue(where, "warning", UNSAFE, f"removed style of <{tag}>: {style_problem(value)}")
    if lowered in _ACTIVE_ATTRIBUTES or ":" in lowered:
        return Issue(where, "warning", UNSAFE, f"removed {name} of <{tag}>")
    if tag == EMBED_TAG and lowered == "allow":
        return Issue(where, "warning", UNSAFE, f"removed allow of <{tag}>: no permission it may have")
    return Issue(where, "warning", UNSUPPORTED, f"removed the attribute {name} of <{tag}>")


_ACTIVE_ATTRIBUTES = frozenset(
    {"srcdoc", "formaction", "action", "data", "background", "lowsrc", "dynsrc", "longdesc", "usemap",
     "ping", "codebase", "archive", "classid", "manifest", "icon", "href", "src", "poster", "http-equiv",
     "content", "autofocus", "contenteditable", "is", "nonce", "integrity", "crossorigin", "popover",
     "popovertarget", "popovertargetaction", "form", "target", "allow", "sandbox"}
)  # fmt: skip
"""Attributes that load, run or navigate something: their removal is reported as unsafe."""


def _merge(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    """One warning per line and message, with a count when it repeats."""
    counts: dict[tuple[str, int, str, str], int] = {}
    for issue in issues:
        key = (issue.location.path, issue.location.line, issue.code, issue.message)
        counts[key] = counts.get(key, 0) + 1
    merged = [
        Issue(Location(path, line), "warning", code, message if n == 1 else f"{message} ({n} times)")
        for (path, line, code, message), n in counts.items()
    ]
    return tuple(sorted(merged, key=lambda issue: (issue.location.line, issue.code, issue.message)))
