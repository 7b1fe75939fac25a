"""WeChat customer service (微信客服): pull messages, answer customers.

A ``kf_msg_or_event`` callback carries no content, only a token and the account's
``open_kfid``; the messages are pulled with kf/sync_msg. :meth:`KfAPI.iter_messages` does
the pulling right: it resumes from a cursor saved in the client's store, pages while
``has_more`` (past empty pages too), saves the cursor after every page, lets one process
at a time pull an account, and never yields a msgid twice. Answer only ``origin == 3``
(the customer), or a bot answers its own messages.

WeCom docs: 读取消息 https://developer.work.weixin.qq.com/document/path/94670,
发送消息 https://developer.work.weixin.qq.com/document/path/94677,
发送欢迎语等事件响应消息 https://developer.work.weixin.qq.com/document/path/95122.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from typing import Any

from pydantic import Field

from wecom_callback.client._kf_cursor import KfCursor
from wecom_callback.client._models import APIModel, APIResponse, compact
from wecom_callback.client._namespace import Namespace
from wecom_callback.client.message import MessageBody

__all__ = [
    "KfAPI",
    "KfBusinessCard",
    "KfEvent",
    "KfLink",
    "KfLocation",
    "KfMedia",
    "KfMessage",
    "KfMiniprogram",
    "KfMsgMenu",
    "KfOrigin",
    "KfSent",
    "KfText",
    "Link",
    "Location",
    "Miniprogram",
    "MsgMenu",
    "SyncMsgResult",
]

#: The store lock around one account's pull: renewed while held, waited for this long.
_PULL_LOCK_TTL = 30.0
_PULL_LOCK_WAIT = 60.0


class KfOrigin(enum.IntEnum):
    """Who a pulled message is from (``KfMessage.origin``)."""

    CUSTOMER = 3
    """The WeChat customer: the only origin a bot should answer."""
    SYSTEM = 4
    """A system event (``msgtype == "event"``)."""
    SERVICER = 5
    """A servicer, writing in the WeCom client."""


class KfText(APIModel):
    """A text message's body."""

    content: str
    """The text."""
    menu_id: str | None = None
    """Set when the customer clicked a menu item of a msgmenu message."""


class KfMedia(APIModel):
    """An image, voice, video or file: its media id (fetch it with media/get)."""

    media_id: str
    """The media id."""


class KfLocation(APIModel):
    """A location."""

    latitude: float | None = None
    """Latitude."""
    longitude: float | None = None
    """Longitude."""
    name: str | None = None
    """The place's name."""
    address: str | None = None
    """Its address."""


class KfLink(APIModel):
    """A link the customer sent."""

    title: str | None = None
    """Its title."""
    desc: str | None = None
    """Its description."""
    url: str | None = None
    """The URL."""
    pic_url: str | None = None
    """Its thumbnail."""


class KfBusinessCard(APIModel):
    """A member's business card."""

    userid: str
    """The member's userid."""


class KfMiniprogram(APIModel):
    """A mini program card."""

    title: str | None = None
    """Its title."""
    appid: str | None = None
    """The mini program's appid."""
    pagepath: str | None = None
    """The page."""
    thumb_media_id: str | None = None
    """The thumbnail's media id."""


class KfMsgMenu(APIModel):
    """A menu message (as sent by a servicer)."""

    head_content: str | None = None
    """Text above the menu."""
    items: list[dict[str, Any]] = Field(default_factory=list, alias="list")
    """The menu items (``click``, ``view`` or ``miniprogram``), as WeCom sends them."""
    tail_content: str | None = None
    """Text below the menu."""


