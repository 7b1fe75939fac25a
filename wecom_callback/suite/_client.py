"""``SuiteClient``: a third-party suite's side of WeCom's service API (OUTBOUND.md 3).

It keeps the pushed suite_ticket, turns it into the suite_access_token, runs the install
exchange (one code path for the ``create_auth`` callback and the install redirect) and
hands out a :class:`~wecom_callback.client.WeComClient` per installed corp.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from wecom_callback._stores import Store, open_store
from wecom_callback.client import ClientEvents, WeComClient
from wecom_callback.client._client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from wecom_callback.errors import WeComAPIError

from ._installation import Installation, InstallationStore, StoreInstallations
from ._installed_corps import InstalledCorps, bump_version
from ._models import AuthInfo, PermanentCode, PreAuthCode
from ._ticket import SuiteTickets
from ._token_sources import REVOKED, CorpToken, SuiteToken, corp_token_key
from ._transport import TokenCalls, forget_token

__all__ = ["INSTALL_BASE_URL", "SuiteClient"]

log = logging.getLogger("wecom_callback.suite")

#: Where WeCom's install page lives.
INSTALL_BASE_URL = "https://open.work.weixin.qq.com"
#: How long a finished exchange is remembered by its auth code (codes live 10 minutes).
_PROGRESS_TTL = 86400.0


class SuiteClient:
    """An async client for one suite: tickets, suite token, installs, per-corp clients.

    ``async with SuiteClient(suite_id, suite_secret, store="redis://...") as suite:``.
    ``store`` (a URL, or a Store the caller owns) holds the ticket, the tokens and, unless
    ``installations`` is given, the installations; processes sharing it share them all.
    ``events`` receives the token fetches and API errors, of the installed corps' clients too.
    """

    def __init__(
        self,
        suite_id: str,
        suite_secret: str,
        *,
        store: str | Store | None = None,
        base_url: str = DEFAULT_BASE_URL,
        installations: InstallationStore | None = None,
        install_base_url: str = INSTALL_BASE_URL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        corps: InstalledCorps | None = None,
        events: ClientEvents | None = None,
    ) -> None:
        self.suite_id = suite_id
        self._secret = suite_secret
        self.install_base_url = install_base_url.rstrip("/")
        self._owns_store = not isinstance(store, Store)
        self.store: Store = store if isinstance(store, Store) else open_store(store or "memory://")
        self.tickets = SuiteTickets(self.store, suite_id)
        source = SuiteToken(suite_id, suite_secret, self.tickets)
        self._transport = WeComClient(
            suite_id,
            token_source=source,
            base_url=base_url,
            store=self.store,
            timeout=timeout,
            events=events,
        )
        self.installations: InstallationStore = installations or StoreInstallations(
            self.store, suite_id
        )
        self.corps = corps if corps is not None else InstalledCorps()
        """The installed corps as a live set (a data URL's extra receive ids)."""
        self._calls = TokenCalls(self._transport, "suite_access_token")

    def __repr__(self) -> str:
        return f"SuiteClient(suite_id={self.suite_id!r}, store={self.store!r})"

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> SuiteClient:
        await self._transport.__aenter__()
        await self.corps.attach(self.installations, self.store, self.suite_id)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop following installations; close the connections (and a store from a URL)."""
        await self.corps.detach()
        await self._transport.aclose()
        if self._owns_store:
            await self.store.close()

    # -- ticket and token --------------------------------------------------------------

    async def save_ticket(self, ticket: str, timestamp: int) -> bool:
        """Keep a pushed ticket unless a newer one is stored; True if kept."""
        return await self.tickets.save(ticket, timestamp)

    async def suite_token(self) -> str:
        """The suite_access_token; :class:`SuiteTicketError` while there is no ticket."""
        return await self._calls.token()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """Call a service API (``"service/get_auth_info"``) with the suite token."""
        return await self._calls.call(method, path, params=params, json=json)

    # -- the install flow ----------------------------------------------------------------

    async def get_pre_auth_code(self) -> PreAuthCode:
        """A pre-auth code for an install link (valid 20 minutes)."""
        return PreAuthCode.model_validate(await self.call("GET", "service/get_pre_auth_code"))

    async def set_session_info(
        self, pre_auth_code: str, *, auth_type: int = 0, app_ids: Sequence[int] | None = None
    ) -> None:
        """Set the install session: ``auth_type`` 1 for a test install, 0 for a real one."""
        session: dict[str, Any] = {"auth_type": auth_type}
        if app_ids is not None:
            session["appid"] = list(app_ids)
        body = {"pre_auth_code": pre_auth_code, "session_info": session}
        await self.call("POST", "service/set_session_info", json=body)

    def install_url(
        self, pre_auth_code: str, redirect_uri: str, state: str = "", *, base_url: str | None = None
    ) -> str:
        """WeCom's install page for ``pre_auth_code``; it returns to ``redirect_uri``."""
        query = {"suite_id": self.suite_id, "pre_auth_code": pre_auth_code}
        query |= {"redirect_uri": redirect_uri, "state": state}
        base = (base_url or self.install_base_url).rstrip("/")
        return f"{base}/3rdapp/install?{urlencode(query)}"

    def derive_key(self, purpose: str) -> bytes:
        """A key for ``purpose`` derived from the suite secret (e.g. to sign ``state``)."""
        return hmac.new(self._secret.encode(), purpose.encode(), hashlib.sha256).digest()

    # -- installations -------------------------------------------------------------------

    async def get_permanent_code(self, auth_code: str) -> PermanentCode:
        """Exchange a one-time auth code (v2: no auth_info, see :meth:`get_auth_info`)."""
        data = await self.call(
            "POST", "service/v2/get_permanent_code", json={"auth_code": auth_code}
        )
        return PermanentCode.model_validate(data)

    async def get_auth_info(self, auth_corp_id: str, permanent_code: str) -> AuthInfo:
        """The corp's details, its installed apps and their privileges."""
        body = {"auth_corpid": auth_corp_id, "permanent_code": permanent_code}
        return AuthInfo.model_validate(await self.call("POST", "service/get_auth_info", json=body))

    async def install(self, auth_code: str, *, resume: bool = False) -> Installation:
        """Exchange ``auth_code`` and store the installation; the one path of every install.

        The code is single-use (40078 the second time), so the exchange's result is
        written at once; with ``resume`` a retry after a crash continues from it instead
        of exchanging again (the ``create_auth`` handler does this).
        """
        progress = f"suite:{self.suite_id}:exchange:{_digest(auth_code)}"
        raw = await self.store.get(progress) if resume else None
        installation = Installation.load(raw) if raw is not None else None
        if installation is None:
            installation = await self._exchange(auth_code, progress)
        else:
            log.info(
                "suite %s: resuming the install of %s", self.suite_id, installation.auth_corp_id
            )
        code = installation.permanent_code.get_secret_value()
        info = await self.get_auth_info(installation.auth_corp_id, code)
        done = installation.replace(
            auth_info=info.auth_info,
            auth_corp_info={**installation.auth_corp_info, **info.auth_corp_info},
            corp_name=str(info.auth_corp_info.get("corp_name") or installation.corp_name),
            agent_ids=info.agent_ids,
            customized=installation.customized or info.customized,
        )
        await self.installations.save(done)
        log.info("suite %s: installed in %s", self.suite_id, done.auth_corp_id)
        return done

    async def _exchange(self, auth_code: str, progress: str) -> Installation:
        answer = await self.get_permanent_code(auth_code)
        corp = answer.auth_corp_id
        installation = Installation(
            suite_id=self.suite_id,
            auth_corp_id=corp,
            permanent_code=SecretStr(answer.permanent_code),
            corp_name=str(answer.auth_corp_info.get("corp_name") or ""),
            auth_corp_info=answer.auth_corp_info,
            auth_user_info=answer.auth_user_info,
            state=answer.state,
            customized=self.suite_id.startswith("dk"),  # 代开发 template ids start dk
        )
        # One write makes the exchange resumable before anything else can fail.
        await self.store.set(progress, installation.dump(), ttl=_PROGRESS_TTL)
        previous = await self.installations.get(corp)
        if previous is not None and previous.permanent_code != installation.permanent_code:
            await forget_token(self.for_corp(corp))  # the old code's token goes with it
        await self.installations.save(installation)
        await self._changed()  # its data callbacks are accepted from now on
        return installation

    async def refresh(self, auth_corp_id: str) -> Installation | None:
        """Read the corp's auth info again (``change_auth``); None if not installed."""
        installation = await self.installations.get(auth_corp_id)
        if installation is None:
            return None
        code = installation.permanent_code.get_secret_value()
        try:
            info = await self.get_auth_info(auth_corp_id, code)
        except WeComAPIError as exc:
            if exc.errcode in REVOKED:
                await self.mark_revoked(auth_corp_id)
            raise
        updated = installation.replace(
            auth_info=info.auth_info,
            auth_corp_info={**installation.auth_corp_info, **info.auth_corp_info},
            agent_ids=info.agent_ids,
        )
        await self.installations.save(updated)
        return updated

    async def uninstall(self, auth_corp_id: str) -> bool:
        """Delete the corp's installation and every token cached for it (``cancel_auth``)."""
        existed = await self.installations.delete(auth_corp_id)
        await forget_token(self.for_corp(auth_corp_id))
        await self._changed()
        log.info("suite %s: removed from %s", self.suite_id, auth_corp_id)
        return existed

    async def mark_revoked(self, auth_corp_id: str) -> None:
        """Record that WeCom refused the corp's permanent code (40084, 48004)."""
        installation = await self.installations.get(auth_corp_id)
        if installation is not None and not installation.revoked:
            await self.installations.save(installation.replace(revoked=True))
            await self._changed()
        log.warning("suite %s: the authorisation of %s is revoked", self.suite_id, auth_corp_id)

    async def _changed(self) -> None:
        await bump_version(self.store, self.suite_id)
        await self.corps.reload()

    def for_corp(self, auth_corp_id: str, *, agent_id: int | None = None) -> WeComClient:
        """A client of ``auth_corp_id``'s API; its tokens come from the permanent code.

        It shares this client's connections and store; closing it closes nothing shared.
        """
        source = CorpToken(self, auth_corp_id)
        return self._transport.with_token_source(source, corp_id=auth_corp_id, agent_id=agent_id)

    def corp_token_key(self, auth_corp_id: str) -> str:
        """The store key of ``auth_corp_id``'s cached access token."""
        return corp_token_key(self.suite_id, auth_corp_id)


def _digest(auth_code: str) -> str:
    return hashlib.sha256(auth_code.encode()).hexdigest()[:32]
