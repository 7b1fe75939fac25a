"""One loader for ``module:attribute`` targets, used by ``run``, ``worker`` and ``asgi``."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..errors import ConfigurationError
from .app import WeComApp

__all__ = ["load_app", "load_apps", "load_target"]


def load_target(target: str) -> Any:
    """Import ``module:attribute`` (attribute ``app`` when omitted) from the working dir."""
    module_name, _, attr = target.partition(":")
    if not module_name:
        raise ConfigurationError(f"{target!r} is not module:attribute")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn's CLI: the current directory first
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"cannot import {module_name!r} for {target}: {exc}") from None
    try:
        return getattr(module, attr or "app")
    except AttributeError:
        raise ConfigurationError(f"{module_name} has no attribute {attr or 'app'!r}") from None


def load_apps(target: str) -> list[WeComApp]:
    """Import ``module:attribute``: a WeComApp, or a Starlette/FastAPI site mounting some.

    A site's routes are searched, mounts within mounts included, so one worker command
    serves every endpoint of the site.
    """
    apps = list(_find_apps(load_target(target), set()))
    if not apps:
        raise ConfigurationError(f"{target} is neither a WeComApp nor a site that mounts one")
    return apps


def _find_apps(obj: Any, seen: set[int]) -> Iterator[WeComApp]:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, WeComApp):
        yield obj
        return
    for route in getattr(obj, "routes", None) or ():
        inner = getattr(route, "app", None)
        if inner is not None:
            yield from _find_apps(inner, seen)


def load_app(target: str) -> WeComApp:
    """Import ``module:attribute`` and return the one WeComApp it names or mounts."""
    apps = load_apps(target)
    if len(apps) > 1:
        names = ", ".join(app.name for app in apps)
        raise ConfigurationError(f"{target} mounts several endpoints ({names}): name one")
    return apps[0]
