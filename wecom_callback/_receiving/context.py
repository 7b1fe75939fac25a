"""What a handler can learn about the request that carried its callback (``ctx``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["CallbackContext"]


@dataclass(frozen=True, slots=True)
class CallbackContext:
    """Request metadata, injected into handlers that take a ``ctx`` parameter."""

    received_at: datetime
    """When the first delivery of this callback arrived (UTC)."""
    dedupe_key: str
    """The key retries of this callback share: MsgId, or a plaintext hash, per receive id."""
    receive_id: str
    """The CorpID or SuiteID the payload was encrypted for."""
    plaintext: bytes = field(repr=False)
    """The decrypted XML, verbatim."""
    client_addr: str | None = None
    """The peer's address (after trusted proxy headers), when served over HTTP."""
    attempt: int = 1
    """1 for the first run; higher when the inbox retries or resumes the work."""
    extras: dict[str, Any] = field(default_factory=dict, repr=False)
    """Free room for middleware and applications."""
