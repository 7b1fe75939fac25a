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

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

_REDIS_SCHEMES = ("redis", "rediss", "unix")


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
        _reject_unknown(url, options, ())
        return MemoryInbox()
    if scheme == "sqlite":
        _reject_unknown(url, options, ("busy_timeout",))
        path = _sqlite_path(url)
        if "busy_timeout" in options:
            return SQLiteInbox(path, busy_timeout=_number(url, options, "busy_timeout"))
        return SQLiteInbox(path)
    if scheme in _REDIS_SCHEMES:
        if retention is not None and "retention" not in options:
            options["retention"] = repr(retention)
        return _open_redis(url, options)
    raise ConfigurationError(
        f"unknown inbox URL scheme {parts.scheme!r} in {_safe(url)!r}: use memory://,"
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
            kwargs[name] = _number(url, options, name)
            del options[name]
    # What remains (socket_timeout, db, …) is redis-py's to read.
    redis_url = urlunsplit(urlsplit(url)._replace(query=urlencode(options)))
    return RedisInbox(redis_url, **kwargs)


def _sqlite_path(url: str) -> Path:
    # Not urlsplit: it would treat the start of "sqlite:////abs" as an empty host.
    rest = url.split("://", 1)[1].split("?", 1)[0]
    if not rest.startswith("/") or rest == "/":
        raise ConfigurationError(
            f"a SQLite inbox URL is sqlite:///path/inbox.db (three slashes), not {_safe(url)!r}"
        )
    path = rest[1:]
    relative = path.startswith(("./", "../")) or "/" not in path
    return Path(path) if relative else Path("/" + path.lstrip("/"))


def _number(url: str, options: dict[str, str], name: str) -> float:
    try:
        value = float(options[name])
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigurationError(
            f"inbox option {name}={options[name]!r} in {_safe(url)!r} must be a positive number"
        )
    return value


def _reject_unknown(url: str, options: dict[str, str], known: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ConfigurationError(
            f"unknown inbox option(s) {', '.join(unknown)} in {_safe(url)!r} (allowed: {allowed})"
        )


def _safe(url: str) -> str:
    """``url`` without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
