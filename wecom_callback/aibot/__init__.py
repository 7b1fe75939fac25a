"""AI bots (智能机器人): JSON callbacks, streamed replies that survive replicas, response_url.

``AIBotApp(token, encoding_aes_key)`` is an ASGI app like :class:`~wecom_callback.WeComApp`
for an AI bot's callback URL (API mode). Its handlers name the AI bot's kinds and return
a ``str``, a :class:`StreamReply`, a :class:`TemplateCard` or an :class:`UpdateTemplateCard`
(see :mod:`wecom_callback.aibot.answers`); ``client`` is an :class:`AIBotClient` for
``response_url`` and media. :meth:`AIBotApp.respond` serves the long connection.
"""

from ..client.aibot import AIBotClient, response_body
from ..models.aibot import (
    AIBotCallback,
    AIBotEvent,
    AIBotFileMessage,
    AIBotImageMessage,
    AIBotMedia,
    AIBotMessage,
    AIBotMixed,
    AIBotMixedItem,
    AIBotMixedMessage,
    AIBotQuote,
    AIBotSender,
    AIBotStreamRef,
    AIBotStreamRefresh,
    AIBotText,
    AIBotTextMessage,
    AIBotUnknownEvent,
    AIBotUnknownMessage,
    AIBotVideoMessage,
    AIBotVoiceMessage,
    EnterChatEvent,
    FeedbackEvent,
    SelectedItem,
    TemplateCardEvent,
)
from ..replies.aibot import StreamReply, TemplateCard, UpdateTemplateCard
from .app import AIBotApp, Router

__all__ = [
    "AIBotApp",
    "AIBotCallback",
    "AIBotClient",
    "AIBotEvent",
    "AIBotFileMessage",
    "AIBotImageMessage",
    "AIBotMedia",
    "AIBotMessage",
    "AIBotMixed",
    "AIBotMixedItem",
    "AIBotMixedMessage",
    "AIBotQuote",
    "AIBotSender",
    "AIBotStreamRef",
    "AIBotStreamRefresh",
    "AIBotText",
    "AIBotTextMessage",
    "AIBotUnknownEvent",
    "AIBotUnknownMessage",
    "AIBotVideoMessage",
    "AIBotVoiceMessage",
    "EnterChatEvent",
    "FeedbackEvent",
    "Router",
    "SelectedItem",
    "StreamReply",
    "TemplateCard",
    "TemplateCardEvent",
    "UpdateTemplateCard",
    "response_body",
]
