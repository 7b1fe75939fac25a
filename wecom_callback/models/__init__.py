"""Typed models of every WeCom callback kind; see ``docs/events.md`` for the catalogue.

Each family module declares its own ``__all__``; this namespace re-exports them all, so
a model is named once, where it is defined. ``registered()`` maps every dispatch key to
its class (a test checks that each one is exported here).
"""

from . import (
    app_events,
    approval,
    card_events,
    contact,
    customer_acquisition,
    external_chat,
    external_contact,
    external_tag,
    kf,
    menu_events,
    messages,
    oa_events,
    orders,
    school,
    suite,
)
from ._base import (
    Callback,
    Event,
    Message,
    UnknownEvent,
    UnknownMessage,
    WeComModel,
    doc_page,
    lookup,
    registered,
)
from ._types import OpenStrEnum
from .app_events import *  # noqa: F403 - each family names its exports in __all__
from .approval import *  # noqa: F403 - each family names its exports in __all__
from .card_events import *  # noqa: F403 - each family names its exports in __all__
from .contact import *  # noqa: F403 - each family names its exports in __all__
from .customer_acquisition import *  # noqa: F403 - each family names its exports in __all__
from .external_chat import *  # noqa: F403 - each family names its exports in __all__
from .external_contact import *  # noqa: F403 - each family names its exports in __all__
from .external_tag import *  # noqa: F403 - each family names its exports in __all__
from .kf import *  # noqa: F403 - each family names its exports in __all__
from .menu_events import *  # noqa: F403 - each family names its exports in __all__
from .messages import *  # noqa: F403 - each family names its exports in __all__
from .oa_events import *  # noqa: F403 - each family names its exports in __all__
from .orders import *  # noqa: F403 - each family names its exports in __all__
from .school import *  # noqa: F403 - each family names its exports in __all__
from .suite import *  # noqa: F403 - each family names its exports in __all__

__all__ = [
    "Callback",
    "Event",
    "Message",
    "OpenStrEnum",
    "UnknownEvent",
    "UnknownMessage",
    "WeComModel",
    "doc_page",
    "lookup",
    "registered",
]
__all__ += app_events.__all__
__all__ += approval.__all__
__all__ += card_events.__all__
__all__ += contact.__all__
__all__ += customer_acquisition.__all__
__all__ += external_chat.__all__
__all__ += external_contact.__all__
__all__ += external_tag.__all__
__all__ += kf.__all__
__all__ += menu_events.__all__
__all__ += messages.__all__
__all__ += oa_events.__all__
__all__ += orders.__all__
__all__ += school.__all__
__all__ += suite.__all__
__all__.sort()
