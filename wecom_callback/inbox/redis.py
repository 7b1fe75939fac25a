"""The Redis inbox: one store shared by many replicas (``redis://``, ``rediss://``, ``unix://``).

Keys, all under a configurable prefix ``P`` (default ``wecom:inbox``):

``P:dedupe:<key>``
    The admission marker, taken with ``SET NX EX <retention>``.
``P:rec:<key>``
    A hash with the record's fields, one ``h:<handler id>`` field per finished handler,
    and ``entry``, the id of the record's stream entry. No TTL while pending; it expires
    ``retention`` seconds after the record is done or dead.
``P:stream``
    A Stream with one entry (``key=<key>``) per unit of work, read through the consumer
    group ``workers``; each consumer is named after the lease owner.
``P:status:pending``, ``P:status:done``, ``P:status:dead``
    Sorted sets of keys scored by ``received_at``: for ``list``, ``stats`` and ``purge``.

Every state change of a record is one Lua script (atomic on the server): admission sets
the marker, writes the hash, ``XADD``\\s the entry and indexes the key in one step.

The hash is the truth about leases; the stream's pending entries list (PEL) only says
*when to look again*. ``claim`` reads new entries (``XREADGROUP``) and entries idle
longer than a fixed horizon (``XAUTOCLAIM``: a dead consumer's work, a lease or backoff
that ran out), then per entry a script takes the lease only if the record is pending,
unleased (``lease_until <= now``) and due (``next_attempt_at <= now``). Finished records
get their entry acknowledged and skipped. Whenever a script leaves an entry pending (on
taking a lease, on renewing it, on finding it leased or backing off) it sets the entry's
idle time to *horizon minus the wait* (``XCLAIM ... IDLE``), so the entry turns up in an
``XAUTOCLAIM`` exactly when the lease or backoff ends, whatever lease lengths the
replicas use. ``release``, ``fail`` with a retry time and ``retry`` make it look idle
since the epoch, so the next ``claim`` looks at it at once.

The stream is trimmed (``XTRIM MINID``) to the retention window, but never past the
oldest unacknowledged or undelivered entry, so trimming can never lose work.

For Redis Cluster, give a hash-tagged prefix (``{wecom}:inbox``) so all keys share a slot.
Leases compare the replicas' own clocks, so keep them in sync (NTP).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError

from wecom_callback.inbox._base import Admitted, Inbox, InboxRecord, NewCallback, RecordStatus

__all__ = ["RedisInbox"]

#: Seven days: how long done and dead records (and their markers) are kept.
DEFAULT_RETENTION = 7 * 24 * 3600.0

#: Lua helpers for the per-record scripts: move a key between status indexes; start the
#: retention clock on a finished record and its marker.
_HELPERS = """
local function index(key, status, score)
  redis.call('ZREM', KEYS[4], key)
  redis.call('ZREM', KEYS[5], key)
  redis.call('ZREM', KEYS[6], key)
  local zset = KEYS[4]
  if status == 'done' then zset = KEYS[5] elseif status == 'dead' then zset = KEYS[6] end
  redis.call('ZADD', zset, score, key)
end
local function keep_for(seconds)
  redis.call('EXPIRE', KEYS[1], seconds)
  redis.call('SET', KEYS[2], '1', 'EX', seconds)
