"""Stream refresh callbacks per second through a real uvicorn, SQLite store vs Redis store.

Run ``.venv/bin/python bench/refresh.py`` (``--quick`` for a few-second smoke run).

Targets, each its own uvicorn process (``bench/apps.py``) on 127.0.0.1, side by side:

* ``floor``: the bare Starlette endpoint answering an empty 200 (the HTTP floor);
* ``sqlite``, ``redis``: an ``AIBotApp`` whose inbox and stream store are a temp SQLite
  file or a throwaway real ``redis-server``. One text message starts a stream that
  writes a word every 0.2 s; wrk then sends distinct signed refresh callbacks of that
  stream (pre-generated with ``AIBotSimulator``): verify, decrypt, parse, one store read,
  a frame encrypted into the JSON envelope. A decrypted answer is checked before and
  after each run (a live, growing snapshot).

Interleaved rounds, order rotated; the median rps and the p50/p99 of the last round are
printed with each target's ratio to the floor. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._harness import FULL, QUICK, Mode, Server, WrkResult, cpu_plan, run_wrk  # noqa: E402
from bench.apps import AES_KEY, PATH, TOKEN  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402
from wecom_callback.testing import AIBotSimulator  # noqa: E402


def start_stream(server: Server, sim: AIBotSimulator) -> str:
    """Message the bot; return the id of the stream its answer opened."""
    request = sim.text("bench")
    answer = httpx.post(request.url(server.url + PATH), content=request.body, timeout=10)
    frame = sim.decrypt_json_reply(answer.content)["stream"]
    assert frame["finish"] is False, frame
    return str(frame["id"])


def snapshot(server: Server, sim: AIBotSimulator, stream_id: str) -> str:
    """One refresh's content (checked: the stream is live)."""
    request = sim.refresh(stream_id)
    answer = httpx.post(request.url(server.url + PATH), content=request.body, timeout=10)
    frame = sim.decrypt_json_reply(answer.content, nonce=request.query["nonce"])["stream"]
    assert frame["id"] == stream_id and frame["finish"] is False, frame
    return str(frame["content"])


def refresh_pool(workdir: Path, sim: AIBotSimulator, stream_id: str, count: int) -> Path:
    """A file of ``count`` distinct signed refreshes, ``PATH?QUERY<TAB>BODY`` a line."""
    path = workdir / f"refresh-{stream_id}.txt"
    with path.open("w", encoding="ascii") as out:
        for _ in range(count):
            request = sim.refresh(stream_id)
            out.write(f"{request.url(PATH)}\t{request.body.decode('ascii')}\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    args = ap.parse_args(argv)
    mode: Mode = QUICK if args.quick else FULL
    plan = cpu_plan()
    if plan is not None:
        os.sched_setaffinity(0, {plan[0]})  # wrk and redis-server inherit it
    sim = AIBotSimulator(TOKEN, AES_KEY)
    pool_size = 5_000 if args.quick else 60_000
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wecom-refresh-")))
        redis_url = stack.enter_context(redis_server())
        cpu = plan[1] if plan is not None else None
        inboxes = {"sqlite": f"sqlite:///{workdir / 'bot.db'}", "redis": redis_url}
        servers = {"floor": Server("floor", "floor", workdir, cpu, {})}
        for name, url in inboxes.items():
            servers[name] = Server(name, "aibot", workdir, cpu, {"BENCH_INBOX": url})
        for server in servers.values():
            stack.callback(server.stop)
        streams = {name: start_stream(servers[name], sim) for name in inboxes}
        pools = {name: refresh_pool(workdir, sim, sid, pool_size) for name, sid in streams.items()}
        pools["floor"] = pools["sqlite"]
        print(
            f"python {platform.python_version()} | {mode.connections} connections |"
            f" {mode.rounds} rounds of {mode.duration} s | CPU plan {plan or 'none'}"
        )
        rps: dict[str, list[float]] = {name: [] for name in servers}
        last: dict[str, WrkResult] = {}
        names = list(servers)
        for name, server in servers.items():  # warm-up
            run_wrk(server.url, pools[name], mode, duration=mode.warmup)
        for r in range(mode.rounds):
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                for other in names:
                    (servers[other].resume if other == name else servers[other].pause)()
                before = snapshot(servers[name], sim, streams[name]) if name in streams else ""
                result = run_wrk(servers[name].url, pools[name], mode, duration=mode.duration)
                if name in streams:
                    after = snapshot(servers[name], sim, streams[name])
                    assert after.startswith(before) and len(after) > len(before)
                rps[name].append(result.rps)
                last[name] = result
        for server in servers.values():
            server.resume()
        floor = statistics.median(rps["floor"])
        print(f"{'target':<8} {'rps':>9} {'/floor':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name in names:
            median = statistics.median(rps[name])
            result = last[name]
            print(
                f"{name:<8} {median:>9.0f} {median / floor:>7.2f} {result.p50_ms:>8.2f}"
                f" {result.p99_ms:>8.2f} {result.errors:>7}"
            )
        time.sleep(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
