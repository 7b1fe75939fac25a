"""The client: one pooled httpx connection, tokens, retries, and the typed API groups.

How a call goes (OUTBOUND.md 1.2): the access token comes from memory, the store, or one
shared ``gettoken``; WeCom's answer is decoded and ``errcode`` checked.

* 40014 / 42001 (token invalid or expired): the token is dropped, a new one fetched once,
  and the call retried once. 40001 from a business API gets the same single retry (it
  is harmless: a wrong secret then fails in ``gettoken``, which is never retried).
* -1 (system busy): retried at most three times, with exponential backoff.
* A transport failure or HTTP 5xx: retried the same way only where repeating is safe: the
  request never left (connect errors), a GET, or a send with its own idempotency key.
* Any other code raises :class:`~wecom_callback.errors.WeComAPIError` (or its rate-limit or
  configuration subclass) at once; 40001 from ``gettoken`` is never retried.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
from pydantic import Field

from wecom_callback._stores import Store
from wecom_callback.client import _redaction
from wecom_callback.client._events import ClientEvents
from wecom_callback.client._models import APIResponse
from wecom_callback.client._pool import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    ClientState,
    Shared,
    resolve_store,
)
from wecom_callback.client._tokens import CachedCredential, CorpSecret, IssuedToken, TokenSource
from wecom_callback.client.agent import AgentAPI
from wecom_callback.client.appchat import AppChatAPI
from wecom_callback.client.contact import ContactAPI
from wecom_callback.client.external_contact import ExternalContactAPI
from wecom_callback.client.jsapi import JsApiAPI
from wecom_callback.client.kf import KfAPI
from wecom_callback.client.media import MediaAPI
from wecom_callback.client.message import MessageAPI
from wecom_callback.client.oa import OaAPI
from wecom_callback.errors import ClientClosedError, WeComAPIError, WeComTransportError

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "ClientState", "WeComClient"]

log = logging.getLogger("wecom_callback.client")

#: Token invalid or expired: refetch once (suite tokens: 40082, 42009; 40001 as OUTBOUND.md
#: 1.2 advises for business APIs).
_TOKEN_REJECTED = frozenset({40001, 40014, 42001, 40082, 42009})
#: "System busy": WeCom advises at most three retries.
_BUSY = -1
_RETRIES = 3
_BACKOFF = 0.2  # seconds before the first retry; doubled each time
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(slots=True)
class _Failure:
    """A call that got no usable answer, and whether it surely never reached WeCom."""

    error: WeComTransportError
    unsent: bool
    why: str


def api_path(path: str) -> str:
    """``path`` as WeCom's docs write it: ``/cgi-bin/message/send`` -> ``message/send``."""
    path = path.strip("/")
    return path[len("cgi-bin/") :] if path.startswith("cgi-bin/") else path


