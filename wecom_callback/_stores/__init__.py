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

from wecom_callback._stores._base import Store, StoreLock
from wecom_callback._stores.memory import MemoryStore
from wecom_callback._stores.sqlite import SQLiteStore
from wecom_callback.errors import ConfigurationError

if TYPE_CHECKING:
    from wecom_callback._stores.redis import RedisStore

__all__ = ["MemoryStore", "SQLiteStore", "Store", "StoreLock", "open_store", "sqlite_path"]

_REDIS_SCHEMES = ("redis", "rediss", "unix")
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
        _reject_unknown(url, options, ())
        return MemoryStore()
    if scheme == "sqlite":
        _reject_unknown(url, options, ("busy_timeout",))
        path = sqlite_path(url)
        if "busy_timeout" in options:
            return SQLiteStore(path, busy_timeout=_number(url, options["busy_timeout"]))
        return SQLiteStore(path)
    if scheme in _REDIS_SCHEMES:
        return _open_redis(url, options)
    raise ConfigurationError(
        f"unknown store URL scheme {parts.scheme!r} in {_safe(url)!r}: use memory://,"
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
    # Not urlsplit: it would treat the start of "sqlite:////abs" as an empty host.
    rest = url.split("://", 1)[1].split("?", 1)[0]
    if not rest.startswith("/") or rest == "/":
        raise ConfigurationError(
            f"a SQLite store URL is sqlite:///path/wecom.db (three slashes), not {_safe(url)!r}"
        )
    path = rest[1:]
    relative = path.startswith(("./", "../")) or "/" not in path
    return Path(path) if relative else Path("/" + path.lstrip("/"))


def _number(url: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigurationError(
            f"store option busy_timeout={text!r} in {_safe(url)!r} must be a positive number"
        )
    return value


def _reject_unknown(url: str, options: dict[str, str], known: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ConfigurationError(
            f"unknown store option(s) {', '.join(unknown)} in {_safe(url)!r} (allowed: {allowed})"
        )


def _safe(url: str) -> str:
    """``url`` without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
