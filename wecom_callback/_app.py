"""``WeComApp``: the ASGI application a user serves with uvicorn or mounts in Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._receiver import Outcome, Receiver
from ._routing import F, Router
from ._runner import NotAccepting, Runner
from ._settings import Settings
from .crypto import WeComCrypto
from .errors import PayloadTooLargeError
from .inbox import Inbox, open_inbox
from .models._base import Callback

__all__ = ["WeComApp"]

log = logging.getLogger("wecom_callback")


class WeComApp:
    """An ASGI app receiving one WeCom callback URL.

    ``WeComApp(token, encoding_aes_key, receive_id)`` or, for several receive ids
    (a suite's SuiteID and the provider's CorpID), ``receive_ids=[...]``. Other options
    are the fields of :class:`~wecom_callback.Settings`; ``inbox`` also takes an
    :class:`~wecom_callback.inbox.Inbox` instance. Register handlers with :meth:`on`;
    serve with ``uvicorn module:app``, or mount under any path and enter
    :meth:`lifespan` from the host application's lifespan.
    """

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
        **options: Any,
    ) -> None:
        if isinstance(inbox, str):
            options["inbox"] = inbox
        if settings is None:
            ids: tuple[str, ...] = tuple(receive_ids or ())
            if receive_id is not None:
                ids = (receive_id, *ids)
            settings = Settings(
                token=token, encoding_aes_key=encoding_aes_key, receive_ids=ids, **options
            )
        self.settings = settings
        self.crypto = WeComCrypto(
            settings.token.get_secret_value(),
            settings.encoding_aes_key.get_secret_value(),
            settings.receive_ids,
        )
        self.router = Router("app")
        self.client = client
        self.inbox = (
            inbox
            if isinstance(inbox, Inbox)
            else open_inbox(settings.inbox_url, retention=settings.retention_days * 86400)
        )
        self.runner = Runner(
            self.router, self.inbox, settings, self.resources, inline=settings.inline
        )
        self.receiver = Receiver(self.crypto, self.runner.receive)
        self._starting: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> WeComApp:
        """Build an app from ``WECOM_*`` environment variables; ``overrides`` win."""
        client = overrides.pop("client", None)
        inbox = overrides.pop("inbox", None)
        if isinstance(inbox, str):
            overrides["inbox"] = inbox
            inbox = None
        return cls(settings=Settings.from_env(**overrides), client=client, inbox=inbox)

    def __repr__(self) -> str:
        return f"WeComApp(receive_ids={list(self.settings.receive_ids)!r}, inbox={self.inbox!r})"

    # -- registration -------------------------------------------------------------

    def on(self, kind: str | type[Callback] = "*", /, **filters: Any) -> Callable[[F], F]:
        """Register a handler; see :meth:`Router.on <wecom_callback.Router.on>`."""
        return self.router.on(kind, **filters)

    def include_router(self, router: Router) -> None:
        """Add a router's handlers after the app's own."""
        self.router.include_router(router)

    def resources(self) -> dict[str, Any]:
        """What handlers can ask for by parameter name, besides ``ctx``."""
        return {"client": self.client}

    # -- lifecycle ----------------------------------------------------------------

    async def startup(self) -> None:
        """Open the inbox and resume unfinished work (also done on the first request)."""
        # Concurrent first requests share one start; a call after a stop starts anew.
        if self._starting is None or (self._starting.done() and not self.runner.started):
            self._starting = asyncio.ensure_future(self.runner.start())
        await asyncio.shield(self._starting)

    async def shutdown(self) -> None:
        """Stop admitting, let in-flight handlers finish within the grace period, close."""
        await self.runner.stop()

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
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        outcome = await self.handle(request)
        response = Response(outcome.body, outcome.status, media_type=outcome.content_type)
        if outcome.code is not None:
            response.headers["X-WeCom-Error-Code"] = str(outcome.code)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Outcome:
        """Answer one HTTP request (GET verification or POST callback)."""
        if request.method == "GET":
            return self.receiver.get(request.query_params)
        if request.method != "POST":
            return Outcome(405, b"only GET (URL verification) and POST (callbacks)")
        try:
            body = await self._read_body(request)
        except PayloadTooLargeError as exc:
            return Outcome.reject(exc)
        if self._starting is None:  # first request, no lifespan: start lazily
            await self.startup()
        client = request.client.host if request.client else None
        try:
            return await self.receiver.post(request.query_params, body, client)
        except NotAccepting as exc:
            # Not admitted, so not acknowledged: WeCom redelivers on any non-200.
            return Outcome(503, f"not accepting callbacks now ({exc}); retry".encode())

    async def _read_body(self, request: Request) -> bytes:
        cap = self.settings.max_body_size
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise PayloadTooLargeError(f"body of {declared} bytes is over the {cap}-byte cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise PayloadTooLargeError(f"body is over the {cap}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.error("startup failed: %s", exc)
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return
