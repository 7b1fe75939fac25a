"""The deployable ASGI application: ``uvicorn --factory wecom_callback.asgi:create_app``.

With ``WECOM_CONFIG`` (a settings file, see :class:`~wecom_callback.SettingsFile`) it
serves every endpoint the file describes, each at its path. Else it serves ``WECOM_APP``
(``module:attribute`` of your WeComApp) or, when unset, a pure
receiver (``WeComApp.from_env(inline=False)``): it admits callbacks to the inbox and
answers, and never runs or claims handler work; ``wecom-callback worker module:app``
processes sharing the inbox do. The app is mounted at ``WECOM_PATH`` (default ``/``,
answered with and without a trailing slash); ``/healthz``, ``/readyz`` and ``/metrics``
are served beside it.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from ._app.app import WeComApp
from ._app.loader import load_app
from ._app.site import build_site

__all__ = ["create_app"]


class _Served:
    """The site, with the lifespan left to the WeComApp: a failed start is one clear line."""

    def __init__(self, site: Starlette, app: WeComApp) -> None:
        self.site = site
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
        else:
            await self.site(scope, receive, send)


def create_app() -> ASGIApp:
    """Build the served application from the environment."""
    settings_file = os.environ.get("WECOM_CONFIG")
    if settings_file:
        return build_site(settings_file)
    target = os.environ.get("WECOM_APP")
    app = load_app(target) if target else WeComApp.from_env(inline=False)
    path = os.environ.get("WECOM_PATH", "/")
    site = Starlette(routes=[*app.health_routes(), *app.routes(path)])
    return _Served(site, app)
