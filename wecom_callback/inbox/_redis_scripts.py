"""The Lua scripts of the Redis inbox: each state change of a record is one script."""

from __future__ import annotations

__all__ = [
    "ADMIT",
    "ADOPT",
    "COMPLETE",
    "FAIL",
    "HELPERS",
    "MAINTAIN",
    "PURGE",
    "RELEASE",
    "RENEW",
    "RETRY",
    "SET_FIELD",
    "SWEEP",
    "TAKE",
]

#: Lua helpers for the per-record scripts: drop or move a key in the status indexes;
#: start the retention clock on a finished record and its marker.
HELPERS = """
local function unindex(key)
  for i = 4, 6 do redis.call('ZREM', KEYS[i], key) end
end
local function index(key, status, score)
  unindex(key)
  local zset = KEYS[4]
  if status == 'done' then zset = KEYS[5] elseif status == 'dead' then zset = KEYS[6] end
  redis.call('ZADD', zset, score, key)
end
local function keep_for(seconds)
  redis.call('EXPIRE', KEYS[1], seconds)
end
local function finish_entry(group, entry)
  -- Finished work leaves the stream at once, so no claim ever reads it again.
  redis.pcall('XACK', KEYS[3], group, entry)
  redis.pcall('XDEL', KEYS[3], entry)
end
"""

# Per-record scripts but ADMIT take KEYS = rec, dedupe, stream, pending, done, dead. They
# touch the stream's group through pcall: a script must never fail halfway (Lua does not roll back),
# and a deleted group only costs parking hints; claim recreates it from id 0.

ADMIT = """
-- KEYS: rec, stream, pending (not the six of the other scripts: fewer to send)
-- ARGV: key, receive_id, kind, plaintext, received_at, owner, lease_until, now
-- The record is its own dedupe marker (the script is atomic): no second key to write.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGETALL', KEYS[1])}
end
local entry = redis.call('XADD', KEYS[2], '*', 'key', ARGV[1])
redis.call('HSET', KEYS[1], 'key', ARGV[1], 'receive_id', ARGV[2], 'kind', ARGV[3],
  'plaintext', ARGV[4], 'received_at', ARGV[5], 'status', 'pending', 'attempts', 0,
  'owner', ARGV[6], 'lease_until', ARGV[7], 'next_attempt_at', 0, 'updated_at', ARGV[8],
  'entry', entry)
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
return {1, entry}
"""

SET_FIELD = """
-- ARGV: field, value, now
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'updated_at', ARGV[3])
return 1
"""

COMPLETE = """
-- ARGV: group, now, retention
local f = redis.call('HMGET', KEYS[1], 'key', 'received_at', 'entry')
if not f[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'done', 'lease_until', 0, 'updated_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
if f[3] then finish_entry(ARGV[1], f[3]) end
index(f[1], 'done', f[2])
keep_for(ARGV[3])
return 1
"""

FAIL = """
-- ARGV: group, now, error, retry_at ('' to dead-letter), retention, now_ms, consumer
local f = redis.call('HMGET', KEYS[1], 'key', 'received_at', 'entry', 'owner', 'status')
if not f[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[3], 'lease_until', 0, 'updated_at', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
if ARGV[4] == '' then
  redis.call('HSET', KEYS[1], 'status', 'dead')
  if f[3] then finish_entry(ARGV[1], f[3]) end
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

TAKE = """
-- ARGV: entry id, group, owner, now, lease_until, horizon ms, lease ms
local f = redis.call('HMGET', KEYS[1], 'status', 'lease_until', 'next_attempt_at', 'entry')
if f[1] ~= 'pending' or f[4] ~= ARGV[1] then
  -- Finished, purged, or superseded by a newer entry (retry of a dead letter).
  finish_entry(ARGV[2], ARGV[1])
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

RENEW = """
-- ARGV: owner, lease_until, now, group, idle ms that parks the entry until lease_until
local f = redis.call('HMGET', KEYS[1], 'owner', 'status', 'entry')
if f[1] ~= ARGV[1] or f[2] ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2], 'updated_at', ARGV[3])
if f[3] then
  redis.pcall('XCLAIM', KEYS[3], ARGV[4], ARGV[1], 0, f[3], 'IDLE', ARGV[5], 'JUSTID')
end
return 1
"""

RELEASE = """
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

RETRY = """
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

PURGE = """
-- ARGV: key, older_than
local f = redis.call('HMGET', KEYS[1], 'status', 'received_at')
if f[1] == 'pending' then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[1])
  return 0
end
if f[1] and tonumber(f[2]) >= tonumber(ARGV[2]) then
  index(ARGV[1], f[1], f[2])  -- a stale score: fix it, so purge's scan moves on
  return 0
end
unindex(ARGV[1])
if not f[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""

SWEEP = """
-- ARGV: key. Drops an index entry whose record expired.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
unindex(ARGV[1])
return 1
"""

MAINTAIN = """
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

# KEYS: the six keys of the record in the unscoped layout, then the same six in the
# endpoint's; the record moves, with its marker, index entry and (if pending) its work.
ADOPT = """
-- ARGV: key, group of the unscoped stream, receive ids allowed...
local f = redis.call('HMGET', KEYS[1], 'receive_id', 'status', 'received_at', 'entry')
if not f[1] or redis.call('EXISTS', KEYS[7]) == 1 then return 0 end
local allowed = false
for i = 3, #ARGV do if ARGV[i] == f[1] then allowed = true end end
if not allowed then return 0 end
redis.call('RENAME', KEYS[1], KEYS[7])
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then
  redis.call('SET', KEYS[8], '1', 'PX', ttl)
elseif ttl == -1 then
  redis.call('SET', KEYS[8], '1')
end
redis.call('DEL', KEYS[2])
for i = 4, 6 do redis.call('ZREM', KEYS[i], ARGV[1]) end
local zset = KEYS[10]
if f[2] == 'done' then zset = KEYS[11] elseif f[2] == 'dead' then zset = KEYS[12] end
redis.call('ZADD', zset, f[3], ARGV[1])
if f[4] then
  redis.pcall('XACK', KEYS[3], ARGV[2], f[4])
  redis.pcall('XDEL', KEYS[3], f[4])
end
if f[2] == 'pending' then
  redis.call('HSET', KEYS[7], 'entry', redis.call('XADD', KEYS[9], '*', 'key', ARGV[1]))
else
  redis.call('HDEL', KEYS[7], 'entry')
end
return 1
"""
