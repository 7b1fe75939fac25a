"""``change_external_contact``: a customer (external contact) was added, edited, removed.

WeCom documents: 客户联系 事件 (page 92130)
(self-built) and 92277 (third-party, the InfoType form with SuiteId/AuthCorpId).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import BlankIsNone, OpenStrEnum, OptStr

__all__ = [
    "AddExternalContactEvent",
    "AddHalfExternalContactEvent",
    "DelExternalContactEvent",
    "DelFollowUserEvent",
    "EditExternalContactEvent",
    "ExternalContactChangeType",
    "ExternalContactEvent",
    "MsgAuditApprovedEvent",
    "TransferFailEvent",
    "TransferFailReason",
]

_DOC = doc_page(92130)


class ExternalContactChangeType(OpenStrEnum):
    """ChangeType values of ``change_external_contact``."""

    ADD_EXTERNAL_CONTACT = "add_external_contact"
    EDIT_EXTERNAL_CONTACT = "edit_external_contact"
    ADD_HALF_EXTERNAL_CONTACT = "add_half_external_contact"
    DEL_EXTERNAL_CONTACT = "del_external_contact"
    DEL_FOLLOW_USER = "del_follow_user"
    TRANSFER_FAIL = "transfer_fail"
    MSG_AUDIT_APPROVED = "msg_audit_approved"


class TransferFailReason(OpenStrEnum):
    """``FailReason`` values of ``transfer_fail``."""

    CUSTOMER_REFUSED = "customer_refused"
    CUSTOMER_LIMIT_EXCEED = "customer_limit_exceed"


class ExternalContactEvent(Event):
    """``change_external_contact`` with a ChangeType this version does not type.

    WeCom doc: 客户联系 / 事件 (page 92130)
    (third-party InfoType form: page 92277)
    """

    KIND: ClassVar[str] = "change_external_contact"
    DOC: ClassVar[str] = _DOC

    change_type: ExternalContactChangeType = Field(alias="ChangeType")
    """What changed."""
    user_id: OptStr = Field(None, alias="UserID")
    """The member who owns the customer relationship."""
    external_user_id: OptStr = Field(None, alias="ExternalUserID")
    """The customer's external UserID."""


class AddExternalContactEvent(ExternalContactEvent):
    """A member added a customer (添加企业客户事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "add_external_contact"

    state: OptStr = Field(None, alias="State")
    """The ``state`` of the contact-me configuration the customer came through."""
    welcome_code: OptStr = Field(None, alias="WelcomeCode")
    """Code for send_welcome_msg (valid 20 seconds)."""
    link_id: OptStr = Field(None, alias="LinkId")
    """The customer-acquisition link, when the customer came through one."""


class EditExternalContactEvent(ExternalContactEvent):
    """A member edited a customer (编辑企业客户事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "edit_external_contact"


class AddHalfExternalContactEvent(ExternalContactEvent):
    """A customer added a member without verification (外部联系人免验证添加成员事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "add_half_external_contact"

    state: OptStr = Field(None, alias="State")
    """The ``state`` of the contact-me configuration the customer came through."""
    welcome_code: OptStr = Field(None, alias="WelcomeCode")
    """Code for send_welcome_msg (valid 20 seconds)."""


class DelExternalContactEvent(ExternalContactEvent):
    """A member deleted a customer (删除企业客户事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "del_external_contact"

    source: OptStr = Field(None, alias="Source")
    """Why, e.g. ``DELETE_BY_TRANSFER`` when removed by a transfer."""


class DelFollowUserEvent(ExternalContactEvent):
    """A customer deleted the member (删除跟进成员事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "del_follow_user"


class TransferFailEvent(ExternalContactEvent):
    """A customer transfer failed (客户接替失败事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "transfer_fail"

    fail_reason: Annotated[TransferFailReason | None, BlankIsNone] = Field(None, alias="FailReason")
    """``customer_refused`` or ``customer_limit_exceed``."""


class MsgAuditApprovedEvent(ExternalContactEvent):
    """A customer agreed to chat archiving (客户同意进行聊天内容存档事件回调).

    WeCom doc: 会话内容存档 (page 92005)
    """

    CHANGE_TYPE: ClassVar[str] = "msg_audit_approved"
    DOC: ClassVar[str] = doc_page(92005)

    welcome_code: OptStr = Field(None, alias="WelcomeCode")
    """Code for send_welcome_msg, when sent."""
