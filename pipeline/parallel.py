"""Spreading per-article work over processes (the machine's cores) when it pays."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 40
"""Below this many articles, starting worker processes costs more than it saves."""


def tune_gc() -> None:
    """Collect garbage less often: a run allocates millions of small objects that live as
    long as their article, and the default thresholds spend a third of the time
    re-scanning them. Called by the command line and in every worker."""
    gc.set_threshold(100_000, 50, 100)


def parallel_map(
    function: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, on ``jobs`` processes for long lists.

    Results come back in order, ``progress(1)`` is called as each arrives; the first
    exception a worker raised is raised here.
    Workers are spawned, not forked: a forked worker would inherit the build lock
    and the pool's pipes, and outlive a killed build while holding the lock.
    """
    results: list[R] = []
    if jobs < 2 or len(items) < MIN_ITEMS:
        for item in items:
            results.append(function(item))
            if progress is not None:
                progress(1)
        return results
    chunk = max(1, min(50, len(items) // (jobs * 4)))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=tune_gc) as pool:
        for result in pool.map(function, items, chunksize=chunk):
            results.append(result)
            if progress is not None:
                progress(1)
    return results
