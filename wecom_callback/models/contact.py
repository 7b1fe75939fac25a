"""``change_contact``: members, departments and tags were created, changed or deleted.

One class serves both forms: the Event a self-built or contact-sync app receives and the
InfoType a suite receives on its instruction URL (with ``SuiteId``/``AuthCorpId``).

WeCom documents: 通讯录回调通知 (page 90970)
(self-built) and 90639 (third-party InfoType form, adds ``OpenUserID``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, WeComModel, doc_page
from ._types import BlankIsNone, CsvInts, CsvStrs, OpenStrEnum, OptInt, OptStr, items_of

__all__ = [
    "ContactChangeType",
    "ContactEvent",
    "CreatePartyEvent",
    "CreateUserEvent",
    "DeletePartyEvent",
    "DeleteUserEvent",
    "ExtAttrItem",
    "ExtAttrText",
    "ExtAttrWeb",
    "UpdatePartyEvent",
    "UpdateTagEvent",
    "UpdateUserEvent",
]

_DOC = doc_page(90970)


class ContactChangeType(OpenStrEnum):
    """ChangeType values of ``change_contact``."""

    CREATE_USER = "create_user"
    UPDATE_USER = "update_user"
    DELETE_USER = "delete_user"
    CREATE_PARTY = "create_party"
    UPDATE_PARTY = "update_party"
    DELETE_PARTY = "delete_party"
    UPDATE_TAG = "update_tag"


class ContactEvent(Event):
    """``change_contact`` with a ChangeType this version does not type.

    WeCom doc: 通讯录回调通知 (page 90970)
    """

    KIND: ClassVar[str] = "change_contact"
    DOC: ClassVar[str] = _DOC

    change_type: ContactChangeType = Field(alias="ChangeType")
    """What changed."""


class ExtAttrText(WeComModel):
    """The ``Text`` of a text custom attribute."""

    value: OptStr = Field(None, alias="Value")
    """The attribute's text."""


class ExtAttrWeb(WeComModel):
    """The ``Web`` of a web-link custom attribute."""

    title: OptStr = Field(None, alias="Title")
    """The link's title."""
    url: OptStr = Field(None, alias="Url")
    """The link's URL."""


class ExtAttrItem(WeComModel):
    """One ``ExtAttr/Item``: a member's custom attribute."""

    name: OptStr = Field(None, alias="Name")
    """The attribute's name."""
    type: OptInt = Field(None, alias="Type")
    """0 text, 1 web link."""
    text: Annotated[ExtAttrText | None, BlankIsNone] = Field(None, alias="Text")
    """Set for text attributes."""
    web: Annotated[ExtAttrWeb | None, BlankIsNone] = Field(None, alias="Web")
    """Set for web-link attributes."""


class _UserEvent(ContactEvent):
    """Member fields; WeCom sends only those that apply (and changed, on update)."""

    user_id: OptStr = Field(None, alias="UserID")
    """The member's UserID."""
    open_user_id: OptStr = Field(None, alias="OpenUserID")
    """Third-party apps: the member's open UserID."""
    name: OptStr = Field(None, alias="Name")
    """The member's name."""
    department: CsvInts = Field(default_factory=list, alias="Department")
    """The member's department ids."""
    main_department: OptInt = Field(None, alias="MainDepartment")
    """The member's main department id."""
    is_leader_in_dept: CsvInts = Field(default_factory=list, alias="IsLeaderInDept")
    """1 where the member leads the department at the same index of ``department``."""
    direct_leader: CsvStrs = Field(default_factory=list, alias="DirectLeader")
    """UserIDs of the member's direct leaders."""
    position: OptStr = Field(None, alias="Position")
    """Job title."""
    mobile: OptStr = Field(None, alias="Mobile")
    """Mobile number."""
    gender: OptInt = Field(None, alias="Gender")
    """1 male, 2 female."""
    email: OptStr = Field(None, alias="Email")
    """Email address."""
    biz_mail: OptStr = Field(None, alias="BizMail")
    """Corporate email address."""
    status: OptInt = Field(None, alias="Status")
    """1 active, 2 disabled, 4 not yet activated."""
    avatar: OptStr = Field(None, alias="Avatar")
    """Avatar URL."""
    alias: OptStr = Field(None, alias="Alias")
    """The member's alias."""
    telephone: OptStr = Field(None, alias="Telephone")
    """Landline number."""
    address: OptStr = Field(None, alias="Address")
    """Address."""
    ext_attr: Annotated[list[ExtAttrItem], items_of("Item")] = Field(
        default_factory=list, alias="ExtAttr"
    )
    """Custom attributes."""


