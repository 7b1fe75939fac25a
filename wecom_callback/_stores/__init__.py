"""Shared key-value stores: the contract, three backends, and :func:`open_store` by URL.

The outbound client keeps access tokens, JS-SDK tickets and kf cursors here; anything
else that must outlive a process or be shared between replicas can too. The URLs are
those of :func:`wecom_callback.inbox.open_inbox`, with the same path rules, so one SQLite
file or one Redis can hold both (the store uses its own table or key prefix):

========================================  ==================================================
URL                                       backend
========================================  ==================================================
``memory://``                             :class:`MemoryStore`: this process only
``sqlite:///var/lib/wecom/wecom.db``      :class:`SQLiteStore`: one file, one host
``redis://host:6379/0``                   :class:`~wecom_callback._stores.redis.RedisStore`:
                                          many replicas (``rediss://``, ``unix://`` too)
========================================  ==================================================

SQLite paths: ``sqlite:///abs/path.db`` and ``sqlite:////abs/path.db`` are absolute; a
single name (``sqlite:///wecom.db``) or a path starting with ``./`` or ``../`` is relative
to the working directory. Options go in the query string: ``busy_timeout`` (seconds) for
SQLite; ``prefix`` (default ``wecom:``) for Redis, whose other query parameters pass on to
redis-py (``socket_timeout`` and ``socket_connect_timeout`` default to 5 seconds), except
the inbox's ``group``, ``retention`` and ``maintenance_interval``, which are ignored so
that the inbox's URL can be given as is. The store's keys (``token:``, ``jsapi:``,
``kf:``, ``lock:``) never meet the inbox's under a shared prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wecom_callback._stores import urls
from wecom_callback._stores._base import Store, StoreLock
from wecom_callback._stores.memory import MemoryStore
from wecom_callback._stores.sqlite import SQLiteStore
from wecom_callback.errors import ConfigurationError

if TYPE_CHECKING:
    from wecom_callback._stores.redis import RedisStore

__all__ = ["MemoryStore", "SQLiteStore", "Store", "StoreLock", "open_store", "sqlite_path"]

#: The inbox's own Redis options, ignored here: one URL may configure both.
_INBOX_ONLY = ("group", "retention", "maintenance_interval")


def open_store(url: str) -> Store:
    """The store ``url`` names (see the module docs); ``await store.start()`` is optional.

    Raises :class:`~wecom_callback.errors.ConfigurationError` for an unknown scheme, a bad
    option, or a Redis URL when the ``redis`` package is not installed.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == "memory":
        urls.reject_unknown(url, options, (), "store")
        return MemoryStore()
    if scheme == "sqlite":
        urls.reject_unknown(url, options, ("busy_timeout",), "store")
        path = sqlite_path(url)
        if "busy_timeout" in options:
            return SQLiteStore(
                path,
                busy_timeout=urls.positive(url, "busy_timeout", options["busy_timeout"], "store"),
            )
        return SQLiteStore(path)
    if scheme in urls.REDIS_SCHEMES:
        return _open_redis(url, options)
    raise ConfigurationError(
        f"unknown store URL scheme {parts.scheme!r} in {urls.safe(url)!r}: use memory://,"
        " sqlite:///path/wecom.db or redis://host:6379/0"
    )


def _open_redis(url: str, options: dict[str, str]) -> RedisStore:
    try:
        from wecom_callback._stores.redis import RedisStore
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "redis":
            raise
        raise ConfigurationError(
            "a Redis store needs the redis package: pip install wecom-callback[redis]"
        ) from exc
    prefix = options.pop("prefix", "wecom:")
    for name in _INBOX_ONLY:  # so the inbox's URL serves the store too
        options.pop(name, None)
    # What remains (socket_timeout, db, …) is redis-py's to read.
    redis_url = urlunsplit(urlsplit(url)._replace(query=urlencode(options)))
    return RedisStore(redis_url, prefix=prefix)


def sqlite_path(url: str) -> Path:
    """The file a ``sqlite://`` URL names, by the inbox's rules (see the module docs)."""
    return urls.sqlite_path(url, "store")
