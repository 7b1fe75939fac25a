"""What ``bench/throughput.py`` prints: the set-up, the tables, the targets met or missed."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from bench._harness import Mode, WrkResult, filesystem_of
from bench._redis import redis_version
from bench.apps import HTTP, LOOP

if TYPE_CHECKING:
    from bench.throughput import Results

TARGET_RATIO = {"sqlite": 0.5, "redis": 0.35}  # rps >= this x the floor's, same round
TARGET_P99_MS = 20.0  # p99 under this at half the floor's rate
TARGET_GROWTH = 10.0  # %: a full inbox's rate and p99 within this of an empty one's
TARGET_RSS_GROWTH = 10.0  # %: RSS after 100k callbacks within this of RSS after 10k


@dataclass
class Pair:
    """Two runs back to back in one round: the floor (or the baseline) and a target."""

    floor: WrkResult
    target: WrkResult

    @property
    def ratio(self) -> float:
        return self.target.rps / self.floor.rps if self.floor.rps else 0.0

    @property
    def cpu_ratio(self) -> float:
        """Floor CPU per request over target CPU per request: the rate ratio on a free core."""
        target = cpu_us(self.target)
        return cpu_us(self.floor) / target if target else 0.0


def cpu_us(r: WrkResult) -> float:
    """Server CPU time per answered request, in microseconds."""
    return r.server_cpu / r.requests * 1e6 if r.requests else math.nan


def _spread(values: Iterable[float]) -> str:
    v = list(values)
    return f"{min(v):.2f}-{max(v):.2f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_setup(
    mode: Mode, quick: bool, plan: tuple[int, int] | None, workdir: Path, redis_url: str
) -> None:
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
        "pre-generated distinct signed callbacks (text message, unique MsgId)"
    )
    print(
        f"phase 1: {mode.rounds} rounds x (floor, inbox) pairs of {mode.duration} s runs "
        f"after a {mode.warmup} s warm-up; phase 2: {mode.latency} s per target at half the "
        f"floor's median rps; phase 3: RSS after {mode.rss_counts[0]:,} and "
        f"{mode.rss_counts[1]:,} callbacks; phase 4: {mode.prefill:,} records already in "
        "the inbox, then as many purged under load; phase 5: two workers"
    )
    print(
        f"inboxes: memory://; sqlite temp files in {workdir} ({filesystem_of(workdir)}, "
        f"synchronous=FULL); redis-server {redis_version()} at {redis_url} (appendonly yes, "
        "appendfsync everysec)"
    )
    print(flush=True)


def print_report(res: Results, mode: Mode) -> None:
    """Every table, then the targets."""
    _print_main(res)
    _print_growth(res, mode)
    _print_workers(res)
    _print_targets(res)
    for note in res.notes:
        print("note:", note)


def _print_main(res: Results) -> None:
    floor_runs = [p.floor for ps in res.pairs.values() for p in ps]
    print(
        "phase 1-2: 'x floor' is the median of per-round ratios (each inbox run against the "
        "floor run next to it), 'spread' their range; 'CPU x' the same from CPU per request; "
        f"latency at {res.offered:.0f} rps (half the floor's median)"
    )
    header = (
        f"{'target':<8} {'rps (median)':>12} {'x floor':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'rps @ half':>10} {'us CPU/req':>10} {'CPU x':>6} {'spread':>10}  ratio per round"
    )
    print(header)
    print("-" * len(header))
    floor_lat = res.latency["floor"]
    print(
        f"{'floor':<8} {res.floor_rps():>12.0f} {1.0:>8.2f} {floor_lat.p50_ms:>8.2f} "
        f"{floor_lat.p99_ms:>8.2f} {floor_lat.rps:>10.0f} "
        f"{statistics.median(cpu_us(r) for r in floor_runs):>10.0f} {1.0:>6.2f} {'':>10}  "
        f"floor rps per run: {', '.join(f'{r.rps:.0f}' for r in floor_runs)}"
    )
    for target, pairs in res.pairs.items():
        lat = res.latency[target]
        print(
            f"{target:<8} {statistics.median(p.target.rps for p in pairs):>12.0f} "
            f"{statistics.median(p.ratio for p in pairs):>8.2f} {lat.p50_ms:>8.2f} "
            f"{lat.p99_ms:>8.2f} {lat.rps:>10.0f} "
            f"{statistics.median(cpu_us(p.target) for p in pairs):>10.0f} "
            f"{statistics.median(p.cpu_ratio for p in pairs):>6.2f} "
            f"{_spread(p.ratio for p in pairs):>10}  " + ", ".join(f"{p.ratio:.2f}" for p in pairs)
        )
    saturated = [t for t in res.pairs if res.latency[t].rps < 0.95 * res.offered]
    if saturated:
        print(
            f"  {', '.join(saturated)}: could not keep up with {res.offered:.0f} rps (achieved "
            "< 95%), so their p50/p99 are those of a saturated server queueing -c "
            "connections, not of one at half load"
        )
    print(
        "  each inbox paced to half its own median rps: "
        + "; ".join(
            f"{t} {r.rps:.0f} rps p50 {r.p50_ms:.2f} p99 {r.p99_ms:.2f} ms"
            for t, r in res.own.items()
        )
    )
    rss_start, rss_first, rss_second, first, second = res.rss
    growth = (rss_second / rss_first - 1) * 100 if rss_first else math.nan
    print(
        f"RSS of the sqlite-inbox server (VmRSS): {rss_start / 1024:.1f} MiB at start, "
        f"{rss_first / 1024:.1f} MiB after {first:,} callbacks, {rss_second / 1024:.1f} MiB "
        f"after {second:,} callbacks: growth {growth:+.1f}%"
    )
    per, records = res.redis_bytes
    print(
        f"redis used_memory per retained record: {per:.0f} bytes ({records:,} records, "
        "INFO memory before and after phases 1-2)"
    )


def _print_growth(res: Results, mode: Mode) -> None:
    if not res.growth:
        return
    ratios = [p.ratio for p in res.growth]
    empty, full = res.growth_latency["empty"], res.growth_latency["full"]
    print(
        f"phase 4: {mode.prefill:,} done records already in the file ({res.prefill_seconds:.0f} "
        f"s to write) against an empty file: rate ratio per round "
        f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}); "
        f"at {res.growth_rate:.0f} rps (half the sqlite rate) p99 {empty.p99_ms:.2f} ms "
        f"empty, {full.p99_ms:.2f} ms full; "
        f"CPU/req {statistics.median(cpu_us(p.floor) for p in res.growth):.0f} us empty, "
        f"{statistics.median(cpu_us(p.target) for p in res.growth):.0f} us full (median "
        f"per-round CPU ratio {statistics.median(p.cpu_ratio for p in res.growth):.2f})"
    )
    purge = res.growth_latency["purge"]
    done = res.purge["left"] == 0
    print(
        f"  retention purge of {mode.prefill:,} records under admissions paced at "
        f"{res.growth_rate:.0f} rps (achieved {purge.rps:.0f}): p50 {purge.p50_ms:.2f} ms, "
        f"p99 {purge.p99_ms:.2f} ms, max "
        f"{purge.max_ms:.0f} ms, {purge.errors} errors; "
        + (
            f"all purged within {res.purge['seconds']:.1f} s of the server's start"
            if done
            else f"{res.purge['left']:.0f} records still there when the run ended"
        )
    )


def _print_workers(res: Results) -> None:
    if not res.workers:
        return
    print("phase 5: SQLite inbox, one worker pinned to one CPU against two on every CPU")
    header = f"{'server':<10} {'rps':>8} {'x floor-w1':>10} {'us CPU/req':>10} {'server CPU':>10}"
    print(header + f" {'wrk CPU':>8}")
    for label in res.workers[0]:
        runs = [w[label] for w in res.workers]
        ratio = statistics.median(w[label].rps / w["floor-w1"].rps for w in res.workers)
        print(
            f"{label:<10} {statistics.median(r.rps for r in runs):>8.0f} {ratio:>10.2f} "
            f"{statistics.median(cpu_us(r) for r in runs):>10.0f} "
            f"{statistics.median(r.cpu_percent(r.server_cpu) for r in runs):>9.0f}% "
            f"{statistics.median(r.cpu_percent(r.wrk_cpu) for r in runs):>7.0f}%"
        )


def _print_targets(res: Results) -> None:
    print("targets (reported, not asserted):")
    for target, goal in TARGET_RATIO.items():
        pairs = res.pairs[target]
        ratio = statistics.median(p.ratio for p in pairs)
        print(
            f"  {target} >= {goal}x floor rps (median of per-round ratios): {ratio:.2f}x "
            f"(spread {_spread(p.ratio for p in pairs)}), {_verdict(ratio >= goal)}"
        )
    for target in res.pairs:
        p99 = res.latency[target].p99_ms
        print(
            f"  {target} p99 < {TARGET_P99_MS:g} ms at half the floor rate: {p99:.2f} ms, "
            f"{_verdict(p99 < TARGET_P99_MS)}"
        )
    if len(res.memory_p99) == 2:
        fresh, late = res.memory_p99
        flat = late.p99_ms <= max(fresh.p99_ms * 1.5, fresh.p99_ms + 2.0)
        print(
            f"  memory p99 flat (at {fresh.rps:.0f} rps, half its rate: a fresh server, then "
            f"the one after {res.memory_served:,} callbacks; within 1.5x or +2 ms): "
            f"{fresh.p99_ms:.2f} -> "
            f"{late.p99_ms:.2f} ms, {_verdict(flat)}"
        )
    if res.growth:
        rate = (1 - statistics.median(p.ratio for p in res.growth)) * 100
        empty, full = res.growth_latency["empty"].p99_ms, res.growth_latency["full"].p99_ms
        p99_up = (full / empty - 1) * 100 if empty else math.nan
        print(
            f"  full inbox rate within {TARGET_GROWTH:g}% of empty: {-rate:+.1f}%, "
            f"{_verdict(rate <= TARGET_GROWTH)}; p99 {p99_up:+.1f}%, "
            f"{_verdict(p99_up <= TARGET_GROWTH or full < TARGET_P99_MS / 4)}"
            " (a p99 under a quarter of the 20 ms target counts as flat)"
        )
        purge = res.growth_latency["purge"]
        kept_up = purge.rps >= 0.95 * res.growth_rate
        print(
            f"  admission p99 < {TARGET_P99_MS:g} ms during the purge, keeping up with the "
            f"paced rate, purge finished: {purge.p99_ms:.2f} ms, achieved {purge.rps:.0f} of "
            f"{res.growth_rate:.0f} rps, "
            f"{_verdict(purge.p99_ms < TARGET_P99_MS and kept_up and res.purge['left'] == 0)}"
        )
    _start, rss_first, rss_second, first, second = res.rss
    growth = (rss_second / rss_first - 1) * 100 if rss_first else math.nan
    print(
        f"  RSS flat within {TARGET_RSS_GROWTH:g}% from {first:,} to {second:,} callbacks: "
        f"{growth:+.1f}%, {_verdict(abs(growth) <= TARGET_RSS_GROWTH)}"
    )
