"""wecom-callback: receive WeCom (WeChat Work) callbacks, verified, typed, never lost."""

from ._app import WeComApp
from ._context import CallbackContext
from ._parsing import parse_message
from ._replies import (
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
from ._routing import Router
from ._settings import Settings
from .errors import CryptoError, WeComAPIError, WeComCallbackError

__version__ = "0.1.0"

__all__ = [
    "Article",
    "CallbackContext",
    "CryptoError",
    "ImageReply",
    "NewsReply",
    "Reply",
    "Router",
    "Settings",
    "TextReply",
    "UpdateButtonReply",
    "UpdateTemplateCardReply",
    "VideoReply",
    "VoiceReply",
    "WeComAPIError",
    "WeComApp",
    "WeComCallbackError",
    "__version__",
    "parse_message",
]
