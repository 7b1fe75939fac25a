"""微信客服 (WeChat customer service): new messages to pull, account authorisation changes.

WeCom documents: 接收消息和事件 (page 94670)
and 客服账号授权变更事件 (page 97712)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import OptStr, TextList

__all__ = ["KfAccountAuthChangeEvent", "KfMsgOrEvent"]


class KfMsgOrEvent(Event):
    """Customer-service messages or events are ready to pull (kf_msg_or_event).

    The callback carries no content: pass ``token`` and ``open_kf_id`` to kf/sync_msg.

    WeCom doc: 接收消息和事件 (page 94670)
    """

    KIND: ClassVar[str] = "kf_msg_or_event"
    DOC: ClassVar[str] = doc_page(94670)

    token: OptStr = Field(None, alias="Token", repr=False)
    """The token for sync_msg (valid 10 minutes); a credential, kept out of ``repr``."""
    open_kf_id: OptStr = Field(None, alias="OpenKfId")
    """The customer-service account with new messages."""


class KfAccountAuthChangeEvent(Event):
    """Customer-service accounts were authorised to or removed from an app.

    WeCom doc: 客服账号授权变更事件 (page 97712)
    """

    KIND: ClassVar[str] = "kf_account_auth_change"
    DOC: ClassVar[str] = doc_page(97712)

    auth_add_open_kf_id: TextList = Field(default_factory=list, alias="AuthAddOpenKfId")
    """Accounts newly authorised (one element each)."""
    auth_del_open_kf_id: TextList = Field(default_factory=list, alias="AuthDelOpenKfId")
    """Accounts no longer authorised (one element each)."""
