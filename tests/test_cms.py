"""What a CMS imports, end to end: body fragments, manifest v2, absolute addresses, the
sitemap, the feeds, images, the notice, and a build that stays incremental."""

from __future__ import annotations

import json
import re
import shutil
import struct
import unicodedata
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import html5lib
import jsonschema
import polib
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from pipeline.feeds import newest
from pipeline.manifest import schema
from tests.conftest import REPO, run_cli
from tests.helpers import po_file

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "https://news.example.org/"
ARTICLE = """---
title: Customs agents tighten checks at the port of Manzanillo
slug: port-security
lang: en
date: 2026-02-10
updated: 2026-02-12T09:30:00-06:00
author: Puente Newsroom
tags: [Security, Ports]
categories: [Economy]
image:
  src: images/manzanillo.png
  alt: Containers stacked at the port of Manzanillo
---

# Customs agents tighten checks at the port of Manzanillo

Customs agents inspected more containers this week, officials said.

## What changed

![A scanner at the container terminal](images/scanner.png)

Agents now scan every container that arrives from Asia. See [what changed](#what-changed).

![A chart that is not there](images/missing.png)
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour (what a camera would give, only smaller)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_project(root: Path, base_url: str | None = BASE) -> Path:
    root.mkdir(parents=True)
    for name in ("sources", "glossary"):
        shutil.copytree(REPO / name, root / name)
    (root / "sources" / "port-security.md").write_text(ARTICLE, "utf-8")
    images = root / "sources" / "images"
    images.mkdir()
    (images / "manzanillo.png").write_bytes(png(64, 36, (30, 90, 160)))
    (images / "scanner.png").write_bytes(png(48, 32, (200, 120, 40)))
    if base_url is not None:
        (root / "puente.toml").write_text(f'[site]\nbase_url = "{base_url}"\nname = "Puente News"\n', "utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("cms") / "site")
    result = run_cli("build", "--root", root)
    assert result.exit_code == 0, result.stderr
    return root


def manifest(root: Path) -> dict:
    return json.loads((root / "build" / "manifest.json").read_text("utf-8"))


def page(root: Path, lang: str, slug: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring((root / "build" / lang / f"{slug}.html").read_bytes())


SLUGS = ["cartel-crackdown-results", "juntos-contra-el-narco-balance", "port-security"]


def test_fragments_hold_only_the_body(site: Path) -> None:
    for slug in SLUGS:
        for lang in ("en", "es"):
            path = site / "build" / lang / f"{slug}.body.html"
            text = path.read_text("utf-8")
            parser = html5lib.HTMLParser(strict=True)
            parser.parseFragment(text)
            assert not parser.errors
            fragment = lxml_html.fragment_fromstring(text, create_parent="div")
            assert fragment.find(".//h1") is None and fragment.find(".//head") is None
            assert not fragment.find_class("byline") and not fragment.find_class("toc")
            assert not fragment.find_class("translation-notice")
            assert "<html" not in text and "<!DOCTYPE" not in text
            # every paragraph of the page's article is in the fragment, in order
            article = page(site, lang, slug).find(".//article")
            paragraphs = [p.text_content() for p in article.iter("p") if p.get("class") != "byline"]
            assert [p.text_content() for p in fragment.iter("p")] == paragraphs


def test_spanish_heading_ids_are_spanish_slugs(site: Path) -> None:
    fragment = lxml_html.fragment_fromstring(
        (site / "build" / "es" / "port-security.body.html").read_text("utf-8"), create_parent="div"
    )
    heading = fragment.find(".//h2")
    words = unicodedata.normalize("NFKD", heading.text_content()).encode("ascii", "ignore").decode().lower()
    assert heading.get("id") == "-".join(re.findall(r"[a-z0-9]+", words)) != "what-changed"
    # the in-page link of the source follows the heading
    assert fragment.xpath(".//a[starts-with(@href, '#')]/@href") == ["#" + heading.get("id")]
    # the Spanish page's table of contents links the Spanish ids, the English page's the English ones
    seed = page(site, "es", "cartel-crackdown-results")
    toc = [a.get("href")[1:] for a in seed.iterfind(".//nav[@class='toc']//a")]
    assert toc == [
        h.get("id") for h in seed.iterfind(".//article/*") if h.tag in ("h2", "h3") and h.get("id")
    ]
    assert "key-facts-at-a-glance" not in toc and len(set(toc)) == len(toc) == 15
    english = page(site, "en", "cartel-crackdown-results")
    assert "key-facts-at-a-glance" in [a.get("href")[1:] for a in english.iterfind(".//nav[@class='toc']//a")]


def test_manifest_v2_validates_with_formats_and_the_project_languages(site: Path) -> None:
    data = manifest(site)
    validator = jsonschema.Draft202012Validator(
        schema(["en", "es"]), format_checker=jsonschema.FormatChecker()
    )
    assert not list(validator.iter_errors(data))
    assert data["schema_version"] == 2 and data["site"]["base_url"] == BASE
    article = next(a for a in data["articles"] if a["slug"] == "port-security")
    assert article["tags"] == ["Security", "Ports"] and article["categories"] == ["Economy"]
    assert article["updated"] == "2026-02-12T09:30:00-06:00" and article["date"] == "2026-02-10"
    en, es = article["languages"]["en"], article["languages"]["es"]
    assert en["body"] == "en/port-security.body.html" and es["url"] == f"{BASE}es/port-security.html"
    assert en["excerpt"] == "Customs agents inspected more containers this week, officials said."
    assert es["excerpt"] and es["excerpt"] != en["excerpt"]
    assert len(es["tags"]) == 2 and es["tags"] != en["tags"]
    assert es["image"]["alt"] != en["image"]["alt"] and es["image"]["path"] == en["image"]["path"]
    assert [image["source"] for image in en["images"]] == [
        "sources/images/manzanillo.png",
        "sources/images/scanner.png",
    ]
    # one id for the translation group, different for every article, the same next build
    ids = [a["id"] for a in data["articles"]]
    assert len(set(ids)) == 3


def test_a_manifest_with_an_unknown_language_or_key_is_refused(site: Path) -> None:
    data = manifest(site)
    checker = jsonschema.FormatChecker()
    bad = json.loads(json.dumps(data))
    bad["articles"][0]["languages"]["fr"] = bad["articles"][0]["languages"]["en"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema(["en", "es"]), format_checker=checker)
    bad = json.loads(json.dumps(data))
    bad["articles"][0]["date"] = "16/01/2026"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema(), format_checker=checker)
    bad = json.loads(json.dumps(data))
    bad["articles"][0]["languages"]["en"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema(), format_checker=checker)


def test_tags_are_translated_through_the_catalog(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    catalog = polib.pofile(str(po_file(root, "port-security", "es")), wrapwidth=0)
    tags = {entry.msgid: entry for entry in catalog if entry.msgctxt == "tag"}
    assert set(tags) == {"Security", "Ports"}
    assert "fuzzy" in tags["Security"].flags  # a machine draft until a translator reviews it
    tags["Security"].msgstr, tags["Security"].flags = "Seguridad pública", []
    catalog.save()
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    es = next(a for a in manifest(root)["articles"] if a["slug"] == "port-security")["languages"]["es"]
    assert es["tags"][0] == "Seguridad pública"
    assert "Seguridad pública" in page(root, "es", "port-security").find(".//meta[@name='keywords']").get(
        "content"
    )


def test_absolute_canonical_alternates_and_x_default(site: Path) -> None:
    for slug in SLUGS:
        source_lang = next(a["source_lang"] for a in manifest(site)["articles"] if a["slug"] == slug)
        for lang in ("en", "es"):
            head = page(site, lang, slug)
            assert head.find(".//link[@rel='canonical']").get("href") == f"{BASE}{lang}/{slug}.html"
            links = {
                link.get("hreflang"): link.get("href") for link in head.iterfind(".//link[@rel='alternate']")
            }
            assert links == {
                "en": f"{BASE}en/{slug}.html",
                "es": f"{BASE}es/{slug}.html",
                "x-default": f"{BASE}{source_lang}/{slug}.html",
            }
            switch = head.find(".//nav[@class='language-switch']/a")
            other = "es" if lang == "en" else "en"
            assert (switch.get("hreflang"), switch.get("href")) == (other, f"{BASE}{other}/{slug}.html")


def test_sitemap_validates_and_lists_every_page_with_alternates(site: Path) -> None:
    schema_doc = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-hreflang.xsd")))
    sitemap = etree.parse(str(site / "build" / "sitemap.xml"))
    schema_doc.assertValid(sitemap)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = sorted(sitemap.xpath("//s:loc/text()", namespaces=ns))
    assert locs == sorted(f"{BASE}{lang}/{slug}.html" for slug in SLUGS for lang in ("en", "es"))
    for url in sitemap.xpath("//s:url", namespaces=ns):
        alternates = {link.get("hreflang"): link.get("href") for link in url.xpath("x:link", namespaces=ns)}
        assert set(alternates) == {"en", "es", "x-default"}
        assert url.findtext("s:loc", namespaces=ns) in alternates.values()
    lastmods = sitemap.xpath(f"//s:url[s:loc='{BASE}en/port-security.html']/s:lastmod/text()", namespaces=ns)
    assert lastmods == ["2026-02-12T09:30:00-06:00"]


def test_a_broken_sitemap_fails_the_schema() -> None:
    """The schema check can fail: an alternate without hreflang, a relative loc."""
    schema_doc = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-hreflang.xsd")))
    for body in (
        '<url><loc>https://x.org/a.html</loc><xhtml:link rel="alternate" href="https://x.org/b"/></url>',
        "<url><loc>a.html</loc></url>",
    ):
        doc = etree.fromstring(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:xhtml="http://www.w3.org/1999/xhtml">{body}</urlset>'
        )
        assert not schema_doc.validate(doc)


def test_feeds_parse_with_one_entry_per_page_newest_first(site: Path) -> None:
    for lang in ("en", "es"):
        feed = feedparser.parse((site / "build" / lang / "feed.xml").read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.feed.title == ("Puente News (English)" if lang == "en" else "Puente News (español)")
        links = [entry.link for entry in feed.entries]
        assert sorted(links) == sorted(f"{BASE}{lang}/{slug}.html" for slug in SLUGS)
        assert links[0] == f"{BASE}{lang}/port-security.html"  # updated 2026-02-12: the newest
        times = [entry.updated_parsed for entry in feed.entries]
        assert times == sorted(times, reverse=True)
        assert len({entry.id for entry in feed.entries}) == 3
        port = feed.entries[0]
        assert len(port.tags) == 3 and port.summary and "<h2" in port.content[0].value
        assert port.author == "Puente Newsroom"


def test_images_are_copied_under_hashed_names_and_their_src_resolves(site: Path) -> None:
    data = manifest(site)
    en = next(a for a in data["articles"] if a["slug"] == "port-security")["languages"]["en"]
    for image in en["images"]:
        copied = site / "build" / image["path"]
        original = site / image["source"]
        assert copied.read_bytes() == original.read_bytes()
        assert image["path"].startswith("assets/") and image["sha256"][:16] in image["path"]
        assert image["url"] == BASE + image["path"] and image["media_type"] == "image/png"
    for lang in ("en", "es"):
        root = page(site, lang, "port-security")
        sources = [img.get("src") for img in root.iter("img")]
        local = [src for src in sources if src.startswith(BASE)]
        assert len(local) == 2  # featured and scanner; the missing one keeps its address
        for src in local:
            assert (site / "build" / urlsplit(src).path.lstrip("/")).is_file()
        assert "images/missing.png" in sources
        featured = root.find(".//figure[@class='featured-image']/img")
        assert featured.get("alt") == (en["image"]["alt"] if lang == "en" else featured.get("alt"))


def test_without_a_base_url_everything_is_relative_and_resolves(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", base_url=None)
    result = run_cli("build", "--root", root)
    assert result.exit_code == 0
    assert not (root / "build" / "sitemap.xml").exists()
    built = page(root, "es", "port-security")
    assert built.find(".//link[@rel='canonical']") is None
    assert {link.get("hreflang") for link in built.iterfind(".//link[@rel='alternate']")} == {"en", "es"}
    folder = root / "build" / "es"
    for src in (img.get("src") for img in built.iter("img")):
        if src.startswith("../assets/"):
            assert (folder / src).resolve().is_file()
    data = manifest(root)
    jsonschema.validate(data, schema(), format_checker=jsonschema.FormatChecker())
    port = next(a for a in data["articles"] if a["slug"] == "port-security")
    assert port["languages"]["en"]["url"] == "en/port-security.html"
    feed = feedparser.parse((root / "build" / "en" / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 3


def test_a_missing_image_is_a_warning_with_its_line_not_a_failure(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    for _ in range(2):  # and again from the cache, until it is fixed
        result = run_cli("build", "--root", root)
        assert result.exit_code == 0
        assert "sources/port-security.md:25: image: image not found: images/missing.png" in result.stderr
    (root / "sources" / "images" / "missing.png").write_bytes(png(8, 8, (0, 0, 0)))
    result = run_cli("build", "--root", root)
    assert "2 rebuilt" not in result.stdout and "(1 rebuilt)" in result.stdout  # the new image is seen
    assert "missing.png" not in result.stderr
    assert any("missing" in p.name for p in (root / "build" / "assets").iterdir())


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("../../../../../../etc/passwd", "image outside the project"),
        ("../puente.toml", "not a PNG, JPEG, GIF, WebP or AVIF image"),
        ("images/evil.svg", "not a PNG, JPEG, GIF, WebP or AVIF image"),
    ],
)
def test_hostile_image_references_publish_nothing(tmp_path: Path, src: str, message: str) -> None:
    root = make_project(tmp_path / "p")
    (root / "sources" / "images" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (root / "sources" / "port-security.md").write_text(ARTICLE.replace("images/missing.png", src), "utf-8")
    result = run_cli("build", "--root", root)
    assert result.exit_code == 0
    assert message in result.stderr
    assert sorted(p.suffix for p in (root / "build" / "assets").iterdir()) == [".png", ".png"]


def test_machine_pages_show_the_notice_and_reviewed_ones_do_not(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    machine = page(root, "en", "juntos-contra-el-narco-balance")
    notice = machine.find_class("translation-notice")
    assert len(notice) == 1 and "Spanish original" in notice[0].text_content()
    assert notice[0].find(".//a").get("hreflang") == "es"
    assert not page(root, "es", "juntos-contra-el-narco-balance").find_class("translation-notice")
    catalog = polib.pofile(str(po_file(root, "juntos-contra-el-narco-balance", "en")), wrapwidth=0)
    for entry in catalog:
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    catalog.save()
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    reviewed = page(root, "en", "juntos-contra-el-narco-balance")
    assert reviewed.find(".//meta[@name='translation-state']").get("content") == "reviewed"
    assert not reviewed.find_class("translation-notice")


def test_the_notice_can_be_reworded_or_switched_off(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "puente.toml").write_text('[site.notice]\nen = "Machine translation of the {language} text."\n')
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    notice = page(root, "en", "juntos-contra-el-narco-balance").find_class("translation-notice")[0]
    assert notice.text_content().strip().startswith("Machine translation of the Spanish text.")
    (root / "puente.toml").write_text("[site.notice]\nshow = false\n")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    assert not page(root, "en", "juntos-contra-el-narco-balance").find_class("translation-notice")


def snapshot(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_a_one_article_change_rewrites_only_its_files_and_the_site_files(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    before = snapshot(root)
    assert run_cli("build", "--root", root, "--quiet").exit_code == 0
    again = snapshot(root)
    assert {name for name in again if before.get(name) != again[name]} <= {
        ".puente/build.lock",
        ".puente/build-cache.sqlite",
    }
    source = root / "sources" / "juntos-contra-el-narco-balance.html"
    source.write_text(source.read_text("utf-8").replace("Próximos pasos", "Los próximos pasos"), "utf-8")
    result = run_cli("build", "--root", root)
    assert "(1 rebuilt)" in result.stdout
    after = snapshot(root)
    changed = {name for name in after if before.get(name) != after[name]}
    slug = "juntos-contra-el-narco-balance"
    allowed = {
        f"sources/{slug}.html",
        f"locales/templates/{slug}.pot",
        f"locales/en/LC_MESSAGES/{slug}.po",
        f"build/es/{slug}.html",
        f"build/es/{slug}.body.html",
        f"build/en/{slug}.html",
        f"build/en/{slug}.body.html",
        "build/manifest.json",
        "build/sitemap.xml",
        "build/en/feed.xml",
        "build/es/feed.xml",
        ".puente/build-cache.sqlite",
        ".puente/build.lock",
        ".puente/memory.sqlite",
    }
    assert changed <= allowed, changed - allowed
    assert {"build/manifest.json", f"build/es/{slug}.body.html", "build/es/feed.xml"} <= changed


FEED_TIMES = st.sampled_from(
    ["", "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"]
)


@given(
    times=st.lists(st.dictionaries(st.sampled_from(["en", "es"]), FEED_TIMES, max_size=2), max_size=30),
    limit=st.integers(0, 35),
)
def test_a_feed_limited_to_n_pages_lists_the_first_n_of_every_page_in_order(
    times: list[dict[str, str]], limit: int
) -> None:
    # many pages share a time: ties go by slug, then as listed, whatever the limit
    keys = [(f"sources/{number}.md", f"slug-{number % 7}", found) for number, found in enumerate(times)]
    keys.sort(key=lambda key: key[1])
    every = newest(keys, "en", "2026-06-01T00:00:00Z", 0)
    first = every[:limit] if limit else every
    assert newest(keys, "en", "2026-06-01T00:00:00Z", limit) == first
    assert sorted(every) == sorted(ident for ident, _, found in keys if "en" in found)
