"""Requests per second and latency of the full POST path, per inbox, next to a bare floor.

Run ``.venv/bin/python bench/throughput.py`` (``--quick`` for a few-second smoke run).

Targets, each its own uvicorn process (see ``bench/apps.py``) on 127.0.0.1, all served
side by side in one run:

* ``floor``: a bare Starlette ``POST`` endpoint that reads the body and answers an empty
  200 (the HTTP floor);
* ``memory``, ``sqlite``, ``redis``: a ``WeComApp`` on that inbox (a real temp file for
  SQLite, a throwaway real ``redis-server`` for Redis) with one async handler that
  returns None: verify, decrypt, parse, admit, dispatch, answer.

The load generator is ``wrk`` with ``bench/rotate.lua``. Every request is a distinct
signed, encrypted callback (its own MsgId, nonce and ciphertext), pre-generated with the
test kit's ``Simulator`` into a file that the script rotates through; each phase gets
fresh callbacks and enough of them that none repeats (a repeat would measure the
dedupe fast path; the Lua script counts repeats and such a run is redone on more; the
floor, which parses nothing, shares the inboxes' files and may go round them).
On a machine with two or more CPUs the server processes are pinned to one CPU and wrk
(plus redis-server and this script) to another, so neither starves the other; the
servers not under test are paused (SIGSTOP) meanwhile, so that their background loops
(recovery, lease renewal) do not take the server CPU from the one being measured.

Phases:

1. maximum throughput: interleaved rounds (order rotated every round), median rps;
2. latency at half the floor's maximum rate: wrk paces requests with ``delay()`` so
   the offered rate is half the floor's median rps; p50 and p99 per target (and, for
   reference, each inbox paced to half its own maximum rate);
3. memory: VmRSS of a fresh SQLite-inbox server after 10k and after 100k callbacks.

The targets below are printed with the results, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402

from bench.apps import HTTP, LOOP  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402

LUA = ROOT / "bench" / "rotate.lua"
TARGETS = ("floor", "memory", "sqlite", "redis")
INBOXES = ("memory", "sqlite", "redis")

TARGET_RATIO = 0.5  # sqlite rps >= 0.5x floor rps
TARGET_P99_MS = 20.0  # p99 < 20 ms at half the floor's rate
TARGET_RSS_GROWTH = 10.0  # RSS after 100k within 10% of RSS after 10k


from bench._harness import (  # noqa: E402
    FIRST_GUESS_RPS,
    FULL,
    QUICK,
    Mode,
    Pools,
    Server,
    WrkResult,
    cpu_plan,
    filesystem_of,
    pool_size,
    run_wrk,
    sqlite_counts,
    terminate_on_sigterm,
    wait_settled,
)


@dataclass
class Results:
    """Everything phases 1 and 2 measured."""

    offered: float
    runs: dict[str, list[WrkResult]] = field(default_factory=dict)
    latency: dict[str, WrkResult] = field(default_factory=dict)
    own: dict[str, WrkResult] = field(default_factory=dict)

    def median_rps(self, target: str) -> float:
        return statistics.median(r.rps for r in self.runs[target])


@dataclass
class Bench:
    mode: Mode
    workdir: Path
    server_cpu: int | None
    servers: dict[str, Server] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    redo_notes: list[str] = field(default_factory=list)

    def measure(
        self,
        target: str,
        duration: int,
        *,
        rate: float | None = None,
        fresh: Callable[[int], tuple[Path, int]],
        pool: tuple[Path, int],
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
            result = run_wrk(server.url, pool[0], self.mode, duration=duration, rate=rate)
            result.server_cpu = server.cpu_seconds() - cpu_before
            self.answered[target] = self.answered.get(target, 0) + result.requests
            if target == "floor" or result.repeats == 0:
                return result
            self.redo_notes.append(
                f"{target}: {result.repeats} of {result.sent} requests repeated a pool of "
                f"{pool[1]}; run redone on a bigger pool"
            )
            pool = fresh(max(pool[1] * 2, pool_size(result.rps, duration)))
        raise RuntimeError(f"{target}: requests keep repeating")

    def stop_all(self) -> None:
        for server in self.servers.values():
            server.stop()

    def start(self, label: str, app: str, env: dict[str, str]) -> Server:
        server = Server(label, app, self.workdir, self.server_cpu, env)
        self.servers[label] = server
        return server


def run(mode: Mode, quick: bool) -> int:
    plan = cpu_plan()
    load_cpu, server_cpu = plan if plan else (None, None)
    if load_cpu is not None:
        # wrk and redis-server are children of this process and inherit its CPU.
        os.sched_setaffinity(0, {load_cpu})

    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wecom-bench-")))
        pools = Pools(workdir)
        bench = Bench(mode, workdir, server_cpu)
        redis_url = stack.enter_context(redis_server())
        stack.callback(bench.stop_all)  # runs before redis-server and the temp dir go
        sqlite_db = workdir / "inbox-sqlite.db"

        print_setup(mode, quick, plan, workdir, redis_url)

        inbox_urls = {
            "memory": "memory://",
            "sqlite": f"sqlite:///{sqlite_db}",
            "redis": redis_url,
        }
        bench.start("floor", "floor", {})
        for name, url in inbox_urls.items():
            bench.start(name, "wecom", {"BENCH_INBOX": url})

        # Warm-up: every server once, which also gives the first estimate of each rate.
        warm = pools.make(pool_size(FIRST_GUESS_RPS, mode.warmup))
        estimate: dict[str, float] = {}
        for target in TARGETS:
            result = bench.measure(target, mode.warmup, fresh=pools.make, pool=warm)
            if result.errors:
                raise RuntimeError(
                    f"{target}: {result.errors} errors in the warm-up (non-2xx: "
                    f"{result.status_errors}); server log:\n{bench.servers[target].log()}"
                )
            estimate[target] = result.rps

        # Phase 1: maximum throughput, interleaved rounds.
        res = Results(offered=0.0)
        for r in range(mode.rounds):
            need = max(estimate[t] for t in INBOXES)
            pool = pools.make(pool_size(need, mode.duration))
            shift = r % len(TARGETS)
            for target in TARGETS[shift:] + TARGETS[:shift]:
                result = bench.measure(target, mode.duration, fresh=pools.make, pool=pool)
                res.runs.setdefault(target, []).append(result)
                estimate[target] = result.rps

        # Phase 2: latency at half the floor's maximum rate, paced by delay().
        res.offered = res.median_rps("floor") / 2
        pool = pools.make(pool_size(res.offered, mode.latency))
        for target in TARGETS:
            res.latency[target] = bench.measure(
                target, mode.latency, rate=res.offered, fresh=pools.make, pool=pool
            )
        # For reference: each inbox at half its own maximum rate (below saturation).
        pool = pools.make(pool_size(max(res.median_rps(t) for t in INBOXES) / 2, mode.latency))
        for target in INBOXES:
            res.own[target] = bench.measure(
                target, mode.latency, rate=res.median_rps(target) / 2, fresh=pools.make, pool=pool
            )

        bench.stop_all()
        bench.servers.clear()
        # After the graceful stops, so that no handler is still under way.
        total, pending = sqlite_counts(sqlite_db)
        sqlite_check = (
            f"sqlite inbox after phases 1-2: {total} records ({pending} pending), "
            f"{bench.answered.get('sqlite', 0)} requests answered within wrk's runs (each a "
            "distinct callback; those in flight when a run ends are admitted too)"
        )

        # Phase 3: RSS of a fresh SQLite-inbox server after 10k and 100k callbacks.
        rss = measure_rss(bench, pools, mode)

        print_table(res, rss)
        print(sqlite_check)
        print(
            f"requests generated: {pools.generated} distinct signed callbacks in "
            f"{pools.files} pool files ({pools.seconds:.1f} s to generate)"
        )
        for note in bench.redo_notes:
            print("note:", note)
    return 0


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
    server.stop()
    del bench.servers["rss"]
    return rss_start, readings[0], readings[1], first, done


# -- output ----------------------------------------------------------------------------


def print_setup(
    mode: Mode, quick: bool, plan: tuple[int, int] | None, workdir: Path, redis_url: str
) -> None:
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    version = next((w[2:] for w in redis_version if w.startswith("v=")), "?")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_first = (wrk_version.stdout or wrk_version.stderr).splitlines()[0].split(" [")[0]
    print(f"wecom_callback throughput bench ({'quick' if quick else 'full'} mode)")
    print(
        f"python {platform.python_version()} | uvicorn {uvicorn.__version__}, one process per "
        f"target, loop={LOOP} http={HTTP}, no access log, log level warning | "
        f"{os.cpu_count()} CPUs"
    )
    if plan:
        print(
            f"pinning: each server process on CPU {plan[1]} (those not under test paused with "
            f"SIGSTOP); wrk, redis-server and this script on CPU {plan[0]}"
        )
    else:
        print("pinning: none (fewer than 2 CPUs or no taskset)")
    print(
        f"load: {wrk_first}, -t{mode.threads} -c{mode.connections}, bench/rotate.lua over "
        f"pre-generated distinct signed callbacks (text message, unique MsgId)"
    )
    print(
        f"phase 1: {mode.rounds} round(s) x {mode.duration} s per target, order rotated "
        f"each round, after a {mode.warmup} s warm-up; phase 2: {mode.latency} s per "
        f"target at half the floor's median rps; phase 3: RSS after "
        f"{mode.rss_counts[0]:,} and {mode.rss_counts[1]:,} callbacks"
    )
    print(
        f"inboxes: memory://; sqlite temp file in {workdir} ({filesystem_of(workdir)}); "
        f"redis-server {version} at {redis_url} (no persistence)"
    )
    print(flush=True)


def print_table(res: Results, rss: tuple[int, int, int, int, int]) -> None:
    floor = res.median_rps("floor")
    print(
        f"latency phase: wrk paced to {res.offered:.0f} rps (half the floor's median rps); "
        "CPU: % of one core during the throughput runs (median)"
    )
    header = (
        f"{'target':<8} {'rps (median)':>12} {'x floor':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'rps @ half':>10} {'server CPU':>10} {'wrk CPU':>8} {'errors':>6}  rps per round"
    )
    print(header)
    print("-" * len(header))
    for target in TARGETS:
        runs, lat = res.runs[target], res.latency[target]
        server_cpu = statistics.median(r.cpu_percent(r.server_cpu) for r in runs)
        wrk_cpu = statistics.median(r.cpu_percent(r.wrk_cpu) for r in runs)
        errors = sum(r.errors for r in runs) + lat.errors
        rounds = ", ".join(f"{r.rps:.0f}" for r in runs)
        print(
            f"{target:<8} {res.median_rps(target):>12.0f} {res.median_rps(target) / floor:>8.2f} "
            f"{lat.p50_ms:>8.2f} {lat.p99_ms:>8.2f} {lat.rps:>10.0f} {server_cpu:>9.0f}% "
            f"{wrk_cpu:>7.0f}% {errors:>6}  {rounds}"
        )
    saturated = [t for t in INBOXES if res.latency[t].rps < 0.95 * res.offered]
    if saturated:
        print(
            f"  {', '.join(saturated)}: could not keep up with {res.offered:.0f} rps (achieved "
            "< 95%), so their p50/p99 above are those of a saturated server queueing "
            "-c connections, not of one at half load"
        )
    print(
        "  for reference, each inbox paced to half its own median rps: "
        + "; ".join(
            f"{t} {res.own[t].rps:.0f} rps p50 {res.own[t].p50_ms:.2f} p99 "
            f"{res.own[t].p99_ms:.2f} ms"
            for t in INBOXES
        )
    )
    rss_start, rss_first, rss_second, first, second = rss
    growth = (rss_second / rss_first - 1) * 100
    print(
        f"RSS of the sqlite-inbox server (VmRSS): {rss_start / 1024:.1f} MiB at start, "
        f"{rss_first / 1024:.1f} MiB after {first:,} callbacks, {rss_second / 1024:.1f} MiB "
        f"after {second:,} callbacks: growth {growth:+.1f}%"
    )
    ratio = res.median_rps("sqlite") / floor
    worst_p99 = max(res.latency[t].p99_ms for t in INBOXES)
    p99s = ", ".join(f"{t} {res.latency[t].p99_ms:.2f}" for t in INBOXES)

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("targets (reported, not asserted):")
    print(f"  sqlite >= {TARGET_RATIO}x floor rps: {ratio:.2f}x, {verdict(ratio >= TARGET_RATIO)}")
    print(
        f"  p99 < {TARGET_P99_MS:g} ms at half the floor rate: {p99s} ms, "
        f"{verdict(worst_p99 < TARGET_P99_MS)}"
    )
    print(
        f"  RSS flat within {TARGET_RSS_GROWTH:g}% from {first:,} to {second:,} callbacks: "
        f"{growth:+.1f}%, {verdict(abs(growth) <= TARGET_RSS_GROWTH)}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few-second smoke run")
    args = ap.parse_args(argv)
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    with terminate_on_sigterm():
        return run(QUICK if args.quick else FULL, args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
