"""An AI bot that streams a canned answer word by word, as an LLM would (no network).

    .venv/bin/python examples/aibot_stream.py

The demo serves the bot under uvicorn, sends itself a signed text message as WeCom
would, then refreshes the stream as WeCom does (about once a second; faster here) and
prints every snapshot until ``finish: true``. In production, serve ``app`` with
``wecom-callback run examples.aibot_stream:app`` and ``WECOM_TOKEN``,
``WECOM_ENCODING_AES_KEY`` set (the AI bot's receive id is the empty string); give
several replicas one Redis ``WECOM_INBOX_URL`` and any of them answers any refresh.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import httpx

from wecom_callback.aibot import AIBotApp, AIBotTextMessage, StreamReply
from wecom_callback.testing import AIBotSimulator, serving

TOKEN = os.environ.get("WECOM_TOKEN", "StreamToken")
AES_KEY = os.environ.get("WECOM_ENCODING_AES_KEY", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
ANSWER = (
    "Streams are answered from the shared store, so any replica can serve a refresh,"
    " and a replica that dies mid-answer leaves a note instead of a spinner."
)
WORD_SECONDS = 0.08

app = AIBotApp(TOKEN, AES_KEY, inbox=os.environ.get("WECOM_INBOX_URL", "memory://"))


async def canned(question: str) -> AsyncIterator[str]:
    """Yield the answer a word at a time (deltas), like a model's tokens."""
    yield f"**{question}**\n\n"
    for word in ANSWER.split(" "):
        await asyncio.sleep(WORD_SECONDS)
        yield word + " "


@app.on("text")
async def answer(message: AIBotTextMessage) -> StreamReply:
    """Stream the canned answer to any text."""
    return StreamReply(canned(message.content))


@app.on("enter_chat")
def welcome() -> str:
    """The welcome text when a user opens the chat."""
    return "Hi! Ask me anything."


async def main() -> None:
    """Serve the bot, message it, and follow its stream as WeCom would."""
    sim = AIBotSimulator(TOKEN, AES_KEY)
    async with serving(app, lifespan="on") as url, httpx.AsyncClient() as http:
        request = sim.text("How do streams survive replicas?")
        reply = await http.post(request.url(url), content=request.body)
        frame = sim.decrypt_json_reply(reply.content)["stream"]
        print(f"[bot] stream {frame['id']} started: {frame['content']!r}")
        while not frame["finish"]:
            await asyncio.sleep(0.3)
            refresh = sim.refresh(frame["id"])
            reply = await http.post(refresh.url(url), content=refresh.body)
            frame = sim.decrypt_json_reply(reply.content)["stream"]
            print(f"[refresh] finish={frame['finish']} {len(frame['content'])} chars")
        print(f"[bot] final answer:\n{frame['content']}")


if __name__ == "__main__":
    asyncio.run(main())
