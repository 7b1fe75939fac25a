"""Where a suite's three token families come from (OUTBOUND.md 3.1 to 3.3).

* :class:`SuiteToken`: ``service/get_suite_token`` with the latest pushed ticket;
* :class:`CorpToken`: a corp's access token, ``service/get_corp_token`` with the stored
  permanent code (a 代开发 app: ``gettoken`` with the code as the secret);
* :class:`ProviderToken`: ``service/get_provider_token`` with the provider secret.

Each is a :class:`~wecom_callback.client.TokenSource`, so the client's cache (memory and
shared store, single flight, one refresh on rejection) serves them all. Their store keys
sit under ``token:``, apart from the ticket, which is pushed and cannot be fetched again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wecom_callback.client import Fetch, IssuedToken
from wecom_callback.client._tokens import secret_id
from wecom_callback.errors import WeComAPIError

from ._errors import InstallationRevokedError, NotInstalledError, SuiteTicketError
from ._ticket import SuiteTickets

if TYPE_CHECKING:
    from ._client import SuiteClient

__all__ = ["CorpToken", "ProviderToken", "SuiteToken", "corp_token_key"]

#: get_corp_token's answers for a corp that cancelled, or a code that is no longer valid.
REVOKED = frozenset({40084, 48004})
_BAD_TICKET = 40085


def corp_token_key(suite_id: str, auth_corp_id: str) -> str:
    """The store key of a corp's access token obtained through the suite."""
    return f"token:suite:{suite_id}:corp:{auth_corp_id}"


class SuiteToken:
    """The suite_access_token, from the newest ticket in the store."""

    def __init__(self, suite_id: str, suite_secret: str, tickets: SuiteTickets) -> None:
        self.suite_id = suite_id
        self._secret = suite_secret
        self.tickets = tickets
        self.cache_key = f"token:suite:{suite_id}:{secret_id(suite_id, suite_secret)}"

    def __repr__(self) -> str:
        return f"SuiteToken(suite_id={self.suite_id!r})"

    async def fetch(self, fetch: Fetch) -> IssuedToken:
        """``POST service/get_suite_token {suite_id, suite_secret, suite_ticket}``."""
        ticket = await self.tickets.latest()
        if ticket is None:
            raise SuiteTicketError(self.suite_id, "no suite_ticket received yet")
        body = {"suite_id": self.suite_id, "suite_secret": self._secret}
        try:
            data = await fetch(
                "POST", "service/get_suite_token", json={**body, "suite_ticket": ticket.value}
            )
        except WeComAPIError as exc:
            if exc.errcode == _BAD_TICKET:
                raise SuiteTicketError(self.suite_id, "WeCom refused the ticket (40085)") from None
            raise
        return IssuedToken(str(data["suite_access_token"]), float(data.get("expires_in", 7200)))


class CorpToken:
    """An installed corp's access token, through the suite."""

    def __init__(self, suite: SuiteClient, auth_corp_id: str) -> None:
        self.suite = suite
        self.auth_corp_id = auth_corp_id
        self.cache_key = corp_token_key(suite.suite_id, auth_corp_id)

    def __repr__(self) -> str:
        return f"CorpToken(suite_id={self.suite.suite_id!r}, auth_corp_id={self.auth_corp_id!r})"

    async def fetch(self, fetch: Fetch) -> IssuedToken:
        """``service/get_corp_token``, or ``gettoken`` for a 代开发 app (OUTBOUND.md 1.1)."""
        corp = self.auth_corp_id
        installation = await self.suite.installations.get(corp)
        if installation is None:
            raise NotInstalledError(f"suite {self.suite.suite_id} is not installed in {corp}")
        if installation.revoked:
            raise InstallationRevokedError(f"the authorisation of {corp} was revoked")
        code = installation.permanent_code.get_secret_value()
        if installation.customized:
            data = await fetch("GET", "gettoken", params={"corpid": corp, "corpsecret": code})
        else:
            try:
                data = await self.suite.call(
                    "POST",
                    "service/get_corp_token",
                    json={"auth_corpid": corp, "permanent_code": code},
                )
            except WeComAPIError as exc:
                if exc.errcode not in REVOKED:
                    raise
                await self.suite.mark_revoked(corp)
                raise InstallationRevokedError(
                    f"WeCom refused the permanent code of {corp} ({exc.errcode}): the"
                    " authorisation is gone; it is marked revoked"
                ) from None
        return IssuedToken(str(data["access_token"]), float(data.get("expires_in", 7200)))


class ProviderToken:
    """The provider_access_token, from the provider's CorpID and ProviderSecret."""

    def __init__(self, corp_id: str, provider_secret: str) -> None:
        self.corp_id = corp_id
        self._secret = provider_secret
        self.cache_key = f"token:provider:{corp_id}:{secret_id(corp_id, provider_secret)}"

    def __repr__(self) -> str:
        return f"ProviderToken(corp_id={self.corp_id!r})"

    async def fetch(self, fetch: Fetch) -> IssuedToken:
        """``POST service/get_provider_token {corpid, provider_secret}``."""
        data = await fetch(
            "POST",
            "service/get_provider_token",
            json={"corpid": self.corp_id, "provider_secret": self._secret},
        )
        return IssuedToken(str(data["provider_access_token"]), float(data.get("expires_in", 7200)))