end
"""

# Per-record scripts take KEYS = rec, dedupe, stream, pending, done, dead. They touch the
# stream's group through pcall: a script must never fail halfway (Lua does not roll back),
# and a deleted group only costs parking hints; claim recreates it from id 0.

_ADMIT = """
-- ARGV: key, receive_id, kind, plaintext, received_at, owner, lease_until, now, retention
local fresh = redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[9])
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGETALL', KEYS[1])}
end
if not fresh then
  -- A marker without a record: the record was purged or expired; admit afresh.
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[9])
end
local entry = redis.call('XADD', KEYS[3], '*', 'key', ARGV[1])
redis.call('HSET', KEYS[1], 'key', ARGV[1], 'receive_id', ARGV[2], 'kind', ARGV[3],
  'plaintext', ARGV[4], 'received_at', ARGV[5], 'status', 'pending', 'attempts', 0,
  'owner', ARGV[6], 'lease_until', ARGV[7], 'next_attempt_at', 0, 'updated_at', ARGV[8],
  'entry', entry)
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
return {1, entry}
"""

_SET_FIELD = """
-- ARGV: field, value, now
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'updated_at', ARGV[3])
return 1
"""

_COMPLETE = """
-- ARGV: group, now, retention
local f = redis.call('HMGET', KEYS[1], 'key', 'received_at', 'entry')
if not f[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'done', 'lease_until', 0, 'updated_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
if f[3] then redis.pcall('XACK', KEYS[3], ARGV[1], f[3]) end
index(f[1], 'done', f[2])
keep_for(ARGV[3])
return 1
"""

_FAIL = """
-- ARGV: group, now, error, retry_at ('' to dead-letter), retention, now_ms, consumer
local f = redis.call('HMGET', KEYS[1], 'key', 'received_at', 'entry', 'owner', 'status')
if not f[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[3], 'lease_until', 0, 'updated_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
if ARGV[4] == '' then
  redis.call('HSET', KEYS[1], 'status', 'dead')
  if f[3] then redis.pcall('XACK', KEYS[3], ARGV[1], f[3]) end
  index(f[1], 'dead', f[2])
  keep_for(ARGV[5])
else
  redis.call('HSET', KEYS[1], 'next_attempt_at', ARGV[4])
  if f[3] and f[5] == 'pending' then
    -- Idle "since the epoch": the next claim looks at it and parks it until retry_at.
    redis.pcall('XCLAIM', KEYS[3], ARGV[1], f[4] or ARGV[7], 0, f[3], 'IDLE', ARGV[6], 'JUSTID')
  end
end
return 1
"""

_TAKE = """
-- ARGV: entry id, group, owner, now, lease_until, horizon ms, lease ms
local f = redis.call('HMGET', KEYS[1], 'status', 'lease_until', 'next_attempt_at', 'entry')
if f[1] ~= 'pending' or f[4] ~= ARGV[1] then
  -- Finished, purged, or superseded by a newer entry (retry of a dead letter).
  redis.pcall('XACK', KEYS[3], ARGV[2], ARGV[1])
  return {-1}
end
local now = tonumber(ARGV[4])
local busy_until = math.max(tonumber(f[2]), tonumber(f[3]))
local idle = tonumber(ARGV[6]) - tonumber(ARGV[7])
local taken = busy_until <= now
if taken then
  redis.call('HSET', KEYS[1], 'owner', ARGV[3], 'lease_until', ARGV[5], 'updated_at', ARGV[4])
else
  -- Leased or backing off: stays pending, parked until busy_until (see module docs).
  idle = tonumber(ARGV[6]) - math.ceil((busy_until - now) * 1000)
end
if idle < 0 then idle = 0 end
redis.pcall('XCLAIM', KEYS[3], ARGV[2], ARGV[3], 0, ARGV[1], 'IDLE', idle, 'JUSTID')
if not taken then return {0} end
return {1, redis.call('HGETALL', KEYS[1])}
"""

_RENEW = """
-- ARGV: owner, lease_until, now, group, idle ms that parks the entry until lease_until
local f = redis.call('HMGET', KEYS[1], 'owner', 'status', 'entry')
if f[1] ~= ARGV[1] or f[2] ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2], 'updated_at', ARGV[3])
if f[3] then
  redis.pcall('XCLAIM', KEYS[3], ARGV[4], ARGV[1], 0, f[3], 'IDLE', ARGV[5], 'JUSTID')
end
return 1
"""

_RELEASE = """
-- ARGV: owner, now, group, now_ms
local f = redis.call('HMGET', KEYS[1], 'owner', 'status', 'entry')
if f[1] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'owner')
redis.call('HSET', KEYS[1], 'lease_until', 0, 'updated_at', ARGV[2])
if f[2] == 'pending' and f[3] then
  redis.pcall('XCLAIM', KEYS[3], ARGV[3], ARGV[1], 0, f[3], 'IDLE', ARGV[4], 'JUSTID')
