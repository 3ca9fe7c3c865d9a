"""Online providers through deep-translator (and the official SDK for DeepL).

deep-translator sets no HTTP timeout, sends one request per text and raises
exception types of its own or of ``requests`` depending on the failure. This
module makes it safe to run on a whole archive:

* its provider modules send their requests through one :class:`_Transport`,
  a ``requests.Session`` per thread with a deadline on every request, which
  also keeps the last response so a 429's ``Retry-After`` can be honoured;
* every unit is retried with exponential backoff and jitter on 429, 5xx,
  timeouts, dropped connections and malformed answers, at most ``retries``
  times, then reported as failed (the batch goes on);
* requests run on a bounded thread pool (``concurrency``) behind a rate limit;
* failures become one message per unit that names the reason and never the
  URL or the key.

Keys and endpoints come from the environment only: ``PUENTE_LIBRETRANSLATE_URL``,
``PUENTE_LIBRETRANSLATE_KEY``, ``PUENTE_MICROSOFT_KEY``, ``PUENTE_MICROSOFT_REGION``,
``PUENTE_DEEPL_KEY``, ``PUENTE_DEEPL_URL`` and ``PUENTE_MYMEMORY_EMAIL``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from pipeline.errors import EngineError
from pipeline.mt.base import PROVIDERS, BatchResult

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class _Transport:
    """Stands in for the ``requests`` module inside deep-translator's provider modules."""

    exceptions = requests.exceptions

    def __init__(self) -> None:
        self.local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            self.local.session = session
        return session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", getattr(self.local, "timeout", 30.0))
        self.local.response = None
        response = self._session().request(method, url, **kwargs)
        self.local.response = response
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)


TRANSPORT = _Transport()
_INSTALLED = False


def _install() -> None:
    """Route deep-translator's HTTP calls through :data:`TRANSPORT` (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from deep_translator import google, libre, microsoft, mymemory

    for module in (google, libre, microsoft, mymemory):
        module.requests = TRANSPORT
    _INSTALLED = True


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
        _install()

    def translate(self, texts: Sequence[str], source: str, target: str) -> BatchResult:
        if self.name == "deepl":
            call = self._deepl_call(source, target)
        else:
            call = self._deep_translator_call(source, target)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            outcomes = list(pool.map(lambda text: self._with_retries(call, text), texts))
        return BatchResult(
            translations=[text for text, _ in outcomes],
            unknown=[() for _ in outcomes],
            errors=[error for _, error in outcomes],
        )

    def _with_retries(self, call: Callable[[str], str], text: str) -> tuple[str | None, str | None]:
        if not text.strip():
            return text, None
        reason = "failed"
        for attempt in range(self.retries + 1):
            self.rate.wait()
            TRANSPORT.local.timeout = self.timeout
            retry_after: float | None = None
            try:
                result = call(text)
                if not isinstance(result, str) or not result.strip():
                    raise ValueError("empty answer")
                return result, None
            except requests.exceptions.Timeout:
                reason = f"no answer within {self.timeout:g} s"
            except (requests.exceptions.ConnectionError, ConnectionError):
                reason = "connection failed or dropped"
            except ValueError:
                reason = "malformed answer"
            except Exception as exc:  # deep-translator and the SDKs raise many unrelated types
                status = _status(exc)
                if status is not None and status not in RETRYABLE:
                    return None, self._clean(f"HTTP {status}")
                reason = f"HTTP {status}" if status is not None else self._clean(type(exc).__name__)
                retry_after = _retry_after()
            if attempt < self.retries:
                delay = min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + random.random() / 2)
                time.sleep(min(self.max_backoff, retry_after) if retry_after is not None else delay)
        return None, self._clean(f"{reason} (after {self.retries + 1} attempts)")

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
        target_code = "EN-US" if target == "en" else target.upper()

        def call(text: str) -> str:
            result = translator.translate_text(text, source_lang=source.upper(), target_lang=target_code)
            return str(result.text if not isinstance(result, list) else result[0].text)

        return call


def _status(exc: BaseException) -> int | None:
    response = getattr(TRANSPORT.local, "response", None)
    if response is not None and response.status_code >= 400:
        return int(response.status_code)
    code = getattr(exc, "http_status_code", None) or getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _retry_after() -> float | None:
    response = getattr(TRANSPORT.local, "response", None)
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
