"""The fake WeCom API's third-party endpoints: suites, installs, corp and provider tokens.

Reached as ``api.service`` on a :class:`~wecom_callback.testing.FakeWeComAPI`. Facts
follow OUTBOUND.md section 3: ``get_suite_token`` and ``get_corp_token`` leave ``errcode``
out on success; v2 ``get_permanent_code`` answers no ``auth_info``; an auth code works
once (40078); a cancelled corp's permanent code is refused (40084); a missing or stale
ticket is 40085; suite tokens are refused with 40082 and, expired, 42009.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from wecom_callback.testing import _fake_endpoints as endpoints
from wecom_callback.testing._fake_endpoints import Incoming, error, ok
from wecom_callback.testing._fake_state import FakeState, Secret

__all__ = ["SERVICE", "FakeInstall", "FakeService"]

_TTL = 7200


@dataclass
class FakeSuite:
    """A suite the fake knows: its secret, the tickets it pushed, its tokens."""

    suite_id: str
    secret: str
    tickets: set[str] = field(default_factory=set)
    token: str | None = None
    token_expires_at: float = 0.0


@dataclass
class FakeInstall:
    """A suite installed (or being installed) in one corp."""

    suite_id: str
    corp_id: str
    corp_name: str
    agent_id: int
    customized: bool = False
    permanent_code: str | None = None
    state: str | None = None
    active: bool = False


class FakeService:
    """The fake's third-party side: script suites, tickets and installs; see what happened.

    Every method takes the fake's lock: call them from the test's thread while it runs.
    """

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self.suites: dict[str, FakeSuite] = {}
        self.installs: dict[tuple[str, str], FakeInstall] = {}
        self._suite_tokens: dict[str, str] = {}
        self._pre_auth: dict[str, tuple[str, float]] = {}
        self._auth_codes: dict[str, FakeInstall] = {}
        self._codes: dict[str, FakeInstall] = {}
        self._providers: dict[str, str] = {}
        self._provider_tokens: dict[str, str] = {}
        self._logins: dict[str, dict[str, Any]] = {}
        self._installer: tuple[str, str, int] = ("wwInstalledCorp01", "Installed Corp", 1000010)

    def __repr__(self) -> str:
        return f"FakeService(suites={sorted(self.suites)!r})"

    # -- scripting ---------------------------------------------------------------------

    def add_suite(self, suite_id: str, secret: str | None = None) -> str:
        """A suite with ``secret`` (random if None); returned."""
        secret = secret or secrets.token_urlsafe(24)
        with self._state.lock:
            self.suites[suite_id] = FakeSuite(suite_id, secret)
        return secret

    def push_ticket(self, suite_id: str) -> str:
        """A new suite_ticket, as WeCom pushes every 10 minutes (send it in a callback)."""
        ticket = secrets.token_urlsafe(32)
        with self._state.lock:
            self.suites[suite_id].tickets.add(ticket)
        return ticket

    def expire_tickets(self, suite_id: str) -> None:
        """Every ticket pushed so far stops working (get_suite_token answers 40085)."""
        with self._state.lock:
            self.suites[suite_id].tickets.clear()

    def expire_suite_tokens(self) -> None:
        """Every suite token issued so far has expired (42009 on use)."""
        with self._state.lock:
            for suite in self.suites.values():
                suite.token_expires_at = 0.0

    def authorize(
        self,
        suite_id: str,
        corp_id: str,
        *,
        corp_name: str = "Fake Corp",
        agent_id: int = 1000010,
        customized: bool = False,
    ) -> str:
        """An admin of ``corp_id`` approved the install: the auth code for ``create_auth``."""
        with self._state.lock:
            return self._new_auth_code(
                FakeInstall(suite_id, corp_id, corp_name, agent_id, customized)
            )

    def reset_code(self, suite_id: str, corp_id: str) -> str:
        """重新获取secret: an auth code whose exchange yields a new permanent code."""
        with self._state.lock:
            return self._new_auth_code(self.installs[(suite_id, corp_id)])

    def installing(
        self, corp_id: str, corp_name: str = "Fake Corp", agent_id: int = 1000010
    ) -> None:
        """Who installs through the install page from now on."""
        with self._state.lock:
            self._installer = (corp_id, corp_name, agent_id)

    def cancel(self, suite_id: str, corp_id: str) -> None:
        """The corp removed the suite: its permanent code and tokens stop working."""
        with self._state.lock:
            install = self.installs[(suite_id, corp_id)]
            install.active = False
            self._disable(install.permanent_code)

    def add_provider(self, corp_id: str, secret: str | None = None) -> str:
        """A provider (its CorpID and ProviderSecret); the secret is returned."""
        secret = secret or secrets.token_urlsafe(24)
        with self._state.lock:
            self._providers[corp_id] = secret
        return secret

    def login_code(self, corp_id: str, user_id: str, *, usertype: int = 1) -> str:
        """An auth code as WeCom's login page gives it, for get_login_info."""
        code = secrets.token_urlsafe(16)
        with self._state.lock:
            self._logins[code] = {
                "usertype": usertype,
                "user_info": {"userid": user_id, "open_userid": f"wo{user_id}", "name": user_id},
                "corp_info": {"corpid": corp_id},
                "agent": [{"agentid": 1000010, "auth_type": 1}],
                "auth_info": {"department": [{"id": 1, "writable": True}]},
            }
        return code

    @staticmethod
    def open_corpid(corpid: str) -> str:
        """The provider-scoped id the fake gives ``corpid`` (mixed case, as WeCom's)."""
        digest = hashlib.sha256(corpid.encode()).digest()[:12]
        return "wp" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    # -- internals (the lock held) -------------------------------------------------------

    def _new_auth_code(self, install: FakeInstall) -> str:
        code = secrets.token_urlsafe(24)
        self._auth_codes[code] = install
        return code

    def _disable(self, permanent_code: str | None) -> None:
        entry = self._state.secrets.get(permanent_code or "")
        if entry is not None:
            entry.enabled = False
            if entry.token is not None:
                self._state.expired.add(entry.token)

    def _suite_of(self, req: Incoming) -> FakeSuite | dict[str, Any]:
        token = req.params.get("suite_access_token")
        suite_id = self._suite_tokens.get(token or "")
        if not token or suite_id is None:
            return error(40082, "invalid suite_access_token")
        suite = self.suites[suite_id]
        if token != suite.token or suite.token_expires_at <= time.time():
            return error(42009, "suite_access_token expired")
        return suite

    def _provider_of(self, token: str | None) -> str | None:
        return self._provider_tokens.get(token or "")

    # -- the install page ----------------------------------------------------------------

    async def install_page(self, request: Request) -> Response:
        """``GET /3rdapp/install``: the admin approves at once; back to ``redirect_uri``."""
        q = request.query_params
        with self._state.lock:
            found = self._pre_auth.pop(q.get("pre_auth_code", ""), None)
            if found is None or found[0] != q.get("suite_id") or found[1] <= time.time():
                return PlainTextResponse("invalid or expired pre_auth_code", status_code=400)
            corp_id, corp_name, agent_id = self._installer
            install = FakeInstall(found[0], corp_id, corp_name, agent_id, state=q.get("state"))
            code = self._new_auth_code(install)
        query = urlencode({"auth_code": code, "expires_in": 600, "state": q.get("state", "")})
        target = q.get("redirect_uri", "")
        return RedirectResponse(f"{target}{'&' if '?' in target else '?'}{query}", 302)


