"""``open_inbox``: choosing a backend by URL, its options, and the lazy Redis import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wecom_callback.inbox as inbox_pkg
from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox import MemoryInbox, SQLiteInbox, open_inbox
from wecom_callback.inbox.redis import RedisInbox

ROOT = Path(__file__).resolve().parents[2]


def test_all_is_sorted_and_complete() -> None:
    assert inbox_pkg.__all__ == sorted(inbox_pkg.__all__)
    for name in inbox_pkg.__all__:
        assert getattr(inbox_pkg, name).__doc__, name


def test_memory() -> None:
    assert isinstance(open_inbox("memory://"), MemoryInbox)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/lib/wecom/inbox.db", "/var/lib/wecom/inbox.db"),
        ("sqlite:////var/lib/wecom/inbox.db", "/var/lib/wecom/inbox.db"),
        ("sqlite:///inbox.db", "inbox.db"),
        ("sqlite:///./data/inbox.db", "data/inbox.db"),
        ("sqlite:///../inbox.db", "../inbox.db"),
        ("sqlite:///inbox.db?busy_timeout=2.5", "inbox.db"),
    ],
)
def test_sqlite_paths(url: str, expected: str) -> None:
    inbox = open_inbox(url)
    assert isinstance(inbox, SQLiteInbox)
    assert inbox.path == Path(expected)


def test_sqlite_busy_timeout() -> None:
    inbox = open_inbox("sqlite:///inbox.db?busy_timeout=2.5")
    assert isinstance(inbox, SQLiteInbox) and inbox.busy_timeout == 2.5


async def test_relative_sqlite_path_is_under_cwd_and_parents_are_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    inbox = open_inbox("sqlite:///./deep/er/inbox.db")
    await inbox.start()
    await inbox.close()
    assert (tmp_path / "deep" / "er" / "inbox.db").is_file()


def test_redis_options_are_ours_and_the_rest_go_to_redis_py() -> None:
    inbox = open_inbox(
        "redis://:secret@cache:6380/2?prefix=app:inbox&group=g&retention=60"
        "&maintenance_interval=5&socket_timeout=3"
    )
    assert isinstance(inbox, RedisInbox)
    assert (inbox.prefix, inbox.group, inbox.retention) == ("app:inbox", "g", 60)
    assert inbox.maintenance_interval == 5
    assert inbox.url == "redis://:secret@cache:6380/2?socket_timeout=3"
    assert "secret" not in repr(inbox)


@pytest.mark.parametrize("url", ["rediss://cache:6380/0", "unix:///run/redis.sock?db=1"])
def test_other_redis_schemes(url: str) -> None:
    assert isinstance(open_inbox(url), RedisInbox)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://db/inbox", "unknown inbox URL scheme 'postgres'"),
        ("inbox.db", "unknown inbox URL scheme ''"),
        ("sqlite://inbox.db", "three slashes"),
        ("sqlite:///inbox.db?prefix=x", "unknown inbox option(s) prefix"),
        ("memory://?x=1", "unknown inbox option(s) x"),
        ("sqlite:///inbox.db?busy_timeout=soon", "busy_timeout='soon'"),
        ("redis://h/0?retention=-1", "retention='-1'"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_inbox(url)


def test_credentials_stay_out_of_errors() -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_inbox("redis://:hunter2@h/0?retention=never")
    assert "hunter2" not in str(caught.value)


def test_redis_is_imported_only_when_chosen_and_its_absence_is_explained() -> None:
    # A fresh interpreter, so nothing imported by other tests hides the check.
    code = textwrap.dedent(
        """
        import sys
        sys.modules["redis"] = None  # as if it were not installed
        from wecom_callback.errors import ConfigurationError
        from wecom_callback.inbox import open_inbox
        open_inbox("memory://")
        open_inbox("sqlite:///inbox.db")
        assert "wecom_callback.inbox.redis" not in sys.modules
        try:
            open_inbox("redis://localhost:6379/0")
        except ConfigurationError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "pip install wecom-callback[redis]" in done.stdout


def test_retention_reaches_redis_unless_the_url_sets_it() -> None:
    from wecom_callback.inbox.redis import RedisInbox

    inbox = open_inbox("redis://127.0.0.1:6379/0", retention=3600)
    assert isinstance(inbox, RedisInbox) and inbox.retention == 3600
    inbox = open_inbox("redis://127.0.0.1:6379/0?retention=60", retention=3600)
    assert isinstance(inbox, RedisInbox) and inbox.retention == 60
