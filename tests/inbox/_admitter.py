"""A child process that admits the same keys as its siblings, for cross-process atomicity.

It lives in its own module so ``multiprocessing`` can import it in the children.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from wecom_callback.inbox import NewCallback, open_inbox


async def _admit_all(url: str, keys: list[str], owner: str, barrier: Any) -> list[str]:
    inbox = open_inbox(url)
    await inbox.start()
    new: list[str] = []
    try:
        barrier.wait(timeout=60)  # every process starts admitting at the same moment
        # Small concurrent batches: several commits per process, so the processes
        # interleave on the lock instead of the first one admitting everything at once.
        for start in range(0, len(keys), 5):
            batch = keys[start : start + 5]
            admitted = await asyncio.gather(
                *(
                    inbox.admit(
                        NewCallback(key, "ww-corp", "text", b"<xml/>", 1.0),
                        owner=owner,
                        lease_seconds=30,
                    )
                    for key in batch
                )
            )
            new += [a.record.key for a in admitted if a.new]
    finally:
        await inbox.close()
    return new


def admit_keys(url: str, keys: list[str], owner: str, barrier: Any, results: Any) -> None:
    """Admit every key in ``keys``; put ``(owner, the keys it admitted first)`` or an error."""
    try:
        results.put((owner, asyncio.run(_admit_all(url, keys, owner, barrier))))
    except BaseException:
        results.put((owner, traceback.format_exc()))