# -- the endpoints ---------------------------------------------------------------------


def get_suite_token(svc: FakeService, req: Incoming) -> dict[str, Any]:
    body = req.data
    suite = svc.suites.get(str(body.get("suite_id")))
    if suite is None:
        return error(40083, "invalid suite_id")
    if body.get("suite_secret") != suite.secret:
        return error(40080, "invalid suite_secret")
    if body.get("suite_ticket") not in suite.tickets:
        return error(40085, "invalid suite_ticket")
    now = time.time()
    if suite.token is None or suite.token_expires_at <= now:
        suite.token = secrets.token_urlsafe(48)
        suite.token_expires_at = now + _TTL
        svc._suite_tokens[suite.token] = suite.suite_id
    # WeCom leaves errcode out when this call succeeds (OUTBOUND.md 3.1).
    return {"suite_access_token": suite.token, "expires_in": int(suite.token_expires_at - now)}


def get_pre_auth_code(svc: FakeService, req: Incoming) -> dict[str, Any]:
    suite = svc._suite_of(req)
    if isinstance(suite, dict):
        return suite
    code = secrets.token_urlsafe(24)
    svc._pre_auth[code] = (suite.suite_id, time.time() + 1200)
    return ok(pre_auth_code=code, expires_in=1200)


def set_session_info(svc: FakeService, req: Incoming) -> dict[str, Any]:
    suite = svc._suite_of(req)
    if isinstance(suite, dict):
        return suite
    if req.data.get("pre_auth_code") not in svc._pre_auth:
        return error(42007, "pre_auth_code expired")
    return ok()


