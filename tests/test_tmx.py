"""TMX exchange: round trip with placeholders, structure, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.tmx import TmxError, read_tmx, write_tmx
from tests.conftest import run_cli

PAIRS = [
    (
        "en",
        "es",
        "{1}Arrests:{/1} Over 12,300 detained{2/}.",
        "{1}Detenciones:{/1} Más de 12.300 detenidos{2/}.",
    ),
    ("es", "en", "La {1}SSPC{/1} anunció <algo> & más.", "The {1}SSPC{/1} announced <something> & more."),
]


def test_round_trip_keeps_text_and_placeholders() -> None:
    assert read_tmx(write_tmx(PAIRS), "x.tmx") == PAIRS


def test_structure_is_tmx_1_4() -> None:
    root = etree.fromstring(write_tmx(PAIRS))
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header is not None
    assert {
        k: header.get(k) for k in ("creationtool", "datatype", "segtype", "adminlang", "srclang", "o-tmf")
    } == {
        "creationtool": "Puente",
        "datatype": "plaintext",
        "segtype": "sentence",
        "adminlang": "en",
        "srclang": "en",
        "o-tmf": "Puente",
    }
    first = root.find("body/tu")
    assert first is not None
    langs = [tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in first.findall("tuv")]
    assert langs == ["en", "es"]
    seg = first.find("tuv/seg")
    assert seg is not None
    assert [(c.tag, c.text) for c in seg] == [("bpt", "{1}"), ("ept", "{/1}"), ("ph", "{2/}")]


def test_hostile_and_malformed_tmx() -> None:
    with pytest.raises(TmxError, match=r"x\.tmx:2: DOCTYPE and entity declarations are not allowed"):
        read_tmx(
            b'<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY e SYSTEM "file:///etc/passwd">]><tmx/>', "x.tmx"
        )
    with pytest.raises(TmxError, match=r"x\.tmx:1: malformed XML"):
        read_tmx(b"<tmx><body>", "x.tmx")


def test_memory_commands_round_trip(project: Path, tmp_path: Path) -> None:
    tmx = tmp_path / "in.tmx"
    tmx.write_bytes(write_tmx(PAIRS))
    result = run_cli("memory", "import", tmx, "--root", project)
    assert result.exit_code == 0 and result.stdout == "2 translation units read, 2 new\n"
    out = tmp_path / "out.tmx"
    assert run_cli("memory", "export", out, "--root", project).exit_code == 0
    assert sorted(read_tmx(out.read_bytes(), "out.tmx")) == sorted(PAIRS)
