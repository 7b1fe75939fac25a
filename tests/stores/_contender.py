"""A child process that increments a shared counter under the store lock.

It lives in its own module so ``multiprocessing`` can import it in the children.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from typing import Any

from wecom_callback._stores import open_store


async def _increment(url: str, rounds: int, barrier: Any) -> int:
    store = open_store(url)
    await store.start()
    entered = 0
    try:
        barrier.wait(timeout=60)  # every process starts contending at the same moment
        for _ in range(rounds):
            async with store.lock("counter", ttl=10, timeout=60):
                # Nobody else may be inside: the marker must be free, and stay ours.
                if not await store.add("inside", str(os.getpid()).encode()):
                    raise AssertionError("two holders inside the lock at once")
                value = int(await store.get("counter") or b"0")
                await asyncio.sleep(0)  # let the other process run between read and write
                await store.set("counter", str(value + 1).encode())
                await store.delete("inside")
                entered += 1
    finally:
        await store.close()
    return entered


def contend(url: str, rounds: int, barrier: Any, results: Any) -> None:
    """Increment ``counter`` ``rounds`` times; put the count done, or a traceback."""
    try:
        results.put(asyncio.run(_increment(url, rounds, barrier)))
    except BaseException:
        results.put(traceback.format_exc())
