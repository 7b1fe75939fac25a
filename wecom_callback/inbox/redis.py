"""The Redis inbox: one store shared by many replicas (``redis://``, ``rediss://``, ``unix://``).

Each endpoint has its own records, stream and consumer group under
``<prefix>:<endpoint>``; every state change of a record is one Lua script
(:mod:`wecom_callback.inbox._redis_scripts`). The key layout and the claim algorithm
are described in :mod:`wecom_callback.inbox._redis_layout`.

For Redis Cluster, give a hash-tagged prefix (``{wecom}:inbox``) so all keys share a slot.
Leases compare the replicas' own clocks, so keep them in sync (NTP).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Self

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError

from wecom_callback._stores.redis_connection import RedisConnection
from wecom_callback.inbox import _redis_layout as layout
from wecom_callback.inbox import _redis_scripts as scripts
from wecom_callback.inbox._base import (
    Admitted,
    Inbox,
    InboxRecord,
    NewCallback,
    RecordStatus,
    check_endpoint,
)
from wecom_callback.inbox._redis_pipeline import Pipeliner

__all__ = ["RedisInbox"]

#: Seven days: how long done and dead records (and their markers) are kept.
DEFAULT_RETENTION = 7 * 24 * 3600.0


#: ``claim`` looks at pending entries idle longer than this (``XAUTOCLAIM`` min-idle).
#: Scripts park an entry by setting its idle time to this minus the wait, so it turns up
#: exactly when its lease or backoff ends; a wait longer than this is re-parked on sight.
_HORIZON_MS = 300_000
#: Consumers (one per lease owner ever seen) holding nothing are forgotten after this.
_CONSUMER_IDLE_MS = 3600 * 1000
#: Bounds on the work one ``claim`` or index sweep does.
_MAX_ROUNDS = 8
_BATCH = 500
#: The consumer that holds entries nobody owns (released without a known owner).
_NOBODY = "inbox"


class RedisInbox(Inbox):
    """An :class:`~wecom_callback.inbox.Inbox` in Redis, shared by any number of replicas.

    ``url`` is a redis-py URL (``redis://host:port/db``, ``rediss://…``,
    ``unix:///path?db=0``). Needs Redis 6.2 or newer (``XAUTOCLAIM``).
    """

    scheme = "redis"

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "wecom:inbox",
        group: str = "workers",
        retention: float = DEFAULT_RETENTION,
        maintenance_interval: float = 60.0,
        endpoint: str = "",
    ) -> None:
        """Configure the inbox; nothing connects until :meth:`start` or first use.

        ``retention`` (seconds) is how long done and dead records are kept;
        ``maintenance_interval`` how often ``claim`` trims the stream and sweeps indexes.
        Commands and connects time out after 2 s unless the URL sets ``socket_timeout``
        or ``socket_connect_timeout``.
        """
        self.url = url
        self.prefix = prefix
        self.group = group
        self.retention = max(1, int(retention))
        self.maintenance_interval = maintenance_interval
        self._conn = RedisConnection(url)
        self._pipeliner = Pipeliner()
        self._opened = False
        self._bind(endpoint)

    def _bind(self, endpoint: str) -> None:
        self.endpoint = check_endpoint(endpoint) if endpoint else ""
        self._base = f"{self.prefix}:{endpoint}" if endpoint else self.prefix
        self._stream = f"{self._base}:stream"
        self._zsets = {s: f"{self._base}:status:{s.value}" for s in RecordStatus}
        self._last_maintenance = 0.0
        self._bound: aioredis.Redis | None = None

    def scoped(self, endpoint: str) -> Self:
        """A view of ``endpoint``'s records sharing this inbox's connection pool."""
        view = object.__new__(type(self))
        view.url, view.prefix, view.group = self.url, self.prefix, self.group
        view.retention, view.maintenance_interval = self.retention, self.maintenance_interval
        view._conn, view._opened = self._conn, False
        view._pipeliner = self._pipeliner  # views batch their calls together
        view._bind(endpoint)
        return view

    def __repr__(self) -> str:
        # Only what follows the credentials: a URL may carry a password.
        where = self.url.rpartition("@")[2]
        return (
            f"RedisInbox({where!r}, prefix={self.prefix!r}, endpoint={self.endpoint!r},"
            f" group={self.group!r})"
        )

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Connect, load the scripts and create the stream and its consumer group."""
        if not self._opened:
            self._opened = True
            self._conn.users += 1
        client = await self._redis()
        if self.endpoint:
            await client.sadd(f"{self.prefix}:endpoints", self.endpoint)

    async def close(self) -> None:
        """Close the connection pool once the last view closes."""
        if self._opened:
            self._opened = False
            self._conn.users -= 1
        if self._conn.users > 0:
            return
        client, self._conn.client = self._conn.client, None
        if client is not None:
            await client.aclose()

    async def _redis(self) -> aioredis.Redis:
        conn = self._conn
        client = conn.client
        if client is None:
            async with conn.lock:
                if conn.client is None:
                    conn.client = conn.connect()  # connects lazily, on the first command
                client = conn.client
        if self._bound is not client:
            # Scripts are bound to a client; the group is created once per view and client.
            self._load_scripts(client)
            await self._create_group(client)
            self._bound = client
        return client

    def _load_scripts(self, client: aioredis.Redis) -> None:
        def script(body: str, *, helpers: bool = True) -> AsyncScript:
            return client.register_script((scripts.HELPERS if helpers else "") + body)

        self._admit, self._set_field = (
            script(scripts.ADMIT, helpers=False),
            script(scripts.SET_FIELD),
        )
        self._complete, self._fail = script(scripts.COMPLETE), script(scripts.FAIL)
        self._take, self._renew = script(scripts.TAKE), script(scripts.RENEW)
        self._release, self._retry = script(scripts.RELEASE), script(scripts.RETRY)
        self._purge, self._sweep_one = script(scripts.PURGE), script(scripts.SWEEP)
        self._maintain = script(scripts.MAINTAIN, helpers=False)
        self._adopt = script(scripts.ADOPT, helpers=False)

    async def _create_group(self, client: aioredis.Redis) -> None:
        try:
            # From id 0, so entries added before the group existed are not skipped.
            await client.xgroup_create(self._stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _keys(self, key: str, base: str | None = None) -> list[str]:
        """The KEYS of every per-record script (in this scope, or under ``base``)."""
        p = self._base if base is None else base
        zsets = [f"{p}:status:{s.value}" for s in RecordStatus]
        return [f"{p}:rec:{key}", f"{p}:dedupe:{key}", f"{p}:stream", *zsets]

    async def adopt(self, receive_ids: Iterable[str]) -> int:
        """Move records from before endpoints existed, of ``receive_ids``, into this scope."""
        ids = sorted(set(receive_ids))
        if not self.endpoint or not ids:
            return 0
        client = await self._redis()
        moved = 0
        for status in RecordStatus:
            legacy = f"{self.prefix}:status:{status.value}"
            start = 0
            while True:
                members: Any = await client.zrange(legacy, start, start + _BATCH - 1)
                if not members:
                    break
                pipe = client.pipeline(transaction=False)
                for member in members:
                    key = member.decode()
                    keys = self._keys(key, self.prefix) + self._keys(key)
                    await self._adopt(keys=keys, args=[key, self.group, *ids], client=pipe)
                done = sum(await pipe.execute())
                moved += done
                start += len(members) - done  # moved members left the legacy index
        return moved

    async def endpoints(self) -> list[str]:
        """Endpoints that ever started on this Redis under this prefix."""
        names: Any = await (await self._redis()).smembers(f"{self.prefix}:endpoints")
        return sorted(n.decode() for n in names)

    async def _call(self, script: AsyncScript, key: str, *args: str | bytes | float) -> Any:
        # Pipelined with the calls of concurrent requests: one round trip for many.
        return await self._pipeliner.call(await self._redis(), script, self._keys(key), args)

    async def _each(self, script: AsyncScript, calls: Iterable[tuple[str, list[Any]]]) -> Any:
        """Run ``script`` once per (key, args) in one round trip; a list of the results."""
        pipe = (await self._redis()).pipeline(transaction=False)
        for key, args in calls:
            await script(keys=self._keys(key), args=args, client=pipe)
        return await pipe.execute()

    async def _older(self, status: RecordStatus, before: float) -> list[str]:
        """Up to one batch of keys of ``status`` received before ``before``."""
        client = await self._redis()
        z = self._zsets[status]
        members: Any = await client.zrangebyscore(z, "-inf", f"({before!r}", 0, _BATCH)
        return [m.decode() for m in members]

    # -- the contract ----------------------------------------------------------------

    async def admit(self, callback: NewCallback, *, owner: str, lease_seconds: float) -> Admitted:
        """Admit ``callback`` atomically unless its record exists."""
        c = callback
        now, now_s, _ = layout.now()
        lease_until = now + lease_seconds
        # Only the three keys admission touches: every argument costs packing time.
        keys = [f"{self._base}:rec:{c.key}", self._stream, self._zsets[RecordStatus.PENDING]]
        args = (c.key, c.receive_id, c.kind, c.plaintext, repr(c.received_at), owner,
                repr(lease_until), now_s)  # fmt: skip
        result = await self._pipeliner.call(await self._redis(), self._admit, keys, args)
        if result[0] == 0:
            return Admitted(new=False, record=layout.record(layout.fields(result[1])))
        record = InboxRecord(
            c.key, c.receive_id, c.kind, c.plaintext, c.received_at,
            owner=owner, lease_until=lease_until, updated_at=now,
        )  # fmt: skip
        return Admitted(new=True, record=record)

    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""
        await self._call(self._set_field, key, f"h:{handler_id}", "1", layout.now()[1])

    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply for ``key``."""
        await self._call(self._set_field, key, "reply", reply, layout.now()[1])

    async def complete(self, key: str) -> None:
        """Mark ``key`` done, acknowledge its entry, and let it expire after the retention."""
        await self._call(self._complete, key, self.group, layout.now()[1], self.retention)

    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; back off until ``retry_at``, or dead-letter if None."""
        _, now_s, now_ms = layout.now()
        retry = "" if retry_at is None else repr(retry_at)
        await self._call(
            self._fail, key, self.group, now_s, error, retry, self.retention, now_ms, _NOBODY
        )

    async def claim(self, owner: str, *, lease_seconds: float, limit: int) -> list[InboxRecord]:
        """Lease up to ``limit`` claimable records: stale entries first, then new ones."""
        try:
            if time.time() - self._last_maintenance >= self.maintenance_interval:
                await self.maintain()
            return await self._claim(owner, lease_seconds, limit)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
        # The group (or the whole stream) was deleted under us: recreate it from id 0,
        # so every entry still in the stream is found again.
        await self._create_group(await self._redis())
        return await self._claim(owner, lease_seconds, limit)

    async def _claim(self, owner: str, lease_seconds: float, limit: int) -> list[InboxRecord]:
        client = await self._redis()
        claimed: list[InboxRecord] = []
        # Entries idle past the horizon: a dead consumer's, or parked ones now due.
        cursor: Any = "0-0"
        for _ in range(_MAX_ROUNDS):
            if len(claimed) >= limit:
                break
            reply: Any = await client.xautoclaim(
                self._stream, self.group, owner, _HORIZON_MS, cursor, count=limit - len(claimed)
            )
            cursor = reply[0]
            claimed += await self._take_all(reply[1], owner, lease_seconds)
            if cursor in (b"0-0", "0-0"):
                break
        # Entries never delivered to anyone.
        for _ in range(_MAX_ROUNDS):
            if len(claimed) >= limit:
                break
            reply = await client.xreadgroup(
                self.group, owner, {self._stream: ">"}, count=limit - len(claimed)
            )
            entries = [entry for _stream, batch in reply or [] for entry in batch]
            if not entries:
                break
            claimed += await self._take_all(entries, owner, lease_seconds)
        return claimed

    async def _take_all(self, entries: Any, owner: str, lease_seconds: float) -> list[InboxRecord]:
        now, now_s, _ = layout.now()
        lease_until, lease_ms = repr(now + lease_seconds), int(lease_seconds * 1000)
        calls, foreign = [], []
        for entry_id, fields in entries:
            key = (fields or {}).get(b"key")
            if key is None:  # no key field (or trimmed away): nothing of ours to run
                foreign.append(entry_id)
            else:
                args = [entry_id, self.group, owner, now_s, lease_until, _HORIZON_MS, lease_ms]
                calls.append((key.decode(), args))
        if foreign:
            await (await self._redis()).xack(self._stream, self.group, *foreign)
        results = await self._each(self._take, calls) if calls else []
        return [layout.record(layout.fields(r[1])) for r in results if r[0] == 1]

    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if ``owner`` does not hold it."""
        now, now_s, _ = layout.now()
        idle = max(_HORIZON_MS - int(lease_seconds * 1000), 0)
        until = repr(now + lease_seconds)
        return bool(await self._call(self._renew, key, owner, until, now_s, self.group, idle))

    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease on ``key``; the next claim may take it at once."""
        _, now_s, now_ms = layout.now()
        await self._call(self._release, key, owner, now_s, self.group, now_ms)

    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""
        fields: Any = await (await self._redis()).hgetall(self._keys(key)[0])
        return layout.record(fields) if fields else None

    async def list(
        self, *, status: RecordStatus | None = None, limit: int = 100
    ) -> list[InboxRecord]:
        """Records, newest first, optionally of one status."""
        await self._sweep()
        if limit <= 0:
            return []
        client = await self._redis()
        ranked: list[tuple[float, bytes]] = []
        for s in list(RecordStatus) if status is None else [status]:
            top: Any = await client.zrevrange(self._zsets[s], 0, limit - 1, withscores=True)
            ranked += [(score, member) for member, score in top]
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        pipe = client.pipeline(transaction=False)
        for _score, member in ranked[:limit]:
            pipe.hgetall(self._keys(member.decode())[0])
        return [layout.record(fields) for fields in await pipe.execute() if fields]

    async def stats(self) -> dict[str, int]:
        """Counts by status."""
        await self._sweep()
        pipe = (await self._redis()).pipeline(transaction=False)
        for zset in self._zsets.values():
            pipe.zcard(zset)
        counts = await pipe.execute()
        return {s.value: int(n) for s, n in zip(self._zsets, counts, strict=True)}

    async def retry(self, key: str) -> bool:
        """Make a dead or pending record due now with attempts reset; False if absent."""
        _, now_s, now_ms = layout.now()
        return bool(await self._call(self._retry, key, self.group, now_s, now_ms, _NOBODY))

    async def purge(self, older_than: float) -> int:
        """Delete done and dead records received before ``older_than``."""
        purged = 0
        for s in (RecordStatus.DONE, RecordStatus.DEAD):
            # Every call drops its key from this index, so each batch makes progress.
            while keys := await self._older(s, older_than):
                calls = [(key, [key, repr(older_than)]) for key in keys]
                purged += sum(await self._each(self._purge, calls))
        return purged

    # -- housekeeping -----------------------------------------------------------------

    async def maintain(self) -> None:
        """Trim the stream, forget idle consumers, drop index entries of expired records.

        ``claim`` calls this every ``maintenance_interval`` seconds; call it yourself in a
        deployment that never claims.
        """
        await self._redis()
        self._last_maintenance = time.time()
        keep_from_ms = max(int((time.time() - self.retention) * 1000), 0)
        args: list[str | int] = [self.group, keep_from_ms, _CONSUMER_IDLE_MS]
        await self._maintain(keys=[self._stream], args=args)
        await self._sweep()

    async def _sweep(self) -> None:
        # A done/dead hash expires `retention` after it finished, so only keys received
        # before now - retention can be gone: check just those, one batch per call.
        for s in (RecordStatus.DONE, RecordStatus.DEAD):
            keys = await self._older(s, time.time() - self.retention)
            if keys:
                await self._each(self._sweep_one, [(key, [key]) for key in keys])
