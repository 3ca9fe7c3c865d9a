"""Reading source articles into the one document model.

Two formats, one :class:`~pipeline.model.Document`:

* Markdown with YAML front matter (``title``, ``slug``, ``lang``, ``date``,
  ``updated``, ``author``, ``description``, ``toc``, ``tags``, ``categories``,
  ``image``, ``id``), parsed with markdown-it-py
  (CommonMark plus tables). The Markdown is rendered to HTML with every block
  token tagged with its source line, then read by the same code as an HTML
  source, so both formats give the same model by construction.
* HTML, parsed with lxml: metadata from ``<html lang>``, ``<title>`` and
  ``<meta name="slug|date|updated|author|description|tags|categories|image|image:alt|id">``
  (or their Open Graph forms, ``<meta property="article:tag|article:section|
  article:modified_time|og:image|og:image:alt">``); the body from ``<article>``
  if there is one, else ``<body>``; the slug from the file name unless given.

Sources are untrusted: the markup of both formats (raw HTML inside Markdown
included) goes through the allowlist of :mod:`pipeline.sanitize` before it
becomes the model, and what it removes comes back as warnings
(:attr:`~pipeline.model.Document.warnings`, with the source line). Control
characters are removed with a warning; markup nested deeper than
:data:`~pipeline.sanitize.MAX_DEPTH` levels is refused with its line (never
cut silently).

Inline elements become numbered placeholders (see :mod:`pipeline.placeholders`);
elements marked ``translate="no"`` or ``class="notranslate"`` become protected
placeholders inside their sentence (or :class:`~pipeline.model.Verbatim`
blocks when they are blocks themselves), with the language of their content
(their own ``lang``, else the article's) for the page in the other language.
The text of ``alt``, ``title`` and ``aria-label`` attributes is translated too
(see :meth:`pipeline.model.Document.blocks`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import html as htmlmod
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from lxml import etree

from pipeline.config import SUPPORTED_LANGUAGES
from pipeline.errors import SourceError
from pipeline.files import decode_utf8, relative_to
from pipeline.model import (
    METADATA_KINDS,
    Attrs,
    Block,
    BlockKind,
    Document,
    Element,
    Format,
    Issue,
    Location,
    Meta,
    Node,
    Placeholder,
    PlaceholderKind,
    Verbatim,
)
from pipeline.placeholders import PLACEHOLDER_RE, format_tag
from pipeline.project import SOURCE_SUFFIXES
from pipeline.sanitize import (
    LINE_ATTR,
    MAX_DEPTH,
    UNSAFE,
    Policy,
    check_depth,
    depth_message,
    has_controls,
    parse_document,
    parse_fragment,
    sanitize,
    strip_controls,
    url_problem,
    xml_safe,
)
from pipeline.xml import sourceline

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*\Z")
TERM_LIMIT = 100
"""The longest tag or category, in characters (a longer one is a sentence, not a term)."""

LEAF_KINDS: dict[str, BlockKind] = {
    "h1": "heading",
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "heading",
    "p": "paragraph",
    "li": "list_item",
    "dt": "list_item",
    "dd": "list_item",
    "th": "table_header",
    "td": "table_cell",
    "caption": "caption",
    "figcaption": "caption",
}
CONTAINERS = {
    "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "col", "blockquote",
    "figure", "section", "div", "header", "footer", "aside", "nav", "main", "article", "details",
    "summary", "address",
}  # fmt: skip
VERBATIM_TAGS = {"pre", "hr"}
MEDIA_TAGS = {"img", "picture", "iframe", "source", "track", "video", "audio"}
"""Elements standing for media: a block of their own where no text runs before them,
else inline in their sentence."""
STANDALONE_TAGS = {"br", "wbr", "img", "iframe", "source", "track"}
PROTECTED_TAGS = {"code", "kbd", "samp", "var"}
OPAQUE_TAGS = {"video", "audio"}
"""Kept as they are, never translated (their fallback content is for old browsers)."""

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@functools.cache
def _markdown() -> MarkdownIt:
    """The Markdown parser, made when the first Markdown source is read (a project of HTML
    sources never loads markdown-it or PyYAML: a twentieth of a second at every start)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    # one level above the limit: a token that reaches it shows where markdown-it stopped reading
    parser.options["maxNesting"] = MAX_DEPTH + 1
    return parser


