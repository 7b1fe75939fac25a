"""Several endpoints of a settings file served as one ASGI site."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute, Router
from starlette.types import Receive, Scope, Send

from .._routing.router import Router as HandlerRouter
from .._settings.settings_file import Endpoint, SettingsFile
from ..errors import ConfigurationError
from . import health
from .app import WeComApp
from .lifespan import serve_lifespan
from .loader import load_target

__all__ = ["Site", "build_site"]


class Site:
    """An ASGI app serving every endpoint of a settings file at its path.

    Beside the endpoints it serves ``/healthz``, ``/readyz`` and ``/metrics`` for all of
    them; its lifespan starts every endpoint (in the file's order) and stops them in
    reverse. ``site.apps["hr"]`` is the :class:`WeComApp` of ``[endpoints.hr]``.
    """

    def __init__(self, settings_file: SettingsFile, **options: Any) -> None:
        self.settings_file = settings_file
        self.apps: dict[str, WeComApp] = {}
        routes: list[BaseRoute] = []
        for endpoint in settings_file.endpoints:
            app = WeComApp(settings=endpoint.settings, **options)
            if endpoint.handlers:
                app.include_router(_handlers(endpoint))
            self.apps[endpoint.name] = app
            routes += app.routes(endpoint.path)
        self.routes: list[BaseRoute] = [*health.health_routes(list(self.apps.values())), *routes]
        self._router = Router(routes=self.routes)

    def __repr__(self) -> str:
        return f"Site({self.settings_file.source}, endpoints={list(self.apps)!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self._router(scope, receive, send)

    async def startup(self) -> None:
        """Start every endpoint; if one fails, those already started are stopped again."""
        started: list[WeComApp] = []
        try:
            for app in self.apps.values():
                await app.startup()
                started.append(app)
        except BaseException:
            for app in reversed(started):
                await app.shutdown()
            raise

    async def shutdown(self) -> None:
        """Stop every endpoint, the last started first."""
        for app in reversed(list(self.apps.values())):
            await app.shutdown()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await serve_lifespan(receive, send, self.startup, self.shutdown)


def _handlers(endpoint: Endpoint) -> HandlerRouter:
    target = endpoint.handlers or ""
    if ":" not in target:
        target += ":router"
    found = load_target(target)
    if not isinstance(found, HandlerRouter):
        raise ConfigurationError(
            f"endpoint {endpoint.name!r}: handlers {target} is a {type(found).__name__},"
            " not a wecom_callback.Router"
        )
    return found


def build_site(path: str | os.PathLike[str] | SettingsFile, **options: Any) -> Site:
    """The :class:`Site` of a settings file (a path, or a loaded :class:`SettingsFile`).

    ``options`` go to every :class:`WeComApp` (``client=``, ``inbox=`` objects, ...).
    """
    settings_file = path if isinstance(path, SettingsFile) else SettingsFile.load(Path(path))
    return Site(settings_file, **options)
