"""``ProviderClient``: the provider's own APIs, with the provider_access_token (OUTBOUND.md 3.3)."""

from __future__ import annotations

from types import TracebackType

import httpx
from pydantic import Field

from wecom_callback._stores import Store
from wecom_callback.client import WeComClient
from wecom_callback.client._client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from wecom_callback.client._models import APIResponse

from ._models import LoginInfo
from ._token_sources import ProviderToken
from ._transport import TokenCalls

__all__ = ["ProviderClient"]


class _OpenCorpId(APIResponse):
    open_corpid: str = Field(default="")


class ProviderClient:
    """An async client of the provider APIs for one provider CorpID and ProviderSecret.

    ``async with ProviderClient(corp_id, provider_secret, store=...) as provider:``; the
    token is cached in ``store`` like every other token.
    """

    def __init__(
        self,
        corp_id: str,
        provider_secret: str,
        *,
        store: str | Store | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.corp_id = corp_id
        source = ProviderToken(corp_id, provider_secret)
        self._transport = WeComClient(
            corp_id, token_source=source, base_url=base_url, store=store, timeout=timeout
        )
        self._calls = TokenCalls(self._transport, "provider_access_token")
        # get_login_info takes the provider token as access_token (OUTBOUND.md 3).
        self._login = TokenCalls(self._transport, "access_token")

    def __repr__(self) -> str:
        return f"ProviderClient(corp_id={self.corp_id!r})"

    async def __aenter__(self) -> ProviderClient:
        await self._transport.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (and the store, if opened from a URL)."""
        await self._transport.aclose()

    async def provider_token(self) -> str:
        """The provider_access_token (fetched if need be)."""
        return await self._calls.token()

    async def corpid_to_opencorpid(self, corpid: str) -> str:
        """A plaintext corp id as the provider-scoped (encrypted) id (page 95604)."""
        data = await self._calls.call(
            "POST", "service/corpid_to_opencorpid", json={"corpid": corpid}
        )
        return _OpenCorpId.model_validate(data).open_corpid

    async def get_login_info(self, auth_code: str) -> LoginInfo:
        """Who logged in through WeCom's login page with ``auth_code`` (page 91125)."""
        data = await self._login.call(
            "POST", "service/get_login_info", json={"auth_code": auth_code}
        )
        return LoginInfo.model_validate(data)
