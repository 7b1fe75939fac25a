"""Keep credentials out of logs: httpx logs every request URL, ``access_token=`` included.

WeCom takes the access token (and ``gettoken`` the secret) in the query string, and httpx
logs ``HTTP Request: GET https://...?access_token=...`` at INFO. :func:`install` puts a
filter on httpx's and httpcore's loggers that rewrites such records with the values
masked; :func:`redact` does the same to any text (exception messages).
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactCredentials", "install", "redact"]

_CREDENTIAL = re.compile(
    r"((?:access_token|corpsecret|suite_access_token|provider_access_token|secret"
    r"|permanent_code|suite_ticket|ticket)=)[^&\s\"'#]+",
    re.IGNORECASE,
)
_MARKERS = ("token=", "secret=", "code=", "ticket=")

_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def redact(text: str) -> str:
    """``text`` with the value of every credential query parameter replaced by ``***``."""
    lowered = text.lower()
    if not any(marker in lowered for marker in _MARKERS):
        return text
    return _CREDENTIAL.sub(r"\1***", text)


class RedactCredentials(logging.Filter):
    """A logging filter that masks credential query parameters in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record if its message carries a credential; never drop it."""
        message = record.getMessage()
        masked = redact(message)
        if masked is not message:
            record.msg, record.args = masked, ()
        return True


_FILTER = RedactCredentials()


def install() -> None:
    """Attach the filter to httpx's and httpcore's loggers (once; idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
