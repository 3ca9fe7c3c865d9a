"""Apertium, the offline engine (``eng-spa`` and ``spa-eng``).

Units are sent in batches, one ``apertium`` process per batch and direction
(start-up costs about 0.15 s a call), separated by blank lines, which
Apertium's text mode keeps as paragraph boundaries; the output is checked to
have exactly as many units as the input, so a unit can never take a
neighbour's words. Large batches are split in two and run on two cores.

English drafts follow the project's English locale: for ``en_US`` (the
default) the pair's American English generator (mode ``spa-eng_US``:
"defense", "recognized", "center") is used where it is installed.

Apertium is run without ``-u``: it marks unknown words with ``*``, missing
dictionary entries with ``@`` and generation failures with ``#``. The marked
words are collected (the PO comment lists them for the translator) and the
marks are stripped from the draft; a mark is only stripped where the source
does not itself contain that text ("#1" in the source stays "#1").
"""

from __future__ import annotations

import functools
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from pipeline.errors import EngineError
from pipeline.mt.base import BatchResult
from pipeline.text import strip_controls

PAIRS = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
_MARKED = re.compile(r"(?<![\w*@#])([*@#])(\w[\w'’-]*)")
_BLANK = re.compile(r"\n[ \t]*\n")
PARALLEL_CHARS = 200_000
"""Batches larger than this are split over two processes."""
LIST_TIMEOUT = 5.0
"""Seconds ``apertium -l`` may take to list the installed modes."""


class ApertiumEngine:
    """Batched Apertium; ``jobs`` processes at most run at once."""

    name = "apertium"

    def __init__(
        self,
        jobs: int = 2,
        parallel_chars: int = PARALLEL_CHARS,
        locales: Mapping[str, str] | None = None,
        **_: object,
    ) -> None:
        if shutil.which("apertium") is None:
            raise EngineError(
                "apertium",
                None,
                "Apertium not found: install apertium and apertium-eng-spa, or choose another engine "
                "with --engine",
            )
        self.jobs = max(1, jobs)
        self.parallel_chars = parallel_chars
        self.version = package_version()
        self.american = (locales or {}).get("en", "en_US").replace("-", "_") == "en_US"

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, deadline: float | None = None
    ) -> BatchResult:
        """Translate ``texts``; past ``deadline`` (a ``time.monotonic()`` value) the
        Apertium processes are stopped and :class:`EngineError` says so."""
        mode = PAIRS.get((source, target))
        if mode == "spa-eng" and self.american and "spa-eng_US" in _installed_modes():
            mode = "spa-eng_US"  # looked up only when English is drafted: a run to Spanish never asks
        if mode is None:
            raise EngineError("apertium", None, f"Apertium has no {source}-{target} pair")
        if not texts:
            return BatchResult([], [])
        clean = [_one_line(text) for text in texts]
        sent = [text for text in clean if text]
        chunks = _split(sent, self.jobs, self.parallel_chars)
        if len(chunks) == 1:
            outputs = [_run(mode, chunks[0], deadline)]
        else:
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                outputs = list(pool.map(lambda chunk: _run(mode, chunk, deadline), chunks))
        drafts = iter([line for output in outputs for line in output])
        translations: list[str | None] = []
        unknown: list[tuple[str, ...]] = []
        for original in clean:
            draft, words = strip_marks(next(drafts), original) if original else ("", ())
            translations.append(draft)
            unknown.append(words)
        return BatchResult(translations, unknown)


def _one_line(text: str) -> str:
    # a unit never spans lines; a stray newline would split it in Apertium's text mode
    return " ".join(text.split())


def _split(texts: list[str], jobs: int, parallel_chars: int) -> list[list[str]]:
    if jobs < 2 or sum(len(text) for text in texts) < parallel_chars or len(texts) < 2:
        return [texts]
    size = -(-len(texts) // jobs)
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def _run(mode: str, texts: list[str], deadline: float | None = None) -> list[str]:
    payload = "\n\n".join(texts) + "\n"
    started = time.monotonic()
    timeout = None if deadline is None else max(0.001, deadline - started)
    try:
        result = subprocess.run(
            ["apertium", "-f", "txt", mode],
            input=payload.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise EngineError(
            "apertium",
            None,
            f"apertium {mode} gave no answer in {time.monotonic() - started:.0f} s: stopped (the run's "
            "limit is [translate] timeout in puente.toml)",
        ) from None
    except OSError as exc:
        raise EngineError("apertium", None, f"cannot run apertium: {exc.strerror or exc}") from None
    if result.returncode < 0:  # a crash (SIGSEGV) or a kill (SIGKILL: out of memory?)
        raise EngineError(
            "apertium", None, f"apertium {mode} was killed by {_signal_name(-result.returncode)}"
        )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(
            "apertium", None, f"apertium {mode} failed: {message[-1] if message else 'no output'}"
        )
    try:
        output = strip_controls(result.stdout.decode("utf-8")).strip("\n")
    except UnicodeDecodeError:
        raise EngineError(
            "apertium", None, f"apertium {mode} answered with bytes that are not UTF-8"
        ) from None
    units = [unit.strip() for unit in _BLANK.split(output)] if output else []
    if len(units) != len(texts):
        raise EngineError(
            "apertium",
            None,
            f"apertium {mode} returned {len(units)} units for {len(texts)}: refusing to misalign drafts",
        )
    return units


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def strip_marks(translated: str, source: str) -> tuple[str, tuple[str, ...]]:
    """The draft without Apertium's ``*``/``@``/``#`` marks, and the marked words.

    >>> strip_marks("El *Sheinbaum gobierno en #1 y *Sonora.", "The Sheinbaum government in #1 and Sonora.")
    ('El Sheinbaum gobierno en #1 y Sonora.', ('Sheinbaum', 'Sonora'))
    """
    words: list[str] = []

    def unmark(match: re.Match[str]) -> str:
        if match.group(0) in source:
            return match.group(0)
        if match.group(2) not in words:
            words.append(match.group(2))
        return match.group(2)

    # Apertium leaves a double space where it dropped a word ("Mexico’s" → "México  ")
    return re.sub(r" {2,}", " ", _MARKED.sub(unmark, translated)), tuple(words)


@functools.cache
def _installed_modes() -> frozenset[str]:
    """The modes ``apertium -l`` lists (an empty set when it cannot say within a few seconds:
    the plain modes are used then, and a hung Apertium is stopped by the run's deadline)."""
    try:
        result = subprocess.run(
            ["apertium", "-l"], capture_output=True, text=True, check=False, timeout=LIST_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(result.stdout.split())


@functools.cache
def package_version() -> str:
    """The installed apertium-eng-spa package's version ("unknown" without dpkg)."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "apertium-eng-spa"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"
