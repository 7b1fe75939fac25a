"""Where a server's CPU goes: cProfile in one bench server under wrk load.

Run ``.venv/bin/python bench/profile.py sqlite`` (or ``memory``, ``redis``, ``floor``;
``--seconds`` for the load's length, ``--top`` for the rows shown). One server of
``bench/apps.py`` runs with ``BENCH_PROFILE`` set (its main thread and every thread it
starts, the SQLite writer among them, under cProfile), pinned like in
``bench/throughput.py``; wrk sends distinct signed callbacks at full speed; on SIGTERM
the server writes the profiles, and this prints the top functions of each thread by
own time (``tottime``) and by cumulative time. cProfile slows Python code down, by
roughly 1.5-2x, so read shares, not absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    QUICK,
    Pools,
    Server,
    cpu_plan,
    pool_size,
    run_wrk,
    terminate_on_sigterm,
)
from bench._redis import redis_with_aof  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Profile one target under load and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target", choices=("floor", "memory", "sqlite", "redis"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)
    plan = cpu_plan()
    if plan:
        os.sched_setaffinity(0, {plan[0]})
    with terminate_on_sigterm(), contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wecom-prof-")))
        prof_dir = workdir / "profiles"
        env = {"BENCH_PROFILE": str(prof_dir)}
        if args.target == "sqlite":
            env["BENCH_INBOX"] = f"sqlite:///{workdir / 'inbox.db'}"
        elif args.target == "redis":
            env["BENCH_INBOX"] = stack.enter_context(redis_with_aof(workdir / "redis"))
        elif args.target == "memory":
            env["BENCH_INBOX"] = "memory://"
        app = "floor" if args.target == "floor" else "wecom"
        server = Server(args.target, app, workdir, plan[1] if plan else None, env)
        try:
            pools = Pools(workdir)
            pool = pools.make(pool_size(4000, args.seconds))
            result = run_wrk(server.url, pool[0], QUICK, duration=args.seconds)
        finally:
            server.stop()
        print(
            f"{args.target}: {result.rps:.0f} rps under cProfile, p99 {result.p99_ms:.1f} ms, "
            f"{result.repeats} repeats, {result.errors} errors"
        )
        for path in sorted(prof_dir.glob("*.prof")):
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                stats = pstats.Stats(str(path), stream=out)
                stats.strip_dirs().sort_stats(order).print_stats(args.top)
                print(f"== {path.stem} by {order} ==")
                print("\n".join(out.getvalue().splitlines()[4:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
