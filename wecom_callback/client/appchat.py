"""Group chats created by the app: ``client.appchat.create``, ``get``, ``send``.

Only self-built apps whose visibility is the root department may use them, and only on
chats the same app created. WeCom doc: 发送消息到群聊会话,
https://developer.work.weixin.qq.com/document/path/90248.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse, compact
from wecom_callback.client._namespace import Namespace
from wecom_callback.client.message import MessageBody, TemplateCard

__all__ = ["AppChat", "AppChatAPI", "AppChatCreated", "AppChatInfo"]


class AppChatCreated(APIResponse):
    """What appchat/create answers."""

    chatid: str
    """The chat's id (yours if you chose one)."""


class AppChat(APIModel):
    """A group chat."""

    chatid: str
    """The chat's id."""
    name: str | None = None
    """Its name."""
    owner: str | None = None
    """The owner's userid."""
    userlist: list[str] = Field(default_factory=list)
    """Every member's userid."""


class AppChatInfo(APIResponse):
    """What appchat/get answers."""

    chat_info: AppChat
    """The chat."""


class AppChatAPI(Namespace):
    """``client.appchat``: the app's own group chats."""

    async def create(
        self,
        userlist: Sequence[str],
        *,
        name: str | None = None,
        owner: str | None = None,
        chatid: str | None = None,
    ) -> str:
        """Create a chat of 2 to 2000 members; its chatid (``chatid`` ≤32 of [0-9a-zA-Z])."""
        request = compact(
            {"name": name, "owner": owner, "userlist": list(userlist), "chatid": chatid}
        )
        created = await self._post("appchat/create", request, AppChatCreated)
        return created.chatid

    async def get(self, chatid: str) -> AppChat:
        """The chat's name, owner and members."""
        return (await self._get("appchat/get", {"chatid": chatid}, AppChatInfo)).chat_info

    async def send(self, chatid: str, body: MessageBody, *, safe: int | None = None) -> APIResponse:
        """Send ``body`` to the chat (any message body but a template card).

        Over 200 messages a minute per member are dropped silently by WeCom.
        """
        if isinstance(body, TemplateCard):
            raise ValueError("appchat/send does not take template cards")
        return await self._post(
            "appchat/send", compact({"chatid": chatid, "safe": safe, **body.wrap()}), APIResponse
        )
