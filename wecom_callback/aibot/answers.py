"""What an AI bot's handler may return for each kind, as the plaintext reply body.

=========================  ==========================================================
callback                   handler result -> reply body
=========================  ==========================================================
a message (text, image,    ``str``: a finished one-shot stream; :class:`StreamReply`:
mixed, voice, file, video) the stream's first frame; :class:`TemplateCard`: the card
``enter_chat``             ``str``: the welcome text; :class:`TemplateCard`: the card
``template_card_event``    :class:`UpdateTemplateCard` or :class:`TemplateCard`: the
                           ``update_template_card`` reply
other events               nothing (``None``)
=========================  ==========================================================

Anything else is reported as the handler's mistake (it fails, is logged and retried).
"""

from __future__ import annotations

import secrets
from typing import Any

from .._receiving.context import CallbackContext
from .._wire.json_envelope import dump_json
from ..models._base import Callback
from ..models.aibot import AIBotCallback, AIBotMessage, EnterChatEvent, TemplateCardEvent
from ..replies.aibot import StreamReply, TemplateCard, UpdateTemplateCard, stream_frame
from .streams import Streams

__all__ = ["Answers"]


def _refuse(result: Any, model: Callback, allowed: str) -> TypeError:
    return TypeError(
        f"a handler of {model.kind!r} returned {type(result).__name__}: return {allowed} or None"
    )


class Answers:
    """Renders handler results (the table in the module doc); starts streams."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    async def body(self, result: Any, model: Callback, ctx: CallbackContext) -> dict[str, Any]:
        """The reply body for ``result`` to ``model``."""
        if isinstance(model, EnterChatEvent):
            if isinstance(result, str):
                return {"msgtype": "text", "text": {"content": result}}
            if isinstance(result, TemplateCard):
                return result.body()
            raise _refuse(result, model, "a str (welcome text) or a TemplateCard")
        if isinstance(model, TemplateCardEvent):
            if isinstance(result, TemplateCard):
                result = UpdateTemplateCard(result)
            if isinstance(result, UpdateTemplateCard):
                return result.body()
            raise _refuse(result, model, "an UpdateTemplateCard (or TemplateCard)")
        if isinstance(model, AIBotMessage):
            if isinstance(result, str):
                return stream_frame(secrets.token_urlsafe(12), result, True)
            if isinstance(result, StreamReply):
                url = model.response_url if isinstance(model, AIBotCallback) else None
                return await self.streams.start(
                    result, received_at=ctx.received_at.timestamp(), response_url=url
                )
            if isinstance(result, TemplateCard):
                return result.body()
            raise _refuse(result, model, "a str, a StreamReply or a TemplateCard")
        raise _refuse(result, model, "nothing (this kind takes no reply)")

    async def render(self, result: Any, model: Callback, ctx: CallbackContext) -> bytes | None:
        """The plaintext JSON reply (the runner's render hook)."""
        if result is None:
            return None
        return dump_json(await self.body(result, model, ctx))