_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
_HTML_SPACE = " \t\n\r\f"


def load_sources(paths: Iterable[Path], root: Path, *, allow_embeds: Iterable[str] = ()) -> list[Document]:
    """The articles of ``paths``, sorted by slug; raise on any bad source or duplicate slug."""
    hosts = tuple(allow_embeds)
    documents = [load_document(path, root, allow_embeds=hosts) for path in paths]
    check_unique_slugs(slug_claim(document) for document in documents)
    return sorted(documents, key=lambda document: document.meta.slug)


class SlugClaim(NamedTuple):
    """A source and the slug it gives its article (and the line that sets it)."""

    source: str
    slug: str
    line: int


def slug_claim(document: Document) -> SlugClaim:
    return SlugClaim(document.source, document.meta.slug, slug_line(document))


def check_unique_slugs(claims: Iterable[SlugClaim], owners: Mapping[str, str] | None = None) -> None:
    """Raise on the first claim whose slug another one (or ``owners``: slug → source) has."""
    taken = dict(owners or {})
    for claim in claims:
        first = taken.get(claim.slug)
        if first is not None:
            raise SourceError(
                claim.source,
                claim.line,
                f"duplicate slug {claim.slug!r}: {first} has it already; give one of them another slug",
            )
        taken[claim.slug] = claim.source


def load_document(
    path: Path, root: Path, data: bytes | None = None, *, allow_embeds: Iterable[str] = ()
) -> Document:
    """Parse one source file (Markdown or HTML) into a :class:`Document`, sanitised
    (``data``: its bytes, when the caller read them already); ``allow_embeds`` names the
    hosts whose ``<iframe>`` embeds are kept."""
    relative = relative_to(path, root)
    fmt: Format = "md" if SOURCE_SUFFIXES.get(path.suffix.lower()) == "md" else "html"
    raw = path.read_bytes() if data is None else data
    text = decode_utf8(raw, relative, SourceError, "save the file as UTF-8").removeprefix("\ufeff")
    text, warnings = strip_controls(text, relative)
    policy = Policy(frozenset(host.lower().rstrip(".") for host in allow_embeds))
    if fmt == "md":
        meta, body, removed = _parse_markdown(text, relative, path.stem, policy)
    else:
        meta, body, removed = _parse_html(text, relative, path.stem, policy)
    meta, refused = _checked_image(meta, relative)
    document = Document(
        source=relative,
        format=fmt,
        meta=meta,
        body=body,
        sha256=hashlib.sha256(raw).hexdigest(),
        warnings=warnings + removed + refused,
    )
    if not any(
        block.text.strip()
        for block in document.blocks()
        if block.kind not in METADATA_KINDS - {"description"}
    ):
        raise SourceError(relative, 1, "empty article: no text to publish or translate")
    return document


def _checked_image(meta: Meta, relative: str) -> tuple[Meta, tuple[Issue, ...]]:
    """The metadata without a featured image whose address the sanitiser would refuse
    in an ``<img>`` (``javascript:``, ``data:``...), and the warning saying so."""
    if meta.image is None:
        return meta, ()
    problem = url_problem("img", "src", meta.image)
    if problem is None:
        return meta, ()
    where = Location(relative, meta.line("image"))
    warning = Issue(where, "warning", UNSAFE, f"removed the featured image: {problem}")
    return dataclasses.replace(meta, image=None, image_alt=None), (warning,)


def slug_line(document: Document) -> int:
    """The line that sets the document's slug (1 when it comes from the file name)."""
    for key, value in document.meta.extra:
        if key == "slug_line":
            return int(value)
    return 1


