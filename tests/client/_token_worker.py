"""A child process making many concurrent calls on a cold cache, for cross-process tests.

It lives in its own module so ``multiprocessing`` can import it in the children.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from wecom_callback.client import WeComClient


async def _calls(options: dict[str, Any], count: int, barrier: Any) -> int:
    async with WeComClient(**options) as client:
        await client.store.start()
        barrier.wait(timeout=60)  # both processes start calling at the same moment
        answers = await asyncio.gather(*(client.call("GET", "getcallbackip") for _ in range(count)))
    return sum(1 for answer in answers if answer.get("ip_list"))


def make_calls(options: dict[str, Any], count: int, barrier: Any, results: Any) -> None:
    """Make ``count`` concurrent calls; put how many succeeded, or a traceback."""
    try:
        results.put(asyncio.run(_calls(options, count, barrier)))
    except BaseException:
        results.put(traceback.format_exc())