def get_permanent_code(svc: FakeService, req: Incoming) -> dict[str, Any]:
    suite = svc._suite_of(req)
    if isinstance(suite, dict):
        return suite
    install = svc._auth_codes.pop(str(req.data.get("auth_code")), None)
    if install is None or install.suite_id != suite.suite_id:
        return error(40078, "invalid auth_code")
    key = (install.suite_id, install.corp_id)
    previous = svc.installs.get(key)
    if previous is not None:  # a new code replaces the old (reset, reinstall)
        svc._disable(previous.permanent_code)
    svc.installs[key] = install
    install.permanent_code = secrets.token_urlsafe(32)
    install.active = True
    svc._state.secrets[install.permanent_code] = Secret(install.agent_id)
    return ok(
        permanent_code=install.permanent_code,
        auth_corp_info={"corpid": install.corp_id, "corp_name": install.corp_name},
        auth_user_info={"userid": "admin", "open_userid": "woadmin", "name": "Admin"},
        state=install.state or "",
    )


def _install_of(svc: FakeService, req: Incoming) -> FakeInstall | dict[str, Any]:
    suite = svc._suite_of(req)
    if isinstance(suite, dict):
        return suite
    install = svc.installs.get((suite.suite_id, str(req.data.get("auth_corpid"))))
    if install is None or not install.active:
        return error(48004, "auth relation invalid")
    if req.data.get("permanent_code") != install.permanent_code:
        return error(40084, "invalid permanent_code")
    return install


def get_auth_info(svc: FakeService, req: Incoming) -> dict[str, Any]:
    install = _install_of(svc, req)
    if isinstance(install, dict):
        return install
    agent = {"agentid": install.agent_id, "name": "Fake App", "privilege": {"level": 1}}
    agent["is_customized_app"] = install.customized
    return ok(
        auth_corp_info={"corpid": install.corp_id, "corp_name": install.corp_name},
        auth_info={"agent": [agent]},
        dealer_corp_info={},
    )


def get_corp_token(svc: FakeService, req: Incoming) -> dict[str, Any]:
    install = _install_of(svc, req)
    if isinstance(install, dict):
        return install
    assert install.permanent_code is not None
    token, expires_in = svc._state.issue_token(install.permanent_code)
    return {"access_token": token, "expires_in": expires_in}  # no errcode on success


def gettoken(svc: FakeService, req: Incoming) -> dict[str, Any]:
    """gettoken, where a 代开发 app's permanent code is the secret of its corp."""
    code = req.params.get("corpsecret", "")
    for install in svc.installs.values():
        if install.customized and install.permanent_code == code:
            if req.params.get("corpid") != install.corp_id or not install.active:
                return error(40001, "invalid credential")
            token, expires_in = svc._state.issue_token(code)
            return ok(access_token=token, expires_in=expires_in)
    return endpoints.gettoken(svc._state, req)


def get_provider_token(svc: FakeService, req: Incoming) -> dict[str, Any]:
    corp = str(req.data.get("corpid"))
    if svc._providers.get(corp) != req.data.get("provider_secret"):
        return error(40001, "invalid provider_secret")
    for token, owner in svc._provider_tokens.items():
        if owner == corp:
            return {"provider_access_token": token, "expires_in": _TTL}
    token = secrets.token_urlsafe(48)
    svc._provider_tokens[token] = corp
    return {"provider_access_token": token, "expires_in": _TTL}


def corpid_to_opencorpid(svc: FakeService, req: Incoming) -> dict[str, Any]:
    if svc._provider_of(req.params.get("provider_access_token")) is None:
        return error(40014, "invalid provider_access_token")
    return ok(open_corpid=svc.open_corpid(str(req.data.get("corpid"))))


def get_login_info(svc: FakeService, req: Incoming) -> dict[str, Any]:
    if svc._provider_of(req.token) is None:  # the provider token, as access_token
        return error(40014, "invalid access_token")
    login = svc._logins.pop(str(req.data.get("auth_code")), None)
    return error(40029, "invalid code") if login is None else ok(**login)


#: Path after /cgi-bin/ -> handler; these check their own tokens.
SERVICE: dict[str, Callable[[FakeService, Incoming], dict[str, Any]]] = {
    "gettoken": gettoken,
    "service/get_suite_token": get_suite_token,
    "service/get_pre_auth_code": get_pre_auth_code,
    "service/set_session_info": set_session_info,
    "service/v2/get_permanent_code": get_permanent_code,
    "service/get_auth_info": get_auth_info,
    "service/get_corp_token": get_corp_token,
    "service/get_provider_token": get_provider_token,
    "service/corpid_to_opencorpid": corpid_to_opencorpid,
    "service/get_login_info": get_login_info,
}
