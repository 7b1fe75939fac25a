"""The optional source-address check: is a callback's peer one of WeCom's callback IPs?

WeCom publishes the addresses it sends callbacks from (``getcallbackip``); they change,
so the list is fetched through the app's client when the app starts and again every
``source_ip_refresh`` seconds, in the background, never on a request's time. Behind a
proxy the peer is the forwarded address (uvicorn's proxy headers, trusted only from
``FORWARDED_ALLOW_IPS``).

``report`` (the default, when the app has a client) logs each unknown address once;
``enforce`` refuses it with 403. Caveats: the check is only as good as the forwarded
address; while the list cannot be fetched (WeCom's API down, no trusted IP configured
for the secret) nothing is refused, so an outage of the API never loses a callback; the
signature check, not this, is what keeps forgeries out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable

__all__ = ["SourceIPGuard", "parse_networks"]

log = logging.getLogger("wecom_callback")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Unknown addresses remembered (so each is reported once), at most.
_SEEN_MAX = 1024


def parse_networks(entries: list[str]) -> list[Network]:
    """WeCom's entries as networks: ``1.2.3.4``, ``1.2.3.0/24`` or ``1.2.3.*``."""
    networks: list[Network] = []
    for entry in entries:
        text = entry.strip()
        stars = text.count("*")
        if stars:
            text = text.replace("*", "0") + f"/{32 - 8 * stars}"
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            log.warning("getcallbackip returned an entry that is no address: %r", entry[:50])
    return networks


class SourceIPGuard:
    """Checks peers against WeCom's callback addresses (see the module doc)."""

    def __init__(
        self, mode: str, refresh: float, fetch: Callable[[], Awaitable[list[str]]] | None
    ) -> None:
        self.mode = mode if fetch is not None else "off"
        self.refresh = refresh
        self.fetch = fetch
        self.networks: list[Network] | None = None
        self._fetched_at = -refresh
        self._task: asyncio.Task[None] | None = None
        self._seen: set[str] = set()

    def _refresh_if_due(self) -> None:
        stale = time.monotonic() - self._fetched_at >= self.refresh
        if stale and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        assert self.fetch is not None
        self._fetched_at = time.monotonic()  # a failure waits a full period too
        try:
            self.networks = parse_networks(await self.fetch())
        except Exception as exc:
            log.warning("getcallbackip failed (%s); source addresses are not checked until"
                        " it works", type(exc).__name__)  # fmt: skip

    def start(self) -> None:
        """Fetch the list in the background (at app start)."""
        if self.mode != "off":
            self._refresh_if_due()

    def allows(self, peer: str | None) -> bool:
        """False only when enforcing and ``peer`` is surely not WeCom's."""
        if self.mode == "off" or peer is None:
            return True
        self._refresh_if_due()
        if self.networks is None:
            return True  # not known yet: never refuse on a guess
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return self.mode != "enforce"
        if any(address in network for network in self.networks):
            return True
        if peer not in self._seen and len(self._seen) < _SEEN_MAX:
            self._seen.add(peer)
            action = "refusing" if self.mode == "enforce" else "reporting"
            log.warning("callback from %s, which is not among WeCom's callback addresses"
                        " (%s; source_ip_check=%s)", peer, action, self.mode)  # fmt: skip
        return self.mode != "enforce"
