"""What the fake WeCom API remembers: secrets, tokens, tickets, scripted failures, data.

Everything here is guarded by one lock, since the server's thread answers requests
while the test's thread scripts failures and reads the calls.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Failure", "FakeState", "RecordedCall", "Secret"]


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received, and what it answered."""

    method: str
    """``GET`` or ``POST``."""
    path: str
    """The API path after ``/cgi-bin/``: ``"message/send"``."""
    params: dict[str, str]
    """The query parameters, except ``access_token``."""
    access_token: str | None = field(repr=False)
    """The token the call carried, if any."""
    json: Any
    """The decoded JSON body, or None."""
    body: bytes = field(repr=False)
    """The raw body (multipart uploads: check the headers of the parts here)."""
    headers: dict[str, str] = field(repr=False)
    """The request headers, lower-cased names."""
    status: int
    """The HTTP status answered."""
    answer: Any
    """The JSON answered (None for a non-JSON answer)."""

    @property
    def errcode(self) -> int | None:
        """The ``errcode`` answered, if the answer was a JSON object."""
        return self.answer.get("errcode") if isinstance(self.answer, dict) else None


@dataclass
class Failure:
    """A scripted failure: a WeCom error code, or an HTTP status with a plain body."""

    path: str | None
    errcode: int | None
    errmsg: str
    status: int | None
    times: int

    def matches(self, path: str) -> bool:
        """Its own path, or (when None) any API but gettoken."""
        return path == self.path if self.path is not None else path != "gettoken"


@dataclass
class Secret:
    """One app secret of the fake corp, and the token it currently has."""

    agent_id: int | None
    enabled: bool = True
    token: str | None = None
    token_expires_at: float = 0.0
    tickets: dict[str, tuple[str, float]] = field(default_factory=dict)


@dataclass
class FakeState:
    """The fake corp's state (every method is called with ``lock`` held)."""

    corp_id: str
    token_ttl: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    secrets: dict[str, Secret] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> secret
    expired: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    delays: list[tuple[str | None, float, int | None]] = field(default_factory=list)
    canned: dict[str, Any] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)
    users: set[str] = field(default_factory=lambda: {"zhangsan", "lisi", "wangwu"})
    kf_pages: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent_msgids: set[str] = field(default_factory=set)
    uploads: list[Any] = field(default_factory=list)

    # -- tokens and tickets ------------------------------------------------------------

    def issue_token(self, secret: str) -> tuple[str, int]:
        """The secret's token while it is valid (as WeCom does), else a new one."""
        entry = self.secrets[secret]
        now = time.time()
        if entry.token is None or entry.token in self.expired or entry.token_expires_at <= now:
            entry.token = secrets.token_urlsafe(48)
            entry.token_expires_at = now + self.token_ttl
            entry.tickets.clear()
            self.tokens[entry.token] = secret
        return entry.token, max(int(entry.token_expires_at - now), 0)

    def token_error(self, token: str | None) -> int | None:
        """41001 missing, 40014 unknown, 42001 expired; None for a valid token."""
        if not token:
            return 41001
        secret = self.tokens.get(token)
        if secret is None:
            return 40014
        entry = self.secrets[secret]
        if token in self.expired or token != entry.token or entry.token_expires_at <= time.time():
            return 42001
        return None

    def secret_of(self, token: str) -> Secret:
        return self.secrets[self.tokens[token]]

    def ticket(self, token: str, kind: str) -> tuple[str, int]:
        """A JS-SDK ticket of ``kind`` for the token's app, the same while valid."""
        entry = self.secret_of(token)
        now = time.time()
        current = entry.tickets.get(kind)
        if current is None or current[1] <= now:
            current = (secrets.token_urlsafe(32), now + 7200)
            entry.tickets[kind] = current
        return current[0], int(current[1] - now)

    def expire_all(self) -> None:
        self.expired.update(self.tokens)

    # -- scripted behaviour --------------------------------------------------------------

    def take_failure(self, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.matches(path):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def take_delay(self, path: str) -> float:
        for index, (where, seconds, times) in enumerate(self.delays):
            if where is None or where == path:
                if times is not None:
                    if times <= 1:
                        del self.delays[index]
                    else:
                        self.delays[index] = (where, seconds, times - 1)
                return seconds
        return 0.0

    def canned_answer(self, path: str) -> Mapping[str, Any] | None:
        answer: Mapping[str, Any] | None = self.canned.get(path)
        return answer