class KfEvent(APIModel):
    """The body of ``msgtype == "event"``: the ids live here, not at the top level."""

    event_type: str
    """enter_session, msg_send_fail, servicer_status_change, session_status_change, ..."""
    open_kfid: str | None = None
    """The account."""
    external_userid: str | None = None
    """The customer."""
    scene: str | None = None
    """enter_session: the scene value of the link the customer came by."""
    scene_param: str | None = None
    """enter_session: the link's scene parameter."""
    welcome_code: str | None = None
    """enter_session: for send_msg_on_event, within 20 seconds."""
    fail_msgid: str | None = None
    """msg_send_fail: the message that failed."""
    fail_type: int | None = None
    """msg_send_fail: why (4: session over 48 h, 6: over 5 messages, ...)."""
    servicer_userid: str | None = None
    """The servicer concerned."""
    status: int | None = None
    """servicer_status_change: 1 receiving, 2 stopped."""
    change_type: int | None = None
    """session_status_change: 1 taken, 2 transferred, 3 ended."""
    old_servicer_userid: str | None = None
    """session_status_change: the previous servicer."""
    new_servicer_userid: str | None = None
    """session_status_change: the new servicer."""
    msg_code: str | None = None
    """session_status_change: for send_msg_on_event."""
    recall_msgid: str | None = None
    """user_recall_msg, servicer_recall_msg: the message recalled."""


class KfMessage(APIModel):
    """One message or event pulled with kf/sync_msg."""

    msgid: str
    """Unique per message (up to 44 bytes: do not reuse it as a send ``msgid``)."""
    open_kfid: str | None = None
    """The account (inside ``event`` for events)."""
    external_userid: str | None = None
    """The customer (inside ``event`` for events)."""
    send_time: int | None = None
    """Unix seconds."""
    origin: int
    """3 customer, 4 system event, 5 servicer: see :class:`KfOrigin`."""
    servicer_userid: str | None = None
    """The servicer, for origin 5."""
    msgtype: str
    """text, image, voice, video, file, location, link, business_card, miniprogram,
    msgmenu, event, ... (unknown types keep their body as an extra field)."""
    text: KfText | None = None
    """``msgtype == "text"``."""
    image: KfMedia | None = None
    """``msgtype == "image"``."""
    voice: KfMedia | None = None
    """``msgtype == "voice"``."""
    video: KfMedia | None = None
    """``msgtype == "video"``."""
    file: KfMedia | None = None
    """``msgtype == "file"``."""
    location: KfLocation | None = None
    """``msgtype == "location"``."""
    link: KfLink | None = None
    """``msgtype == "link"``."""
    business_card: KfBusinessCard | None = None
    """``msgtype == "business_card"``."""
    miniprogram: KfMiniprogram | None = None
    """``msgtype == "miniprogram"``."""
    msgmenu: KfMsgMenu | None = None
    """``msgtype == "msgmenu"``."""
    event: KfEvent | None = None
    """``msgtype == "event"``."""

    @property
    def from_customer(self) -> bool:
        """True for the messages a bot should answer (origin 3)."""
        return self.origin == KfOrigin.CUSTOMER

    @property
    def customer(self) -> str | None:
        """The customer's external_userid, wherever this kind of message keeps it."""
        if self.external_userid is None and self.event is not None:
            return self.event.external_userid
        return self.external_userid

    @property
    def account(self) -> str | None:
        """The account's open_kfid, wherever this kind of message keeps it."""
        if self.open_kfid is None and self.event is not None:
            return self.event.open_kfid
        return self.open_kfid


class SyncMsgResult(APIResponse):
    """One page of kf/sync_msg."""

    next_cursor: str = ""
    """Where the next page starts."""
    has_more: bool = False
    """More pages follow (even after an empty one)."""
    msg_list: list[KfMessage] = Field(default_factory=list)
    """The page's messages, oldest first."""


class KfSent(APIResponse):
    """What the kf send APIs answer."""

    msgid: str | None = None
    """The message's id (the one given, or WeCom's)."""


class Link(MessageBody):
    """A link to send (the thumbnail is a media id, unlike a received link's URL)."""

    MSGTYPE = "link"
    title: str
    """Its title."""
    url: str
    """The URL."""
    thumb_media_id: str
    """The thumbnail's media id."""
    desc: str | None = None
    """Its description."""


class Miniprogram(MessageBody):
    """A mini program card to send."""

    MSGTYPE = "miniprogram"
    appid: str
    """The mini program's appid."""
    thumb_media_id: str
    """The thumbnail's media id."""
    pagepath: str
    """The page."""
    title: str | None = None
    """Its title."""


