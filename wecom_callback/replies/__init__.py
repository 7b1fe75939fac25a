"""Passive replies: what a handler returns to answer in the callback's own HTTP response.

``TextReply``, ``ImageReply``, ``VoiceReply``, ``VideoReply``, ``NewsReply`` (with
``Article``), ``UpdateButtonReply`` and ``UpdateTemplateCardReply``; a handler may also
return a ``str``, meaning a text reply. All are also importable from ``wecom_callback``.
"""

from ._passive import (
    Article,
    ImageReply,
    NewsReply,
    Reply,
    TextReply,
    UpdateButtonReply,
    UpdateTemplateCardReply,
    VideoReply,
    VoiceReply,
)

__all__ = [
    "Article",
    "ImageReply",
    "NewsReply",
    "Reply",
    "TextReply",
    "UpdateButtonReply",
    "UpdateTemplateCardReply",
    "VideoReply",
    "VoiceReply",
]
