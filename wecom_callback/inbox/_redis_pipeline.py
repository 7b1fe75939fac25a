"""Script calls of concurrent tasks sent together: one round trip for many, like group commit.

Every per-record script call of the Redis inbox goes through one :class:`Pipeliner` per
view. The first call finds no batch under way and starts one on the next turn of the
event loop; every call made until that batch is sent joins it, and calls made while a
batch is in flight form the next one. A batch is one non-transactional pipeline of
``EVALSHA`` commands on one connection: Redis runs them one after the other, each
script atomic on its own, and each caller gets its own result or its own error. A
caller returns only once Redis has answered its call, exactly as with a lone call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

__all__ = ["Pipeliner"]

#: Calls per pipeline at most, so that one burst cannot make a reply huge.
_MAX_BATCH = 256

_Call = tuple[AsyncScript, Sequence[str], Sequence[Any], "asyncio.Future[Any]"]


class Pipeliner:
    """Queues script calls and sends each batch of them as one pipeline."""

    def __init__(self) -> None:
        self._queue: list[_Call] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # pipelines sent; lets tests see the batching at work

    async def call(
        self, client: aioredis.Redis, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]
    ) -> Any:
        """Run ``script`` with ``keys`` and ``args`` in the next batch; its result."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((script, keys, args, future))
        if self._task is None:
            self._task = asyncio.ensure_future(self._drain(client))
        return await future

    async def _drain(self, client: aioredis.Redis) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[:_MAX_BATCH], self._queue[_MAX_BATCH:]
                await self._send(client, batch)
        finally:
            self._task = None

    async def _send(self, client: aioredis.Redis, batch: list[_Call], retry: bool = True) -> None:
        pipe = client.pipeline(transaction=False)
        for script, keys, args, _ in batch:
            # EVALSHA straight away: a script object in a pipeline costs a SCRIPT EXISTS
            # round trip per pipeline; a missing script is loaded below instead.
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        try:
            results = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for *_, future in batch:
                future.cancel()
            raise
        self.batches += 1
        missing = [call for call, r in zip(batch, results, strict=True) if _no_script(r)]
        if missing and retry:
            try:
                for script in {id(call[0]): call[0] for call in missing}.values():
                    await client.script_load(script.script)
            except Exception as exc:
                for *_, future in missing:
                    if not future.done():
                        future.set_exception(exc)
            else:
                await self._send(client, missing, retry=False)
        for call, result in zip(batch, results, strict=True):
            future = call[3]
            if future.done() or (retry and missing and _no_script(result)):
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


def _no_script(result: Any) -> bool:
    return isinstance(result, NoScriptError)