# --- Markdown ---------------------------------------------------------------


def _parse_markdown(
    text: str, relative: str, stem: str, policy: Policy
) -> tuple[Meta, tuple[Node, ...], tuple[Issue, ...]]:
    front, body_text, offset = _split_front_matter(text, relative)
    markdown = _markdown()
    tokens = markdown.parse(body_text)
    _check_markdown_depth(tokens, relative, offset)
    line = str(offset + 1)
    for token in tokens:
        if token.map is not None:
            line = str(token.map[0] + 1 + offset)
        if token.nesting == 1:  # a table cell has no line of its own: its row's
            token.attrSet(LINE_ATTR, line)
        elif token.type == "html_block" and token.map is not None:
            token.content = re.sub(
                r"^(\s*<[A-Za-z][\w-]*)", rf'\1 {LINE_ATTR}="{line}"', token.content, count=1
            )
    rendered = markdown.renderer.render(tokens, markdown.options, {})
    root = parse_fragment(rendered)
    meta = _markdown_meta(front, text, relative, stem)
    line_of = _markdown_lines(root, offset + 1)
    check_depth(root, relative, line_of)
    clean, removed = sanitize(root, relative, policy, line_of)
    return meta, _nodes(clean, relative, in_quote=False, line=offset + 1, lang=meta.lang), removed


def _check_markdown_depth(tokens: list[Token], relative: str, offset: int) -> None:
    """markdown-it stops reading what is nested deeper than its limit: refuse such a
    source at the line where it happens rather than lose the rest of it."""
    for index, token in enumerate(tokens):
        if token.level >= MAX_DEPTH:
            line = next((t.map[0] + 1 + offset for t in reversed(tokens[: index + 1]) if t.map), 1)
            raise SourceError(relative, line, depth_message())


def _markdown_lines(root: etree._Element, first: int) -> Callable[[etree._Element], int]:
    """The source line of each element of rendered Markdown: a block's element has its
    line marked; an element without a mark (inline raw HTML, or the later elements of a
    raw HTML block) is as many lines below the last marked element before it as it is in
    the rendered HTML (both keep the lines of their source)."""
    lines: dict[etree._Element, int] = {}
    anchor_line, anchor_rendered = first, 1
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        marked = element.get(LINE_ATTR)
        rendered = sourceline(element, anchor_rendered)
        if marked is not None and marked.isdigit():
            anchor_line, anchor_rendered = int(marked), rendered
        lines[element] = anchor_line + max(0, rendered - anchor_rendered)
    return lambda element: lines.get(element, first)


