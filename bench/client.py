"""The outbound client's cost per call, next to a bare httpx call, and its token fetches.

Run ``python bench/client.py`` (``--quick`` for a short smoke run). A FakeWeComAPI runs
in its own process (so it does not share this one's GIL), and each round times, in an
order that rotates from round to round so drift favours nobody:

* ``bare``: ``httpx.AsyncClient.get(url, params={"access_token": ...})`` then ``.json()``
  and an ``errcode`` check: the least any client must do;
* ``call``: ``WeComClient.call("GET", "getcallbackip")``: token lookup, retry policy,
  error mapping;
* ``typed``: ``WeComClient.get_callback_ip()``: the same plus the pydantic model.

Each figure is the median over rounds of a round's mean per call; the ratio is the median
of the per-round ratios (target: ``call/bare`` at most 1.15). Then, on a cold cache, it
makes N concurrent calls and counts the ``gettoken`` calls the fake received (target: 1).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wecom_callback.client import WeComClient
from wecom_callback.testing import FakeWeComAPI

SECRET = "bench-secret"
#: Runs the fake in a child process; prints its URL, serves until stdin closes.
FAKE = (
    "import sys\n"
    "from wecom_callback.testing import FakeWeComAPI\n"
    f"with FakeWeComAPI(secret={SECRET!r}) as api:\n"
    "    print(api.corp_id, api.base_url, flush=True)\n"
    "    sys.stdin.read()\n"
)

Call = Callable[[], Awaitable[object]]


async def _mean(call: Call, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - start) / calls


async def overhead(corp_id: str, base_url: str, rounds: int, calls: int) -> dict[str, list[float]]:
    """Per-round mean seconds per call of each contender."""
    async with (
        WeComClient(corp_id, SECRET, base_url=base_url) as client,
        httpx.AsyncClient(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        ) as http,
    ):
        token = await client.access_token()
        url = f"{base_url}/cgi-bin/getcallbackip"

        async def bare() -> object:
            data = (await http.get(url, params={"access_token": token})).json()
            if data.get("errcode"):
                raise RuntimeError(data)
            return data

        contenders: dict[str, Call] = {
            "bare": bare,
            "call": lambda: client.call("GET", "getcallbackip"),
            "typed": client.get_callback_ip,
        }
        for call in contenders.values():  # warm connections and caches
            await _mean(call, max(calls // 10, 3))
        results: dict[str, list[float]] = {name: [] for name in contenders}
        names = list(contenders)
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                results[name].append(await _mean(contenders[name], calls))
        return results


async def cold_start(concurrency: int) -> int:
    """``gettoken`` calls the fake received for ``concurrency`` calls on a cold cache."""
    async with FakeWeComAPI() as api:
        async with WeComClient(api.corp_id, api.secret, base_url=api.base_url) as client:
            await asyncio.gather(*(client.get_callback_ip() for _ in range(concurrency)))
        return len(api.calls_to("gettoken"))


def _ratio(results: dict[str, list[float]], name: str) -> float:
    return statistics.median(a / b for a, b in zip(results[name], results["bare"], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for smoke tests")
    args = parser.parse_args()
    rounds, calls, concurrency = (3, 30, 50) if args.quick else (15, 200, 1000)
    fake = subprocess.Popen(
        [sys.executable, "-c", FAKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert fake.stdout is not None
        corp_id, base_url = fake.stdout.readline().split()  # printed once it serves
        results = asyncio.run(overhead(corp_id, base_url, rounds, calls))
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(timeout=30)
    fetches = asyncio.run(cold_start(concurrency))
    print(f"python {platform.python_version()}, httpx {httpx.__version__}")
    print(f"GET /cgi-bin/getcallbackip on FakeWeComAPI, {rounds} rounds x {calls} calls")
    print(f"{'contender':<10} {'us/call':>9} {'ratio':>7}")
    for name in results:
        ratio = 1.0 if name == "bare" else _ratio(results, name)
        median = statistics.median(results[name]) * 1e6
        print(f"{name:<10} {median:>9.1f} {ratio:>7.3f}")
    extra = (statistics.median(results["call"]) - statistics.median(results["bare"])) * 1e6
    print(f"call/bare median ratio {_ratio(results, 'call'):.3f} (target <= 1.15);"
          f" {extra:+.1f} us per call")  # fmt: skip
    print(f"gettoken calls for {concurrency} concurrent calls on a cold cache: {fetches}"
          " (target 1)")  # fmt: skip


if __name__ == "__main__":
    main()
