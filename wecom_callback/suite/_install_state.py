"""The signed ``state`` of an install link: it proves the redirect began at our start URL.

``state`` is ``<expiry: 10 digits><nonce: 16 hex><HMAC-SHA256 prefix: 32 hex>``, 58
characters of [0-9a-f], inside what WeCom passes back untouched (letters and digits).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

__all__ = ["InstallState", "StateError"]

_SHAPE = re.compile(r"([0-9]{10})([0-9a-f]{16})([0-9a-f]{32})")


class StateError(ValueError):
    """The ``state`` of a redirect is missing, forged or expired (the reason says which)."""


class InstallState:
    """Issue and check signed, expiring ``state`` values with one key."""

    def __init__(self, key: bytes, ttl: float = 900.0) -> None:
        if len(key) < 16:
            raise ValueError("the state key must have at least 16 bytes")
        self._key = key
        self.ttl = ttl

    def __repr__(self) -> str:
        return f"InstallState(ttl={self.ttl})"

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        """A fresh state, valid for ``ttl`` seconds."""
        payload = f"{int(time.time() + self.ttl):010d}{secrets.token_hex(8)}"
        return payload + self._mac(payload)

    def check(self, state: str | None) -> None:
        """Raise :class:`StateError` unless ``state`` is ours and not expired."""
        if not state:
            raise StateError("the redirect carries no state")
        found = _SHAPE.fullmatch(state)
        if found is None:
            raise StateError("the state is not one this server issued")
        expiry, nonce, mac = found.groups()
        if not hmac.compare_digest(mac, self._mac(expiry + nonce)):
            raise StateError("the state's signature does not match")
        if int(expiry) < time.time():
            raise StateError("the state expired: start the installation again")
