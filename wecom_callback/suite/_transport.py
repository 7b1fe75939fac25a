"""Calls whose token travels in another query parameter (``suite_access_token=``, ...).

The service APIs reuse the client's connection pool, token cache and call loop (retries
on -1 and on transport failures), but put their token in a parameter of their own, so
the token is added here and refreshed once when WeCom rejects it (40082, 42009 for a suite
token; 40014, 42001 as for any), as the client does for ``access_token``. This module is
the one place that relies on the client's internals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wecom_callback.client import WeComClient
from wecom_callback.errors import WeComAPIError

__all__ = ["TokenCalls", "forget_token"]

_REJECTED = frozenset({40014, 42001, 40082, 42009})


class TokenCalls:
    """Calls through ``transport`` with its token in the query parameter ``param``."""

    def __init__(self, transport: WeComClient, param: str) -> None:
        self.transport = transport
        self.param = param

    async def token(self) -> str:
        """The current token (fetched if need be)."""
        return await self.transport.access_token()

    async def call(
        self,
        method: str,
        api: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """Call ``api`` with the token; WeCom's JSON, or :class:`WeComAPIError`."""
        token = await self.token()
        refreshed = False
        while True:
            query = {**(params or {}), self.param: token}
            try:
                return await self.transport._request(
                    method, api, params=query, json=json, anonymous=True, safe=method == "GET"
                )
            except WeComAPIError as exc:
                if exc.errcode not in _REJECTED or refreshed:
                    raise
            refreshed = True
            token = await self.transport._token.refresh(token)


async def forget_token(client: WeComClient) -> None:
    """Drop ``client``'s cached token, here and in the store (its corp left the suite)."""
    key = client.token_source.cache_key
    client._shared.credentials.pop(key, None)
    await client.store.delete(key)
