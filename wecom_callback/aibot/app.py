"""``AIBotApp``: an AI bot's callback URL, on the same pipeline as :class:`WeComApp`.

Everything of ``WeComApp`` holds (URL check, signature, decryption, the inbox and its
dedupe by ``msgid``, routers, ``ctx``, ``client``, mounting, lifespan); what differs is
the dialect: JSON envelopes and plaintexts, the AI bot's kinds, JSON replies, streams.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar

from starlette.types import Receive, Scope

from .._app.app import WeComApp
from .._receiving.context import CallbackContext
from .._receiving.formats import JSON, WireFormat
from .._receiving.receiver import Delivery, Dispatch, Outcome, dedupe_key
from .._routing.router import Router as BaseRouter
from .._stores import Store
from .._wire.json_envelope import dump_json, parse_json
from .._worker.attempt import Render
from .._worker.runner import NotAccepting
from ..client.aibot import AIBotClient
from ..crypto import Plaintext, generate_key, generate_token
from ..errors import ConfigurationError
from ..models._base import Callback, Dialect
from ..models._parsing import aibot_model_from_dict
from ..models.aibot import AIBotStreamRefresh
from .answers import Answers
from .streams import Mode, Streams, for_mode

__all__ = ["AIBotApp", "Router"]

_NO_WEBHOOK = (
    b"this AI bot has no callback URL: it is reached over the long connection only"
    b" (AIBotApp.long_connection)"
)

#: Seconds between two snapshots :meth:`AIBotApp.respond` yields for a stream.
_YIELD_INTERVAL = 0.5


def _stream_options(lease: float, window: float) -> dict[str, float]:
    if not 0 < window <= 360:
        raise ConfigurationError(
            f"stream_window={window:g}: WeCom refreshes a stream for 6 minutes, so it is"
            " more than 0 and at most 360 seconds"
        )
    if lease <= 0:
        raise ConfigurationError(f"stream_lease={lease:g}: give a positive number of seconds")
    return {"lease": lease, "window": window}


class Router(BaseRouter):
    """A router of AI bot handlers (its kinds are the AI bot's, checked at registration)."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name, dialect="aibot")


class AIBotApp(WeComApp):
    """An ASGI app receiving one AI bot's callback URL (智能机器人, API mode).

    ``AIBotApp(token, encoding_aes_key)``: the receive id is the empty string. Other
    options are those of :class:`~wecom_callback.WeComApp`. Kinds are the ``msgtype``
    of messages (``text``, ``image``, ``mixed``, ``voice``, ``file``, ``video``) and the
    ``eventtype`` of events (``enter_chat``, ``template_card_event``,
    ``feedback_event``). What handlers may return is listed in
    :mod:`wecom_callback.aibot.answers`; refresh callbacks (``msgtype`` ``stream``) are
    answered by the app from the stream's stored state, without an inbox record.

    Stream state lives in ``store`` (a URL or a store; by default the inbox's own
    storage), so a refresh reaching any replica is answered alike. ``stream_lease``:
    seconds without a heartbeat after which a stream counts as dead (its replica died)
    and ends with a note; ``stream_window``: seconds after the user's message after
    which a still-running stream ends and the rest goes to ``response_url``. The
    heartbeat is the writer's wall clock: replicas' clocks must agree well within the
    lease. A stream runs where its handler ran, so a bot's handlers run inline (a pure
    receiver's workers can still answer through ``response_url``).
    Handlers asking for ``client`` get the app's ``client=`` or an
    :class:`~wecom_callback.client.aibot.AIBotClient`.
    """

    DIALECT: ClassVar[Dialect] = "aibot"
    WIRE: ClassVar[WireFormat] = JSON

    def __init__(
        self,
        token: str | None = None,
        encoding_aes_key: str | None = None,
        *,
        receive_id: str | None = "",
        store: str | Store | None = None,
        stream_lease: float = 10.0,
        stream_window: float = 330.0,
        **options: Any,
    ) -> None:
        self._stream_options = _stream_options(stream_lease, stream_window)
        self._given_store = store if isinstance(store, Store) else None
        self.bot_client: AIBotClient | None = None
        self.webhook = True
        """False for a bot reached only over the long connection (:meth:`long_connection`)."""
        if options.get("settings") is not None:
            receive_id = None
        super().__init__(token, encoding_aes_key, receive_id, store=store, **options)
        self.router.name = "aibot"

    @classmethod
    def long_connection(cls, bot_id: str, **options: Any) -> AIBotApp:
        """A bot reached only over the long connection (no callback URL, so no Token or
        EncodingAESKey): serve it with :class:`~wecom_callback.aibot.connection.AIBotConnection`
        or ``wecom-callback aibot connect``. Its HTTP routes answer 404 with the reason.

        The endpoint is named after ``bot_id`` unless ``name=`` is given, so its inbox
        records stay with it across restarts. Other options as for the constructor.
        """
        if not bot_id:
            raise ConfigurationError("long_connection() needs the bot's id (its BotID)")
        options.setdefault("name", re.sub(r"[^A-Za-z0-9._-]", "_", bot_id)[:64])
        # Never used on the wire: a callback URL is what needs them, and there is none.
        token, key = generate_token(), generate_key()
        app = cls(token, key, **options)
        app.webhook = False
        return app

    async def _http(self, scope: Scope, receive: Receive) -> Outcome:
        if not self.webhook:
            return Outcome(404, _NO_WEBHOOK)
        return await super()._http(scope, receive)

    @classmethod
    def from_env(cls, **overrides: Any) -> AIBotApp:
        """Build a bot from ``WECOM_*`` variables (no ``WECOM_RECEIVE_ID``: it is ``""``).

        ``stream_lease`` and ``stream_window`` may be given as keywords.
        """
        streams = {k: overrides.pop(k) for k in ("stream_lease", "stream_window") if k in overrides}
        overrides.setdefault("receive_ids", ("",))
        app = super().from_env(**overrides)
        assert isinstance(app, AIBotApp)
        if streams:  # from_env builds through __init__'s settings= path, without them
            lease = streams.get("stream_lease", app.streams.lease)
            window = streams.get("stream_window", app.streams.window)
            options = _stream_options(lease, window)
            app.streams.lease, app.streams.window = options["lease"], options["window"]
        return app

    def _render(self) -> Render:
        given = self._given_store
        store: Store | str = given if given is not None else self.settings.store_url
        self.streams = Streams(store, self.name, lambda: self.bot_client, **self._stream_options)
        self.answers = Answers(self.streams)
        return self.answers.render

    @staticmethod
    def _parse(plaintext: bytes) -> Callback:
        return aibot_model_from_dict(parse_json(plaintext))

    def _dispatch(self) -> Dispatch:
        return self._deliver

    async def _deliver(self, delivery: Delivery) -> bytes | None:
        model = delivery.model
        if isinstance(model, AIBotStreamRefresh):
            if not self.runner.accepting:
                raise NotAccepting("shutting down")
            try:
                frame = await self.streams.frame(model.stream.id)
            except Exception as exc:  # answered 503: WeCom refreshes again
                raise NotAccepting(f"stream store unavailable ({type(exc).__name__})") from exc
            return dump_json(frame)
        return await self.runner.admit(delivery)

    def __repr__(self) -> str:
        return f"AIBotApp(name={self.name!r}, inbox={self.inbox!r})"

    # -- registration -------------------------------------------------------------

    def _check_injections(self, handlers: list[Any]) -> None:
        return  # an AI bot always has a client: its own AIBotClient at least

    def resources(self) -> dict[str, Any]:
        """What handlers can ask for by name: ``client`` is the given one or the bot's."""
        given = self.outbound.client
        return {"client": given if given is not None else self.bot_client}

    # -- lifecycle ----------------------------------------------------------------

    async def _start(self) -> None:
        try:
            await self.streams.open()
            self.bot_client = AIBotClient(
                self.settings.encoding_aes_key.get_secret_value(), store=self.streams.store
            )
            await super()._start()
        except BaseException:
            await self._close_streams()
            raise

    async def _close_streams(self) -> None:
        try:
            await self.streams.close()
        finally:
            client, self.bot_client = self.bot_client, None
            if client is not None:
                await client.aclose()

    async def shutdown(self) -> None:
        """Stop admitting, finish in-flight handlers, end running streams, close."""
        try:
            await super().shutdown()
        finally:
            await self._close_streams()

    async def start(self) -> None:
        """Open the inbox and the stream store outside an ASGI lifespan (also ``async with``)."""
        await self.startup()

    async def close(self) -> None:
        """The counterpart of :meth:`start`."""
        await self.shutdown()

    async def __aenter__(self) -> AIBotApp:
        await self.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    # -- the long connection's entry ----------------------------------------------

    async def respond(
        self, message: dict[str, Any], *, mode: Mode = "webhook"
    ) -> AsyncIterator[dict[str, Any]]:
        """Admit one decrypted callback body and yield its plaintext reply bodies in order.

        The body (the plaintext JSON as a dict) is admitted to the inbox and dispatched
        to the handlers; a duplicate ``msgid`` (WeCom delivering again an answer a dropped
        connection may have lost) runs nothing and yields the stored answer again, a
        stream's as it stands now. Yields, by kind:

        - a message: a stream's successive frames ``{"msgtype":"stream","stream":{"id",
          "finish":false,"content"}}`` (at most about two a second, only when changed),
          ending with one whose ``finish`` is true; or one finished frame (a ``str``
          answer); or one ``{"msgtype":"template_card",...}``;
        - ``enter_chat``: one welcome ``{"msgtype":"text",...}`` or ``template_card``;
        - ``template_card_event``: one ``{"response_type":"update_template_card",...}``;
        - a refresh (``msgtype`` ``stream``): the stream's current frame;
        - nothing when the handlers answer nothing.

        ``mode="ws"`` applies the long connection's limits: frames carry no ``msg_item``
        (images); ``stream_with_template_card`` is never produced in either mode.
        """
        if not self.runner.started:
            await self._lazy_start()
        model = aibot_model_from_dict(message)
        if isinstance(model, AIBotStreamRefresh):
            yield for_mode(await self.streams.frame(model.stream.id, mode), mode)
            return
        plaintext = dump_json(message)
        ctx = CallbackContext(
            received_at=datetime.now(UTC),
            dedupe_key=dedupe_key(Plaintext(plaintext, ""), message.get("msgid")),
            receive_id="",
            plaintext=plaintext,
        )
        new, reply = await self.runner.admit_once(Delivery(model, ctx))
        if reply is None:
            return
        body = parse_json(reply, what="the reply")
        stream = body.get("stream")
        streaming = body.get("msgtype") == "stream" and isinstance(stream, dict)
        if not new and streaming and not body["stream"].get("finish"):
            # Delivered again (the answer may have been lost with a socket): the stream
            # as it stands now, followed to its end; the handler does not run again.
            body = await self.streams.frame(str(body["stream"]["id"]), mode)
        yield for_mode(body, mode)
        if not streaming or not isinstance(stream, dict):
            return
        last = body
        while not last["stream"].get("finish"):
            await asyncio.sleep(_YIELD_INTERVAL)
            frame = await self.streams.frame(str(stream["id"]), mode)
            if frame["stream"] != {k: v for k, v in last["stream"].items() if k != "feedback"}:
                last = frame
                yield for_mode(frame, mode)
