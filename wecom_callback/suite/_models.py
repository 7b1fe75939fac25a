"""The answers of the service APIs (OUTBOUND.md section 3), unknown fields kept.

Nested objects (``auth_corp_info``, ``auth_info``, ...) are kept as WeCom sent them.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wecom_callback.client._models import APIResponse

__all__ = ["AuthInfo", "LoginInfo", "PermanentCode", "PreAuthCode"]


class PreAuthCode(APIResponse):
    """``service/get_pre_auth_code`` (page 90601): valid 20 minutes."""

    pre_auth_code: str = Field(repr=False)
    """The code for the install link and set_session_info."""
    expires_in: int = 1200
    """Seconds it stays valid."""


class PermanentCode(APIResponse):
    """``service/v2/get_permanent_code`` (page 100776).

    v2 answers only these fields: no access_token and no auth_info (get_auth_info has them).
    """

    permanent_code: str = Field(repr=False)
    """The corp's permanent code (a credential)."""
    auth_corp_info: dict[str, Any] = Field(default_factory=dict)
    """``corpid`` and ``corp_name`` of the authorising corp."""
    auth_user_info: dict[str, Any] = Field(default_factory=dict)
    """The admin who installed: userid, open_userid, name, avatar."""
    register_code_info: dict[str, Any] = Field(default_factory=dict)
    """The registration code used, where the corp registered through one."""
    state: str | None = None
    """The ``state`` of the install link."""

    @property
    def auth_corp_id(self) -> str:
        """The authorising corp's id."""
        return str(self.auth_corp_info["corpid"])


class AuthInfo(APIResponse):
    """``service/get_auth_info`` (page 90604): the corp, the agents and their privileges."""

    auth_corp_info: dict[str, Any] = Field(default_factory=dict)
    """The corp's details (name, type, scale, ...)."""
    auth_info: dict[str, Any] = Field(default_factory=dict)
    """``agent``: the apps installed, with ``agentid``, ``privilege``, ``is_customized_app``."""
    dealer_corp_info: dict[str, Any] = Field(default_factory=dict)
    """The dealer, where the install went through one."""

    @property
    def agents(self) -> list[dict[str, Any]]:
        """The installed apps (one for a single-app suite)."""
        agents = self.auth_info.get("agent") or []
        return [a for a in agents if isinstance(a, dict)]

    @property
    def agent_ids(self) -> tuple[int, ...]:
        """The installed apps' ids."""
        return tuple(int(a["agentid"]) for a in self.agents if "agentid" in a)

    @property
    def customized(self) -> bool:
        """True for a 代开发 (customised) app."""
        return any(bool(a.get("is_customized_app")) for a in self.agents)


class LoginInfo(APIResponse):
    """``service/get_login_info`` (page 91125): who logged in from WeCom's login page."""

    usertype: int | None = None
    """1 creator, 2 internal admin, 3 external admin, 4 assigned admin, 5 member."""
    user_info: dict[str, Any] = Field(default_factory=dict)
    """userid, open_userid, name, avatar."""
    corp_info: dict[str, Any] = Field(default_factory=dict)
    """The user's corp: corpid."""
    agent: list[dict[str, Any]] = Field(default_factory=list)
    """The apps the user administers, with their auth_type."""
    auth_info: dict[str, Any] = Field(default_factory=dict)
    """``department``: the departments the user may administer."""
