"""The ASGI side of a callback request: query, body, and answer, read and written strictly.

Plain ASGI on purpose (this is the per-callback hot path), and strict because the URL is
public: a parameter WeCom signs may appear once only (a bad signature followed by a good
one must not pass), the body must arrive in identity encoding, within the size cap and
the read timeout, and every answer says why, with WeCom's code where one fits.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from .._receiving.receiver import Outcome
from ..errors import AmbiguousRequestError, BodyTimeoutError, PayloadTooLargeError

__all__ = ["Disconnected", "answer", "close_websocket", "parse_query", "read_body"]

#: The parameters WeCom puts in the query; each may appear once.
_SIGNED = frozenset({"msg_signature", "timestamp", "nonce", "echostr"})

#: How much of an oversized body is read and dropped before the 413, so that the sender
#: gets the answer rather than a reset; past it the connection is closed.
_DRAIN = 4 << 20

#: The methods a callback URL answers, for the ``Allow`` header of a 405.
ALLOW = b"GET, POST"


class Disconnected(Exception):
    """The client went away before its body arrived: nobody to answer, nothing admitted."""


def parse_query(raw: bytes) -> dict[str, str]:
    """The query as a dict; :class:`AmbiguousRequestError` if a signed name repeats."""
    text = raw.decode("latin-1")
    if "%" in text or "+" in text:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:
        # WeCom's POST query (hex signature, digits) needs no unquoting: skip parse_qsl.
        pairs = [(n, v) for n, _, v in (part.partition("=") for part in text.split("&") if part)]
    query = dict(pairs)
    if len(query) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen and name in _SIGNED:
                raise AmbiguousRequestError(f"query parameter {name!r} is given more than once")
            seen.add(name)
    return query


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


async def _drain(receive: Receive, limit: int) -> bool:
    """Read and drop the body up to ``limit`` bytes; True if it ended within it."""
    size = 0
    while size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
    return False


async def read_body(scope: Scope, receive: Receive, cap: int, timeout: float) -> bytes:
    """The whole body, within ``cap`` bytes and ``timeout`` seconds.

    Raises :class:`PayloadTooLargeError` (after draining a bounded amount, see
    ``drained`` on the error), :class:`BodyTimeoutError`, :class:`AmbiguousRequestError`
    for a body in an encoding other than identity, or :class:`Disconnected`.
    """
    encoding = _header(scope, b"content-encoding")
    if encoding is not None and encoding.strip().lower() not in (b"", b"identity"):
        raise AmbiguousRequestError(
            f"the body is {encoding.decode('latin-1')!r}-encoded; WeCom sends it unencoded"
        )
    try:
        async with asyncio.timeout(timeout):
            return await _read(scope, receive, cap)
    except TimeoutError:
        raise BodyTimeoutError(f"the body did not arrive within {timeout:g} s") from None


async def _read(scope: Scope, receive: Receive, cap: int) -> bytes:
    length = _header(scope, b"content-length")
    if length is not None and length.isdigit() and int(length) > cap:
        error = PayloadTooLargeError(f"body of {length.decode()} bytes is over the {cap}-byte cap")
        error.drained = int(length) <= _DRAIN and await _drain(receive, _DRAIN)
        raise error
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            error = PayloadTooLargeError(f"body is over the {cap}-byte cap")
            more = message.get("more_body", False)
            error.drained = not more or await _drain(receive, _DRAIN)
            raise error
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def answer(send: Send, outcome: Outcome, *, close: bool = False) -> None:
    """Write ``outcome``: status, reason, ``X-WeCom-Error-Code``, ``Allow`` for a 405."""
    headers = [
        (b"content-type", outcome.content_type.encode()),
        (b"content-length", str(len(outcome.body)).encode()),
    ]
    if outcome.code is not None:
        headers.append((b"x-wecom-error-code", str(outcome.code).encode()))
    if outcome.status == 405:
        headers.append((b"allow", ALLOW))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    await send({"type": "http.response.body", "body": outcome.body})


async def close_websocket(receive: Receive, send: Send) -> None:
    """Refuse a WebSocket upgrade: a callback URL speaks HTTP only (uvicorn answers 403)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1008})
