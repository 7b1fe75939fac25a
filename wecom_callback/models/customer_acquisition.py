"""``customer_acquisition``: events of the customer-acquisition assistant (获客助手).

Quota warnings, links becoming unusable, and customers arriving through a link. One
class serves both forms: the Event of self-built apps and the InfoType a suite receives
(with ``SuiteId``/``AuthCorpId``). Change types name the classes (they are specific
enough on their own, unlike the bare create/update of chats and tags).

WeCom documents: 获客助手事件通知 (page 97299)
(self-built) and 97402 (third-party InfoType form).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import OpenStrEnum, OptInt, OptStr, UtcDatetime

__all__ = [
    "BalanceExhaustedEvent",
    "BalanceIncreasedEvent",
    "BalanceLowEvent",
    "CustomerAcquisitionChangeType",
    "CustomerAcquisitionEvent",
    "CustomerStartChatEvent",
    "DeleteLinkEvent",
    "FriendRequestEvent",
    "LinkUnavailableEvent",
    "MessageFromCustomerEvent",
    "OpenProfileEvent",
    "QuotaExpireSoonEvent",
]

_DOC = doc_page(97299)


class CustomerAcquisitionChangeType(OpenStrEnum):
    """ChangeType values of ``customer_acquisition``."""

    BALANCE_LOW = "balance_low"
    BALANCE_EXHAUSTED = "balance_exhausted"
    BALANCE_INCREASED = "balance_increased"
    QUOTA_EXPIRE_SOON = "quota_expire_soon"
    LINK_UNAVAILABLE = "link_unavailable"
    DELETE_LINK = "delete_link"
    OPEN_PROFILE = "open_profile"
    FRIEND_REQUEST = "friend_request"
    CUSTOMER_START_CHAT = "customer_start_chat"
    MESSAGE_FROM_CUSTOMER = "message_from_customer"


class CustomerAcquisitionEvent(Event):
    """``customer_acquisition`` with a ChangeType this version does not type.

    WeCom doc: 获客助手事件通知 (page 97299)
    (third-party InfoType form: page 97402)
    """

    KIND: ClassVar[str] = "customer_acquisition"
    DOC: ClassVar[str] = _DOC

    change_type: CustomerAcquisitionChangeType = Field(alias="ChangeType")
    """What happened."""


class BalanceLowEvent(CustomerAcquisitionEvent):
    """The acquisition quota is running low (获客额度即将耗尽事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "balance_low"


class BalanceExhaustedEvent(CustomerAcquisitionEvent):
    """The acquisition quota is used up (使用量已经耗尽事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "balance_exhausted"


class BalanceIncreasedEvent(CustomerAcquisitionEvent):
    """The acquisition quota went from zero to some (使用量从零变为非零事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "balance_increased"


class QuotaExpireSoonEvent(CustomerAcquisitionEvent):
    """Part of the acquisition quota expires soon (获客额度即将过期事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "quota_expire_soon"

    expire_time: UtcDatetime | None = Field(None, alias="ExpireTime")
    """When the quota expires (UTC)."""
    expire_quota_num: OptInt = Field(None, alias="ExpireQuotaNum")
    """How much quota expires then."""


class LinkUnavailableEvent(CustomerAcquisitionEvent):
    """An acquisition link can no longer be used (获客链接不可用事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "link_unavailable"

    link_id: OptStr = Field(None, alias="LinkId")
    """The acquisition link."""


class DeleteLinkEvent(CustomerAcquisitionEvent):
    """An acquisition link was deleted (删除获客链接事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "delete_link"

    link_id: OptStr = Field(None, alias="LinkId")
    """The acquisition link."""


class OpenProfileEvent(CustomerAcquisitionEvent):
    """A customer opened a member's profile through a link (客户打开获客链接事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "open_profile"

    link_id: OptStr = Field(None, alias="LinkId")
    """The acquisition link."""
    state: OptStr = Field(None, alias="State")
    """The ``customer_channel`` appended to the link."""


class FriendRequestEvent(CustomerAcquisitionEvent):
    """A customer sent a friend request through a link (通过获客链接申请好友事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "friend_request"

    link_id: OptStr = Field(None, alias="LinkId")
    """The acquisition link."""
    state: OptStr = Field(None, alias="State")
    """The ``customer_channel`` appended to the link."""


class _ChatFromLinkEvent(CustomerAcquisitionEvent):
    user_id: OptStr = Field(None, alias="UserID")
    """The member the customer wrote to."""
    external_user_id: OptStr = Field(None, alias="ExternalUserID")
    """The customer's external UserID."""
    link_id: OptStr = Field(None, alias="LinkId")
    """The acquisition link, where sent."""
    state: OptStr = Field(None, alias="State")
    """The ``customer_channel`` appended to the link, where sent."""


class CustomerStartChatEvent(_ChatFromLinkEvent):
    """A customer who came through a link sent a first message (微信客户发起会话事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "customer_start_chat"


class MessageFromCustomerEvent(_ChatFromLinkEvent):
    """A customer who came through a link wrote again (成员多次收到客户消息事件).

    WeCom doc: 获客助手事件通知 (page 97299)
    """

    CHANGE_TYPE: ClassVar[str] = "message_from_customer"
