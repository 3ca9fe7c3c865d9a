"""Local images: found in a source, copied into ``build/assets/`` under content-hashed names.

Every image a source references by a relative address (``images/port.png``, relative to
the source file, as a Markdown editor previews it) is read, checked and published as
``assets/<name>.<hash>.<ext>``: the name changes whenever the content does, so a CMS or a
CDN can cache it forever. The pages' ``src`` values are rewritten to it.

A reference that cannot be published is a warning naming the source line, never a failed
build: the page keeps the address as written. Refused: a missing file, one outside the
project (``../../etc/passwd``), one larger than :data:`IMAGE_LIMIT`, and anything that is
not a PNG, JPEG, GIF, WebP or AVIF image by its first bytes (an SVG can carry scripts, and
a page's address would serve them from the site's own origin). Remote addresses
(``https://...``), site-absolute ones (``/media/x.png``) and ``data:`` URIs are left as
they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

from pipeline.cache import FileIdentity
from pipeline.errors import SourceError
from pipeline.files import read_with_stat
from pipeline.model import Block, Document, Element, Issue, Location, Node, Verbatim
from pipeline.project import Project

ASSETS = "assets"
"""The folder of the output where images go."""
IMAGE_LIMIT = 20 * 1024 * 1024
"""The largest image published (a news photo is a few hundred kilobytes)."""
ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.[0-9a-f]{16}\.(?:png|jpg|jpeg|gif|webp|avif)\Z")
"""The names Puente gives assets (and the only files it ever removes from ``assets/``)."""

_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}


@dataclass(frozen=True)
class Asset:
    """One published image: the ``src`` the source wrote, the file it names (relative to
    the project), where it is published (relative to the output folder), its hash and
    media type."""

    src: str
    source: str
    path: str
    sha256: str
    media_type: str


@dataclass
class Images:
    """The images of one article: the published ones, their bytes (to stage), the files
    read (for the build cache; None: absent) and the warnings."""

    assets: dict[str, Asset]
    files: dict[str, bytes]
    inputs: dict[str, FileIdentity | None]
    issues: list[Issue]


def image_references(document: Document) -> Iterator[tuple[str, int]]:
    """``(src, line)`` of every image of ``document``: the featured image, then the body's
    images in order (blocks, inline images and images inside untranslated HTML)."""
    meta = document.meta
    if meta.image:
        yield meta.image, meta.line("image")
    yield from _node_images(document.body, 1)


def _node_images(nodes: tuple[Node, ...], line: int) -> Iterator[tuple[str, int]]:
    for node in nodes:
        if isinstance(node, Block):
            here = node.location.line
            if node.tag == "img":
                src = dict(node.attrs).get("src")
                if src:
                    yield src, here
            for placeholder in node.placeholders:
                if placeholder.tag == "img" and placeholder.attr("src"):
                    yield placeholder.attr("src") or "", here
                elif placeholder.html:
                    yield from ((src, here) for src in _html_images(placeholder.html))
            yield from _node_images(node.children, here)
        elif isinstance(node, Element):
            here = node.location.line if node.location else line
            if node.tag == "img":  # an image standing as a block of its own
                src = dict(node.attrs).get("src")
                if src:
                    yield src, here
            yield from _node_images(node.children, here)
        elif isinstance(node, Verbatim):
            here = node.location.line if node.location else line
            yield from ((src, here) for src in _html_images(node.html))


def _html_images(html: str) -> list[str]:
    if "<img" not in html.lower():
        return []
    found: list[str] = []
    for fragment in lxml_html.fragments_fromstring(html):
        if isinstance(fragment, str):
            continue
        found.extend(image.get("src") or "" for image in fragment.iter("img"))
    return [src for src in found if src]


def local_path(src: str) -> str | None:
    """The file path a ``src`` names relative to its source, or None for a remote,
    site-absolute, ``data:`` or empty address.

    >>> local_path("images/port%20view.png?v=2"), local_path("https://x.org/a.png"), local_path("/a.png")
    ('images/port view.png', None, None)
    """
    parts = urlsplit(src.strip())
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    return unquote(parts.path)


def collect_images(project: Project, document: Document) -> Images:
    """Find, read and check the local images of ``document`` (see the module docstring)."""
    result = Images({}, {}, {}, [])
    folder = PurePosixPath(document.source).parent
    for src, line in image_references(document):
        if src in result.assets:
            continue
        relative = local_path(src)
        if relative is None:
            continue
        where = Location(document.source, line)
        target = project.root / folder / relative
        rel = project.relative(target)
        if not project.inside(target):
            result.issues.append(_warning(where, f"image outside the project, not published: {src}"))
            continue
        if not target.exists() and not target.is_symlink():
            result.inputs[rel] = None  # a build after it appears must publish it
            result.issues.append(_warning(where, f"image not found: {src} (looked for {rel})"))
            continue
        try:
            data, info = read_with_stat(target, rel, SourceError, IMAGE_LIMIT)
        except SourceError as exc:
            result.issues.append(_warning(where, f"image not published: {exc.message}: {src}"))
            continue
        identity = FileIdentity.of(data, info)
        result.inputs[rel] = identity
        suffix = _kind(data)
        if suffix is None:
            result.issues.append(
                _warning(where, f"not a PNG, JPEG, GIF, WebP or AVIF image, not published: {src}")
            )
            continue
        extension = target.suffix.lower() if _TYPES.get(target.suffix.lower()) == _TYPES[suffix] else suffix
        path = f"{ASSETS}/{_stem(target.stem)}.{identity.sha256[:16]}{extension}"
        result.assets[src] = Asset(src, rel, path, identity.sha256, _TYPES[suffix])
        result.files[path] = data
    return result


def _warning(where: Location, message: str) -> Issue:
    return Issue(where, "warning", "image", message)


def _kind(data: bytes) -> str | None:
    """The extension of an image by its first bytes (None: not an image Puente publishes)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return ".avif"
    return None


def _stem(name: str) -> str:
    """A safe, readable file name from an image's own name.

    >>> _stem("Puerto de Manzanillo (2026)"), _stem("..."), _stem("Año")
    ('puerto-de-manzanillo-2026', 'image', 'ano')
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return stem or "image"


def prune_assets(folder: Path, keep: set[str]) -> list[Path]:
    """Remove from ``folder`` the assets Puente named that no article uses any more."""
    removed: list[Path] = []
    try:
        names = sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return removed
    for name in names:
        if ASSET_NAME.match(name) and f"{ASSETS}/{name}" not in keep:
            path = folder / name
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
