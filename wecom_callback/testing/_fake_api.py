"""A fake WeCom server API: a real HTTP server on 127.0.0.1 for tests and demos.

It plays ``/cgi-bin/...`` with WeCom's JSON shapes and codes (see :data:`ENDPOINTS`),
can be told to fail, and records every call. Point a client at it with
``base_url=api.base_url``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from wecom_callback.crypto import WeComCrypto
from wecom_callback.testing import _fake_directory as directory
from wecom_callback.testing import _fake_endpoints as endpoints
from wecom_callback.testing._fake_endpoints import Incoming, Upload, error
from wecom_callback.testing._fake_service import SERVICE, FakeService
from wecom_callback.testing._fake_state import Failure, FakeState, RecordedCall, Secret
from wecom_callback.testing._server import LiveServer

__all__ = ["FakeWeComAPI", "RecordedCall", "Upload"]

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

Handler = Callable[[FakeState, Incoming], dict[str, Any]]

#: Path after /cgi-bin/ -> handler. ``gettoken`` is the only one without a token.
ENDPOINTS: dict[str, Handler] = {
    "gettoken": endpoints.gettoken,
    "message/send": endpoints.message_send,
    "message/update_template_card": endpoints.update_template_card,
    "message/recall": endpoints.recall,
    "appchat/create": endpoints.appchat_create,
    "appchat/get": endpoints.appchat_get,
    "appchat/send": endpoints.appchat_send,
    "kf/sync_msg": endpoints.kf_sync_msg,
    "kf/send_msg": endpoints.kf_send_msg,
    "kf/send_msg_on_event": endpoints.kf_send_msg_on_event,
    "externalcontact/get": endpoints.external_contact_get,
    "externalcontact/send_welcome_msg": endpoints.send_welcome_msg,
    "externalcontact/groupchat/get": endpoints.group_chat_get,
    "oa/getapprovaldetail": endpoints.approval_detail,
    "media/upload": endpoints.media_upload,
    "media/uploadimg": endpoints.media_uploadimg,
    "agent/get": directory.agent_get,
    "agent/list": directory.agent_list,
    "agent/set": directory.agent_set,
    "user/get": directory.user_get,
    "department/list": directory.department_list,
    "getcallbackip": directory.callback_ip,
    "get_api_domain_ip": directory.api_domain_ip,
    "get_jsapi_ticket": directory.jsapi_ticket,
    "ticket/get": directory.agent_ticket,
}


class FakeWeComAPI:
    """WeCom's server API played by a real uvicorn on 127.0.0.1, on a port the OS picks.

    ``with FakeWeComAPI() as api:`` (or ``async with``) starts it; then
    ``WeComClient(api.corp_id, api.secret, agent_id=api.agent_id, base_url=api.base_url)``.
    Tokens behave as WeCom's: ``gettoken`` returns the same token while it is valid, a
    new one after it expired (:meth:`expire_tokens`). Script failures with
    :meth:`fail_next`, :meth:`delay`, :meth:`disable_secret` and :meth:`respond`; read
    :attr:`calls` (or :meth:`calls_to`) to assert what the client sent. Every method is
    safe to call from any thread, while the server runs. :attr:`service` plays the
    third-party side (suites, tickets, installs, the install page at ``/3rdapp/install``).
    """

    def __init__(
        self,
        *,
        corp_id: str = "wwfakecorp00000001",
        secret: str | None = None,
        agent_id: int | None = 1000002,
        token_ttl: float = 7200.0,
    ) -> None:
        """A fake corp ``corp_id`` with one app (``secret``, random if None, ``agent_id``)."""
        self.corp_id = corp_id
        self.secret = secret or secrets.token_urlsafe(32)
        self.agent_id = agent_id
        self._state = FakeState(corp_id=corp_id, token_ttl=token_ttl)
        self._state.secrets[self.secret] = Secret(agent_id)
        self.service = FakeService(self._state)
        """The third-party side: suites, tickets, installs (see :class:`FakeService`)."""
        app = Starlette(
            routes=[
                Route("/cgi-bin/{path:path}", self._serve, methods=["GET", "POST"]),
                Route("/3rdapp/install", self.service.install_page),
                Route("/aibot/media/{media:str}", self._serve_media),
            ]
        )
        self._media: dict[str, bytes] = {}
        self._used_response_codes: set[str] = set()
        self._server = LiveServer(app, access_log=False)

    def __repr__(self) -> str:
        return f"FakeWeComAPI(corp_id={self.corp_id!r}, base_url={self.base_url!r})"

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the ``base_url`` for a client (once started)."""
        return self._server.url

    def start(self) -> FakeWeComAPI:
        """Start serving; returns once the server accepts connections."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def __enter__(self) -> FakeWeComAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeWeComAPI:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- the corp ----------------------------------------------------------------------

    # -- AI bots -----------------------------------------------------------------------

    def response_url(self, code: str | None = None) -> str:
        """A ``response_url`` as an AI bot's callback carries it (``aibot/response``).

        Each takes one post; a second one is answered errcode 40058 (this fake's choice).
        Posts are recorded as calls of ``aibot/response``.
        """
        code = code or secrets.token_urlsafe(16)
        return f"{self.base_url}/cgi-bin/aibot/response?response_code={code}"

    def add_aibot_media(self, data: bytes, encoding_aes_key: str) -> str:
        """Serve ``data`` encrypted with the bot's key, as a webhook-mode media URL does."""
        sealed = WeComCrypto("unused", encoding_aes_key, "").encrypt_media(data)
        name = secrets.token_urlsafe(8)
        with self._state.lock:
            self._media[name] = sealed
        return f"{self.base_url}/aibot/media/{name}"

    async def _serve_media(self, request: Request) -> Response:
        with self._state.lock:
            data = self._media.get(request.path_params["media"])
        if data is None:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(data, media_type="application/octet-stream")

    def _aibot_response(self, req: Incoming) -> dict[str, Any]:
        code = req.params.get("response_code")
        if not code:
            return error(40058, "response_code missing")
        if code in self._used_response_codes:
            return error(40058, "response_code used")
        if not isinstance(req.json, dict) or req.json.get("msgtype") not in (
            "markdown", "template_card"
        ):  # fmt: skip
            return error(40008, "invalid message type")
        self._used_response_codes.add(code)
        return error(0, "ok")

    # -- the corp ----------------------------------------------------------------------

    def add_secret(self, secret: str | None = None, *, agent_id: int | None = None) -> str:
        """Another secret of the corp (another app, or a contacts/kf secret); returned."""
        secret = secret or secrets.token_urlsafe(32)
        with self._state.lock:
            self._state.secrets[secret] = Secret(agent_id)
        return secret

    def disable_secret(self, secret: str) -> None:
        """From now on ``gettoken`` answers 40001 for ``secret`` (reset, or app disabled)."""
        with self._state.lock:
            self._state.secrets.setdefault(secret, Secret(None)).enabled = False

    def add_user(self, *userids: str) -> None:
        """Members that message/send and user/get know (default: zhangsan, lisi, wangwu)."""
        with self._state.lock:
            self._state.users.update(userids)

    def expire_tokens(self) -> None:
        """Expire every token issued so far: using one answers 42001; gettoken gives anew."""
        with self._state.lock:
            self._state.expire_all()

    def add_kf_messages(self, open_kfid: str, *pages: Iterable[Mapping[str, Any]]) -> None:
        """Queue pages of kf messages for sync_msg (an empty page is answered as such,
        with ``has_more=1`` if pages follow)."""
        with self._state.lock:
            queued = self._state.kf_pages.setdefault(open_kfid, [])
            queued.extend([dict(message) for message in page] for page in pages)

    @staticmethod
    def kf_text(
        msgid: str,
        content: str,
        *,
        open_kfid: str = "wkfakekf0001",
        external_userid: str = "wmcustomer01",
        origin: int = 3,
        send_time: int = 1700000000,
    ) -> dict[str, Any]:
        """A text message as sync_msg lists it (origin 3: from the customer)."""
        return {
            "msgid": msgid,
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "send_time": send_time,
            "origin": origin,
            "msgtype": "text",
            "text": {"content": content},
        }

    # -- scripted behaviour --------------------------------------------------------------

    def fail_next(
        self,
        path: str | None = None,
        *,
        errcode: int | None = None,
        errmsg: str = "scripted failure",
        status: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``path`` (any API but gettoken if None)
        with ``errcode`` (e.g. 42001, 45009, -1) or with HTTP ``status`` (e.g. 502)."""
        if (errcode is None) == (status is None):
            raise ValueError("give exactly one of errcode and status")
        with self._state.lock:
            self._state.failures.append(Failure(path, errcode, errmsg, status, times))

    def delay(self, seconds: float, *, path: str | None = None, times: int | None = None) -> None:
        """Answer calls of ``path`` (any if None) ``seconds`` late, ``times`` times (None:
        always)."""
        with self._state.lock:
            self._state.delays.append((path, seconds, times))

    def respond(self, path: str, answer: Mapping[str, Any]) -> None:
        """Answer every call of ``path`` with exactly ``answer`` (after the token check)."""
        with self._state.lock:
            self._state.canned[path] = dict(answer)

    # -- what happened -------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call received so far, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, path: str) -> list[RecordedCall]:
        """The calls of one API path (``"gettoken"``, ``"message/send"``, ...)."""
        return [call for call in self.calls if call.path == path]

    def clear_calls(self) -> None:
        """Forget the calls recorded so far."""
        with self._state.lock:
            self._state.calls.clear()

    @property
    def uploads(self) -> list[Upload]:
        """Every file media/upload took, with its name as WeCom reads it."""
        with self._state.lock:
            return list(self._state.uploads)

    # -- serving -----------------------------------------------------------------------

    async def _serve(self, request: Request) -> Response:
        path = request.path_params["path"]
        body = await request.body()
        params = dict(request.query_params)
        token = params.pop("access_token", None)
        decoded: Any = None
        if body and "multipart/" not in request.headers.get("content-type", ""):
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = None
        incoming = Incoming(params, decoded, body, dict(request.headers), token)
        with self._state.lock:
            seconds = self._state.take_delay(path)
        if seconds:
            await asyncio.sleep(seconds)
        with self._state.lock:
            status, answer = self._answer(path, incoming)
            headers = incoming.headers
            call = RecordedCall(
                request.method, path, params, token, decoded, body, headers, status, answer
            )
            self._state.calls.append(call)
        if answer is None:
            return PlainTextResponse(_REASONS.get(status, "Error"), status_code=status)
        return JSONResponse(answer, status_code=status)

    def _answer(self, path: str, req: Incoming) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, JSON or None); called with the state's lock held."""
        state = self._state
        failure = state.take_failure(path)
        if failure is not None:
            if failure.status is not None:
                return failure.status, None
            return 200, error(int(failure.errcode or 0), failure.errmsg)
        if path == "aibot/response":  # a capability URL: no access token
            return 200, self._aibot_response(req)
        service = SERVICE.get(path)
        if service is not None:  # the service APIs check their own kinds of token
            return 200, service(self.service, req)
        handler = ENDPOINTS.get(path)
        if handler is None and path not in state.canned:
            return 404, None
        if path != "gettoken":
            code = state.token_error(req.token)
            if code is not None:
                return 200, error(code, "invalid access_token" if code != 42001 else "expired")
        canned = state.canned_answer(path)
        if canned is not None:
            return 200, dict(canned)
        assert handler is not None
        return 200, handler(state, req)
