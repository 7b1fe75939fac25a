"""Storage URLs, read the same way by the inbox and the stores: one set of rules.

``sqlite:///abs/path.db`` and ``sqlite:////abs/path.db`` are absolute; a single name
(``sqlite:///inbox.db``) or a path starting with ``./`` or ``../`` is relative to the
working directory. Options are query parameters; errors name the URL without its
password. ``what`` names the thing configured ("inbox", "store") in every message.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from wecom_callback.errors import ConfigurationError

__all__ = ["REDIS_SCHEMES", "positive", "reject_unknown", "safe", "sqlite_path"]

REDIS_SCHEMES = ("redis", "rediss", "unix")


def safe(url: str) -> str:
    """``url`` without its credentials, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def sqlite_path(url: str, what: str = "inbox") -> Path:
    """The file a ``sqlite://`` URL names (see the module doc)."""
    # Not urlsplit: it would treat the start of "sqlite:////abs" as an empty host.
    rest = url.split("://", 1)[1].split("?", 1)[0]
    if not rest.startswith("/") or rest == "/":
        raise ConfigurationError(
            f"a SQLite {what} URL is sqlite:///path/{what}.db (three slashes), not {safe(url)!r}"
        )
    path = rest[1:]
    relative = path.startswith(("./", "../")) or "/" not in path
    return Path(path) if relative else Path("/" + path.lstrip("/"))


def positive(url: str, name: str, text: str, what: str = "inbox") -> float:
    """Option ``name`` as a positive number, or a :class:`ConfigurationError`."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigurationError(
            f"{what} option {name}={text!r} in {safe(url)!r} must be a positive number"
        )
    return value


def reject_unknown(
    url: str, options: dict[str, str], known: tuple[str, ...], what: str = "inbox"
) -> None:
    """A :class:`ConfigurationError` naming any option not in ``known``."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ConfigurationError(
            f"unknown {what} option(s) {', '.join(unknown)} in {safe(url)!r} (allowed: {allowed})"
        )
