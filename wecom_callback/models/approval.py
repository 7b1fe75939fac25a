"""Approval events: the built-in approval app and the approval-flow engine of apps.

The two events share the ``ApprovalInfo`` tag but not its shape, so each has its own.

WeCom documents: 审批申请状态变化回调通知 (page 91815) (``sys_approval_change``) and
审批状态通知事件 (page 90269)
(``open_approval_change``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AliasChoices, Field

from ._base import Event, WeComModel, doc_page
from ._types import (
    BlankIsNone,
    OptInt,
    OptStr,
    OptUtcDatetime,
    TextList,
    UtcDatetime,
    items_in,
    repeated,
)

__all__ = [
    "ApprovalApplyer",
    "ApprovalComment",
    "ApprovalInfo",
    "ApprovalRecord",
    "ApprovalRecordDetail",
    "ApprovalUser",
    "OpenApprovalChangeEvent",
    "OpenApprovalInfo",
    "OpenApprovalNode",
    "OpenApprovalNodeItem",
    "OpenApprovalNotifyNode",
    "SysApprovalChangeEvent",
]

_SYS_DOC = doc_page(91815)
_OPEN_DOC = doc_page(90269)


class ApprovalUser(WeComModel):
    """An element holding a member's ``UserId`` (``Approver``, ``Notifyer``, ...)."""

    user_id: OptStr = Field(None, alias="UserId")
    """The member's UserID."""


class ApprovalApplyer(WeComModel):
    """``ApprovalInfo/Applyer``: who applied."""

    user_id: OptStr = Field(None, alias="UserId")
    """The applicant's UserID."""
    party: OptStr = Field(None, alias="Party")
    """The applicant's department id."""


class ApprovalRecordDetail(WeComModel):
    """``SpRecord/Details``: one approver of a step and what they did."""

    approver: Annotated[ApprovalUser | None, BlankIsNone] = Field(None, alias="Approver")
    """The approver."""
    speech: OptStr = Field(None, alias="Speech")
    """The approver's comment."""
    sp_status: OptInt = Field(None, alias="SpStatus")
    """1 pending, 2 approved, 3 rejected, 4 transferred."""
    sp_time: OptUtcDatetime = Field(None, alias="SpTime")
    """When the approver acted (UTC); ``None`` while they have not (WeCom sends 0)."""
    media_id: TextList = Field(default_factory=list, alias="MediaId")
    """Media ids of the comment's attachments."""


class ApprovalRecord(WeComModel):
    """``ApprovalInfo/SpRecord``: one approval step."""

    sp_status: OptInt = Field(None, alias="SpStatus")
    """1 pending, 2 approved, 3 rejected, 4 transferred."""
    approver_attr: OptInt = Field(None, alias="ApproverAttr")
    """1 any approver suffices (或签), 2 all must approve (会签)."""
    details: Annotated[list[ApprovalRecordDetail], repeated()] = Field(
        default_factory=list, alias="Details"
    )
    """The step's approvers (several for tag or leader steps)."""


class ApprovalComment(WeComModel):
    """``ApprovalInfo/Comments``: one comment on the application."""

    comment_user_info: Annotated[ApprovalUser | None, BlankIsNone] = Field(
        None, alias="CommentUserInfo"
    )
    """Who commented."""
    comment_time: UtcDatetime | None = Field(None, alias="CommentTime")
    """When (UTC)."""
    comment_content: OptStr = Field(None, alias="CommentContent")
    """The comment's text."""
    comment_id: OptStr = Field(None, alias="CommentId")
    """The comment's id."""
    media_id: TextList = Field(default_factory=list, alias="MediaId")
    """Media ids of the comment's attachments."""


class ApprovalInfo(WeComModel):
    """``ApprovalInfo`` of ``sys_approval_change``."""

    sp_no: OptStr = Field(None, alias="SpNo")
    """The approval number (kept as text: it is an API key, not a quantity)."""
    sp_no_str: OptStr = Field(None, alias="SpNoStr")
    """The approval number as text; newer callbacks send it, and WeCom recommends it."""
    sp_name: OptStr = Field(None, alias="SpName")
    """The template's name."""
    sp_status: OptInt = Field(None, alias="SpStatus")
    """1 pending, 2 approved, 3 rejected, 4 withdrawn, 6 revoked after approval, 7 deleted."""
    template_id: OptStr = Field(None, alias="TemplateId")
    """The template id."""
    apply_time: UtcDatetime | None = Field(None, alias="ApplyTime")
    """When the application was submitted (UTC)."""
    applyer: Annotated[ApprovalApplyer | None, BlankIsNone] = Field(None, alias="Applyer")
    """Who applied."""
    sp_record: Annotated[list[ApprovalRecord], repeated()] = Field(
        default_factory=list, alias="SpRecord"
    )
    """The approval steps."""
    notifyer: Annotated[list[ApprovalUser], repeated()] = Field(
        default_factory=list, alias="Notifyer"
    )
    """Members copied on the application."""
    comments: Annotated[list[ApprovalComment], repeated()] = Field(
        default_factory=list, alias="Comments"
    )
    """Comments on the application."""
    statu_change_event: OptInt = Field(None, alias="StatuChangeEvent")
    """The cause: 1 submit, 2 approve, 3 reject, 4 transfer, 5 remind, 6 withdraw, 10 comment."""


