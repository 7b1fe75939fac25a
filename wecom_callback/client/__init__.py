"""The outbound side: an async client of WeCom's server API.

``WeComClient(corp_id, secret, agent_id=..., store=...)`` holds one pooled httpx
connection and caches access tokens in a store shared by every process that opens the
same URL. Typed API groups hang off it (``client.message``, ``client.kf``,
``client.external_contact``, ...); ``client.call(method, path, ...)`` reaches anything
else. Errors are :class:`~wecom_callback.errors.WeComAPIError` (with ``errcode``,
``errmsg``, ``api``) and :class:`~wecom_callback.errors.WeComTransportError`.

Message bodies live in :mod:`wecom_callback.client.message` (``Text``, ``Markdown``,
``TextCard``, ``News``, ``TemplateCard``, ...) and kf-only ones in
:mod:`wecom_callback.client.kf`.
"""

from wecom_callback.client._client import ClientState, WeComClient
from wecom_callback.client._tokens import CorpSecret, Fetch, IssuedToken, TokenSource
from wecom_callback.client.jsapi import AgentConfig, JsApiConfig, jsapi_signature
from wecom_callback.client.kf import KfMessage, KfOrigin
from wecom_callback.client.message import (
    Article,
    File,
    Image,
    Markdown,
    News,
    TemplateCard,
    Text,
    TextCard,
    Video,
    Voice,
)

from ._events import ClientEvents

__all__ = [
    "AgentConfig",
    "Article",
    "ClientEvents",
    "ClientState",
    "CorpSecret",
    "Fetch",
    "File",
    "Image",
    "IssuedToken",
    "JsApiConfig",
    "KfMessage",
    "KfOrigin",
    "Markdown",
    "News",
    "TemplateCard",
    "Text",
    "TextCard",
    "TokenSource",
    "Video",
    "Voice",
    "WeComClient",
    "jsapi_signature",
]
