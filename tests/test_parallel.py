"""Per-article work on worker processes: one failed article never strands the others' work."""

from __future__ import annotations

import threading

import pytest

from pipeline.parallel import MIN_ITEMS, RemoteTraceback, parallel_map

ITEMS = list(range(MIN_ITEMS + 20))  # enough for worker processes
BAD = 30


def square_or_fail(item: int) -> int:
    if item == BAD:
        raise ValueError(f"item {item} is bad")
    return item * item


def fail_with_a_lock(item: int) -> int:
    if item == BAD:
        raise ValueError(threading.Lock())  # an exception that cannot be pickled
    return item


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_order(jobs: int) -> None:
    good = [item for item in ITEMS if item != BAD]
    assert parallel_map(square_or_fail, good, jobs) == [item * item for item in good]


def test_a_failure_discards_every_other_result_and_raises_the_first_error() -> None:
    discarded: list[int] = []
    with pytest.raises(ValueError, match="item 30 is bad") as raised:
        parallel_map(square_or_fail, ITEMS, 2, discard=discarded.extend)
    # the items after the bad one ran too, and everything they made was handed back
    assert sorted(discarded) == [item * item for item in ITEMS if item != BAD]
    assert isinstance(raised.value.__cause__, RemoteTraceback)
    assert "square_or_fail" in str(raised.value.__cause__)


def test_an_error_that_cannot_travel_back_still_reports_its_message() -> None:
    discarded: list[int] = []
    with pytest.raises(RuntimeError, match=r"ValueError: <unlocked _thread\.lock"):
        parallel_map(fail_with_a_lock, ITEMS, 2, discard=discarded.extend)
    assert len(discarded) == len(ITEMS) - 1


class NeedsAKeyword(Exception):
    """Pickles, but cannot be rebuilt: ``__reduce__`` passes only ``args`` back."""

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(message)
        self.line = line


def fail_with_a_keyword(item: int) -> int:
    if item == BAD:
        raise NeedsAKeyword(f"item {item} is bad", line=7)
    return item


def test_an_error_that_cannot_be_rebuilt_still_reports_its_message() -> None:
    # without the round-trip check, the pool would break and every result would be lost
    discarded: list[int] = []
    with pytest.raises(RuntimeError, match="NeedsAKeyword: item 30 is bad"):
        parallel_map(fail_with_a_keyword, ITEMS, 2, discard=discarded.extend)
    assert sorted(discarded) == [item for item in ITEMS if item != BAD]
