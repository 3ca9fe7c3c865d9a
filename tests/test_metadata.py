"""The metadata a CMS imports: tags, categories, featured image, updated date and id, from
Markdown front matter and HTML ``<meta>``; tags and categories become translation units."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.assemble import replace_texts
from pipeline.errors import SourceError
from pipeline.segment import document_units
from pipeline.sources import load_document

FRONT = """---
title: Port security
lang: en
date: 2026-01-16
updated: 2026-01-18 10:30:00
tags: [Security, Mexico, Security, "  Ports  "]
categories: Politics, World
image:
  src: images/port.png
  alt: Containers at the port of Manzanillo
id: port-security-2026
---

# Port security

Customs agents inspected the containers.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_front_matter_metadata(tmp_path: Path) -> None:
    meta = load_document(write(tmp_path, "a.md", FRONT), tmp_path).meta
    assert meta.tags == ("Security", "Mexico", "Ports")  # collapsed, repeats dropped
    assert meta.categories == ("Politics", "World")
    assert (meta.image, meta.image_alt) == ("images/port.png", "Containers at the port of Manzanillo")
    assert meta.updated == "2026-01-18T10:30:00"
    assert meta.id == "port-security-2026"
    assert (meta.line("tags"), meta.line("categories"), meta.line("image")) == (6, 7, 8)


def test_image_as_a_path_with_a_separate_description(tmp_path: Path) -> None:
    text = FRONT.replace(
        "image:\n  src: images/port.png\n  alt: Containers at the port of Manzanillo\n",
        "image: images/port.png\nimage_alt: The port\n",
    )
    meta = load_document(write(tmp_path, "a.md", text), tmp_path).meta
    assert (meta.image, meta.image_alt) == ("images/port.png", "The port")


def test_html_meta_names_and_open_graph(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html lang="es"><head><title>Puertos</title>
<meta property="article:tag" content="Seguridad">
<meta property="article:tag" content="Aduanas">
<meta name="categories" content="Política, Mundo">
<meta property="og:image" content="img/puerto.jpg">
<meta property="og:image:alt" content="Contenedores en Manzanillo">
<meta property="article:modified_time" content="2026-02-04T08:00:00-06:00">
<meta name="id" content="nota-42">
</head><body><p>Texto.</p></body></html>"""
    meta = load_document(write(tmp_path, "b.html", html), tmp_path).meta
    assert meta.tags == ("Seguridad", "Aduanas")
    assert meta.categories == ("Política", "Mundo")
    assert (meta.image, meta.image_alt) == ("img/puerto.jpg", "Contenedores en Manzanillo")
    assert meta.updated == "2026-02-04T08:00:00-06:00"
    assert meta.id == "nota-42"
    assert meta.line("tags") == 2


def test_html_meta_name_wins_over_open_graph(tmp_path: Path) -> None:
    html = """<html lang="es"><head><title>T</title>
<meta name="tags" content="Uno, Dos">
<meta property="article:tag" content="Tres">
</head><body><p>Texto.</p></body></html>"""
    assert load_document(write(tmp_path, "b.html", html), tmp_path).meta.tags == ("Uno", "Dos")


def test_tags_categories_and_featured_image_are_units_with_their_own_context(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "a.md", FRONT), tmp_path)
    units = [(unit.msgctxt, unit.text, unit.location.line) for unit in document_units(document)]
    assert units[:7] == [
        ("title", "Port security", 2),
        ("featured image description", "Containers at the port of Manzanillo", 8),
        ("tag", "Security", 6),
        ("tag", "Mexico", 6),
        ("tag", "Ports", 6),
        ("category", "Politics", 7),
        ("category", "World", 7),
    ]


def test_a_long_tag_with_sentence_punctuation_stays_one_unit(tmp_path: Path) -> None:
    text = FRONT.replace('tags: [Security, Mexico, Security, "  Ports  "]', 'tags: ["U.S. Aid. The Border"]')
    document = load_document(write(tmp_path, "a.md", text), tmp_path)
    assert [u.text for u in document_units(document) if u.msgctxt == "tag"] == ["U.S. Aid. The Border"]


def test_translated_metadata_replaces_the_source_metadata(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "a.md", FRONT), tmp_path)
    texts = [block.text for block in document.blocks()]
    texts[1:7] = ["Contenedores", "Seguridad", "México", "Seguridad", "Política", "Mundo"]
    translated = replace_texts(document, texts, "es").meta
    assert translated.image_alt == "Contenedores"
    assert translated.tags == ("Seguridad", "México")  # two tags with one translation: one tag
    assert translated.categories == ("Política", "Mundo")
    assert translated.image == "images/port.png"


@pytest.mark.parametrize(
    ("replace", "by", "line", "message"),
    [
        (
            'tags: [Security, Mexico, Security, "  Ports  "]',
            "tags: {a: 1}",
            6,
            "'tags' must be a list of words",
        ),
        ('tags: [Security, Mexico, Security, "  Ports  "]', f"tags: [{'x' * 101}]", 6, "longer than 100"),
        ('tags: [Security, Mexico, Security, "  Ports  "]', "tags: ['{1} x']", 6, "looks like a placeholder"),
        ("updated: 2026-01-18 10:30:00", "updated: yesterday", 5, "invalid updated 'yesterday'"),
        ("id: port-security-2026", "id: ../../etc", 11, "unsafe id"),
        ("image:\n  src: images/port.png", "image:\n  href: images/port.png", 8, "'image' must be a path"),
    ],
)
def test_bad_metadata_is_one_line_naming_the_key(
    tmp_path: Path, replace: str, by: str, line: int, message: str
) -> None:
    path = write(tmp_path, "a.md", FRONT.replace(replace, by))
    with pytest.raises(SourceError) as caught:
        load_document(path, tmp_path)
    assert str(caught.value).startswith(f"sources/a.md:{line}: ")
    assert message in str(caught.value)
