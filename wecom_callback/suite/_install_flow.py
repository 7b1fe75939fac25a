"""The install flow over HTTP, for installs that start on the provider's own site.

WeCom pushes ``create_auth`` only for installs from its app market; an install from the
provider's site delivers the auth code only on the redirect (OUTBOUND.md 3.2, step 4).
:class:`InstallFlow` is a small Starlette app to mount anywhere:

* ``GET <mount>/start`` fetches a pre-auth code (and sets the session's auth type, if
  given) and redirects to WeCom's install page with a signed, expiring ``state``;
* ``GET <mount>/callback`` is the ``redirect_uri``: it checks the state, exchanges the
  code and stores the installation through :meth:`SuiteClient.install`, the path the
  ``create_auth`` callback takes too.

Every failure is a clear 4xx (bad or expired state, a code used twice: 40078) or 502/503
(WeCom refused, no ticket yet), never a 500; logs carry reasons, never codes or state.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from wecom_callback.errors import WeComAPIError, WeComTransportError

from ._client import SuiteClient
from ._errors import SuiteTicketError
from ._install_state import InstallState, StateError

__all__ = ["InstallFlow"]

log = logging.getLogger("wecom_callback.suite")

#: The auth code was used before (or is not valid): WeCom's "只能消费一次".
_CODE_USED = 40078
_STATE_PURPOSE = "wecom-callback install state"


class InstallFlow:
    """A mountable ASGI app running the install flow of one suite (see the module docs).

    ``suite`` is a :class:`SuiteClient` or an async function returning one (a suite-mode
    app's, started on demand). ``redirect_uri`` is the public URL of ``<mount>/callback``.
    ``secret`` signs the state (default: a key derived from the suite secret). After an
    install the browser goes to ``done_url`` with ``auth_corp_id`` in the query, if given.
    ``install_base_url`` replaces WeCom's install page host (a test server).
    """

    def __init__(
        self,
        suite: SuiteClient | Callable[[], Awaitable[SuiteClient]],
        *,
        redirect_uri: str,
        secret: str | bytes | None = None,
        state_ttl: float = 900.0,
        auth_type: int | None = None,
        done_url: str | None = None,
        install_base_url: str | None = None,
    ) -> None:
        self._suite = suite
        self.install_base_url = install_base_url
        self.redirect_uri = redirect_uri
        self.auth_type = auth_type
        self.done_url = done_url
        self._secret = secret.encode() if isinstance(secret, str) else secret
        self._state_ttl = state_ttl
        self._states: InstallState | None = None
        routes = [Route("/start", self.start), Route("/callback", self.callback)]
        self.app = Starlette(routes=routes)

    def __repr__(self) -> str:
        return f"InstallFlow(redirect_uri={self.redirect_uri!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def _client(self) -> SuiteClient:
        suite = self._suite
        return suite if isinstance(suite, SuiteClient) else await suite()

    def _signer(self, suite: SuiteClient) -> InstallState:
        if self._states is None:
            key = self._secret or suite.derive_key(_STATE_PURPOSE)
            self._states = InstallState(key, self._state_ttl)
        return self._states

    async def start(self, request: Request) -> Response:
        """Redirect to WeCom's install page with a fresh pre-auth code and state."""
        try:
            suite = await self._client()
            pre = await suite.get_pre_auth_code()
            if self.auth_type is not None:
                await suite.set_session_info(pre.pre_auth_code, auth_type=self.auth_type)
        except Exception as exc:
            return _failed("starting an install", exc)
        state = self._signer(suite).issue()
        target = suite.install_url(
            pre.pre_auth_code, self.redirect_uri, state, base_url=self.install_base_url
        )
        return RedirectResponse(target, 302)

    async def callback(self, request: Request) -> Response:
        """The redirect back from WeCom: check the state, exchange, store."""
        code = request.query_params.get("auth_code")
        try:
            suite = await self._client()
            self._signer(suite).check(request.query_params.get("state"))
        except StateError as exc:
            log.warning("install redirect refused: %s", exc)
            return PlainTextResponse(f"{exc}", status_code=400)
        except Exception as exc:
            return _failed("finishing an install", exc)
        if not code:
            return PlainTextResponse("the redirect carries no auth_code", status_code=400)
        try:
            installation = await suite.install(code)
        except WeComAPIError as exc:
            if exc.errcode == _CODE_USED:
                log.warning("install redirect refused: the auth code was used before (40078)")
                return PlainTextResponse(
                    "40078 this authorisation code was already used (or is not valid):"
                    " start the installation again",
                    status_code=400,
                )
            return _failed("finishing an install", exc)
        except Exception as exc:
            return _failed("finishing an install", exc)
        if self.done_url is not None:
            query = urlencode({"auth_corp_id": installation.auth_corp_id})
            sep = "&" if "?" in self.done_url else "?"
            return RedirectResponse(f"{self.done_url}{sep}{query}", 303)
        return PlainTextResponse(
            f"installed in {installation.corp_name or installation.auth_corp_id}"
        )


def _failed(what: str, exc: Exception) -> Response:
    """A 502 or 503 saying why (the store or WeCom failed, no ticket yet); never a 500."""
    if isinstance(exc, SuiteTicketError):
        log.warning("%s failed: no usable suite_ticket", what)
        return PlainTextResponse(f"{exc}", status_code=503)
    if isinstance(exc, WeComAPIError):
        log.warning("%s failed: WeCom answered errcode %s", what, exc.errcode)
        return PlainTextResponse(
            f"{exc.errcode} WeCom refused the request: {exc.errmsg}", status_code=502
        )
    if isinstance(exc, WeComTransportError):
        log.warning("%s failed: %s", what, type(exc).__name__)
        return PlainTextResponse("WeCom did not answer: try again", status_code=502)
    log.error("%s failed: %s", what, type(exc).__name__, exc_info=exc)
    return PlainTextResponse(f"{what} failed ({type(exc).__name__}): try again", status_code=503)
