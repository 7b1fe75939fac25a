-- wrk script for bench/throughput.py: rotate through pre-generated signed callbacks.
--
--   wrk -t1 -c32 -d10s -s bench/rotate.lua http://127.0.0.1:PORT -- file=F threads=1 \
--       [rate=RPS] [quota=N]
--
-- F holds one request per line, "PATH?QUERY<TAB>BODY" (see throughput.py). Each wrk
-- thread keeps its own disjoint slice of the file (thread i of T: lines i*N/T+1 ..
-- (i+1)*N/T), so threads start at different offsets and never send the same line; a
-- thread that runs past the end of its slice starts over, and done() reports how many
-- requests repeated an earlier one, so the caller can tell and redo the run.
--
-- rate=RPS paces the requests with delay(): each thread owns RPS/T of the rate and
-- hands out send slots on an absolute schedule (so the mean offered rate is exact even
-- though wrk's timers are whole milliseconds). When the server falls behind, slots are
-- in the past, delay() is 0, and the run degrades to closed-loop at -c connections.
--
-- quota=N makes the threads send N requests in all, then idle (the caller ends wrk
-- with SIGINT once it has seen them all answered).
--
-- done() prints one "BENCH key=value ..." line for the caller to parse.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } rotate_timespec;
int clock_gettime(int clk_id, rotate_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("rotate_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

-- main state: setup() numbers the threads, done() collects from them ----------------

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

-- thread state ----------------------------------------------------------------------

local requests = {}
local count = 0
local position = 0
sent = 0
slice_size = 0

function init(args)
  local opts = {}
  for _, arg in ipairs(args) do
    local key, value = arg:match("^([%w_]+)=(.*)$")
    if key == nil then
      error("rotate.lua: arguments are key=value, got " .. arg)
    end
    opts[key] = value
  end
  if opts.file == nil then
    error("rotate.lua: file=PATH is required")
  end
  local n_threads = tonumber(opts.threads or "1")
  local index = thread_index or 0

  local lines = {}
  for line in io.lines(opts.file) do
    lines[#lines + 1] = line
  end
  local first = math.floor(#lines * index / n_threads) + 1
  local last = math.floor(#lines * (index + 1) / n_threads)
  for i = first, last do
    local path, body = lines[i]:match("^([^\t]+)\t(.*)$")
    if path == nil then
      error("rotate.lua: line " .. i .. " of " .. opts.file .. " is not PATH<TAB>BODY")
    end
    requests[#requests + 1] = wrk.format("POST", path, { ["Content-Type"] = "text/xml" }, body)
  end
  lines = nil
  count = #requests
  slice_size = count
  if count == 0 then
    error("rotate.lua: thread " .. index .. " got no requests from " .. opts.file)
  end

  local interval = nil -- ms between this thread's sends, when paced
  if opts.rate ~= nil then
    interval = 1000.0 * n_threads / tonumber(opts.rate)
  end
  local share = nil -- this thread's part of the quota
  if opts.quota ~= nil then
    local total = tonumber(opts.quota)
    share = math.floor(total / n_threads)
    if index == 0 then
      share = share + total - share * n_threads
    end
  end

  if interval ~= nil or share ~= nil then
    local next_slot = nil
    local granted = 0
    delay = function()
      granted = granted + 1 -- delay() runs once before each request()
      if share ~= nil and granted > share then
        -- Quota reached: park the connection (an hour) rather than stop the thread,
        -- which would close connections whose requests are still in flight.
        return 3600000
      end
      if interval == nil then
        return 0
      end
      local now = now_ms()
      if next_slot == nil then
        next_slot = now
      end
      local slot = next_slot
      next_slot = next_slot + interval
      local wait = slot - now
      if wait <= 0 then
        return 0
      end
      return math.floor(wait + 0.5)
    end
  end
end

function request()
  position = position + 1
  if position > count then
    position = 1
  end
  sent = sent + 1
  return requests[position]
end

-- main state again ------------------------------------------------------------------

function done(summary, latency, _requests)
  -- wrk calls request() once on thread 1 before the run, to check the request parses;
  -- that call sends nothing, so thread 1 really sent one request fewer than it counted.
  local sent_total, slices, repeats = 0, 0, 0
  for i, thread in ipairs(threads) do
    local really_sent = (thread:get("sent") or 0) - ((i == 1) and 1 or 0)
    local slice = thread:get("slice_size") or 0
    sent_total = sent_total + really_sent
    slices = slices + slice
    repeats = repeats + math.max(0, really_sent - slice)
  end
  local e = summary.errors
  io.write(
    string.format(
      "BENCH requests=%d duration_us=%d sent=%d pool=%d repeats=%d"
        .. " err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d"
        .. " p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f\n",
      summary.requests,
      summary.duration,
      sent_total,
      slices,
      repeats,
      e.connect,
      e.read,
      e.write,
      e.status,
      e.timeout,
      latency:percentile(50),
      latency:percentile(90),
      latency:percentile(99),
      latency.max,
      latency.mean
    )
  )
end
