"""Customer contact (客户联系): read a customer, welcome them, read a customer group.

WeCom docs: 获取客户详情 https://developer.work.weixin.qq.com/document/path/96315,
发送新客户欢迎语 https://developer.work.weixin.qq.com/document/path/92599,
获取客户群详情 https://developer.work.weixin.qq.com/document/path/96338.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse, compact
from wecom_callback.client._namespace import Namespace

__all__ = [
    "ExternalContact",
    "ExternalContactAPI",
    "ExternalContactDetail",
    "FollowUser",
    "GroupChat",
    "GroupChatMember",
]


class ExternalContact(APIModel):
    """A customer."""

    external_userid: str
    """The customer's id (provider-scoped for third-party apps)."""
    name: str | None = None
    """WeChat nickname or WeCom name."""
    position: str | None = None
    """Job title (WeCom customers)."""
    avatar: str | None = None
    """Avatar URL."""
    corp_name: str | None = None
    """Company short name (WeCom customers)."""
    corp_full_name: str | None = None
    """Company full name (WeCom customers)."""
    type: int | None = None
    """1 WeChat user, 2 WeCom user."""
    gender: int | None = None
    """0 unknown, 1 male, 2 female."""
    unionid: str | None = None
    """The WeChat unionid, when the corp has a bound Official Account or mini program."""


class FollowUser(APIModel):
    """A member who has the customer as a contact."""

    userid: str
    """The member's userid."""
    remark: str | None = None
    """The member's remark on the customer."""
    description: str | None = None
    """The member's description of the customer."""
    createtime: int | None = None
    """When the member added the customer (unix seconds)."""
    tags: list[dict[str, Any]] = Field(default_factory=list)
    """The member's tags on the customer, as WeCom sends them."""
    remark_mobiles: list[str] = Field(default_factory=list)
    """Phone numbers noted by the member."""
    add_way: int | None = None
    """How the customer was added."""
    oper_userid: str | None = None
    """Who initiated the add."""
    state: str | None = None
    """The ``state`` of the contact-me configuration used."""


class ExternalContactDetail(APIResponse):
    """What externalcontact/get answers."""

    external_contact: ExternalContact
    """The customer."""
    follow_user: list[FollowUser] = Field(default_factory=list)
    """The members who have the customer (paginated past 500)."""
    next_cursor: str = ""
    """Pass as ``cursor`` for the next followers, when not empty."""


class GroupChatMember(APIModel):
    """A member of a customer group."""

    userid: str
    """A member's userid or a customer's external_userid."""
    type: int
    """1 member, 2 customer."""
    join_time: int | None = None
    """When they joined (unix seconds)."""
    join_scene: int | None = None
    """1 invited directly, 2 by link, 3 by QR code."""
    group_nickname: str | None = None
    """Their nickname in the group."""
    name: str | None = None
    """Their name (with ``need_name``)."""
    unionid: str | None = None
    """A customer's unionid, when available."""


class GroupChat(APIModel):
    """A customer group."""

    chat_id: str
    """The group's id."""
    name: str | None = None
    """Its name."""
    owner: str | None = None
    """The owner's userid."""
    create_time: int | None = None
    """Unix seconds."""
    notice: str | None = None
    """The group notice."""
    member_list: list[GroupChatMember] = Field(default_factory=list)
    """Every member."""
    admin_list: list[dict[str, Any]] = Field(default_factory=list)
    """The admins (``{"userid": ...}``)."""
    member_version: str | None = None
    """Compare with a change_external_chat event's version: re-read if it is older."""


class _GroupChatAnswer(APIResponse):
    group_chat: GroupChat


class ExternalContactAPI(Namespace):
    """``client.external_contact``: customers and customer groups."""

    async def get(
        self, external_userid: str, *, cursor: str | None = None
    ) -> ExternalContactDetail:
        """A customer and the members who have them (84061: no member has them)."""
        params = compact({"external_userid": external_userid, "cursor": cursor})
        return await self._get("externalcontact/get", params, ExternalContactDetail)

    async def send_welcome_msg(
        self,
        welcome_code: str,
        *,
        text: str | None = None,
        attachments: Sequence[Mapping[str, Any]] | None = None,
    ) -> APIResponse:
        """Welcome a new customer with the event's ``welcome_code`` (valid 20 s, once).

        ``attachments`` (up to 9) are ``{"msgtype": "image", "image": {"media_id": ...}}``
        and the like. 41051 means the conversation already started: do not retry.
        """
        if text is None and not attachments:
            raise ValueError("send_welcome_msg needs text or attachments")
        request: dict[str, Any] = {"welcome_code": welcome_code}
        if text is not None:
            request["text"] = {"content": text}
        if attachments:
            request["attachments"] = [dict(a) for a in attachments]
        return await self._post("externalcontact/send_welcome_msg", request, APIResponse)

    async def get_group_chat(self, chat_id: str, *, need_name: bool = False) -> GroupChat:
        """A customer group and its members (may lag behind change_external_chat)."""
        request = {"chat_id": chat_id, "need_name": int(need_name)}
        answer = await self._post(
            "externalcontact/groupchat/get", request, _GroupChatAnswer, safe=True
        )
        return answer.group_chat
