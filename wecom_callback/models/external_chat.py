"""``change_external_chat``: a customer group chat was created, changed or dismissed.

One class serves both forms: the Event of self-built apps and the InfoType a suite
receives (with ``SuiteId``/``AuthCorpId``).

WeCom documents: 客户联系 / 事件 (page 92130)
(self-built) and 92277 (third-party InfoType form).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import BlankIsNone, OpenStrEnum, OptInt, OptStr, items_of

__all__ = [
    "CreateExternalChatEvent",
    "DismissExternalChatEvent",
    "ExternalChatChangeType",
    "ExternalChatEvent",
    "ExternalChatUpdateDetail",
    "UpdateExternalChatEvent",
]

_DOC = doc_page(92130)


class ExternalChatChangeType(OpenStrEnum):
    """ChangeType values of ``change_external_chat``."""

    CREATE = "create"
    UPDATE = "update"
    DISMISS = "dismiss"


class ExternalChatUpdateDetail(OpenStrEnum):
    """``UpdateDetail`` values of a group chat update."""

    ADD_MEMBER = "add_member"
    DEL_MEMBER = "del_member"
    CHANGE_OWNER = "change_owner"
    CHANGE_NAME = "change_name"
    CHANGE_NOTICE = "change_notice"


class ExternalChatEvent(Event):
    """``change_external_chat`` with a ChangeType this version does not type.

    WeCom doc: 客户联系 / 事件 (page 92130)
    (third-party InfoType form: page 92277)
    """

    KIND: ClassVar[str] = "change_external_chat"
    DOC: ClassVar[str] = _DOC

    change_type: ExternalChatChangeType = Field(alias="ChangeType")
    """What happened to the group chat."""
    chat_id: OptStr = Field(None, alias="ChatId")
    """The group chat's id."""


class CreateExternalChatEvent(ExternalChatEvent):
    """A customer group chat was created (客户群创建事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "create"


class UpdateExternalChatEvent(ExternalChatEvent):
    """A customer group chat changed: members, owner, name or notice (客户群变更事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "update"

    update_detail: Annotated[ExternalChatUpdateDetail | None, BlankIsNone] = Field(
        None, alias="UpdateDetail"
    )
    """What changed: add_member, del_member, change_owner, change_name, change_notice."""
    join_scene: OptInt = Field(None, alias="JoinScene")
    """add_member: 0 invited directly, 1 invited by link, 3 joined by QR code."""
    quit_scene: OptInt = Field(None, alias="QuitScene")
    """del_member: 0 left, 1 removed by the owner or an admin."""
    mem_change_cnt: OptInt = Field(None, alias="MemChangeCnt")
    """How many members joined or left."""
    mem_change_list: Annotated[list[str], items_of("Item")] = Field(
        default_factory=list, alias="MemChangeList"
    )
    """UserIDs or external UserIDs of the members who joined or left."""
    last_mem_ver: OptStr = Field(None, alias="LastMemVer")
    """The member-list version before the change."""
    cur_mem_ver: OptStr = Field(None, alias="CurMemVer")
    """The member-list version after the change."""


class DismissExternalChatEvent(ExternalChatEvent):
    """A customer group chat was dismissed (客户群解散事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "dismiss"
