"""Requests per second, latency and CPU per callback of the full POST path, per inbox.

Run ``.venv/bin/python bench/throughput.py`` (``--quick`` for a short smoke run).

Targets, each its own uvicorn process (see ``bench/apps.py``) on 127.0.0.1, all served
side by side in one run:

* ``floor``: a bare Starlette ``POST`` endpoint that reads the body and answers an
  empty 200 (the HTTP floor);
* ``memory``, ``sqlite``, ``redis``: a ``WeComApp`` on that inbox (a real temp file for
  SQLite; a throwaway real ``redis-server`` with AOF and ``appendfsync everysec``, as
  production runs it) with one async handler that returns None: verify, decrypt,
  parse, admit, dispatch, complete, answer.

The load generator is ``wrk`` with ``bench/rotate.lua``. Every request is a distinct
signed, encrypted callback (its own MsgId, nonce and ciphertext), pre-generated with the
test kit's ``Simulator`` into files the script rotates through; a run that repeated a
callback (which would measure the dedupe fast path) is redone on more. Each server
process is pinned to one CPU and wrk (plus redis-server and this script) to the other;
the servers not under test are paused (SIGSTOP) so that their background loops do not
take the server CPU from the one being measured.

The floor of this shared machine moves by 2x between minutes, so ratios are taken
within a round: each inbox run is paired with a floor run back to back (which of the
two goes first alternates), and the figure reported is the median of the per-round
ratios with their spread. Beside the rates, CPU time per callback: the server
process's utime + stime (every thread, the SQLite writer's included; every worker
process for the two-worker run) over the run, divided by the requests it answered,
which moves less than the rates do.

Phases:

1. throughput: ``rounds`` rounds of (floor, inbox) pairs for each inbox;
2. latency at half the floor's median rate (wrk paced with ``delay()``): p50 and p99;
   for reference also each inbox at half its own rate;
3. memory: VmRSS of a fresh SQLite-inbox server after 10k and 100k callbacks, and Redis
   ``used_memory`` per retained record (INFO memory before and after phases 1-2);
4. growth: a SQLite inbox already holding ``prefill`` done records against an empty
   one (paired rounds, then latency at half the floor's rate); then a file whose
   ``prefill`` records are past retention, purged by the server's own recovery loop
   while admissions arrive at half the floor's rate: their p99 during the purge;
5. two workers: the SQLite inbox under uvicorn ``--workers 2`` sharing one file (on
   both CPUs, wrk sharing one of them) beside one pinned worker and the floor.

The targets are printed with the results as met or missed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench._growth import count_older, prefill  # noqa: E402
from bench._harness import (  # noqa: E402
    FIRST_GUESS_RPS,
    FULL,
    QUICK,
    Mode,
    Pools,
    Server,
    WrkResult,
    cpu_plan,
    pool_size,
    run_wrk,
    sqlite_counts,
    terminate_on_sigterm,
    wait_settled,
)
from bench._redis import info_memory, redis_with_aof  # noqa: E402
from bench._report import Pair, print_report, print_setup  # noqa: E402
from bench.apps import make_wecom  # noqa: E402

TARGETS = ("floor", "memory", "sqlite", "redis")
INBOXES = ("memory", "sqlite", "redis")


@dataclass
class Results:
    """Everything the phases measured."""

    offered: float = 0.0
    pairs: dict[str, list[Pair]] = field(default_factory=dict)
    latency: dict[str, WrkResult] = field(default_factory=dict)
    own: dict[str, WrkResult] = field(default_factory=dict)
    memory_p99: list[WrkResult] = field(default_factory=list)  # fresh, then late
    memory_served: int = 0
    growth_rate: float = 0.0  # the paced rate of phase 4's latency runs
    rss: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    redis_bytes: tuple[float, int] = (0.0, 0)  # (bytes per record, records)
    growth: list[Pair] = field(default_factory=list)  # floor slot: empty file; target: full
    growth_latency: dict[str, WrkResult] = field(default_factory=dict)
    purge: dict[str, float] = field(default_factory=dict)
    workers: list[dict[str, WrkResult]] = field(default_factory=list)
    prefill_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def floor_rps(self) -> float:
        return statistics.median(p.floor.rps for ps in self.pairs.values() for p in ps)


@dataclass
class Bench:
    mode: Mode
    workdir: Path
    server_cpu: int | None
    pools: Pools
    servers: dict[str, Server] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def measure(
        self,
        target: str,
        duration: int,
        *,
        rate: float | None = None,
        pool: tuple[Path, int],
        stop_when: Callable[[], bool] | None = None,
    ) -> WrkResult:
        """One run; a wecom target that got a repeated request is run again on a bigger pool."""
        server = self.servers[target]
        for other in self.servers.values():
            if other is not server:
                other.pause()
        if server.paused:
            server.resume()
            time.sleep(0.5)  # let it run the timers that fell due while it was paused
        for _ in range(3):
            cpu_before = server.cpu_seconds()
            result = run_wrk(
                server.url, pool[0], self.mode, duration=duration, rate=rate, stop_when=stop_when
            )
            result.server_cpu = server.cpu_seconds() - cpu_before
            self.answered[target] = self.answered.get(target, 0) + result.requests
            if target.startswith("floor") or result.repeats == 0:
                if result.errors:
                    self.notes.append(f"{target}: {result.errors} errors in a run")
                return result
            self.notes.append(
                f"{target}: {result.repeats} of {result.sent} requests repeated a pool of "
                f"{pool[1]}; run redone on a bigger pool"
            )
            pool = self.pools.make(max(pool[1] * 2, pool_size(result.rps, duration)))
        raise RuntimeError(f"{target}: requests keep repeating")

    def pair(self, target: str, floor: str, *, floor_first: bool, pool: tuple[Path, int]) -> Pair:
        """``floor`` and ``target`` back to back at full speed, in the order asked."""
        order = (floor, target) if floor_first else (target, floor)
        got = {name: self.measure(name, self.mode.duration, pool=pool) for name in order}
        return Pair(got[floor], got[target])

    def start(
        self, label: str, app: str, env: dict[str, str], cpu: int | str | None = "default"
    ) -> Server:
        where = self.server_cpu if cpu == "default" else cpu
        server = Server(label, app, self.workdir, where, env)
        self.servers[label] = server
        return server

    def drop(self, label: str) -> None:
        self.servers.pop(label).stop()

    def stop_all(self) -> None:
        for server in self.servers.values():
            server.stop()


def run(mode: Mode, quick: bool) -> int:
    plan = cpu_plan()
    load_cpu, server_cpu = plan if plan else (None, None)
    if load_cpu is not None:
        # wrk and redis-server are children of this process and inherit its CPU.
        os.sched_setaffinity(0, {load_cpu})

    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wecom-bench-")))
        pools = Pools(workdir)
        bench = Bench(mode, workdir, server_cpu, pools)
        redis_url = stack.enter_context(redis_with_aof(workdir / "redis"))
        stack.callback(bench.stop_all)  # runs before redis-server and the temp dir go
        sqlite_db = workdir / "inbox-sqlite.db"
        endpoint = make_wecom("memory://").name
        print_setup(mode, quick, plan, workdir, redis_url)

        urls = {"memory": "memory://", "sqlite": f"sqlite:///{sqlite_db}", "redis": redis_url}
        bench.start("floor", "floor", {})
        for name, url in urls.items():
            bench.start(name, "wecom", {"BENCH_INBOX": url})
        res = Results()

        # Warm-up: every server once, which also gives the first estimate of each rate.
        warm = pools.make(pool_size(FIRST_GUESS_RPS, mode.warmup))
        estimate = {t: bench.measure(t, mode.warmup, pool=warm).rps for t in TARGETS}
        redis_before = _redis_usage(redis_url, endpoint)

        # Phase 1: (floor, inbox) pairs, the inboxes' order rotated every round.
        for r in range(mode.rounds):
            pool = pools.make(pool_size(max(estimate[t] for t in INBOXES), mode.duration))
            shift = r % len(INBOXES)
            for i, target in enumerate(INBOXES[shift:] + INBOXES[:shift]):
                got = bench.pair(target, "floor", floor_first=(r + i) % 2 == 0, pool=pool)
                res.pairs.setdefault(target, []).append(got)
                estimate[target] = got.target.rps

        # Phase 2: latency at half the floor's median rate, paced by delay().
        res.offered = res.floor_rps() / 2
        pool = pools.make(pool_size(res.offered, mode.latency))
        for target in TARGETS:
            res.latency[target] = bench.measure(target, mode.latency, rate=res.offered, pool=pool)
        pool = pools.make(pool_size(max(estimate.values()) / 2, mode.latency))
        for target in INBOXES:
            half = statistics.median(p.target.rps for p in res.pairs[target]) / 2
            res.own[target] = bench.measure(target, mode.latency, rate=half, pool=pool)

        # The memory inbox's p99 at half its rate: a fresh server, then the one that has
        # served every callback so far (far more than the 10,000 finished records it keeps).
        res.memory_served = bench.answered["memory"]
        memory_rate = statistics.median(p.target.rps for p in res.pairs["memory"]) / 2
        bench.start("memory-fresh", "wecom", {"BENCH_INBOX": "memory://"})
        for label in ("memory-fresh", "memory"):
            pool = pools.make(pool_size(memory_rate, mode.latency))
            res.memory_p99.append(bench.measure(label, mode.latency, rate=memory_rate, pool=pool))
        bench.drop("memory-fresh")
        redis_after = _redis_usage(redis_url, endpoint)
        records = redis_after[1] - redis_before[1]
        per = (redis_after[0] - redis_before[0]) / records if records > 0 else 0.0
        res.redis_bytes = (per, records)
        bench.drop("redis")
        bench.drop("memory")
        bench.drop("sqlite")  # graceful: no handler still under way
        total, pending = sqlite_counts(sqlite_db)
        res.notes.append(
            f"sqlite inbox after phases 1-2: {total} records ({pending} pending), "
            f"{bench.answered.get('sqlite', 0)} requests answered within wrk's runs (each a "
            "distinct callback; those in flight when a run ends are admitted too)"
        )

        # Phase 3: RSS of a fresh SQLite-inbox server after 10k and 100k callbacks.
        res.rss = measure_rss(bench, pools, mode)
        # Phase 4: cost as the inbox grows, and the retention purge under load.
        measure_growth(bench, res, endpoint)
        # Phase 5: two uvicorn workers on one SQLite file.
        measure_workers(bench, res)

        bench.stop_all()
        bench.servers.clear()
        res.notes.append(
            f"requests generated: {pools.generated} distinct signed callbacks in "
            f"{pools.files} pool files ({pools.seconds:.1f} s to generate)"
        )
        res.notes += bench.notes
        print_report(res, mode)
    return 0


def _redis_usage(url: str, endpoint: str) -> tuple[int, int]:
    """(used_memory in bytes, records of ``endpoint``) of the bench's redis-server."""
    client = redis.Redis.from_url(url)
    try:
        base = f"wecom:inbox:{endpoint}:status"
        records = sum(int(client.zcard(f"{base}:{s}")) for s in ("pending", "done", "dead"))
    finally:
        client.close()
    return int(info_memory(url)["used_memory"]), records


