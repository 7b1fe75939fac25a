"""What a handler can ask for by parameter name, besides the model: the one catalogue.

A handler's first parameter (whatever its name) receives the model. Other parameters
are injected by name:

=========  =============================================================================
``ctx``    the :class:`~wecom_callback.CallbackContext` of the callback
``client`` the app's :class:`~wecom_callback.client.WeComClient` (an app given
           ``corp_id`` and ``secret``, or a ``client=``)
=========  =============================================================================
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["INJECTABLE"]

INJECTABLE = MappingProxyType(
    {
        "ctx": "the CallbackContext of the callback",
        "client": "the app's WeComClient (give the app corp_id and secret, or client=)",
    }
)
"""Parameter name -> what it receives."""