class CreateUserEvent(_UserEvent):
    """A member was created (新增成员事件).

    WeCom doc: 通讯录回调通知 / 成员变更通知 (page 90970)
    """

    CHANGE_TYPE: ClassVar[str] = "create_user"


class UpdateUserEvent(_UserEvent):
    """A member was changed (更新成员事件).

    WeCom doc: 通讯录回调通知 / 成员变更通知 (page 90970)
    """

    CHANGE_TYPE: ClassVar[str] = "update_user"

    new_user_id: OptStr = Field(None, alias="NewUserID")
    """The member's new UserID, when it changed."""


class DeleteUserEvent(ContactEvent):
    """A member was deleted (删除成员事件).

    WeCom doc: 通讯录回调通知 / 成员变更通知 (page 90970)
    """

    CHANGE_TYPE: ClassVar[str] = "delete_user"

    user_id: OptStr = Field(None, alias="UserID")
    """The member's UserID."""
    open_user_id: OptStr = Field(None, alias="OpenUserID")
    """Third-party apps: the member's open UserID."""


class _PartyEvent(ContactEvent):
    id: OptInt = Field(None, alias="Id")
    """The department id."""


class CreatePartyEvent(_PartyEvent):
    """A department was created (新增部门事件).

    WeCom doc: 通讯录回调通知 / 部门变更通知 (page 90971)
    """

    CHANGE_TYPE: ClassVar[str] = "create_party"
    DOC: ClassVar[str] = doc_page(90971)

    name: OptStr = Field(None, alias="Name")
    """The department's name."""
    parent_id: OptInt = Field(None, alias="ParentId")
    """The parent department's id."""
    order: OptInt = Field(None, alias="Order")
    """Sort order among siblings."""


class UpdatePartyEvent(_PartyEvent):
    """A department was changed (更新部门事件); only changed fields are sent.

    WeCom doc: 通讯录回调通知 / 部门变更通知 (page 90971)
    """

    CHANGE_TYPE: ClassVar[str] = "update_party"
    DOC: ClassVar[str] = doc_page(90971)

    name: OptStr = Field(None, alias="Name")
    """The department's new name."""
    parent_id: OptInt = Field(None, alias="ParentId")
    """The new parent department's id."""


class DeletePartyEvent(_PartyEvent):
    """A department was deleted (删除部门事件).

    WeCom doc: 通讯录回调通知 / 部门变更通知 (page 90971)
    """

    CHANGE_TYPE: ClassVar[str] = "delete_party"
    DOC: ClassVar[str] = doc_page(90971)


class UpdateTagEvent(ContactEvent):
    """Members or departments were added to or removed from a tag (标签成员变更事件).

    WeCom doc: 通讯录回调通知 / 标签变更通知 (page 90972)
    """

    CHANGE_TYPE: ClassVar[str] = "update_tag"
    DOC: ClassVar[str] = doc_page(90972)

    tag_id: OptInt = Field(None, alias="TagId")
    """The tag id."""
    add_user_items: CsvStrs = Field(default_factory=list, alias="AddUserItems")
    """UserIDs added to the tag."""
    del_user_items: CsvStrs = Field(default_factory=list, alias="DelUserItems")
    """UserIDs removed from the tag."""
    add_party_items: CsvInts = Field(default_factory=list, alias="AddPartyItems")
    """Department ids added to the tag."""
    del_party_items: CsvInts = Field(default_factory=list, alias="DelPartyItems")
    """Department ids removed from the tag."""