class WeComClient:
    """An async client of WeCom's server API for one corp and one secret.

    ``async with WeComClient(corp_id, secret, agent_id=1000002) as client:`` then
    ``await client.message.send(Text(content="hi"), touser="zhangsan")`` or the raw
    ``await client.call("GET", "agent/get", params={"agentid": 1000002})``.

    ``store`` keeps tokens, tickets and kf cursors: a URL (``memory://``,
    ``sqlite:///path.db``, ``redis://...``, as for the inbox) which the client opens and
    closes, or a :class:`~wecom_callback._stores.Store` the caller owns. Processes that
    share a store share tokens. ``token_source`` replaces ``secret`` where tokens come
    from elsewhere (a suite's ``service/get_corp_token``).
    """

    def __init__(
        self,
        corp_id: str,
        secret: str | None = None,
        *,
        agent_id: int | None = None,
        base_url: str = DEFAULT_BASE_URL,
        store: str | Store | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        token_source: TokenSource | None = None,
        events: ClientEvents | None = None,
    ) -> None:
        if (secret is None) == (token_source is None):
            raise ValueError("give exactly one of secret= and token_source=")
        source = token_source if token_source is not None else CorpSecret(corp_id, str(secret))
        resolved, owns = resolve_store(store)
        _redaction.install()
        shared = Shared(base_url, resolved, owns, timeout, events or ClientEvents())
        self._bind(corp_id, source, agent_id, shared, True)

    message: MessageAPI
    """App messages: send, update template cards, recall."""
    appchat: AppChatAPI
    """The app's group chats."""
    kf: KfAPI
    """WeChat customer service: pull messages, answer customers."""
    external_contact: ExternalContactAPI
    """Customers and customer groups."""
    oa: OaAPI
    """Approvals."""
    media: MediaAPI
    """Media uploads."""
    agent: AgentAPI
    """Apps."""
    contact: ContactAPI
    """Members and departments."""
    jsapi: JsApiAPI
    """JS-SDK signatures."""

    def _bind(
        self, corp_id: str, source: TokenSource, agent_id: int | None, shared: Shared, root: bool
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.token_source = source
        self._shared = shared
        self._root = root
        self._closed = False
        self._token = self._credential(source.cache_key, self._fetch_token)
        self.message = MessageAPI(self)
        self.appchat = AppChatAPI(self)
        self.kf = KfAPI(self)
        self.external_contact = ExternalContactAPI(self)
        self.oa = OaAPI(self)
        self.media = MediaAPI(self)
        self.agent = AgentAPI(self)
        self.contact = ContactAPI(self)
        self.jsapi = JsApiAPI(self)

    def _credential(self, key: str, fetch: Any) -> CachedCredential:
        # Siblings with the same secret share one cache, and so one fetch.
        cached = self._shared.credentials.get(key)
        if cached is None:
            cached = CachedCredential(self._shared.store, key, fetch)
            self._shared.credentials[key] = cached
        return cached

    def with_secret(self, secret: str, *, agent_id: int | None = None) -> WeComClient:
        """A client for another secret of this corp, sharing the connections and store.

        Each app (and the contacts, customer-contact and kf secrets) has its own token.
        Closing the returned client closes nothing shared; closing this one ends both.
        """
        return self.with_token_source(CorpSecret(self.corp_id, secret), agent_id=agent_id)

    def with_token_source(
        self, source: TokenSource, *, corp_id: str | None = None, agent_id: int | None = None
    ) -> WeComClient:
        """Like :meth:`with_secret`, for a token from ``source`` (optionally another corp)."""
        twin = object.__new__(WeComClient)
        twin._bind(corp_id or self.corp_id, source, agent_id, self._shared, False)
        return twin

    def __repr__(self) -> str:
        return (
            f"WeComClient(corp_id={self.corp_id!r}, agent_id={self.agent_id!r},"
            f" base_url={self._shared.base_url!r}, store={self._shared.store!r},"
            f" state={self.state.name})"
        )

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def state(self) -> ClientState:
        """UNOPENED, OPENED (by ``async with`` or a first call) or CLOSED."""
        return ClientState.CLOSED if self._closed else self._shared.state

    @property
    def store(self) -> Store:
        """The store holding this client's tokens, tickets and cursors."""
        return self._shared.store

    async def __aenter__(self) -> WeComClient:
        if self.state is ClientState.CLOSED:
            raise ClientClosedError("cannot reopen a closed WeComClient; create a new one")
        if self._root:
            if self._shared.entered:
                raise RuntimeError("cannot open a WeComClient more than once")
            self._shared.entered = True
            await self._shared.store.start()  # a bad store URL fails here, not mid-call
            self._shared.state = ClientState.OPENED
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (and the store, if the client opened it from a URL)."""
        self._closed = True
        shared = self._shared
        if not self._root or shared.state is ClientState.CLOSED:
            return
        shared.state = ClientState.CLOSED
        await shared.http.aclose()
        if shared.owns_store:
            await shared.store.close()

    def _check_usable(self, *, own: bool = True) -> None:
        """Raise if closed; ``own=False`` looks only at the shared pool (for the token
        and ticket fetches, which siblings share whichever of them started them)."""
        state = self._shared.state
        if state is ClientState.CLOSED or (own and self._closed):
            raise ClientClosedError(f"{self!r} is closed; create a new client")
        if state is ClientState.UNOPENED:
            self._shared.state = ClientState.OPENED  # first use, as httpx's clients

    # -- calls -------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """Call ``path`` (``"message/send"``) with the access token; the decoded JSON.

        Raises :class:`~wecom_callback.errors.WeComAPIError` when ``errcode`` is not 0,
        :class:`~wecom_callback.errors.WeComTransportError` when no usable answer came.
        """
        safe = method.upper() == "GET"
        return await self._request(method, api_path(path), params=params, json=json, safe=safe)

    async def _request(
        self,
        method: str,
        api: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool = False,
        anonymous: bool = False,
        shared: bool = False,
    ) -> dict[str, Any]:
        """The call loop: token, send, and the retries of the module docs.

        ``anonymous``: without a token (gettoken). ``shared``: a fetch of a credential
        that siblings share, allowed even if this sibling was closed.
        """
        self._check_usable(own=not shared)
        cached = None if anonymous else self._token
        token = None if cached is None else cached.peek() or await cached.get()
        refreshed, retries = False, 0
        while True:
            query = dict(params or ())
            if token is not None:
                query["access_token"] = token
            outcome = await self._send(method, api, query, json, content, headers)
            if isinstance(outcome, _Failure):
                if (safe or outcome.unsent) and retries < _RETRIES:
                    retries += 1
                    await self._backoff(api, retries, outcome.why)
                    continue
                self._shared.events.api_error(api, "transport")
                raise outcome.error
            errcode = outcome.get("errcode") or 0
            if errcode == 0:
                return outcome
            if errcode in _TOKEN_REJECTED and cached is not None and not refreshed:
                refreshed = True
                log.info("%s: token rejected (errcode %s); fetching a new one", api, errcode)
                token = await cached.refresh(str(token))
                continue
            if errcode == _BUSY and retries < _RETRIES:
                retries += 1
                await self._backoff(api, retries, "errcode -1 (system busy)")
                continue
            self._shared.events.api_error(api, str(errcode))
            raise WeComAPIError.from_response(int(errcode), str(outcome.get("errmsg", "")), api)

    async def _send(
        self,
        method: str,
        api: str,
        query: dict[str, Any],
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> dict[str, Any] | _Failure:
        shared = self._shared
        try:
            async with shared.slots:
                response = await shared.http.request(
                    method, shared.prefix + api, params=query, json=json, content=content,
                    headers=headers,
                )  # fmt: skip
        except httpx.TransportError as exc:
            reason = _redaction.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            error = WeComTransportError(reason, api=api)
            return _Failure(error, isinstance(exc, _UNSENT), reason)
        status = response.status_code
        try:
            data = jsonlib.loads(response.content)
        except ValueError:
            data = None
        if isinstance(data, dict) and (status < 400 or (status < 500 and data.get("errcode"))):
            return data  # WeCom answers 200; a 4xx counts only if it carries a WeCom code
        reason = f"HTTP {status}" + ("" if isinstance(data, dict) else ", not a JSON object")
        return _Failure(WeComTransportError(reason, api=api, http_status=status), False, reason)

    async def _backoff(self, api: str, attempt: int, reason: str) -> None:
        delay = _BACKOFF * 2 ** (attempt - 1) * (0.5 + random.random())
        log.warning("%s: %s; retry %d of %d in %.2f s", api, reason, attempt, _RETRIES, delay)
        await asyncio.sleep(delay)

    async def _fetch_token(self) -> IssuedToken:
        async def fetch(method: str, api: str, **kwargs: Any) -> dict[str, Any]:
            # Fetching a token is idempotent, so transport failures may be retried.
            try:
                answer = await self._request(
                    method, api, safe=True, anonymous=True, shared=True, **kwargs
                )
            except Exception:
                self._shared.events.token_fetched(api, False)
                raise
            self._shared.events.token_fetched(api, True)
            return answer

        return await self.token_source.fetch(fetch)

    async def access_token(self) -> str:
        """The current access token (fetched if need be), for calls this client lacks."""
        self._check_usable()
        return self._token.peek() or await self._token.get()

    async def get_callback_ip(self) -> list[str]:
        """The addresses WeCom sends callbacks from (they change: refresh now and then)."""
        return _IPList.model_validate(
            await self._request("GET", "getcallbackip", safe=True)
        ).ip_list

    async def get_api_domain_ip(self) -> list[str]:
        """The addresses of WeCom's API domain."""
        data = await self._request("GET", "get_api_domain_ip", safe=True)
        return _IPList.model_validate(data).ip_list


class _IPList(APIResponse):
    ip_list: list[str] = Field(default_factory=list)
