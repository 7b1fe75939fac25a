"""An AI bot's outbound side: answering through ``response_url``, downloading its media.

Neither needs an access token: a ``response_url`` is a capability WeCom hands out with
a message (valid about an hour, usable once), and a webhook-mode media URL serves bytes
encrypted with the bot's EncodingAESKey. ``AIBotClient`` is what an AI bot's handlers
get as ``client``.

WeCom documents: 主动回复消息 (page 101138), 接收消息 (page 100719)
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import httpx

from .._stores import MemoryStore, Store
from ..crypto import WeComCrypto
from ..errors import ResponseURLUsedError, WeComAPIError, WeComTransportError
from ..replies.aibot import TemplateCard, cap_content

__all__ = ["AIBotClient", "response_body"]

log = logging.getLogger("wecom_callback.client")

#: A response_url is reported valid for an hour: its single-use mark lives as long.
_USED_TTL = 3600.0
_API = "aibot/response"


def response_body(
    message: str | TemplateCard | dict[str, Any], *, feedback_id: str | None = None
) -> dict[str, Any]:
    """The plain JSON a ``response_url`` takes: markdown text, a template card, or as given."""
    if isinstance(message, TemplateCard):
        return message.body()
    if isinstance(message, dict):
        return message
    if not isinstance(message, str):
        raise TypeError("post a str (markdown), a TemplateCard or a dict body")
    markdown: dict[str, Any] = {"content": cap_content(message)}
    if feedback_id is not None:
        markdown["feedback"] = {"id": feedback_id}
    return {"msgtype": "markdown", "markdown": markdown}


class AIBotClient:
    """Post to ``response_url`` once, and fetch and decrypt media, for one bot.

    ``store`` remembers which response URLs were used, across every replica sharing it
    (default: this process only). ``http`` is an httpx client to share (default: its own).
    """

    def __init__(
        self,
        encoding_aes_key: str,
        *,
        token: str = "unused",
        store: Store | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._crypto = WeComCrypto(token, encoding_aes_key, "")
        self.store: Store = store if store is not None else MemoryStore()
        self._own_http = http is None
        self.http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"AIBotClient(store={self.store!r})"

    async def aclose(self) -> None:
        """Close the HTTP connections this client opened."""
        if self._own_http:
            await self.http.aclose()

    async def post_response_url(
        self,
        response_url: str,
        message: str | TemplateCard | dict[str, Any],
        *,
        feedback_id: str | None = None,
    ) -> dict[str, Any]:
        """Send one answer to ``response_url``: markdown text (capped at 20,480 bytes),
        a :class:`~wecom_callback.replies.aibot.TemplateCard`, or a body as given.

        Raises :class:`~wecom_callback.errors.ResponseURLUsedError` when this URL was
        posted to before (by any replica sharing the store), ``WeComAPIError`` when
        WeCom refuses it, ``WeComTransportError`` when there is no usable answer.
        """
        if not response_url.startswith(("https://", "http://")):
            raise ValueError("response_url is the URL WeCom gave with the callback")
        body = response_body(message, feedback_id=feedback_id)
        mark = "aibot:response_url:" + hashlib.sha256(response_url.encode()).hexdigest()[:32]
        if not await self.store.add(mark, b"1", ttl=_USED_TTL):
            raise ResponseURLUsedError("this response_url was used already: it takes one answer")
        try:
            answer = await self.http.post(response_url, json=body)
        except httpx.HTTPError as exc:
            raise WeComTransportError(type(exc).__name__, api=_API) from None
        if answer.status_code >= 500:
            raise WeComTransportError("server error", api=_API, http_status=answer.status_code)
        try:
            data = answer.json()
        except ValueError:
            raise WeComTransportError(
                "answer is not JSON", api=_API, http_status=answer.status_code
            ) from None
        if not isinstance(data, dict):
            raise WeComTransportError("answer is not an object", api=_API)
        code = data.get("errcode", 0)
        if code:
            raise WeComAPIError.from_response(int(code), str(data.get("errmsg", "")), _API)
        return data

    async def download_media(self, url: str) -> bytes:
        """Fetch a webhook-mode media URL (image, file, video) and decrypt its bytes."""
        try:
            answer = await self.http.get(url)
        except httpx.HTTPError as exc:
            raise WeComTransportError(type(exc).__name__, api="aibot media") from None
        if answer.status_code != 200:
            raise WeComTransportError(
                "media download failed", api="aibot media", http_status=answer.status_code
            )
        return self._crypto.decrypt_media(answer.content)
