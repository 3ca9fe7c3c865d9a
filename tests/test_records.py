"""pipeline.records.replace makes the same copies as dataclasses.replace."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import Block, Location, Placeholder, Unit
from pipeline.po.model import Entry, Origin
from pipeline.records import replace

texts = st.text(max_size=20)


@given(
    msgid=texts,
    msgstr=texts,
    line=st.integers(0, 10_000),
    fuzzy=st.booleans(),
    flags=st.lists(texts, max_size=3).map(tuple),
    origin=st.none() | st.builds(Origin, st.sampled_from(["engine", "memory"]), texts),
)
def test_entry_copies_match_dataclasses_replace(
    msgid: str, msgstr: str, line: int, fuzzy: bool, flags: tuple[str, ...], origin: Origin | None
) -> None:
    entry = Entry("source", "target", "paragraph", notes=("a note",), origin=Origin("engine", "apertium"))
    changes = {
        "msgid": msgid,
        "msgstr": msgstr,
        "line": line,
        "fuzzy": fuzzy,
        "flags": flags,
        "origin": origin,
    }
    for name, value in changes.items():
        assert replace(entry, **{name: value}) == dataclasses.replace(entry, **{name: value})  # type: ignore[arg-type]
    assert replace(entry, **changes) == dataclasses.replace(entry, **changes)  # type: ignore[arg-type]
    assert entry.replace(**changes) == dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def test_other_records_and_the_original_is_untouched() -> None:
    where = Location("sources/a.md", 3)
    unit = Unit("Hello.", "paragraph", "paragraph", where, 0, 0)
    assert replace(unit, notes=("x",)) == dataclasses.replace(unit, notes=("x",))
    assert unit.notes == ()
    block = Block("p", "paragraph", "Hi {1}there{/1}.", where, placeholders=(Placeholder(1, "paired", "em"),))
    assert replace(block, text="Hola.") == dataclasses.replace(block, text="Hola.")
    assert replace(where) == where and replace(where) is not where


def test_unknown_field_and_non_dataclass_are_refused() -> None:
    with pytest.raises(TypeError, match="no field 'nope'"):
        replace(Location("a", 1), nope=2)
    with pytest.raises(TypeError):
        replace(object())


@dataclasses.dataclass(frozen=True)
class _Checked:
    value: int
    doubled: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "doubled", self.value * 2)


def test_a_class_it_does_not_cover_goes_through_dataclasses_replace() -> None:
    assert replace(_Checked(2), value=5).doubled == 10
