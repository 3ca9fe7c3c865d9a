"""Spreading per-article work over processes (the machine's cores) when it pays."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 40
"""Below this many articles, starting worker processes costs more than it saves."""


def tune_gc() -> None:
    """Collect garbage less often: a run allocates millions of small objects that live as
    long as their article, and the default thresholds spend a third of the time
    re-scanning them. Called by the command line and in every worker."""
    gc.set_threshold(100_000, 50, 100)


class WorkerError(PipelineError):
    """A worker process died before it finished its work (killed by a signal, out of memory)."""


class RemoteTraceback(Exception):
    """Where in a worker an unexpected exception was raised (attached as its cause)."""

    def __str__(self) -> str:
        return str(self.args[0])


Outcome = tuple[bool, object, str]
"""``(True, result, "")`` or ``(False, exception, traceback text)``."""


class _Guarded(Generic[T, R]):
    """``function`` over a chunk of items, each item's exception returned instead of
    raised, so that one failed item does not hide the results (and staged files) of the
    others."""

    def __init__(self, function: Callable[[T], R]) -> None:
        self.function = function

    def __call__(self, chunk: Sequence[T]) -> list[Outcome]:
        return [self.one(item) for item in chunk]

    def one(self, item: T) -> Outcome:
        try:
            return True, self.function(item), ""
        except Exception as exc:
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # it could not travel back: its type and message still do
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            return False, exc, traceback.format_exc()


def parallel_map(
    function: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    progress: Callable[[int], None] | None = None,
    discard: Callable[[list[R]], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, on ``jobs`` processes for long lists.

    Results come back in order, ``progress(1)`` is called as each arrives. When an item
    fails, or the run is interrupted, ``discard`` is called once with every result made
    (so that what the workers staged is not left behind) and the exception is raised.

    Workers are forked (on Linux): they start at once with everything the main process
    has loaded (the glossary, the configuration). They do not hold the build lock (see
    :func:`pipeline.build.build_lock`), ignore Ctrl-C (the main process stops them and
    cleans up after them) and die with the main process, so a killed build leaves
    neither the lock taken nor workers behind.
    """
    if jobs < 2 or len(items) < MIN_ITEMS:
        done: list[R] = []
        try:
            for item in items:
                done.append(function(item))
                if progress is not None:
                    progress(1)
        except BaseException:
            _discard_all(done, discard)
            raise
        return done
    # small chunks: the last one a worker takes is the time the other may stand idle at the end
    size = max(1, min(20, len(items) // (jobs * 8)))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    # imported here: a run with nothing to process in parallel starts without them
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if _CAN_FOLLOW_PARENT else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )
    guarded = _Guarded(function)
    futures: list[Future[list[Outcome]]] = []
    outcomes: list[Outcome] = []
    try:
        futures += (pool.submit(guarded, chunk) for chunk in chunks)
        for future in futures:
            for outcome in future.result():
                outcomes.append(outcome)
                if progress is not None:
                    progress(1)
    except BaseException as exc:
        # interrupted, or the pool broke: let running chunks finish, drop the others, and
        # discard everything made (including chunks finished but not yet read)
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:  # even when a second Ctrl-C cuts the wait short
            made: list[R] = [
                cast("R", value)
                for future in futures
                if future.done() and not future.cancelled() and future.exception() is None
                for ok, value, _ in future.result()
                if ok
            ]
            _discard_all(made, discard)
        if isinstance(exc, BrokenProcessPool):  # a worker was killed (out of memory?) or crashed
            raise WorkerError(
                "puente",
                None,
                "a worker process stopped abruptly (killed, or out of memory): nothing was written",
            ) from None
        raise
    pool.shutdown(wait=True)
    failures = [(value, where) for ok, value, where in outcomes if not ok]
    results: list[R] = [cast("R", value) for ok, value, _ in outcomes if ok]
    if failures:
        _discard_all(results, discard)
        failure, where = failures[0]
        assert isinstance(failure, Exception)
        failure.__cause__ = RemoteTraceback(where)
        raise failure
    return results


_CAN_FOLLOW_PARENT = sys.platform.startswith("linux")
PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """In each worker: ignore Ctrl-C (the main process stops the pool, so that what the
    worker staged is discarded, not dropped halfway), ask the kernel to kill it when the
    main process dies (a forked worker shares the pool's pipes, so it would otherwise wait
    for work forever after a killed build), then collect garbage less often."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _CAN_FOLLOW_PARENT:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the main process died before the request was made
            os._exit(1)
    tune_gc()


def _discard_all(results: list[R], discard: Callable[[list[R]], None] | None) -> None:
    if discard is not None and results:
        with contextlib.suppress(OSError):  # never hide the error being raised
            discard(results)


def fork_safe_fd(fd: int) -> None:
    """Make forked children give up their copy of ``fd`` (an open file holding a lock):
    the child's descriptor is pointed at ``/dev/null``, the parent's is untouched."""
    _PARENT_ONLY.add(fd)


def release_fd(fd: int) -> None:
    _PARENT_ONLY.discard(fd)


_PARENT_ONLY: set[int] = set()


def _drop_parent_only_fds() -> None:
    if not _PARENT_ONLY:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        for fd in _PARENT_ONLY:
            os.dup2(null, fd)
    finally:
        os.close(null)
    _PARENT_ONLY.clear()


os.register_at_fork(after_in_child=_drop_parent_only_fds)
