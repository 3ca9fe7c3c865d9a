"""Online providers through deep-translator (and the official SDK for DeepL).

deep-translator sets no HTTP timeout, sends one request per text and raises
exception types of its own or of ``requests`` depending on the failure. This
module makes it safe to run on a whole archive:

* every HTTP request goes through a :class:`DeadlineAdapter` (a requests transport
  adapter): a total deadline per request, however slowly the server drips its
  answer, and a size limit on the answer. deep-translator's provider modules reach
  it through :class:`_Transport`, which stands in for their ``requests`` module
  only while this engine translates (and keeps the last response, so a 429's
  ``Retry-After`` can be honoured); the DeepL SDK gets the adapter mounted on its
  own session;
* every unit is retried by tenacity with exponential backoff and jitter on 429,
  5xx, timeouts, dropped connections and malformed answers, at most ``retries``
  times, then reported as failed (the batch goes on); a ``Retry-After`` longer
  than the time left is not waited for;
* a run has a deadline (``[translate] timeout`` in ``puente.toml``): past it, or
  when the server stops answering altogether (every request of a row failing to
  connect or answer), the engine stops the run with :class:`EngineError` naming the
  provider and how long it tried;
* requests run on a bounded thread pool (``concurrency``) behind a rate limit;
* failures become one message per unit that names the reason and never the URL
  or the key. The LibreTranslate key travels in the request body, not in the URL
  (where proxies and server logs would keep it).

Keys and endpoints come from the environment only: ``PUENTE_LIBRETRANSLATE_URL``,
``PUENTE_LIBRETRANSLATE_KEY``, ``PUENTE_MICROSOFT_KEY``, ``PUENTE_MICROSOFT_REGION``,
``PUENTE_DEEPL_KEY``, ``PUENTE_DEEPL_URL`` and ``PUENTE_MYMEMORY_EMAIL``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipeline.errors import EngineError
from pipeline.mt.base import PROVIDERS, BatchResult
from pipeline.text import strip_controls

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
ANSWER_LIMIT = 10 * 1024 * 1024
"""The largest answer read from a provider (a unit's translation is a few hundred bytes)."""
OUTAGE = 8
"""Requests failing in a row to connect or answer after which a provider is taken to be down."""


class _Deadline(threading.local):
    """Per thread: when the current request must be over, and the last response."""

    deadline: float = float("inf")
    timeout: float = 30.0
    response: requests.Response | None = None


_LOCAL = _Deadline()


class DeadlineAdapter(HTTPAdapter):
    """A transport adapter whose requests end by a deadline, whole answers included
    (a server that drips one byte a second cannot hold a request past it), and whose
    answers may not exceed :data:`ANSWER_LIMIT`."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        started = time.monotonic()
        ends = min(_LOCAL.deadline, started + _LOCAL.timeout)
        left = ends - started
        if left <= 0:
            raise requests.exceptions.Timeout("no time left for this request")
        kwargs["timeout"] = (left, left)
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        body = bytearray()
        try:
            # read1: whatever has arrived, so that each slow byte is a chance to give up
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                body += chunk
                if len(body) > ANSWER_LIMIT:
                    raise ValueError(f"answer larger than {ANSWER_LIMIT // (1024 * 1024)} MB")
                if time.monotonic() > ends:
                    raise requests.exceptions.Timeout("the answer did not end in time")
        except requests.exceptions.Timeout:
            raise
        except (requests.exceptions.ConnectionError, urllib3.exceptions.HTTPError, OSError) as exc:
            if "timed out" in str(exc).lower():
                raise requests.exceptions.Timeout(str(exc)) from None
            raise requests.exceptions.ConnectionError(str(exc)) from None
        finally:
            response.close()
        charset = requests.utils.get_encoding_from_headers(response.headers) or "utf-8"
        try:  # strictly: a lenient decoder would put U+FFFD into drafts
            bytes(body).decode(charset)
        except (LookupError, UnicodeDecodeError):
            raise ValueError(f"answer not in its character set ({charset})") from None
        response._content = bytes(body)
        response._content_consumed = True  # type: ignore[attr-defined]
        _LOCAL.response = response
        return response


class _Transport:
    """Stands in for the ``requests`` module inside deep-translator's provider modules,
    while an :class:`OnlineEngine` translates: one session per thread, with the
    :class:`DeadlineAdapter` mounted."""

    exceptions = requests.exceptions

    def __init__(self) -> None:
        self.local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = DeadlineAdapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self.local.session = session
        return session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        _LOCAL.response = None
        params = kwargs.get("params")
        if isinstance(params, dict) and "api_key" in params:
            # LibreTranslate takes its key in the body too: keep it out of the URL
            params = dict(params)
            kwargs["data"] = {**(kwargs.get("data") or {}), "api_key": params.pop("api_key")}
            kwargs["params"] = params
        return self._session().request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)


TRANSPORT = _Transport()
_ROUTED = threading.Lock()


@contextlib.contextmanager
def _routed() -> Iterator[None]:
    """deep-translator's provider modules send through :data:`TRANSPORT` while inside."""
    from deep_translator import google, libre, microsoft, mymemory

    modules = (google, libre, microsoft, mymemory)
    with _ROUTED:
        saved = [module.requests for module in modules]
        for module in modules:
            module.requests = TRANSPORT
        try:
            yield
        finally:
            for module, original in zip(modules, saved, strict=True):
                module.requests = original


class _RateLimit:
    """At most ``rate`` request starts per second, shared by all threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)


class _Failed(Exception):
    """A unit's request failed in a way worth retrying; ``reason`` says how."""

    def __init__(self, reason: str, *, retry_after: float | None = None, outage: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.outage = outage


class _Final(Exception):
    """A unit's request failed in a way no retry mends (HTTP 400, 401, 403...)."""


class _Stop(Exception):
    """The run must stop: out of time, or the provider is down."""


class OnlineEngine:
    """One online provider, with deadlines, retries, a concurrency and a rate limit."""

    def __init__(
        self,
        name: str,
        *,
        timeout: float = 20.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        concurrency: int = 4,
        rate: float = 5.0,
        jobs: int = 2,
        environ: dict[str, str] | None = None,
    ) -> None:
        if name not in PROVIDERS:
            raise EngineError("puente.toml", None, f"unknown online engine {name!r}")
        self.name = name
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.concurrency = max(1, concurrency)
        self.rate = _RateLimit(rate)
        self.env = dict(os.environ if environ is None else environ)
        self.version = provider_version(name)
        self._secret = [value for key, value in self.env.items() if key.endswith("_KEY") and value]

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, deadline: float | None = None
    ) -> BatchResult:
        started = time.monotonic()
        ends = deadline if deadline is not None else float("inf")
        call = (
            self._deepl_call(source, target)
            if self.name == "deepl"
            else self._deep_translator_call(source, target)
        )
        state = {"outages": 0, "stopped": ""}
        lock = threading.Lock()

        def one(text: str) -> tuple[str | None, str | None]:
            if state["stopped"]:
                return None, str(state["stopped"])
            translation, error, outage = self._with_retries(call, text, ends)
            with lock:
                state["outages"] = state["outages"] + 1 if outage else 0  # type: ignore[operator]
                if error is not None and error.startswith("stopped: "):
                    state["stopped"] = error.removeprefix("stopped: ")
                elif time.monotonic() > ends:
                    state["stopped"] = "out of time"
                elif int(state["outages"]) >= OUTAGE:  # type: ignore[call-overload]
                    state["stopped"] = f"{OUTAGE} requests in a row failed ({error})"
            return translation, error

        routing = _routed() if self.name != "deepl" else contextlib.nullcontext()
        with routing, ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            outcomes = list(pool.map(one, texts))
        if state["stopped"]:
            elapsed = time.monotonic() - started
            why = str(state["stopped"])
            raise EngineError(
                self.name,
                None,
                f"stopped after {elapsed:.0f} s: {why}; nothing was written (the run's limit is "
                "[translate] timeout in puente.toml)",
            )
        return BatchResult(
            translations=[text for text, _ in outcomes],
            unknown=[() for _ in outcomes],
            errors=[error for _, error in outcomes],
        )

    def _with_retries(
        self, call: Callable[[str], str], text: str, ends: float
    ) -> tuple[str | None, str | None, bool]:
        """The translation of ``text`` or why it failed, and whether the failure looks like
        the provider being down (no connection, no answer)."""
        if not text.strip():
            return text, None, False

        def attempt() -> str:
            if time.monotonic() >= ends:
                raise _Stop("out of time")
            self.rate.wait()
            _LOCAL.deadline, _LOCAL.timeout = ends, self.timeout
            return self._attempt(call, text)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome is not None else None
            backoff = wait_exponential_jitter(
                multiplier=self.backoff, max=self.max_backoff, jitter=self.backoff
            )
            delay = backoff(state)
            if isinstance(failure, _Failed) and failure.retry_after is not None:
                delay = failure.retry_after
            left = ends - time.monotonic()
            if delay > left:
                if isinstance(failure, _Failed) and failure.retry_after is not None:
                    raise _Stop(f"out of time: the provider asks to wait {delay:g} s (Retry-After)")
                raise _Stop("out of time")
            return min(delay, self.max_backoff)

        retrying = Retrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, _Failed)),
            stop=stop_after_attempt(self.retries + 1),
            wait=wait,
            reraise=True,
        )
        try:
            return retrying(attempt), None, False
        except _Failed as exc:
            return None, self._clean(f"{exc.reason} (after {self.retries + 1} attempts)"), exc.outage
        except _Final as exc:
            return None, self._clean(str(exc)), False
        except _Stop as exc:
            return None, f"stopped: {exc}", True

    def _attempt(self, call: Callable[[str], str], text: str) -> str:
        try:
            result = call(text)
        except requests.exceptions.Timeout:
            raise _Failed(f"no answer within {self.timeout:g} s", outage=True) from None
        except (requests.exceptions.ConnectionError, ConnectionError):
            raise _Failed("connection failed or dropped", outage=True) from None
        except ValueError as exc:
            message = str(exc)
            raise _Failed(message if message.startswith("answer ") else "malformed answer") from None
        except Exception as exc:  # deep-translator and the SDKs raise many unrelated types
            if type(exc).__name__ == "ConnectionException":  # the DeepL SDK's wrapper
                raise _Failed("connection failed or no answer", outage=True) from None
            status = _status(exc)
            if status is not None and status not in RETRYABLE:
                raise _Final(f"HTTP {status}") from None
            reason = f"HTTP {status}" if status is not None else self._clean(type(exc).__name__)
            raise _Failed(reason, retry_after=_retry_after()) from None
        if not isinstance(result, str) or not result.strip():
            raise _Failed("malformed answer")
        return strip_controls(result)

    def _clean(self, message: str) -> str:
        for secret in self._secret:
            message = message.replace(secret, "***")
        return message

    def _deep_translator_call(self, source: str, target: str) -> Callable[[str], str]:
        import deep_translator as dt

        env = self.env
        translator: Any
        if self.name == "libretranslate":
            url = env.get("PUENTE_LIBRETRANSLATE_URL")
            if not url:
                raise EngineError(
                    "environment", None, "set PUENTE_LIBRETRANSLATE_URL to the server's address"
                )
            translator = dt.LibreTranslator(
                source=source,
                target=target,
                # deep-translator insists on a key; a server that needs none ignores it
                api_key=env.get("PUENTE_LIBRETRANSLATE_KEY") or "none",
                custom_url=url.rstrip("/") + "/",
                use_free_api=not env.get("PUENTE_LIBRETRANSLATE_KEY"),
            )
        elif self.name == "google":
            translator = dt.GoogleTranslator(source=source, target=target)
        elif self.name == "mymemory":
            translator = dt.MyMemoryTranslator(
                source=_mymemory_code(source),
                target=_mymemory_code(target),
                email=env.get("PUENTE_MYMEMORY_EMAIL"),
            )
        else:
            key = env.get("PUENTE_MICROSOFT_KEY")
            if not key:
                raise EngineError("environment", None, "set PUENTE_MICROSOFT_KEY to use Microsoft Translator")
            with _routed():  # the constructor asks the server for its languages
                translator = dt.MicrosoftTranslator(
                    api_key=key, region=env.get("PUENTE_MICROSOFT_REGION"), source=source, target=target
                )

        def call(text: str) -> str:
            return str(translator.translate(text))

        return call

    def _deepl_call(self, source: str, target: str) -> Callable[[str], str]:
        import deepl

        key = self.env.get("PUENTE_DEEPL_KEY")
        if not key:
            raise EngineError("environment", None, "set PUENTE_DEEPL_KEY to use DeepL")
        deepl.http_client.max_network_retries = 0  # retries are ours, with Retry-After
        translator = deepl.Translator(key, server_url=self.env.get("PUENTE_DEEPL_URL") or None)
        adapter = DeadlineAdapter()
        session: requests.Session = translator._client._session
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        target_code = "EN-US" if target == "en" else target.upper()

        def call(text: str) -> str:
            _LOCAL.response = None
            result = translator.translate_text(text, source_lang=source.upper(), target_lang=target_code)
            return str(result.text if not isinstance(result, list) else result[0].text)

        return call


def _status(exc: BaseException) -> int | None:
    response = _LOCAL.response
    if response is not None and response.status_code >= 400:
        return int(response.status_code)
    code = getattr(exc, "http_status_code", None) or getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _retry_after() -> float | None:
    response = _LOCAL.response
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _mymemory_code(lang: str) -> str:
    return {"en": "en-US", "es": "es-ES"}.get(lang, lang)


def provider_version(name: str) -> str:
    """The version of the library that reaches provider ``name``."""
    return _deepl_version() if name == "deepl" else _deep_translator_version()


def _deep_translator_version() -> str:
    from importlib.metadata import version

    return f"deep-translator {version('deep-translator')}"


def _deepl_version() -> str:
    from importlib.metadata import version

    return f"deepl {version('deepl')}"