def _split_front_matter(text: str, relative: str) -> tuple[dict[str, Any], str, int]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise SourceError(relative, 1, "no YAML front matter: start the file with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise SourceError(relative, 1, "front matter is not closed: add a '---' line after it")
    yaml_text = "\n".join(lines[1:index])
    import yaml  # with the first Markdown source (see _markdown)

    try:
        front = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 2 if mark is not None else 2
        what = ", ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise SourceError(relative, line, f"malformed front matter: {what}") from None
    except yaml.reader.ReaderError as exc:
        line = yaml_text[: exc.position].count("\n") + 2
        raise SourceError(relative, line, f"malformed front matter: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise SourceError(relative, 2, f"malformed front matter: {exc}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # a value YAML's types refuse, such as an impossible date ("2026-02-30")
        line = _bad_value_line(yaml_text, exc) + 1
        raise SourceError(relative, line, f"malformed front matter: {exc}") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise SourceError(relative, 2, "malformed front matter: expected 'key: value' lines")
    return front, "\n".join(lines[index + 1 :]), index + 1


def _bad_value_line(yaml_text: str, exc: Exception) -> int:
    """The line of the front matter a value error is about, as near as can be told: the
    first date-like value that does not parse, else the first line."""
    for number, line in enumerate(yaml_text.split("\n"), start=1):
        match = re.search(r":\s*(\d{4}-\d{1,2}-\d{1,2}[^#]*)", line)
        if match is None:
            continue
        value = match.group(1).strip()
        try:
            dt.datetime.fromisoformat(value.replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            return number
    return 1


def _key_line(text: str, key: str) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _markdown_meta(front: dict[str, Any], text: str, relative: str, stem: str) -> Meta:
    def scalar(key: str) -> str | None:
        value = front.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.isoformat().replace("+00:00", "Z")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (dict, list)):
            raise SourceError(relative, _key_line(text, key), f"front matter {key!r} must be text")
        return str(value)

    def terms(key: str) -> list[str]:
        value = front.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return value.split(",")
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            return [str(item) for item in value]
        raise SourceError(relative, _key_line(text, key), f"front matter {key!r} must be a list of words")

    title = scalar("title")
    if not title:
        raise SourceError(relative, 1, "front matter has no 'title'")
    lang = scalar("lang")
    if lang is None:
        raise SourceError(relative, 1, "front matter has no 'lang' (en or es)")
    image, image_alt = front.get("image"), scalar("image_alt")
    if isinstance(image, dict):
        unknown = sorted(str(key) for key in image if key not in ("src", "alt"))
        if unknown or not isinstance(image.get("src"), str) or not isinstance(image.get("alt", ""), str):
            raise SourceError(
                relative, _key_line(text, "image"), "front matter 'image' must be a path, or 'src' and 'alt'"
            )
        image, image_alt = image["src"], image.get("alt") or image_alt
    elif image is not None:
        image = scalar("image")
    return _meta(
        relative,
        stem,
        slug=scalar("slug"),
        slug_line=_key_line(text, "slug"),
        lang=lang,
        lang_line=_key_line(text, "lang"),
        title=title,
        title_line=_key_line(text, "title"),
        date=scalar("date"),
        date_line=_key_line(text, "date"),
        author=scalar("author") or scalar("source"),
        description=scalar("description"),
        description_line=_key_line(text, "description"),
        toc=bool(front.get("toc", False)),
        more=_More(
            tags=(terms("tags"), _key_line(text, "tags")),
            categories=(terms("categories"), _key_line(text, "categories")),
            image=(image, _key_line(text, "image")),
            image_alt=image_alt,
            updated=(scalar("updated"), _key_line(text, "updated")),
            id=(scalar("id"), _key_line(text, "id")),
        ),
    )


class _More(NamedTuple):
    """The metadata a CMS needs beyond the page's own, each with the line that sets it."""

    tags: tuple[list[str], int] = ([], 1)
    categories: tuple[list[str], int] = ([], 1)
    image: tuple[str | None, int] = (None, 1)
    image_alt: str | None = None
    updated: tuple[str | None, int] = (None, 1)
    id: tuple[str | None, int] = (None, 1)


def _check_date(relative: str, key: str, value: str | None, line: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(relative, line, f"invalid {key} {value!r}: use ISO 8601, e.g. 2026-01-16") from None
    return value


def _terms(relative: str, key: str, values: list[str], line: int) -> tuple[str, ...]:
    """Tags or categories: collapsed, without empty ones and repeats."""
    kept: dict[str, None] = {}
    for raw in values:
        term = _collapse(raw)
        if not term:
            continue
        if len(term) > TERM_LIMIT:
            raise SourceError(relative, line, f"{key}: {term[:40]!r}… is longer than {TERM_LIMIT} characters")
        if PLACEHOLDER_RE.search(term):
            raise SourceError(relative, line, f"{key}: {term!r} looks like a placeholder: remove the braces")
        kept[term] = None
    return tuple(kept)


def _meta(
    relative: str,
    stem: str,
    *,
    slug: str | None,
    slug_line: int,
    lang: str,
    lang_line: int,
    title: str,
    title_line: int,
    date: str | None,
    date_line: int,
    author: str | None,
    description: str | None,
    description_line: int,
    toc: bool,
    more: _More | None = None,
) -> Meta:
    lang = lang.strip()
    if lang not in SUPPORTED_LANGUAGES:
        raise SourceError(relative, lang_line, f"unknown language {lang!r}: use one of en, es")
    slug = slug.strip() if slug is not None else stem
    if not SLUG_RE.match(slug) or len(slug) > 200:
        raise SourceError(
            relative,
            slug_line,
            f"unsafe slug {slug!r}: use lowercase letters, digits and hyphens only "
            "(it names the output file)",
        )
    date = _check_date(relative, "date", date, date_line)
    more = more or _More()
    identifier, id_line = more.id
    if identifier is not None:
        identifier = identifier.strip()
        if not ID_RE.match(identifier) or len(identifier) > 200:
            raise SourceError(
                relative, id_line, f"unsafe id {identifier!r}: use letters, digits and . _ : - only"
            )
    image, image_line = more.image
    image = image.strip() if image is not None and image.strip() else None
    lines = {
        "slug": slug_line,
        "tags": more.tags[1],
        "categories": more.categories[1],
        "image": image_line,
        "updated": more.updated[1],
        "id": id_line,
    }
    return Meta(
        slug=slug,
        lang=lang,
        title=_collapse(title),
        title_line=title_line,
        date=date,
        author=_collapse(author) if author else None,
        description=_collapse(description) if description else None,
        description_line=description_line,
        toc=toc,
        extra=tuple((f"{key}_line", str(line)) for key, line in lines.items()),
        tags=_terms(relative, "tags", more.tags[0], more.tags[1]),
        categories=_terms(relative, "categories", more.categories[0], more.categories[1]),
        image=image,
        image_alt=_collapse(more.image_alt) if image is not None and more.image_alt else None,
        updated=_check_date(relative, "updated", more.updated[0], more.updated[1]),
        id=identifier,
    )


# --- HTML -------------------------------------------------------------------


def _parse_html(
    text: str, relative: str, stem: str, policy: Policy
) -> tuple[Meta, tuple[Node, ...], tuple[Issue, ...]]:
    if not text.strip():
        raise SourceError(relative, 1, "empty article: no text to publish or translate")
    try:
        root = parse_document(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise SourceError(relative, 1, f"no article to read: {exc}") from None
    if root is None:  # comments only, or markup with nothing in it ("<!")
        raise SourceError(relative, 1, "empty article: no text to publish or translate")
    html_el = root if root.tag == "html" else root.find(".//html")
    lang_line = sourceline(html_el) if html_el is not None else 1
    lang = (html_el.get("lang") or "").split("-")[0].lower() if html_el is not None else ""
    if not lang:
        raise SourceError(relative, lang_line, 'no language: add lang="en" or lang="es" to <html>')
    metas: dict[str, tuple[str, int]] = {}
    lists: dict[str, tuple[list[str], int]] = {}  # article:tag and article:section may repeat
    for element in root.iter("meta"):
        name = (element.get("name") or "").lower()
        if name and element.get("content") is not None:
            metas[name] = (element.get("content") or "", sourceline(element))
        prop = _OPEN_GRAPH.get((element.get("property") or "").lower())
        if prop is not None and element.get("content") is not None:
            content, line = element.get("content") or "", sourceline(element)
            if prop in ("tags", "categories"):
                lists.setdefault(prop, ([], line))[0].append(content)
            else:
                metas.setdefault(prop, (content, line))
    title_el = root.find(".//title")
    title = _collapse(_text(title_el)) if title_el is not None else ""
    body = root.find(".//article")
    if body is None:
        body = root.find(".//body")
    if not title and body is not None:
        heading = body.find(".//h1")
        title = _collapse(_text(heading)) if heading is not None else ""
    if not title:
        raise SourceError(relative, 1, "no title: add a <title> element")
    meta = _meta(
        relative,
        stem,
        slug=metas["slug"][0] if "slug" in metas else None,
        slug_line=metas.get("slug", ("", 1))[1],
        lang=lang,
        lang_line=lang_line,
        title=title,
        title_line=sourceline(title_el) if title_el is not None else 1,
        date=metas["date"][0] if "date" in metas else None,
        date_line=metas.get("date", ("", 1))[1],
        author=metas.get("author", (None, 1))[0],
        description=metas.get("description", (None, 1))[0],
        description_line=metas.get("description", ("", 1))[1],
        toc=metas.get("toc", ("", 1))[0].lower() in ("true", "yes", "1"),
        more=_html_more(metas, lists),
    )
    if body is None:
        return meta, (), ()
    check_depth(body, relative, sourceline)
    clean, removed = sanitize(body, relative, policy, sourceline)
    return meta, _nodes(clean, relative, in_quote=False, line=sourceline(body), lang=meta.lang), removed


_OPEN_GRAPH = {
    "article:tag": "tags",
    "article:section": "categories",
    "article:modified_time": "updated",
    "og:image": "image",
    "og:image:alt": "image:alt",
}
"""Open Graph properties and the ``<meta name>`` each stands for (the name wins)."""


def _html_more(metas: dict[str, tuple[str, int]], lists: dict[str, tuple[list[str], int]]) -> _More:
    def split(key: str, alias: str | None = None) -> tuple[list[str], int]:
        named = metas.get(key) or (metas.get(alias) if alias else None)
        if named is not None:
            return named[0].split(","), named[1]
        return lists.get(key, ([], 1))

    def one(key: str) -> tuple[str | None, int]:
        value, line = metas.get(key, (None, 1))
        return value, line

    return _More(
        tags=split("tags", "keywords"),
        categories=split("categories"),
        image=one("image"),
        image_alt=metas.get("image:alt", (None, 1))[0],
        updated=one("updated"),
        id=one("id"),
    )


def _line(element: etree._Element, inherited: int) -> int:
    """An element's source line: marked on it before sanitising (elements the parser
    added, such as a table's ``<tbody>``, take their parent's)."""
    marked = element.get(LINE_ATTR)
    return int(marked) if marked is not None and marked.isdigit() else inherited


def _text(element: etree._Element) -> str:
    return "".join(str(text) for text in element.itertext())


def _attrs(element: etree._Element) -> Attrs:
    # an HTML parser's names and values are text
    return tuple(item for item in element.items() if item[0] != LINE_ATTR)  # type: ignore[misc]


def _is_protected(element: etree._Element) -> bool:
    classes = (element.get("class") or "").split()
    return (element.get("translate") or "").lower() == "no" or "notranslate" in classes


def _is_blockish(element: etree._Element) -> bool:
    tag = element.tag
    return isinstance(tag, str) and (
        tag in LEAF_KINDS or tag in CONTAINERS or tag in VERBATIM_TAGS or tag in ("p", "figure")
    )


def _serialize(element: etree._Element) -> str:
    _strip_line_attrs(element)
    return etree.tostring(element, encoding="unicode", method="html", with_tail=False)


def _strip_line_attrs(element: etree._Element) -> None:
    for item in element.iter():
        if isinstance(item.tag, str) and LINE_ATTR in item.attrib:
            del item.attrib[LINE_ATTR]


def _content_lang(element: etree._Element, article_lang: str) -> str:
    """The language of an element's content: its own ``lang`` or an ancestor's, else the article's."""
    for item in (element, *element.iterancestors()):
        value = item.get("lang")
        if value:
            return value
    return article_lang


def _has_media(element: etree._Element) -> bool:
    return element.tag in MEDIA_TAGS or any(True for _ in element.iterdescendants(*MEDIA_TAGS))


def _has_content(loose: list[etree._Element | str]) -> bool:
    """Whether a run of loose inline content holds text or media (else it is only spacing)."""
    return any(
        _has_text(item) if isinstance(item, str) else (_has_text(_text(item)) or _has_media(item))
        for item in loose
    )


def _has_text(text: str) -> bool:
    """Whether ``_collapse(text)`` is not empty, without making it."""
    stripped = text.strip(_HTML_SPACE)
    return bool(stripped) and (not has_controls(stripped) or bool(_collapse(stripped)))


def loose_has_text(loose: list[etree._Element | str]) -> bool:
    return any(isinstance(item, etree._Element) or item.strip() for item in loose)


def _nodes(
    parent: etree._Element, relative: str, *, in_quote: bool, line: int = 1, lang: str = ""
) -> tuple[Node, ...]:
    """Structural nodes for the children of a sanitised ``parent`` (loose text becomes a
    paragraph); ``lang`` is the article's language."""
    return _Reader(relative, lang).nodes(parent, in_quote=in_quote, line=line)


class _Reader:
    """Builds the model of one sanitised article body."""

    def __init__(self, relative: str, lang: str) -> None:
        self.relative = relative
        self.lang = lang

    def nodes(self, parent: etree._Element, *, in_quote: bool, line: int) -> tuple[Node, ...]:
        nodes: list[Node] = []
        loose: list[etree._Element | str] = []
        parent_line = _line(parent, line)

        def flush_loose() -> None:
            if loose and _has_content(loose):
                text, placeholders = self.inline_items(loose)
                if text:
                    kind: BlockKind = "blockquote" if in_quote else "paragraph"
                    nodes.append(
                        Block(
                            tag="p",
                            kind=kind,
                            text=text,
                            location=Location(self.relative, parent_line),
                            placeholders=placeholders,
                        )
                    )
            loose.clear()

        if parent.text:
            loose.append(parent.text)
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str):
                if child.tail:
                    loose.append(child.tail)
                continue
            if _is_blockish(child) or (tag in MEDIA_TAGS and not loose_has_text(loose)):
                flush_loose()
                nodes.append(self.node(child, in_quote=in_quote, line=parent_line))
            else:
                loose.append(child)
            if child.tail:
                loose.append(child.tail)
        flush_loose()
        return tuple(nodes)

    def node(self, element: etree._Element, *, in_quote: bool, line: int) -> Node:
        tag = str(element.tag)
        here = _line(element, line)
        location = Location(self.relative, here)
        if _is_protected(element):
            return Verbatim(
                html=_serialize(element), location=location, lang=_content_lang(element, self.lang)
            )
        if tag in VERBATIM_TAGS or tag in OPAQUE_TAGS:
            return Verbatim(html=_serialize(element), location=location)
        if tag in MEDIA_TAGS:
            # an image, an embed, a picture and its sources: their text is in attributes
            children = self.nodes(element, in_quote=in_quote, line=here) if tag == "picture" else ()
            return Element(tag=tag, attrs=_attrs(element), children=children, location=location)
        if tag in LEAF_KINDS or (tag in ("div", "blockquote") and not _has_block_child(element)):
            return self.leaf(element, in_quote=in_quote, line=here)
        children = self.nodes(element, in_quote=in_quote or tag == "blockquote", line=here)
        return Element(tag=tag, attrs=_attrs(element), children=children, location=location)

    def leaf(self, element: etree._Element, *, in_quote: bool, line: int) -> Block:
        tag = str(element.tag)
        kind: BlockKind = LEAF_KINDS.get(tag, "paragraph")
        if tag == "blockquote" or (in_quote and kind == "paragraph"):
            kind = "blockquote"
        items: list[etree._Element | str] = [element.text or ""]
        children: tuple[Node, ...] = ()
        for index, child in enumerate(element):
            if _is_blockish(child) and not (tag in ("li", "dd") and child.tag == "p"):
                rest = [c for c in list(element)[index:] if isinstance(c.tag, str)]
                trailing = "".join((c.tail or "") for c in rest).strip()
                if trailing or any(not _is_blockish(c) for c in rest):
                    raise SourceError(
                        self.relative,
                        _line(child, line),
                        f"<{tag}> mixes text after a <{child.tag}> block: wrap the text in its own <p>",
                    )
                holder = etree.Element("div")
                for moved in rest:
                    holder.append(moved)
                children = self.nodes(holder, in_quote=in_quote, line=line)
                break
            if tag in ("li", "dd") and child.tag == "p":
                # a loose list item's paragraphs belong to the item's text
                items.append(" ")
                items.extend(_contents(child))
                items.append(" ")
                items.append(child.tail or "")
                continue
            items.append(child)
            items.append(child.tail or "")
        text, placeholders = self.inline_items(items)
        level = int(tag[1]) if kind == "heading" else 0
        return Block(
            tag=tag,
            kind=kind,
            text=text,
            location=Location(self.relative, line),
            attrs=_attrs(element),
            placeholders=placeholders,
            level=level,
            children=children,
        )

    def inline_items(self, items: list[etree._Element | str]) -> tuple[str, tuple[Placeholder, ...]]:
        """Inline content as text with numbered placeholders, whitespace collapsed."""
        # plain methods, not closures: a closure that calls itself is a reference cycle,
        # and every list it holds would wait for the garbage collector
        placeholders: list[Placeholder] = []
        parts: list[str] = []
        for item in items:
            self._inline(item, parts, placeholders)
        return _collapse("".join(parts)), tuple(placeholders)

    def _inline(self, item: etree._Element | str, parts: list[str], placeholders: list[Placeholder]) -> None:
        if isinstance(item, str):
            _text_run(item, parts, placeholders)
            return
        tag = item.tag
        if not isinstance(tag, str):
            return
        attrs = _attrs(item)
        if _is_protected(item) or tag in PROTECTED_TAGS or tag in OPAQUE_TAGS:
            content = _collapse(_text(item))
            lang = _content_lang(item, self.lang) if _is_protected(item) else ""
            number = _add(placeholders, "protected", tag, attrs, _serialize(item), content, lang)
            parts.append(format_tag("self", number))
        elif tag in STANDALONE_TAGS:
            number = _add(placeholders, "standalone", tag, attrs, text=item.get("alt") or "")
            parts.append(format_tag("self", number))
        else:
            number = _add(placeholders, "paired", tag, attrs)
            parts.append(format_tag("open", number))
            for inner in _contents(item):
                self._inline(inner, parts, placeholders)
            parts.append(format_tag("close", number))


def _add(
    placeholders: list[Placeholder],
    kind: PlaceholderKind,
    tag: str,
    attrs: Attrs,
    html: str = "",
    text: str = "",
    lang: str = "",
) -> int:
    """Define the next placeholder; its number."""
    number = len(placeholders) + 1
    placeholders.append(Placeholder(number, kind, tag, attrs, html, text, lang))
    return number


def _text_run(value: str, parts: list[str], placeholders: list[Placeholder]) -> None:
    """Plain text; what looks like a placeholder becomes a protected one."""
    if "{" not in value:
        parts.append(value)
        return
    pos = 0
    for match in PLACEHOLDER_RE.finditer(value):
        parts.append(value[pos : match.start()])
        literal = match.group(0)
        number = _add(placeholders, "protected", "", (), htmlmod.escape(literal, quote=False), literal)
        parts.append(format_tag("self", number))
        pos = match.end()
    parts.append(value[pos:])


def _has_block_child(element: etree._Element) -> bool:
    return any(_is_blockish(child) for child in element if isinstance(child.tag, str))


def _contents(element: etree._Element) -> list[etree._Element | str]:
    items: list[etree._Element | str] = [element.text or ""]
    for child in element:
        items.append(child)
        items.append(child.tail or "")
    return items


def _collapse(text: str) -> str:
    # xml_safe: YAML escapes and character references can carry control characters too
    return _WHITESPACE.sub(" ", xml_safe(text)).strip(_HTML_SPACE)