def measure_rss(bench: Bench, pools: Pools, mode: Mode) -> tuple[int, int, int, int, int]:
    """(rss at start, after first, after second count) in KiB, and record counts."""
    db = bench.workdir / "inbox-rss.db"
    server = bench.start("rss", "wecom", {"BENCH_INBOX": f"sqlite:///{db}"})
    rss_start = server.rss_kib()
    first, second = mode.rss_counts
    readings = []
    done = 0
    for target_count in (first, second):
        batch = target_count - done
        pool, size = pools.make(batch)
        # Ends on its own (quota in rotate.lua, then a generous -d), or once all are in.
        run_wrk(
            server.url,
            pool,
            mode,
            duration=max(60, batch // 200),
            quota=size,
            stop_when=lambda n=target_count: sqlite_counts(db)[0] >= n,
        )
        done, _pending = wait_settled(db, target_count)
        time.sleep(0.5)
        readings.append(server.rss_kib())
        if done < target_count:
            raise RuntimeError(f"only {done} of {target_count} callbacks reached the inbox")
    bench.drop("rss")
    return rss_start, readings[0], readings[1], first, done


def measure_growth(bench: Bench, res: Results, endpoint: str) -> None:
    """Phase 4: an empty against a prefilled SQLite inbox; then a purge under load."""
    mode, work = bench.mode, bench.workdir
    full_db, old_db = work / "inbox-full.db", work / "inbox-old.db"
    res.prefill_seconds = prefill(full_db, endpoint, mode.prefill, age_days=1)
    bench.start("empty", "wecom", {"BENCH_INBOX": f"sqlite:///{work / 'inbox-empty.db'}"})
    bench.start("full", "wecom", {"BENCH_INBOX": f"sqlite:///{full_db}"})
    sqlite_rps = statistics.median(p.target.rps for p in res.pairs["sqlite"])
    for r in range(mode.rounds):
        pool = bench.pools.make(pool_size(1.5 * sqlite_rps, mode.duration))
        res.growth.append(bench.pair("full", "empty", floor_first=r % 2 == 0, pool=pool))
    # Below saturation (half the SQLite inbox's own rate): a saturated server's p99 is
    # its queue of -c connections, whatever the file holds.
    res.growth_rate = sqlite_rps / 2
    pool = bench.pools.make(pool_size(res.growth_rate, mode.latency))
    for label in ("empty", "full"):
        res.growth_latency[label] = bench.measure(
            label, mode.latency, rate=res.growth_rate, pool=pool
        )
    bench.drop("full")
    bench.drop("empty")

    prefill(old_db, endpoint, mode.prefill, age_days=30)
    bench.start("purge", "wecom", {"BENCH_INBOX": f"sqlite:///{old_db}"})
    began = time.monotonic()
    checked = [0.0, float(mode.prefill)]

    def purged() -> bool:
        if time.monotonic() - began < mode.latency + 1:
            return False  # at least one latency run's length, and wrk is set up by then
        if time.monotonic() - checked[0] >= 1.0:
            checked[0], checked[1] = time.monotonic(), count_older(old_db, 7)
        return checked[1] == 0

    # Paced admissions from the moment the server listens (its first recovery pass
    # purges) until every old record is gone, or a bounded while.
    seconds = min(60, max(mode.latency * 4, mode.prefill // 20_000))
    pool = bench.pools.make(pool_size(res.growth_rate, seconds))
    result = bench.measure("purge", seconds, rate=res.growth_rate, pool=pool, stop_when=purged)
    left = count_older(old_db, 7)
    res.growth_latency["purge"] = result
    res.purge = {
        "seconds": time.monotonic() - began if left == 0 else float("nan"),
        "left": float(left),
        "rps": result.rps,
    }
    bench.drop("purge")


def measure_workers(bench: Bench, res: Results) -> None:
    """Phase 5: one pinned worker, two workers on both CPUs, and the floor, per round."""
    work = bench.workdir
    # Every CPU (wrk keeps to its own one); None leaves the workers where this script is.
    both = ",".join(str(c) for c in range(os.cpu_count() or 1)) if bench.server_cpu else None
    db = work / "inbox-workers.db"
    bench.start("floor-w1", "floor", {})
    bench.start("sqlite-w1", "wecom", {"BENCH_INBOX": f"sqlite:///{work / 'inbox-w1.db'}"})
    env = {"BENCH_INBOX": f"sqlite:///{db}", "BENCH_WORKERS": "2"}
    bench.start("sqlite-w2", "wecom", env, cpu=both)
    bench.start("floor-w2", "floor", {"BENCH_WORKERS": "2"}, cpu=both)
    labels = ("floor-w1", "sqlite-w1", "sqlite-w2", "floor-w2")
    for r in range(max(bench.mode.rounds // 2, 1)):
        pool = bench.pools.make(pool_size(2 * res.pairs["sqlite"][-1].target.rps + 1000, 6))
        order = labels[r % 2 :] + labels[: r % 2]
        res.workers.append({lb: bench.measure(lb, bench.mode.duration, pool=pool) for lb in order})
    for label in labels:
        bench.drop(label)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short smoke run")
    ap.add_argument("--rounds", type=int, help="rounds of phase 1 (and 4)")
    ap.add_argument("--seconds", type=int, help="seconds per throughput and latency run")
    ap.add_argument("--prefill", type=int, help="records already in the inbox in phase 4")
    args = ap.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.rounds:
        mode = dataclasses.replace(mode, rounds=args.rounds)
    if args.seconds:
        mode = dataclasses.replace(mode, duration=args.seconds, latency=args.seconds)
    if args.prefill:
        mode = dataclasses.replace(mode, prefill=args.prefill)
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    with terminate_on_sigterm():
        return run(mode, args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
