"""The durable inbox: the contract, its backends, and :func:`open_inbox` to pick one by URL.

========================================  ==================================================
URL                                       backend
========================================  ==================================================
``memory://``                             :class:`MemoryInbox`: dicts, tests and demos
``sqlite:///var/lib/wecom/inbox.db``      :class:`SQLiteInbox`: one file, one host
``redis://host:6379/0``                   :class:`~wecom_callback.inbox.redis.RedisInbox`:
                                          many replicas (``rediss://``, ``unix://`` too)
========================================  ==================================================

SQLite paths: ``sqlite:///abs/path/inbox.db`` and ``sqlite:////abs/path/inbox.db`` are
absolute; a single name (``sqlite:///inbox.db``) or a path starting with ``./`` or ``../``
(``sqlite:///./data/inbox.db``) is relative to the working directory. Missing parent
directories are created on first use.

Options go in the query string: ``busy_timeout`` (seconds) for SQLite; ``prefix``,
``group``, ``retention`` (seconds) and ``maintenance_interval`` (seconds) for Redis, whose
other query parameters pass on to redis-py. The Redis backend is imported only when a
Redis URL is opened, and needs ``pip install wecom-callback[redis]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wecom_callback._stores import urls
from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox._base import (
    Admitted,
    Inbox,
    InboxRecord,
    InboxUnavailableError,
    NewCallback,
    RecordStatus,
)
from wecom_callback.inbox.memory import MemoryInbox
from wecom_callback.inbox.sqlite import SQLiteInbox

if TYPE_CHECKING:
    from wecom_callback.inbox.redis import RedisInbox

__all__ = [
    "Admitted",
    "Inbox",
    "InboxRecord",
    "InboxUnavailableError",
    "MemoryInbox",
    "NewCallback",
    "RecordStatus",
    "SQLiteInbox",
    "open_inbox",
]


def open_inbox(url: str, *, retention: float | None = None, endpoint: str = "") -> Inbox:
    """The inbox ``url`` names (see the module docs); call ``await inbox.start()`` next.

    ``retention`` (seconds) is how long done and dead records are kept where the backend
    expires them itself (Redis); a ``retention=`` option in the URL wins. ``endpoint``
    names the scope the returned view sees (see :meth:`Inbox.scoped`).

    Raises :class:`~wecom_callback.errors.ConfigurationError` for an unknown scheme, a bad
    option, or a Redis URL when the ``redis`` package is not installed.
    """
    inbox = _open(url, retention)
    return inbox.scoped(endpoint) if endpoint else inbox


def _open(url: str, retention: float | None) -> Inbox:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == "memory":
        urls.reject_unknown(url, options, ())
        return MemoryInbox()
    if scheme == "sqlite":
        urls.reject_unknown(url, options, ("busy_timeout",))
        path = urls.sqlite_path(url)
        if "busy_timeout" in options:
            return SQLiteInbox(
                path, busy_timeout=urls.positive(url, "busy_timeout", options["busy_timeout"])
            )
        return SQLiteInbox(path)
    if scheme in urls.REDIS_SCHEMES:
        if retention is not None and "retention" not in options:
            options["retention"] = repr(retention)
        return _open_redis(url, options)
    raise ConfigurationError(
        f"unknown inbox URL scheme {parts.scheme!r} in {urls.safe(url)!r}: use memory://,"
        " sqlite:///path/inbox.db or redis://host:6379/0"
    )


def _open_redis(url: str, options: dict[str, str]) -> RedisInbox:
    try:
        from wecom_callback.inbox.redis import RedisInbox
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "redis":
            raise
        raise ConfigurationError(
            "the Redis inbox needs the redis package: pip install wecom-callback[redis]"
        ) from exc
    kwargs: dict[str, Any] = {}
    for name in ("prefix", "group"):
        if name in options:
            kwargs[name] = options.pop(name)
    for name in ("retention", "maintenance_interval"):
        if name in options:
            kwargs[name] = urls.positive(url, name, options[name])
            del options[name]
    # What remains (socket_timeout, db, …) is redis-py's to read.
    redis_url = urlunsplit(urlsplit(url)._replace(query=urlencode(options)))
    return RedisInbox(redis_url, **kwargs)
