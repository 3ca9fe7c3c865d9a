"""A faster :func:`dataclasses.replace` for the frozen records that flow between steps.

A run copies hundreds of thousands of frozen dataclasses with one field changed (an
entry given its line, a unit given its glossary notes, a block given its translated
text). :func:`dataclasses.replace` looks up every field's declaration and passes each
value by keyword on every call; this reads all values at once (one C call) and passes
them by position, which is the same construction (the class's own ``__init__``) at a
third of the cost.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Spec = tuple[dict[str, int], Callable[[Any], Any]] | None
_SPECS: dict[type, _Spec] = {}


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the dataclass instance ``obj`` with ``changes``, as
    :func:`dataclasses.replace` makes it (``TypeError`` on a name that is not a field).

    >>> from pipeline.model import Location
    >>> replace(Location("a.md", 1), line=7)
    Location(path='a.md', line=7)
    """
    cls = type(obj)
    if cls in _SPECS:
        spec = _SPECS[cls]
    else:
        spec = _SPECS[cls] = _spec(cls)
    if spec is None:  # a class this shortcut does not cover
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    index, values_of = spec
    values = values_of(obj)
    values = list(values) if len(index) > 1 else [values]
    for name, value in changes.items():
        position = index.get(name)
        if position is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        values[position] = value
    return cls(*values)


def _spec(cls: type) -> _Spec:
    """Field positions and a getter of all values, for a dataclass whose ``__init__``
    takes every field by position and nothing else (else None)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"replace() should be called on dataclass instances, not {cls.__name__}")
    fields = dataclasses.fields(cls)
    if (
        not fields
        or any(not f.init or f.kw_only for f in fields)
        or len(fields) != len(cls.__dataclass_fields__)  # an InitVar (or a ClassVar) besides the fields
        or hasattr(cls, "__post_init__")
    ):
        return None
    names = [f.name for f in fields]
    return {name: position for position, name in enumerate(names)}, operator.attrgetter(*names)
