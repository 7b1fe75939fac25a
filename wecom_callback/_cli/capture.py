"""A captured callback request, as someone pastes it: the URL's query and the body.

Accepted shapes, URL-encoded or not:

- the URL (or just its query string) on the first line, the body after it;
- a raw HTTP request: ``POST /path?query HTTP/1.1``, header lines, a blank line, the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = ["Capture", "decode_value", "parse_capture", "parse_query"]

_REQUEST_LINE = re.compile(r"(?P<method>[A-Z]+)\s+(?P<target>\S+)(?P<http>\s+HTTP/\d(?:\.\d)?)?")


@dataclass(frozen=True)
class Capture:
    """The parts of one request that verification reads."""

    query: dict[str, str]
    body: str = ""
    method: str | None = None
    """``GET`` or ``POST`` when the capture said so (a request line), else ``None``."""
    encrypt: str | None = field(default=None, repr=False)
    """The ``Encrypt`` value when given on its own (``--encrypt``), not in a body."""

    @property
    def is_url_check(self) -> bool:
        """Whether this is the GET URL check (it carries ``echostr``; POSTs never do)."""
        return self.method == "GET" or (self.method is None and "echostr" in self.query)


def decode_value(value: str) -> str:
    """``value`` percent-decoded if it is encoded; a ``+`` stays a ``+``.

    Base64 uses ``+``, ``/`` and ``=``, which WeCom percent-encodes in the query. A ``+``
    read as a space (form decoding) would break the signature, so only ``%XX`` is decoded.
    """
    return unquote(value) if "%" in value else value


def parse_query(text: str) -> dict[str, str]:
    """The parameters of a URL or of a bare query string (``?`` optional)."""
    text = text.strip()
    if "?" in text:
        text = text.split("?", 1)[1]
    elif "=" not in text:
        return {}  # a path or host without a query
    text = text.split("#", 1)[0]
    query: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            query[unquote(name).strip()] = decode_value(value.strip())
    return query


def parse_capture(text: str) -> Capture:
    """Read a pasted request: the URL or query on the first line, the body after it."""
    text = text.replace("\r\n", "\n").lstrip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    method = None
    match = _REQUEST_LINE.fullmatch(first)
    if match is not None and (match["http"] or match["target"].startswith(("/", "http"))):
        method, first = match["method"], match["target"]
        if match["http"]:
            # Header lines run to the first blank line; the body follows it.
            _headers, blank, body = rest.partition("\n\n")
            rest = body if blank else ""
    return Capture(parse_query(first), rest.strip(), method)