end
return 1
"""

_RETRY = """
-- ARGV: group, now, now_ms, consumer
local f = redis.call('HMGET', KEYS[1], 'key', 'received_at', 'status', 'entry', 'owner')
if not f[1] then return 0 end
if f[3] == 'dead' then
  local entry = redis.call('XADD', KEYS[3], '*', 'key', f[1])
  redis.call('HSET', KEYS[1], 'status', 'pending', 'attempts', 0, 'next_attempt_at', ARGV[2],
    'lease_until', 0, 'updated_at', ARGV[2], 'entry', entry)
  redis.call('HDEL', KEYS[1], 'owner')
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
  index(f[1], 'pending', f[2])
elseif f[3] == 'pending' then
  redis.call('HSET', KEYS[1], 'attempts', 0, 'next_attempt_at', ARGV[2], 'updated_at', ARGV[2])
  if f[4] then
    redis.pcall('XCLAIM', KEYS[3], ARGV[1], f[5] or ARGV[4], 0, f[4], 'IDLE', ARGV[3], 'JUSTID')
  end
end
return 1
"""

_PURGE = """
-- ARGV: key, older_than
local f = redis.call('HMGET', KEYS[1], 'status', 'received_at')
if f[1] == 'pending' then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[1])
  return 0
end
if f[1] and tonumber(f[2]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
if not f[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""

_SWEEP = """
-- ARGV: key. Drops an index entry whose record expired.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
return 1
"""

_MAINTAIN = """
-- KEYS: stream. ARGV: group, oldest ms to keep, consumer idle ms.
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function fields(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local minid = ARGV[2] .. '-0'
local pel = redis.call('XPENDING', KEYS[1], ARGV[1])
if pel[1] > 0 and before(pel[2], minid) then minid = pel[2] end
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local group = fields(flat)
  if group['name'] == ARGV[1] then
    local ms, seq = string.match(group['last-delivered-id'], '^(%d+)-(%d+)$')
    local undelivered = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
    if before(undelivered, minid) then minid = undelivered end
  end
end
local trimmed = redis.call('XTRIM', KEYS[1], 'MINID', minid)
local forgotten = 0
for _, flat in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local consumer = fields(flat)
  if consumer['pending'] == 0 and consumer['idle'] > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], consumer['name'])
    forgotten = forgotten + 1
  end
end
return {trimmed, forgotten}
"""

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


def _fields(flat: Sequence[bytes]) -> dict[bytes, bytes]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def _record(h: Mapping[Any, bytes]) -> InboxRecord:
    return InboxRecord(
        key=h[b"key"].decode(),
        receive_id=h[b"receive_id"].decode(),
        kind=h[b"kind"].decode(),
        plaintext=h[b"plaintext"],
        received_at=float(h[b"received_at"]),
        status=RecordStatus(h[b"status"].decode()),
        handlers_done=frozenset(k[2:].decode() for k in h if k.startswith(b"h:")),
        attempts=int(h.get(b"attempts", b"0")),
        last_error=_text(h.get(b"last_error")),
        reply=h.get(b"reply"),
        owner=_text(h.get(b"owner")),
        lease_until=float(h.get(b"lease_until", b"0")),
        next_attempt_at=float(h.get(b"next_attempt_at", b"0")),
        updated_at=float(h.get(b"updated_at", b"0")),
    )


def _now() -> tuple[float, str, int]:
    """Now as a float, as the string the scripts store, and in ms (for ``XCLAIM IDLE``)."""
    now = time.time()
    return now, repr(now), int(now * 1000)


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
    ) -> None:
        """Configure the inbox; nothing connects until :meth:`start` or first use.

        ``retention`` (seconds) is how long done and dead records are kept;
        ``maintenance_interval`` how often ``claim`` trims the stream and sweeps indexes.
        """
        self.url = url
        self.prefix = prefix
        self.group = group
        self.retention = max(1, int(retention))
        self.maintenance_interval = maintenance_interval
        self._stream = f"{prefix}:stream"
        self._zsets = {s: f"{prefix}:status:{s.value}" for s in RecordStatus}
        self._client: aioredis.Redis | None = None
        self._start_lock = asyncio.Lock()
        self._last_maintenance = 0.0

    def __repr__(self) -> str:
        # Only what follows the credentials: a URL may carry a password.
        where = self.url.rpartition("@")[2]
        return f"RedisInbox({where!r}, prefix={self.prefix!r}, group={self.group!r})"

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Connect, load the scripts and create the stream and its consumer group."""
        await self._redis()

    async def close(self) -> None:
        """Close the connection pool."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _redis(self) -> aioredis.Redis:
        if self._client is not None:
            return self._client
        async with self._start_lock:
            if self._client is None:
                client = aioredis.from_url(self.url)
                try:
                    self._load_scripts(client)
                    await self._create_group(client)
                except BaseException:
                    await client.aclose()
                    raise
                self._client = client
            return self._client

    def _load_scripts(self, client: aioredis.Redis) -> None:
        def script(body: str, *, helpers: bool = True) -> AsyncScript:
            return client.register_script((_HELPERS if helpers else "") + body)

        self._admit, self._set_field = script(_ADMIT), script(_SET_FIELD)
        self._complete, self._fail = script(_COMPLETE), script(_FAIL)
        self._take, self._renew = script(_TAKE), script(_RENEW)
        self._release, self._retry = script(_RELEASE), script(_RETRY)
        self._purge, self._sweep_one = script(_PURGE), script(_SWEEP)
        self._maintain = script(_MAINTAIN, helpers=False)

    async def _create_group(self, client: aioredis.Redis) -> None:
        try:
            # From id 0, so entries added before the group existed are not skipped.
            await client.xgroup_create(self._stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _keys(self, key: str) -> list[str]:
        """The KEYS of every per-record script."""
        p, z = self.prefix, self._zsets
        return [f"{p}:rec:{key}", f"{p}:dedupe:{key}", self._stream, *z.values()]

    async def _call(self, script: AsyncScript, key: str, *args: str | bytes | float) -> Any:
        await self._redis()
        return await script(keys=self._keys(key), args=args)

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
        """Admit ``callback`` atomically unless its marker or record exists."""
        c = callback
        now, now_s, _ = _now()
        lease_until = now + lease_seconds
        result = await self._call(
            self._admit, c.key,
            c.key, c.receive_id, c.kind, c.plaintext, repr(c.received_at),
            owner, repr(lease_until), now_s, self.retention,
        )  # fmt: skip
        if result[0] == 0:
            return Admitted(new=False, record=_record(_fields(result[1])))
        record = InboxRecord(
            c.key, c.receive_id, c.kind, c.plaintext, c.received_at,
            owner=owner, lease_until=lease_until, updated_at=now,
        )  # fmt: skip
        return Admitted(new=True, record=record)

    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""
        await self._call(self._set_field, key, f"h:{handler_id}", "1", _now()[1])

    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply for ``key``."""
        await self._call(self._set_field, key, "reply", reply, _now()[1])

    async def complete(self, key: str) -> None:
        """Mark ``key`` done, acknowledge its entry, and let it expire after the retention."""
        await self._call(self._complete, key, self.group, _now()[1], self.retention)

    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; back off until ``retry_at``, or dead-letter if None."""
        _, now_s, now_ms = _now()
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
        now, now_s, _ = _now()
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
        return [_record(_fields(r[1])) for r in results if r[0] == 1]

    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if ``owner`` does not hold it."""
        now, now_s, _ = _now()
        idle = max(_HORIZON_MS - int(lease_seconds * 1000), 0)
        until = repr(now + lease_seconds)
        return bool(await self._call(self._renew, key, owner, until, now_s, self.group, idle))

    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease on ``key``; the next claim may take it at once."""
        _, now_s, now_ms = _now()
        await self._call(self._release, key, owner, now_s, self.group, now_ms)

    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""
        fields: Any = await (await self._redis()).hgetall(self._keys(key)[0])
        return _record(fields) if fields else None

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
        return [_record(fields) for fields in await pipe.execute() if fields]

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
        _, now_s, now_ms = _now()
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
