"""``demo``: a server on generated credentials, called with a signed sample."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from .._app.app import WeComApp
from .._app.serving import NotifyingServer
from ..aibot import AIBotApp, AIBotTextMessage, StreamReply
from ..errors import ConfigurationError
from ..testing import AIBotSimulator, Simulator
from .keys import generate_key, generate_token
from .samples import resolve, sample_plaintext
from .simulation import send

__all__ = ["build_demo_app", "build_demo_bot", "follow_demo_stream", "register", "send_sample"]

#: What the demo's AI bot streams, a word at a time.
_BOT_ANSWER = "Each refresh is answered from the stored snapshot, which only grows, until finish."


def send_sample(url: str, sim: Simulator, kind: str, content: str) -> tuple[int, bytes | None]:
    """POST one signed sample callback; return the status and the decrypted reply, if any."""
    name = resolve(kind)
    if name is None:
        raise ConfigurationError(f"no sample {kind!r}: simulate --list shows them")
    response = send(url, sim.callback(sample_plaintext(name, sim.receive_id, content)))
    reply = sim.decrypt_reply(response.content) if response.content else None
    return response.status_code, reply


def build_demo_app(token: str, key: str, receive_id: str, **options: Any) -> WeComApp:
    """The demo's app: echoes text, greets new customers, prints every callback."""
    from ..models import AddExternalContactEvent, Callback, TextMessage
    from ..replies._passive import TextReply

    app = WeComApp(token, key, receive_id, **options)

    @app.on("*")
    def show(model: Callback) -> None:
        fields = model.model_dump(mode="json", exclude={"raw"}, exclude_none=True)
        print(
            f"[handler] received {type(model).__name__}: {json.dumps(fields, ensure_ascii=False)}",
            flush=True,
        )

    @app.on("text")
    async def echo(msg: TextMessage) -> TextReply:
        return TextReply(content=f"you said: {msg.content}")

    @app.on(AddExternalContactEvent)
    async def welcome(ev: AddExternalContactEvent) -> None:
        print(f"[handler] new customer {ev.external_user_id} for {ev.user_id}", flush=True)

    return app


def build_demo_bot(token: str, key: str, **options: Any) -> AIBotApp:
    """The demo's AI bot: streams a canned answer word by word to any text."""
    bot = AIBotApp(token, key, **options)

    async def words() -> AsyncIterator[str]:
        for word in _BOT_ANSWER.split(" "):
            yield word + " "
            await asyncio.sleep(0.05)

    @bot.on("text")
    def stream(message: AIBotTextMessage) -> StreamReply:
        return StreamReply(words())

    return bot


def follow_demo_stream(url: str, sim: AIBotSimulator, text: str) -> list[dict[str, Any]]:
    """Message the bot at ``url`` and refresh its stream as WeCom does; every frame."""
    request = sim.text(text)
    answer = httpx.post(request.url(url), content=request.body, timeout=10)
    frames = [sim.decrypt_json_reply(answer.content)["stream"]]
    deadline = time.monotonic() + 30
    while not frames[-1]["finish"] and time.monotonic() < deadline:
        time.sleep(0.2)
        refresh = sim.refresh(frames[0]["id"])
        answer = httpx.post(refresh.url(url), content=refresh.body, timeout=10)
        frames.append(sim.decrypt_json_reply(answer.content)["stream"])
    return frames


def cmd_demo(args: argparse.Namespace) -> int:
    token, key, receive_id = generate_token(), generate_key(), "wwdemo0123456789ab"
    app = build_demo_app(token, key, receive_id, inbox=args.inbox)
    bot = build_demo_bot(token, key, inbox=args.inbox)

    @contextlib.asynccontextmanager
    async def lifespan(_site: Any) -> AsyncIterator[None]:
        async with app.lifespan(), bot:
            yield

    site = Starlette(routes=[*bot.routes("/aibot"), Mount("/", app)], lifespan=lifespan)
    config = uvicorn.Config(site, host=args.host, port=args.port, log_level="warning")
    server = NotifyingServer(config)
    sim = Simulator(token, key, receive_id)

    def introduce() -> None:
        server.ready.wait()
        if not server.started:
            return
        base = f"http://{args.host}:{server.port}/"
        print(f"wecom-callback demo serving {base} (token and key generated for this run)")
        status, reply = send_sample(base, sim, "text", "hello from the demo")
        print(f"[demo] sent a signed text callback: HTTP {status}")
        print(f"[demo] decrypted passive reply: {reply.decode() if reply else '(none)'}")
        bot_url = f"{base}aibot"
        frames = follow_demo_stream(bot_url, AIBotSimulator(token, key), "stream me an answer")
        print(f"[demo] AI bot at {bot_url}: {len(frames)} stream frames, each a growing snapshot:")
        for frame in frames:
            print(f"  finish={str(frame['finish']).lower():5} {frame['content']}")
        command = shlex.join(
            [
                "wecom-callback",
                "simulate",
                "--url",
                base,
                "--token",
                token,
                "--key",
                key,
                "--receive-id",
                receive_id,
                "text",
                "hi again",
            ]
        )
        print("[demo] send more (simulate --list shows every kind):")
        print(f"  .venv/bin/{command}", flush=True)

    threading.Thread(target=introduce, daemon=True).start()
    server.run()
    return 0


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "demo",
        help="serve a demo app on generated credentials and call it",
        description="Serve an app that echoes text and prints every callback, on a Token and "
        "EncodingAESKey generated for this run; send it a signed text, and print a simulate "
        "command that sends more.",
    )
    p.add_argument(
        "--host",
        default=os.environ.get("WECOM_HOST", "127.0.0.1"),
        help="interface to listen on (default: WECOM_HOST or %(default)s)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("WECOM_PORT", "8000")),
        help="port to listen on, 0 for any free one (default: WECOM_PORT or %(default)s)",
    )
    p.add_argument(
        "--inbox",
        default=os.environ.get("WECOM_INBOX_URL"),
        help="inbox URL (default: WECOM_INBOX_URL, else the data dir's SQLite file)",
    )
    p.set_defaults(func=cmd_demo)
