"""The time Puente writes into files: now, or ``SOURCE_DATE_EPOCH`` when it is set, so that
two builds of the same inputs give the same bytes (https://reproducible-builds.org)."""

from __future__ import annotations

import datetime as dt
import os


def now() -> dt.datetime:
    """The current time in UTC, or ``SOURCE_DATE_EPOCH`` (seconds since 1970) when set.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
    >>> now().isoformat()
    '2026-01-01T00:00:00+00:00'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)
