"""The AI bot the replica tests run in separate uvicorn processes.

Its text handler streams ``BOT_WORDS`` words, one every ``BOT_WORD_SECONDS``, and
journals its pid to ``BOT_JOURNAL`` first, so a test knows which replica runs a stream.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from wecom_callback.aibot import AIBotApp, AIBotTextMessage, StreamReply

app = AIBotApp.from_env(stream_lease=float(os.environ.get("BOT_LEASE", "2")))
WORDS = int(os.environ.get("BOT_WORDS", "8"))
PAUSE = float(os.environ.get("BOT_WORD_SECONDS", "0.2"))


async def words(text: str) -> AsyncIterator[str]:
    for i in range(WORDS):
        yield f"{text}{i} "
        await asyncio.sleep(PAUSE)


@app.on("text")
async def answer(message: AIBotTextMessage) -> StreamReply:
    with open(os.environ["BOT_JOURNAL"], "a") as journal:
        journal.write(f"{message.msgid} {os.getpid()}\n")
    return StreamReply(words(message.content))
