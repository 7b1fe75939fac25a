"""Approvals (审批): ``client.oa.get_approval_detail``.

WeCom doc: 获取审批申请详情 https://developer.work.weixin.qq.com/document/path/91983.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse
from wecom_callback.client._namespace import Namespace

__all__ = ["Applyer", "ApprovalDetail", "ApprovalRecord", "OaAPI"]


class Applyer(APIModel):
    """Who applied."""

    userid: str
    """Their userid."""
    partyid: str | None = None
    """Their department."""


class ApprovalRecord(APIModel):
    """One approval node (``sp_record``)."""

    sp_status: int | None = None
    """The node's status: 1 pending, 2 approved, 3 rejected, 4 forwarded."""
    approverattr: int | None = None
    """1 or-sign, 2 and-sign."""
    details: list[dict[str, Any]] = Field(default_factory=list)
    """Each approver's action, as WeCom sends it."""


class ApprovalDetail(APIModel):
    """An approval application (the ``info`` of the answer)."""

    sp_no: str
    """The application number (a string: it overflows an int in some languages)."""
    sp_name: str | None = None
    """The template's name."""
    sp_status: int
    """1 pending, 2 approved, 3 rejected, 4 revoked, 6 revoked after approval, 7 deleted."""
    template_id: str | None = None
    """The template."""
    apply_time: int | None = None
    """Unix seconds."""
    applyer: Applyer
    """Who applied."""
    sp_record: list[ApprovalRecord] = Field(default_factory=list)
    """The approval nodes."""
    notifyer: list[dict[str, Any]] = Field(default_factory=list)
    """Who is copied (``{"userid": ...}``)."""
    apply_data: dict[str, Any] = Field(default_factory=dict)
    """The form (``contents``), as WeCom sends it."""
    comments: list[dict[str, Any]] = Field(default_factory=list)
    """Comments."""


class _DetailAnswer(APIResponse):
    info: ApprovalDetail


class OaAPI(Namespace):
    """``client.oa``: approvals."""

    async def get_approval_detail(self, sp_no: str) -> ApprovalDetail:
        """The application ``sp_no`` (as the sys_approval_change callback's ``SpNo``)."""
        answer = await self._post(
            "oa/getapprovaldetail", {"sp_no": str(sp_no)}, _DetailAnswer, safe=True
        )
        return answer.info
