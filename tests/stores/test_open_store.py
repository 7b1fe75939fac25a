"""open_store: URL forms shared with the inbox, options, and Redis as an optional extra."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wecom_callback._stores import MemoryStore, SQLiteStore, open_store, sqlite_path
from wecom_callback._stores.redis import RedisStore
from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox import open_inbox

SQLITE_URLS = [
    "sqlite:///var/lib/wecom/wecom.db",
    "sqlite:////var/lib/wecom/wecom.db",
    "sqlite:///wecom.db",
    "sqlite:///./data/wecom.db",
    "sqlite:///../data/wecom.db",
    "sqlite:///wecom.db?busy_timeout=3",
]


@pytest.mark.parametrize("url", SQLITE_URLS)
def test_sqlite_paths_follow_the_inbox_rules(url: str) -> None:
    store = open_store(url)
    inbox = open_inbox(url)
    assert isinstance(store, SQLiteStore)
    assert store.path == sqlite_path(url) == getattr(inbox, "path", None)


def test_sqlite_options() -> None:
    store = open_store("sqlite:///wecom.db?busy_timeout=2.5")
    assert isinstance(store, SQLiteStore) and store.busy_timeout == 2.5


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "unknown store URL scheme 'ftp'"),
        ("sqlite://relative.db", "three slashes"),
        ("sqlite:///x.db?colour=red", "unknown store option(s) colour"),
        ("sqlite:///x.db?busy_timeout=-1", "must be a positive number"),
        ("memory://?x=1", "unknown store option(s) x"),
    ],
)
def test_bad_urls_are_configuration_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store(url)
    assert message in str(caught.value)


def test_errors_hide_the_redis_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store("ftp://user:hunter2@host/")
    assert "hunter2" not in str(caught.value)


def test_memory_urls_give_independent_stores() -> None:
    first, second = open_store("memory://"), open_store("memory://")
    assert isinstance(first, MemoryStore) and first is not second


async def test_redis_url_options_and_timeouts(redis_url: str) -> None:
    store = open_store(f"{redis_url}?prefix=app1:&health_check_interval=7")
    assert isinstance(store, RedisStore)
    assert store.prefix == "app1:"
    assert "prefix" not in store.url and "health_check_interval=7" in store.url
    await store.start()
    try:
        await store.set("k", b"v")
        client = getattr(store, "_client", None)
        assert client is not None
        kwargs = client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == 5.0
        assert kwargs["socket_connect_timeout"] == 5.0
        assert kwargs["health_check_interval"] == 7
        assert await client.get("app1:k") == b"v"  # the prefix is on the server's key
    finally:
        await store.close()
    assert "hunter2" not in repr(RedisStore("redis://:hunter2@host:6379/0"))


async def test_the_inbox_url_serves_the_store_too(redis_url: str) -> None:
    url = f"{redis_url}?prefix=shared:&group=workers&retention=60&maintenance_interval=5"
    inbox, store = open_inbox(url), open_store(url)
    assert isinstance(store, RedisStore) and store.prefix == "shared:"
    assert "group" not in store.url and "retention" not in store.url
    await inbox.start()
    try:
        await store.set("token:x", b"v")
        assert await store.get("token:x") == b"v"
    finally:
        await store.close()
        await inbox.close()


async def test_shares_a_file_with_the_inbox(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wecom.db'}"
    inbox = open_inbox(url)
    await inbox.start()
    store = open_store(url)
    try:
        await store.set("k", b"v")
        assert await store.get("k") == b"v"
    finally:
        await store.close()
        await inbox.close()
    with sqlite3.connect(tmp_path / "wecom.db") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"kv", "records"} <= tables


SCRIPT = r"""
import sys
sys.modules["redis"] = None  # as if the package were not installed
from wecom_callback._stores import open_store
from wecom_callback.errors import ConfigurationError
open_store("memory://")
open_store("sqlite:///x.db")
try:
    open_store("redis://127.0.0.1:1/0")
except ConfigurationError as exc:
    assert "pip install wecom-callback[redis]" in str(exc), exc
else:
    raise SystemExit("no error for a missing redis package")
print("ok")
"""


def test_redis_is_optional() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
