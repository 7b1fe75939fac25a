"""Log output for ``wecom-callback run``: one line per record, text on a terminal, JSON else.

The library itself only logs (under ``wecom_callback``); it installs no handler, as a
library should. ``wecom-callback run`` and ``worker`` call :func:`setup`, which gives
the root logger one handler: human-readable lines with time, level and logger on a
terminal, one JSON object per line otherwise (or as asked with ``WECOM_LOG_FORMAT``).
Records never carry the token, the key, secrets, access tokens or payloads: only
reasons, codes, kinds and dedupe keys (exception texts from handlers are the user's).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["JSONFormatter", "setup"]

#: Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                out[name] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup(fmt: str | None = None, level: str | int = "INFO") -> logging.Handler:
    """Give the root logger one handler on stderr: ``text``, ``json`` or by terminal."""
    choice = (fmt or os.environ.get("WECOM_LOG_FORMAT") or "").lower()
    if choice not in ("text", "json"):
        choice = "text" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    if choice == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