class SysApprovalChangeEvent(Event):
    """An application in the built-in approval app changed (审批申请状态变化回调通知).

    WeCom doc: 审批申请状态变化回调通知 (page 91815)
    """

    KIND: ClassVar[str] = "sys_approval_change"
    DOC: ClassVar[str] = _SYS_DOC

    approval_info: Annotated[ApprovalInfo | None, BlankIsNone] = Field(None, alias="ApprovalInfo")
    """The application and its state."""


class OpenApprovalNodeItem(WeComModel):
    """``ApprovalNode/Items/Item``: one approver of a node."""

    item_name: OptStr = Field(None, alias="ItemName")
    """The approver's name."""
    item_user_id: OptStr = Field(
        None, alias="ItemUserId", validation_alias=AliasChoices("ItemUserId", "ItemUserid")
    )
    """The approver's UserID (some documents spell the tag ``ItemUserid``)."""
    item_party: OptStr = Field(None, alias="ItemParty")
    """The approver's department."""
    item_image: OptStr = Field(None, alias="ItemImage")
    """The approver's avatar URL."""
    item_speech: OptStr = Field(None, alias="ItemSpeech")
    """The approver's comment."""
    item_status: OptInt = Field(None, alias="ItemStatus")
    """1 pending, 2 approved, 3 rejected, 4 transferred."""
    item_op_time: OptUtcDatetime = Field(None, alias="ItemOpTime")
    """When the approver acted (UTC); ``None`` while they have not (WeCom sends 0)."""


class OpenApprovalNode(WeComModel):
    """``ApprovalNodes/ApprovalNode``: one node of the flow."""

    node_status: OptInt = Field(None, alias="NodeStatus")
    """1 pending, 2 approved, 3 rejected, 4 transferred."""
    node_attr: OptInt = Field(None, alias="NodeAttr")
    """1 any approver suffices (或签), 2 all must approve (会签)."""
    node_type: OptInt = Field(None, alias="NodeType")
    """1 fixed members, 2 tag, 3 leader."""
    items: Annotated[list[OpenApprovalNodeItem], items_in("Item")] = Field(
        default_factory=list, alias="Items"
    )
    """The node's approvers."""


class OpenApprovalNotifyNode(WeComModel):
    """``NotifyNodes/NotifyNode``: a member copied on the application."""

    item_name: OptStr = Field(None, alias="ItemName")
    """The member's name."""
    item_user_id: OptStr = Field(
        None, alias="ItemUserId", validation_alias=AliasChoices("ItemUserId", "ItemUserid")
    )
    """The member's UserID (some documents spell the tag ``ItemUserid``)."""
    item_party: OptStr = Field(None, alias="ItemParty")
    """The member's department."""
    item_image: OptStr = Field(None, alias="ItemImage")
    """The member's avatar URL."""


class OpenApprovalInfo(WeComModel):
    """``ApprovalInfo`` of ``open_approval_change``."""

    third_no: OptStr = Field(None, alias="ThirdNo")
    """The application number the app chose."""
    open_sp_name: OptStr = Field(None, alias="OpenSpName")
    """The template's name."""
    open_template_id: OptStr = Field(None, alias="OpenTemplateId")
    """The template id."""
    open_sp_status: OptInt = Field(None, alias="OpenSpStatus")
    """1 pending, 2 approved, 3 rejected, 4 withdrawn."""
    apply_time: UtcDatetime | None = Field(None, alias="ApplyTime")
    """When the application was submitted (UTC)."""
    apply_user_name: OptStr = Field(None, alias="ApplyUserName")
    """The applicant's name."""
    apply_user_id: OptStr = Field(None, alias="ApplyUserId")
    """The applicant's UserID."""
    apply_user_party: OptStr = Field(None, alias="ApplyUserParty")
    """The applicant's department."""
    apply_user_image: OptStr = Field(None, alias="ApplyUserImage")
    """The applicant's avatar URL."""
    approver_step: OptInt = Field(
        None, alias="ApproverStep", validation_alias=AliasChoices("ApproverStep", "approverstep")
    )
    """The current node, from 0 (the document's sample spells the tag ``approverstep``)."""
    approval_nodes: Annotated[list[OpenApprovalNode], items_in("ApprovalNode")] = Field(
        default_factory=list, alias="ApprovalNodes"
    )
    """The nodes of the flow."""
    notify_nodes: Annotated[list[OpenApprovalNotifyNode], items_in("NotifyNode")] = Field(
        default_factory=list, alias="NotifyNodes"
    )
    """Members copied on the application."""


class OpenApprovalChangeEvent(Event):
    """An application of an app's approval flow changed (审批状态通知事件).

    WeCom doc: 审批状态通知事件 (page 90269)
    """

    KIND: ClassVar[str] = "open_approval_change"
    DOC: ClassVar[str] = _OPEN_DOC

    approval_info: Annotated[OpenApprovalInfo | None, BlankIsNone] = Field(
        None, alias="ApprovalInfo"
    )
    """The application and its state."""
