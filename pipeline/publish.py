"""Publishing one article: its pages, body fragments and images, and what the site-wide
files (manifest, sitemap, feeds) need to know of it.

:func:`publish_article` runs in the worker that built the article. It renders both
pages and their body fragments (:func:`pipeline.render.render_article`), gathers the
article's local images (:mod:`pipeline.assets`) and returns the *site facts*: plain JSON
data the build cache keeps, so that the manifest, the sitemap and the feeds are written
from the cache for every article, processed in this run or not (:func:`site_files`).

Addresses: without a ``base_url`` (:mod:`pipeline.site`) a page links its alternates as
``../<lang>/<slug>.html`` and its images as ``../assets/...`` (the layout of the output
folder); with one, every link is absolute and the page carries a canonical link and an
``x-default`` alternate (the original's page).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from pipeline.assets import ASSETS, Asset, Images, collect_images, prune_assets
from pipeline.cache import (
    RACY_NS,
    UNHASHED,
    BuildCache,
    CacheDamaged,
    FileIdentity,
    Fragments,
    SiteLayout,
    listing,
    signature,
    still,
)
from pipeline.clock import now
from pipeline.errors import PipelineError
from pipeline.feeds import build_feed, feed_keys, newest
from pipeline.files import read_with_stat
from pipeline.manifest import article_entry, assemble_manifest, manifest_frame, manifest_head, stamp
from pipeline.model import Document
from pipeline.project import Project
from pipeline.render import Notice, PageLinks, PageTemplate, heading_ids, render_article
from pipeline.site import Site, group_id
from pipeline.sitemap import URL_LIMIT, add_elements, sitemap_entry, sitemap_frame

MACHINE_STATES = ("machine", "mixed")
"""The states of a page a person has not fully reviewed: they carry the notice."""


def page_path(lang: str, slug: str) -> str:
    """A page's path relative to the output folder (and to the manifest)."""
    return f"{lang}/{slug}.html"


def body_path(lang: str, slug: str) -> str:
    """A body fragment's path relative to the output folder (and to the manifest)."""
    return f"{lang}/{slug}.body.html"


@dataclass
class Published:
    """One article's pages and body fragments by language, its images and its site facts."""

    pages: dict[str, bytes]
    bodies: dict[str, bytes]
    images: Images
    facts: dict[str, Any]


def publish_article(
    project: Project,
    template: PageTemplate | None,
    document: Document,
    translated: Document | None,
    state: str,
) -> Published:
    """Render the pages of ``document`` (and of ``translated``, None when the translation
    is held back) with their fragments; see the module docstring."""
    config, site = project.config, project.config.site
    meta = document.meta
    slug, source_lang = meta.slug, meta.lang
    documents = {source_lang: document}
    if translated is not None:
        documents[translated.meta.lang] = translated
    images = collect_images(project, document)
    alternates = {lang: _page_href(site, lang, slug) for lang in documents}
    published = {src: _asset_href(site, asset) for src, asset in images.assets.items()}
    source_ids = heading_ids(document)
    pages: dict[str, bytes] = {}
    bodies: dict[str, bytes] = {}
    languages: dict[str, Any] = {}
    for lang, doc in documents.items():
        ids = source_ids if lang == source_lang else heading_ids(doc)
        notice = None
        if lang != source_lang and state in MACHINE_STATES and site.notice:
            notice = Notice(site.notice_text(lang, source_lang), source_lang, alternates[source_lang])
        featured = None
        if meta.image:
            featured = (published.get(meta.image, meta.image), doc.meta.image_alt or "")
        links = PageLinks(
            canonical=site.page_url(lang, slug),
            x_default=site.page_url(source_lang, slug),
            switch={other: href for other, href in alternates.items() if other != lang},
            notice=notice,
            featured=featured,
            images=published,
            anchors=dict(zip(source_ids, ids, strict=True)) if len(ids) == len(source_ids) else {},
        )
        rendered = render_article(
            doc,
            alternates=alternates,
            locale=config.locale(lang),
            state=None if lang == source_lang else state,
            template=template,
            ids=ids,
            links=links,
        )
        pages[lang] = rendered.page
        bodies[lang] = rendered.body
        by_href = {published[src]: images.assets[src] for src in images.assets}
        featured_fact = _image_fact(site, meta.image, featured, images.assets) if featured else None
        body_images = [_asset_fact(site, by_href[src], alt) for src, alt in rendered.images if src in by_href]
        languages[lang] = {
            "body": body_path(lang, slug),
            "url": site.page_url(lang, slug) or page_path(lang, slug),
            "excerpt": rendered.excerpt,
            "tags": list(doc.meta.tags),
            "categories": list(doc.meta.categories),
            "image": featured_fact,
            "images": _unique_images([*_local(featured_fact), *body_images]),
        }
    facts = {
        "id": group_id(slug, meta.id),
        "updated": meta.updated or meta.date,
        "tags": list(meta.tags),
        "categories": list(meta.categories),
        "languages": languages,
        "notices": [  # shown on every build until fixed: what the sanitiser removed, images
            [i.location.path, i.location.line, i.code, i.message]
            for i in (*document.warnings, *images.issues)
        ],
    }
    return Published(pages, bodies, images, facts)


