"""Two self-built apps of one corp in one site, sharing one inbox (the crash tests' site).

App ``a`` is configured by the usual ``WECOM_*`` variables, app ``b`` by ``B_TOKEN`` and
``B_ENCODING_AES_KEY`` (same CorpID, same inbox). Each journals ``begin <app>/<key> <pid>``
and ``done <app>/<key> <pid>``, so the test sees which endpoint's handler ran what.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from tests.durability.crash_app import DELAY, journal
from wecom_callback import CallbackContext, Settings, WeComApp
from wecom_callback.models import Callback

a = WeComApp.from_env()
b = WeComApp(settings=Settings.from_env(token=os.environ["B_TOKEN"],
             encoding_aes_key=os.environ["B_ENCODING_AES_KEY"]))  # fmt: skip


def journaling(label: str) -> Any:
    async def handler(model: Callback, ctx: CallbackContext) -> None:
        journal(f"begin {label}/{ctx.dedupe_key} {os.getpid()}")
        await asyncio.sleep(DELAY)
        journal(f"done {label}/{ctx.dedupe_key} {os.getpid()}")

    handler.__qualname__ = f"journal_{label}"
    return handler


a.on("*")(journaling("a"))
b.on("*")(journaling("b"))


@contextlib.asynccontextmanager
async def lifespan(_site: Starlette) -> AsyncIterator[None]:
    async with a.lifespan(), b.lifespan():
        yield


site = Starlette(routes=[Mount("/a", a), Mount("/b", b)], lifespan=lifespan)
