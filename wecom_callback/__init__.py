"""wecom-callback: receive WeCom (WeChat Work) callbacks, verified, typed, never lost."""

from ._app.app import WeComApp
from ._app.site import Site, build_site
from ._receiving.context import CallbackContext
from ._routing.router import Router
from ._settings.settings import Settings
from ._settings.settings_file import Endpoint, SettingsFile
from .errors import CryptoError, WeComAPIError, WeComCallbackError
from .models._parsing import parse_message
from .replies._passive import (
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

__version__ = "0.1.0"

__all__ = [
    "Article",
    "CallbackContext",
    "CryptoError",
    "Endpoint",
    "ImageReply",
    "NewsReply",
    "Reply",
    "Router",
    "Settings",
    "SettingsFile",
    "Site",
    "TextReply",
    "UpdateButtonReply",
    "UpdateTemplateCardReply",
    "VideoReply",
    "VoiceReply",
    "WeComAPIError",
    "WeComApp",
    "WeComCallbackError",
    "__version__",
    "build_site",
    "parse_message",
]