def _page_href(site: Site, lang: str, slug: str) -> str:
    return site.page_url(lang, slug) or f"../{page_path(lang, slug)}"


def _asset_href(site: Site, asset: Asset) -> str:
    return site.asset_url(asset.path) or f"../{asset.path}"


def _asset_fact(site: Site, asset: Asset, alt: str) -> dict[str, Any]:
    return {
        "path": asset.path,
        "src": _asset_href(site, asset),
        "url": site.asset_url(asset.path) or asset.path,
        "alt": alt,
        "sha256": asset.sha256,
        "media_type": asset.media_type,
        "source": asset.source,
    }


def _image_fact(
    site: Site, src: str | None, featured: tuple[str, str], assets: dict[str, Asset]
) -> dict[str, Any]:
    """The featured image: a published asset, or an address left as the source wrote it."""
    asset = assets.get(src or "")
    if asset is not None:
        return _asset_fact(site, asset, featured[1])
    href = featured[0]
    return {
        "path": None,
        "src": href,
        "url": urljoin(site.base_url, href) if site.base_url else href,
        "alt": featured[1],
        "sha256": None,
        "media_type": None,
        "source": None,
    }


def _local(image: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [image] if image is not None and image["path"] else []


def _unique_images(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for image in images:
        key = (image["path"], image["alt"])
        if key not in seen:
            seen.add(key)
            kept.append(image)
    return kept


# --- the site-wide files ------------------------------------------------------------


def article_fragments(facts: dict[str, Any]) -> Fragments:
    """What an article gives the site-wide files, made once when it is built."""
    sitemap, urls = sitemap_entry(facts)
    site = facts.get("site", {})
    images = sorted(
        {image["path"] for page in site.get("languages", {}).values() for image in page.get("images", [])}
    )
    return Fragments(
        manifest=article_entry(facts),
        sitemap=sitemap,
        urls=urls,
        notices=list(site.get("notices", [])),
        images=images,
        feeds=feed_keys(facts),
    )


def site_files(
    project: Project, cache: BuildCache, sources: Sequence[str], version: str, *, force: bool = False
) -> list[tuple[Path, bytes | bytearray]]:
    """The manifest, the sitemap (with a ``base_url``) and one Atom feed per language, of
    the articles of ``sources`` (sorted by slug), assembled from what the build cache
    keeps of each: nothing when no article, setting or site file changed since the last
    run (``force``: made anyway). ``version`` is Puente's."""
    out = project.output_dir
    site = project.config.site
    languages = project.config.languages
    paths = [out / "manifest.json"]
    if site.base_url is not None:
        paths.append(out / "sitemap.xml")
    paths += [out / lang / "feed.xml" for lang in languages]
    recorded = cache.meta.get("site", {})
    if (
        not force
        and not cache.reset
        and not cache.rebuilt  # the same articles as when the site files were recorded
        and recorded.get("listing")
        and set(recorded.get("files", {})) == {project.relative(path) for path in paths}
        and all(
            still(path, FileIdentity.from_json(recorded["files"][project.relative(path)])) for path in paths
        )
    ):
        return []
    wanted = set(sources)
    rows = [row for row in cache.site_rows() if row[0] in wanted]
    ordered = [row[0] for row in rows]
    listed = listing(ordered)
    head = manifest_head(version, languages, site.base_url)
    kept = _kept_parts(project, cache, paths, head, recorded)
    # the files are made in place, one article's part after the other (the parts of the
    # articles it did not build as the files held them, the others read from the cache a
    # few hundred at a time), with a stand-in for the time they were generated
    before, after = manifest_frame(head, _STAND_IN)
    manifest = bytearray(before)
    sitemap = bytearray(sitemap_frame()[0]) if site.base_url is not None else None
    layout = SiteLayout(ordered, [], [], [])
    count = 0
    for entries, elements, urls in _site_parts(cache, ordered, kept):
        if layout.manifest:
            manifest += b",\n"
        manifest += b",\n".join(entries)
        layout.manifest.extend(map(len, entries))
        layout.urls.extend(urls)
        if sitemap is None:
            layout.sitemap.extend([0] * len(entries))
            continue
        layout.sitemap.extend(map(len, elements))
        if count + sum(urls) <= URL_LIMIT:
            sitemap += b"".join(elements)
            count += sum(urls)
        else:
            for part, found in zip(elements, urls, strict=True):
                count = add_elements(sitemap, part, found, count)
    del kept
    digest = hashlib.sha256(json.dumps(head).encode() + b"\0")
    digest.update(memoryview(manifest)[len(before) :])
    body = digest.hexdigest()
    generated = recorded.get("generated") if recorded.get("body") == body else None
    generated = generated or stamp(now())
    data: bytes | bytearray
    if not ordered:
        data = assemble_manifest(head, [], generated)
    else:
        manifest += after
        real = manifest_frame(head, generated)[0]
        if len(real) == len(before):  # (a time has the stand-in's length)
            manifest[: len(before)] = real
            data = manifest
        else:
            data = real + memoryview(manifest)[len(before) :]
    files: list[tuple[Path, bytes | bytearray]] = [(paths[0], data)]
    if sitemap is not None:
        sitemap += sitemap_frame()[1]
        files.append((paths[1], sitemap))
    cache.layout = layout
    keys = [(source, slug, feeds) for (source, slug, _), feeds in zip(rows, _feed_keys(rows), strict=True)]
    chosen = {lang: newest(keys, lang, generated, site.feed_limit) for lang in languages}
    facts = cache.facts({rel for picked in chosen.values() for rel in picked})
    for lang in languages:
        wanted = set(chosen[lang])
        picked = [facts[rel] for rel in ordered if rel in wanted]
        feed = build_feed(picked, lang, site, generated=generated, output=out, version=version)
        files.append((out / lang / "feed.xml", feed))
    cache.meta["site"] = {"listing": listed, "body": body, "generated": generated, "files": {}}
    return files


def _feed_keys(rows: Sequence[tuple[str, str, str]]) -> list[Any]:
    """The feed keys of each of ``rows`` (source, slug, keys as JSON; see
    :func:`pipeline.feeds.feed_keys`), decoded as one JSON document (a call per row costs
    more than the decoding)."""
    try:
        keys = json.loads("[" + ",".join(row[2] for row in rows) + "]")
    except (ValueError, TypeError):
        keys = None
    if not isinstance(keys, list) or len(keys) != len(rows) or not all(isinstance(key, dict) for key in keys):
        keys = []
        for source, _, text in rows:  # (a damaged row is named)
            try:
                key = json.loads(text)
            except (ValueError, TypeError):
                key = None
            if not isinstance(key, dict):
                raise CacheDamaged(source)
            keys.append(key)
    return keys


_STAND_IN = "0000-00-00T00:00:00Z"
"""The manifest's ``generated`` time while the manifest is made (a time has its length)."""


Parts = tuple[list["bytes | memoryview"], list["bytes | memoryview"], list[int]]


def _site_parts(
    cache: BuildCache, ordered: Sequence[str], kept: dict[str, tuple[memoryview, memoryview, int]]
) -> Iterator[Parts]:
    """The articles' manifest entries, sitemap elements (as UTF-8) and ``<url>`` counts, in
    order, a few hundred articles at a time: as ``kept``, else read from the cache."""
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        fetched = cache.fragments([rel for rel in chunk if rel not in kept])
        parts = [kept[rel] if rel in kept else _encoded(fetched[rel]) for rel in chunk]
        yield [part[0] for part in parts], [part[1] for part in parts], [part[2] for part in parts]


def _encoded(fragments: tuple[str, str, int]) -> tuple[bytes, bytes, int]:
    entry, elements, urls = fragments
    return entry.encode("utf-8"), elements.encode("utf-8"), urls


def _kept_parts(
    project: Project, cache: BuildCache, paths: Sequence[Path], head: dict[str, Any], recorded: dict[str, Any]
) -> dict[str, tuple[memoryview, memoryview, int]]:
    """The parts of the manifest and the sitemap as the last run wrote them, by source, of
    the articles this run did not build: taken from the files themselves, read once,
    when they are as that run left them (their recorded identity, the layout it kept, the
    frame around the articles); nothing otherwise (every part is then read from the cache)."""
    layout = cache.site_layout()
    files = recorded.get("files", {})
    generated = recorded.get("generated")
    if layout is None or not layout.sources or not isinstance(files, dict) or not isinstance(generated, str):
        return {}
    datas = []
    for path in paths[:2]:
        if path.name not in ("manifest.json", "sitemap.xml"):
            break
        identity = FileIdentity.from_json(files.get(project.relative(path)))
        if identity is None:
            return {}
        try:
            data, info = read_with_stat(path, project.relative(path), PipelineError, 1 << 34)
        except (OSError, PipelineError):
            return {}
        # its signature as read stands for its content (a change while it was read shows in
        # it), else the content is compared
        if (identity.sig is None or info is None or signature(info) != identity.sig) and (
            identity.sha256 == UNHASHED or hashlib.sha256(data).hexdigest() != identity.sha256
        ):
            return {}  # not as the last run wrote it
        datas.append(data)
    manifest = datas[0]
    before, after = manifest_frame(head, generated)
    pieces = _pieces(manifest, layout.manifest, before, after, b",\n", (b"    {", b"}"))
    if pieces is None:
        return {}
    if len(datas) > 1:
        empty, end = sitemap_frame()
        sitemap = _pieces(datas[1], layout.sitemap, empty, end, b"", (b"<url>", b"</url>\n"))
        if sitemap is None or sum(layout.urls) > URL_LIMIT:
            return {}
    else:
        sitemap = [memoryview(b"")] * len(pieces)
    built = cache.changed_sources()
    return {
        source: (entry, elements, urls)
        for source, entry, elements, urls in zip(layout.sources, pieces, sitemap, layout.urls, strict=True)
        if source not in built
    }


def _pieces(
    data: bytes,
    lengths: Sequence[int],
    before: bytes,
    after: bytes,
    separator: bytes,
    ends: tuple[bytes, bytes],
) -> list[memoryview] | None:
    """``data`` cut into the parts of ``lengths``, when it is ``before``, the parts joined
    by ``separator``, then ``after``, and each part (but an empty one) begins and ends with
    ``ends``; None when it is not."""
    total = sum(lengths) + len(separator) * (len(lengths) - 1)
    if (
        any(length < 0 for length in lengths)
        or len(data) != len(before) + total + len(after)
        or not data.startswith(before)
        or not data.endswith(after)
    ):
        return None
    if not lengths:
        return []
    step = len(separator)
    starts = list(accumulate([length + step for length in lengths[:-1]], initial=len(before)))
    first, last = ends
    if (step and not all(data.startswith(separator, start - step) for start in starts[1:])) or not all(
        data.startswith(first, start) and data.endswith(last, start, start + length)
        for start, length in zip(starts, lengths, strict=True)
        if length
    ):
        return None
    view = memoryview(data)
    return [view[start : start + length] for start, length in zip(starts, lengths, strict=True)]


def record_site_files(
    project: Project, cache: BuildCache, files: Sequence[tuple[Path, bytes | bytearray]]
) -> None:
    """Remember the site files as written, so that the next run can leave them alone: by
    their signature alone, once it can be trusted (a file written in the last moments is
    waited for, at most :data:`~pipeline.cache.RACY_NS`). They are not hashed: a site file
    whose signature changed (touched, copied, edited) is made again from the cache."""
    if not files:
        return
    recorded = cache.meta.setdefault("site", {}).setdefault("files", {})
    for path, data in files:
        info = os.stat(path)
        wait = info.st_mtime_ns + RACY_NS - time.time_ns()
        if 0 < wait <= RACY_NS:
            time.sleep(wait / 1e9)
            info = os.stat(path)
        if info.st_size == len(data) and time.time_ns() - info.st_mtime_ns >= RACY_NS:
            identity = FileIdentity(UNHASHED, signature(info))
        else:
            identity = FileIdentity.of(data, None)
        recorded[project.relative(path)] = identity.to_json()
    cache.changed = True


def tidy_assets(project: Project, cache: BuildCache, sources: Sequence[str]) -> list[Path]:
    """Remove the assets no article uses any more (an image that changed has a new name)."""
    wanted = set(sources)
    keep = set()
    for source, images in cache.images().items():
        if source in wanted:
            try:
                keep.update(json.loads(images))
            except (ValueError, TypeError):
                raise CacheDamaged(source) from None
    return prune_assets(project.output_dir / ASSETS, keep)
