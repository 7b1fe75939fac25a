"""JS-SDK: the signature algorithm and ready-to-use ``wx.config`` / ``wx.agentConfig`` data.

The corp ticket (``get_jsapi_ticket``, for ``wx.config``) and the app ticket
(``ticket/get?type=agent_config``, for ``wx.agentConfig``) are cached like access tokens,
in memory and in the store, since WeCom allows only a few hundred fetches an hour.

WeCom doc: JS-SDK使用权限签名算法 https://developer.work.weixin.qq.com/document/path/96909.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import TYPE_CHECKING

from pydantic import Field

from wecom_callback.client._models import APIModel
from wecom_callback.client._namespace import Namespace
from wecom_callback.client._tokens import IssuedToken

if TYPE_CHECKING:
    from wecom_callback.client._client import WeComClient

__all__ = ["AgentConfig", "JsApiAPI", "JsApiConfig", "jsapi_signature"]


def jsapi_signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """``sha1("jsapi_ticket=T&noncestr=N&timestamp=TS&url=URL")`` in hex.

    Keys in that order, values not URL-encoded; ``url`` is the page's full URL, and any
    ``#fragment`` is dropped, as the algorithm requires.
    """
    page = url.split("#", 1)[0]
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={page}"
    return hashlib.sha1(plain.encode()).hexdigest()


class JsApiConfig(APIModel):
    """What ``wx.config`` takes (besides ``jsApiList``): ``config.to_js()``."""

    app_id: str = Field(alias="appId")
    """The corp id."""
    timestamp: int
    """Unix seconds the signature was made at."""
    nonce_str: str = Field(alias="nonceStr")
    """The random string signed."""
    signature: str
    """:func:`jsapi_signature` with the corp ticket."""

    def to_js(self) -> dict[str, object]:
        """The object for the page, with the JS-SDK's key names."""
        return self.body()


class AgentConfig(APIModel):
    """What ``wx.agentConfig`` takes (besides ``jsApiList``): ``config.to_js()``."""

    corpid: str
    """The corp id."""
    agentid: int
    """The app's id."""
    timestamp: int
    """Unix seconds the signature was made at."""
    nonce_str: str = Field(alias="nonceStr")
    """The random string signed."""
    signature: str
    """:func:`jsapi_signature` with the app ticket."""

    def to_js(self) -> dict[str, object]:
        """The object for the page, with the JS-SDK's key names."""
        return self.body()


class JsApiAPI(Namespace):
    """``client.jsapi``: signatures for pages that use the JS-SDK."""

    def __init__(self, client: WeComClient) -> None:
        super().__init__(client)
        base = client.token_source.cache_key
        self.corp_ticket = client._credential(f"jsapi:corp:{base}", self._fetch_corp)
        """The cached corp ticket."""
        self.agent_ticket = client._credential(f"jsapi:agent:{base}", self._fetch_agent)
        """The cached app ticket."""

    async def _fetch_corp(self) -> IssuedToken:
        data = await self._client._request("GET", "get_jsapi_ticket", safe=True, shared=True)
        return IssuedToken(str(data["ticket"]), float(data.get("expires_in", 7200)))

    async def _fetch_agent(self) -> IssuedToken:
        data = await self._client._request(
            "GET", "ticket/get", params={"type": "agent_config"}, safe=True, shared=True
        )
        return IssuedToken(str(data["ticket"]), float(data.get("expires_in", 7200)))

    async def sign(self, url: str) -> JsApiConfig:
        """Sign ``url`` for ``wx.config`` with the corp ticket."""
        ticket = self.corp_ticket.peek() or await self.corp_ticket.get()
        nonce, now = secrets.token_hex(8), int(time.time())
        return JsApiConfig(
            app_id=self._client.corp_id,
            timestamp=now,
            nonce_str=nonce,
            signature=jsapi_signature(ticket, nonce, now, url),
        )

    async def sign_agent_config(self, url: str) -> AgentConfig:
        """Sign ``url`` for ``wx.agentConfig`` with the app ticket (needs the agent id)."""
        agent_id = self._agent_id(None)
        ticket = self.agent_ticket.peek() or await self.agent_ticket.get()
        nonce, now = secrets.token_hex(8), int(time.time())
        return AgentConfig(
            corpid=self._client.corp_id,
            agentid=agent_id,
            timestamp=now,
            nonce_str=nonce,
            signature=jsapi_signature(ticket, nonce, now, url),
        )
