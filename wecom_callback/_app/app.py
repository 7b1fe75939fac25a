"""``WeComApp``: the ASGI application a user serves with uvicorn or mounts in Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from .._receiving.formats import XML, WireFormat
from .._receiving.receiver import Dispatch, Outcome, Receiver
from .._receiving.replay import ReplayWindow
from .._routing.handler import Handler
from .._routing.router import F, Router
from .._settings.settings import Settings
from .._stores import Store
from .._worker.attempt import Render, render_xml
from .._worker.runner import NotAccepting, Runner
from ..client import ClientEvents
from ..crypto import WeComCrypto
from ..errors import (
    AmbiguousRequestError,
    BodyTimeoutError,
    ConfigurationError,
    HandlerError,
    PayloadTooLargeError,
)
from ..inbox import Inbox, open_inbox
from ..models._base import Callback, Dialect
from ..models._parsing import parse_message
from ..suite import InstallationStore, SuiteClient
from . import health, http
from .lifespan import serve_lifespan
from .outbound import ClientHolder
from .source_ip import SourceIPGuard
from .suite_mode import SuiteMode

__all__ = ["WeComApp"]

log = logging.getLogger("wecom_callback")

#: Seconds before a failed lazy start is tried again: doubled per failure, up to the max.
_START_BACKOFF = 0.5
_START_BACKOFF_MAX = 30.0


def _one_path(
    settings: Settings | None, keywords: dict[str, Any], options: dict[str, Any]
) -> Settings:
    """The settings of an app: given whole, or built from keywords; never both."""
    if settings is not None:
        beside = sorted([*(n for n, v in keywords.items() if v is not None), *options])
        if beside:
            raise ConfigurationError(
                f"WeComApp(settings=...) was also given {', '.join(beside)}: put every"
                " option in the Settings (settings.model_copy(update={...})), or pass"
                " keywords without settings="
            )
        return settings
    ids: tuple[str, ...] = tuple(keywords["receive_ids"] or ())
    if keywords["receive_id"] is not None:
        ids = (keywords["receive_id"], *ids)
    if keywords["inbox"] is not None:
        options["inbox_url"] = keywords["inbox"]
    if keywords["store"] is not None:
        options["store_url"] = keywords["store"]
    return Settings.build(
        token=keywords["token"],
        encoding_aes_key=keywords["encoding_aes_key"],
        receive_ids=ids,
        **options,
    )


class WeComApp:
    """An ASGI app receiving one WeCom callback URL.

    ``WeComApp(token, encoding_aes_key, receive_id)`` or, for several receive ids
    (a suite's SuiteID and the provider's CorpID), ``receive_ids=[...]``. Other options
    are the fields of :class:`~wecom_callback.Settings`; ``inbox`` also takes an
    :class:`~wecom_callback.inbox.Inbox` instance. Register handlers with :meth:`on`;
    serve with ``uvicorn module:app``, or mount under any path and enter
    :meth:`lifespan` from the host application's lifespan.
    """

    #: The kinds handlers name and the wire format callbacks arrive in (see ``AIBotApp``).
    DIALECT: ClassVar[Dialect] = "xml"
    WIRE: ClassVar[WireFormat] = XML

    def __init__(
        self,
        token: str | None = None,
        encoding_aes_key: str | None = None,
        receive_id: str | None = None,
        *,
        receive_ids: list[str] | tuple[str, ...] | None = None,
        settings: Settings | None = None,
        client: Any = None,
        inbox: str | Inbox | None = None,
        store: str | Store | None = None,
        installations: InstallationStore | None = None,
        **options: Any,
    ) -> None:
        url = inbox if isinstance(inbox, str) else None
        given_inbox = inbox if isinstance(inbox, Inbox) else None
        keywords: dict[str, Any] = {"token": token, "encoding_aes_key": encoding_aes_key}
        keywords |= {"receive_id": receive_id, "receive_ids": receive_ids, "inbox": url}
        keywords["store"] = store if isinstance(store, str) else None
        settings = _one_path(settings, keywords, options)
        self.settings = settings
        self.name = settings.endpoint
        self.crypto = WeComCrypto(
            settings.token.get_secret_value(),
            settings.encoding_aes_key.get_secret_value(),
            settings.receive_ids,
        )
        self.router = Router("app", dialect=self.DIALECT)
        metrics = health.observer()
        events = metrics if isinstance(metrics, ClientEvents) else None
        given_store = None if isinstance(store, str) else store
        self.outbound = ClientHolder(settings, client, given_store, events)
        fetch = self._callback_ips if self.outbound.configured else None
        self.source_ips = SourceIPGuard(settings.source_ip_check, settings.source_ip_refresh, fetch)
        # Suite mode registers its lifecycle handlers now, before any of the user's.
        self.suite = SuiteMode(
            settings,
            self.router,
            self.startup,
            store=given_store,
            installations=installations,
            events=events,
        )
        self.crypto.more_receive_ids = self.suite.corps  # a suite's installed corps
        self._build_pipeline(given_inbox)
        self._starting: asyncio.Task[None] | None = None
        self._stopped = False
        self._retry_at = 0.0
        self._backoff = 0.0
        self._start_error = ""

    def _build_pipeline(self, given_inbox: Inbox | None) -> None:
        """The inbox view, the runner over it, and the receiver in front of both."""
        settings = self.settings
        retention = settings.retention_days * 86400
        base = given_inbox or open_inbox(settings.inbox_url, retention=retention)
        self.inbox = base.scoped(self.name)
        self.observer = health.observer()
        self.runner = Runner(
            self.router,
            self.inbox,
            settings,
            self.resources,
            inline=settings.inline,
            observer=self.observer,
            render=self._render(),
            parse=self._parse,
        )
        replay = ReplayWindow(retention, settings.max_clock_skew)
        self.receiver = Receiver(
            self.crypto,
            self._dispatch(),
            replay if settings.replay_window else None,
            endpoint=self.name,
            wire=self.WIRE,
        )

    # Hooks of the pipeline a subclass speaking another dialect replaces.

    def _render(self) -> Render:
        """Handler result to plaintext reply."""
        return render_xml

    @staticmethod
    def _parse(plaintext: bytes) -> Callback:
        """A stored plaintext to its model (records claimed back from the inbox)."""
        return parse_message(plaintext)

    def _dispatch(self) -> Dispatch:
        """Where the receiver hands each verified callback."""
        return self.runner.admit

    @classmethod
    def from_env(cls, **overrides: Any) -> WeComApp:
        """Build an app from ``WECOM_*`` environment variables; ``overrides`` win."""
        client = overrides.pop("client", None)
        inbox = overrides.pop("inbox", None)
        if isinstance(inbox, str):
            overrides["inbox_url"] = inbox
            inbox = None
        store = overrides.pop("store", None)
        if isinstance(store, str):
            overrides["store_url"] = store
            store = None
        installations = overrides.pop("installations", None)
        settings = Settings.from_env(**overrides)
        return cls(
            settings=settings, client=client, inbox=inbox, store=store, installations=installations
        )

    def __repr__(self) -> str:
        return (
            f"WeComApp(name={self.name!r}, receive_ids={list(self.settings.receive_ids)!r},"
            f" inbox={self.inbox!r})"
        )

    # -- registration -------------------------------------------------------------

    def on(self, kind: str | type[Callback] = "*", /, **filters: Any) -> Callable[[F], F]:
        """Register a handler; see :meth:`Router.on <wecom_callback.Router.on>`."""

        def decorator(func: F) -> F:
            handler = Handler(func, kind, filters)  # checked before it is added
            self._check_injections([handler])
            self.router.add_handler(func, kind, **filters)
            return func

        return decorator

    def include_router(self, router: Router) -> None:
        """Add a router's handlers after the app's own."""
        self._check_injections(router.handlers)
        self.router.include_router(router)

    def _check_injections(self, handlers: list[Handler]) -> None:
        if self.outbound.configured:
            return
        for handler in handlers:
            if "client" in handler.inject:
                raise HandlerError(
                    f"handler {handler.id} asks for client, but this app has none: give it"
                    " corp_id= and secret= (WECOM_CORP_ID, WECOM_SECRET) or client="
                )

    def routes(self, path: str) -> list[BaseRoute]:
        """Routes serving this app at ``path`` in a Starlette/FastAPI site, slash or not.

        ``Starlette(routes=[*hr.routes("/wecom/hr")], lifespan=hr.lifespan)``: WeCom's
        URL check does not follow redirects, so ``/wecom/hr`` must be answered as is,
        not redirected to ``/wecom/hr/`` as a bare ``Mount`` would be.
        """
        path = "/" + path.strip("/")
        if path == "/":
            return [Mount("/", self)]
        return [Route(path, self, include_in_schema=False), Mount(path, self)]

    @property
    def suite_client(self) -> SuiteClient:
        """A suite-mode app's :class:`~wecom_callback.suite.SuiteClient` (while it runs)."""
        return self.suite.client

    @property
    def installations(self) -> InstallationStore:
        """A suite-mode app's installations (while it runs)."""
        return self.suite.installations

    def health_routes(self) -> list[BaseRoute]:
        """``/healthz``, ``/readyz`` and ``/metrics`` for this app, to add to a site."""
        return health.health_routes([self])

    @property
    def client(self) -> Any:
        """The client handlers get (the app's own exists while the app runs)."""
        return self.outbound.client

    def resources(self) -> dict[str, Any]:
        """What handlers can ask for by parameter name, besides ``ctx``."""
        return {"client": self.outbound.client}

    # -- lifecycle ----------------------------------------------------------------

    async def startup(self) -> None:
        """Open the inbox and resume unfinished work (also done on the first request).

        A pure receiver (``inline=False``) only opens the inbox: its workers resume work.
        """
        # Concurrent first requests share one start; a call after a stop starts anew.
        self._stopped = False
        if self._starting is None or (self._starting.done() and not self.runner.started):
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _callback_ips(self) -> list[str]:
        ips: list[str] = await self.outbound.client.get_callback_ip()
        return ips

    async def _start(self) -> None:
        self._check_injections(self.router.handlers)  # routers may have grown since
        await self.outbound.open()
        self.source_ips.start()
        try:
            await self.suite.open()  # before any handler can run
            await self.runner.start()
        except BaseException:
            await self.suite.close()
            await self.outbound.close()
            raise

    async def _lazy_start(self) -> None:
        """Start on a request (no lifespan); a failed start is retried with a backoff.

        Raises :class:`NotAccepting` with the reason while the start fails or waits to be
        tried again, so those callbacks are answered 503 and WeCom delivers them later.
        """
        if self._stopped:
            raise NotAccepting("shutting down")
        now = time.monotonic()
        if now < self._retry_at:
            wait = self._retry_at - now
            raise NotAccepting(f"start-up failed ({self._start_error}); next try in {wait:.1f} s")
        try:
            await self.startup()
        except Exception as exc:
            self._backoff = min(max(self._backoff * 2, _START_BACKOFF), _START_BACKOFF_MAX)
            self._retry_at = time.monotonic() + self._backoff
            self._start_error = f"{type(exc).__name__}: {exc}"
            log.error("endpoint %s: start-up failed: %s", self.name, self._start_error)
            raise NotAccepting(f"start-up failed ({self._start_error})") from None
        self._backoff = 0.0

    async def shutdown(self) -> None:
        """Stop admitting, let in-flight handlers finish within the grace period, close."""
        self._stopped = True
        try:
            await self.runner.stop()
        finally:
            await self.suite.close()
            await self.outbound.close()  # after the handlers that may use it

    async def run_worker(self) -> None:
        """Claim and run this app's work from the inbox until cancelled (``worker``)."""
        self._check_injections(self.router.handlers)
        await self.outbound.open()
        try:
            await self.suite.open()
            await self.runner.run_forever()
        finally:
            await self.suite.close()
            await self.outbound.close()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        """Lifespan for a host Starlette/FastAPI app: ``Starlette(lifespan=app.lifespan)``."""
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    # -- ASGI ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                outcome = await self._http(scope, receive)
            except http.Disconnected:
                return  # nobody to answer; nothing was admitted
            except PayloadTooLargeError as exc:
                # An undrained body leaves the connection unusable: close it after this.
                outcome = Outcome.reject(exc)
                self.observer.rejected(outcome.status, outcome.code)
                await http.answer(send, outcome, close=not exc.drained)
                return
            if outcome.status >= 400:
                self.observer.rejected(outcome.status, outcome.code)
            await http.answer(send, outcome)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await http.close_websocket(receive, send)

    async def _http(self, scope: Scope, receive: Receive) -> Outcome:
        client = scope.get("client")
        peer = client[0] if client else None
        if not self.source_ips.allows(peer):
            return Outcome(403, f"{peer} is not among WeCom's callback addresses".encode())
        try:
            query = http.parse_query(scope["query_string"])
            method = scope["method"]
            if method == "GET":
                return self.receiver.get(query)
            if method != "POST":
                return Outcome(405, b"only GET (URL verification) and POST (callbacks)")
            s = self.settings
            body = await http.read_body(scope, receive, s.max_body_size, s.body_timeout)
        except (AmbiguousRequestError, BodyTimeoutError) as exc:
            return self.receiver.rejected(scope["method"], exc, peer)
        try:
            if not self.runner.started:  # no lifespan (or a failed start): start lazily
                await self._lazy_start()
            return await self.receiver.post(query, body, peer)
        except NotAccepting as exc:
            # Not admitted, so not acknowledged: WeCom redelivers on any non-200.
            return Outcome(503, f"not accepting callbacks now ({exc}); retry".encode())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await serve_lifespan(receive, send, self.startup, self.shutdown, f"endpoint {self.name}: ")