class MsgMenu(MessageBody):
    """A menu to send: ``items`` are ``{"type": "click", "click": {...}}`` and the like."""

    MSGTYPE = "msgmenu"
    head_content: str | None = None
    """Text above the menu."""
    items: list[dict[str, Any]] = Field(default_factory=list, alias="list")
    """The menu items."""
    tail_content: str | None = None
    """Text below the menu."""


class Location(MessageBody):
    """A location to send."""

    MSGTYPE = "location"
    latitude: float
    """Latitude."""
    longitude: float
    """Longitude."""
    name: str | None = None
    """The place's name."""
    address: str | None = None
    """Its address."""


def _msgid(msgid: str | None) -> str:
    # The msgid (≤32 of [0-9a-zA-Z_-]) is the send's idempotency key: with one of
    # our own, a resend after a lost answer names the same message.
    return uuid.uuid4().hex if msgid is None else msgid


class KfAPI(Namespace):
    """``client.kf``: pull messages and answer customers."""

    async def sync_msg(
        self,
        open_kfid: str,
        *,
        cursor: str | None = None,
        token: str | None = None,
        limit: int | None = None,
        voice_format: int | None = None,
    ) -> SyncMsgResult:
        """One page of messages from ``cursor`` (``token``: the callback's, valid 10 min)."""
        request = compact(
            {
                "cursor": cursor,
                "token": token,
                "limit": limit,
                "voice_format": voice_format,
                "open_kfid": open_kfid,
            }
        )
        return await self._post("kf/sync_msg", request, SyncMsgResult, safe=True)

    async def iter_messages(
        self, open_kfid: str, *, token: str | None = None
    ) -> AsyncIterator[KfMessage]:
        """Every message not yet pulled for ``open_kfid``, resuming from the saved cursor.

        Holds the account's store lock while it runs, so concurrent pulls of one account
        (in any process sharing the store) queue. Leaving the loop early is fine: the
        messages already yielded are remembered, the rest come next time.
        """
        client = self._client
        cursor = KfCursor(client.store, f"kf:{client.corp_id}:{open_kfid}")
        async with client.store.lock(cursor.key, ttl=_PULL_LOCK_TTL, timeout=_PULL_LOCK_WAIT):
            await cursor.load()
            try:
                while True:
                    page = await self.sync_msg(open_kfid, cursor=cursor.cursor, token=token)
                    for message in page.msg_list:
                        if cursor.first_time(message.msgid):
                            yield message
                    advanced = cursor.advance(page.next_cursor)
                    await cursor.save()
                    if not (page.has_more and advanced):
                        break
            finally:
                await cursor.save()  # the msgids of a page left half-way

    async def send_msg(
        self, touser: str, open_kfid: str, body: MessageBody, *, msgid: str | None = None
    ) -> str:
        """Send ``body`` to a customer; the msgid (generated if not given).

        Allowed within 48 hours of the customer's last message, at most 5 messages per
        message of theirs, while the session is with the bot (95001/95002/95018 otherwise).
        """
        request = {"touser": touser, "open_kfid": open_kfid, "msgid": _msgid(msgid), **body.wrap()}
        sent = await self._post("kf/send_msg", request, KfSent, safe=True)
        return sent.msgid or request["msgid"]

    async def reply(self, message: KfMessage, body: MessageBody) -> str:
        """Send ``body`` to the customer of a pulled ``message``, on its account."""
        customer, account = message.customer, message.account
        if customer is None or account is None:
            raise ValueError(f"message {message.msgid!r} names no customer and account")
        return await self.send_msg(customer, account, body)

    async def send_msg_on_event(
        self, code: str, body: MessageBody, *, msgid: str | None = None
    ) -> str:
        """Answer an event with its single-use ``code`` (a welcome_code within 20 s)."""
        request = {"code": code, "msgid": _msgid(msgid), **body.wrap()}
        sent = await self._post("kf/send_msg_on_event", request, KfSent, safe=True)
        return sent.msgid or request["msgid"]
