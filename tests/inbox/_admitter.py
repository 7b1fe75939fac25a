"""A child process that admits the same keys as its siblings, for cross-process atomicity.

It lives in its own module so ``multiprocessing``'s spawn start method can import it.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

from wecom_callback.inbox import NewCallback, open_inbox


async def _admit_all(url: str, keys: list[str], owner: str, barrier: Any) -> list[str]:
    inbox = open_inbox(url)
    await inbox.start()
    try:
        barrier.wait(timeout=60)  # every process admits at the same moment
        admitted = await asyncio.gather(
            *(
                inbox.admit(
                    NewCallback(key, "ww-corp", "text", b"<xml/>", 1.0),
                    owner=owner,
                    lease_seconds=30,
                )
                for key in keys
            )
        )
    finally:
        await inbox.close()
    return [a.record.key for a in admitted if a.new]


def admit_keys(url: str, keys: list[str], owner: str, barrier: Any, results: Any) -> None:
    """Admit every key in ``keys`` concurrently; put ``(owner, new keys or error)``."""
    try:
        results.put((owner, asyncio.run(_admit_all(url, keys, owner, barrier))))
    except BaseException:
        results.put((owner, traceback.format_exc()))
