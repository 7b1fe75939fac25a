"""Apps (应用管理): ``client.agent.get``, ``list``, ``set``.

Handy as a start-up check that the secret's app is the one whose callbacks arrive.
WeCom doc: 获取应用 https://developer.work.weixin.qq.com/document/path/90227.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse, compact
from wecom_callback.client._namespace import Namespace

__all__ = ["AgentAPI", "AgentInfo", "AgentSummary"]


class AgentInfo(APIResponse):
    """What agent/get answers: the app's settings and visibility."""

    agentid: int
    """The app's id."""
    name: str | None = None
    """Its name."""
    square_logo_url: str | None = None
    """Its logo."""
    description: str | None = None
    """Its description."""
    allow_userinfos: dict[str, Any] = Field(default_factory=dict)
    """Visible members (``{"user": [{"userid": ...}]}``)."""
    allow_partys: dict[str, Any] = Field(default_factory=dict)
    """Visible departments (``{"partyid": [...]}``)."""
    allow_tags: dict[str, Any] = Field(default_factory=dict)
    """Visible tags (``{"tagid": [...]}``)."""
    close: int | None = None
    """1 if the app is disabled."""
    redirect_domain: str | None = None
    """The trusted domain."""
    report_location_flag: int | None = None
    """1 if it reports members' locations."""
    isreportenter: int | None = None
    """1 if it reports members entering the app."""
    home_url: str | None = None
    """Its home page."""


class AgentSummary(APIModel):
    """One app of agent/list."""

    agentid: int
    """The app's id."""
    name: str | None = None
    """Its name."""
    square_logo_url: str | None = None
    """Its logo."""


class _AgentList(APIResponse):
    agentlist: list[AgentSummary] = Field(default_factory=list)


class AgentAPI(Namespace):
    """``client.agent``: read and change apps."""

    async def get(self, agent_id: int | None = None) -> AgentInfo:
        """The app ``agent_id`` (default: the client's)."""
        return await self._get("agent/get", {"agentid": self._agent_id(agent_id)}, AgentInfo)

    async def list(self) -> list[AgentSummary]:
        """The apps this token can see."""
        return (await self._get("agent/list", None, _AgentList)).agentlist

    async def set(self, agent_id: int | None = None, **fields: Any) -> APIResponse:
        """Change the app's settings: ``set(name="HR", description="...")``."""
        request = compact({"agentid": self._agent_id(agent_id), **fields})
        return await self._post("agent/set", request, APIResponse)
