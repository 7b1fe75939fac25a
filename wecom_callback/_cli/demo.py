"""``demo`` and ``simulate``: WeCom's side of a callback, played against a server."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import threading
import time
from typing import Any

import httpx
import uvicorn

from .._app.app import WeComApp
from .._app.serving import NotifyingServer
from ..testing import Simulator
from .keys import generate_key, generate_token

__all__ = ["build_demo_app", "register", "send_sample"]


def _sample_fields(kind: str, content: str, receive_id: str) -> dict[str, Any]:
    now = int(time.time())
    if kind == "text":
        return {
            "ToUserName": receive_id,
            "FromUserName": "zhangsan",
            "CreateTime": now,
            "MsgType": "text",
            "Content": content,
            "MsgId": str(secrets.randbits(62)),
            "AgentID": 1000002,
        }
    if kind == "add_external_contact":
        return {
            "ToUserName": receive_id,
            "FromUserName": "sys",
            "CreateTime": now,
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": "zhangsan",
            "ExternalUserID": "wm" + secrets.token_hex(8),
            "State": content,
            "WelcomeCode": secrets.token_hex(8),
        }
    return {
        "ToUserName": receive_id,
        "FromUserName": "zhangsan",
        "CreateTime": now,
        "MsgType": "event",
        "Event": kind,
        "EventKey": content,
        "AgentID": 1000002,
    }


def send_sample(url: str, sim: Simulator, kind: str, content: str) -> tuple[int, bytes | None]:
    """POST one signed sample callback; return the status and the decrypted reply, if any."""
    request = sim.callback(_sample_fields(kind, content, sim.receive_id))
    response = httpx.post(request.url(url), content=request.body, timeout=10)
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


def cmd_demo(args: argparse.Namespace) -> int:
    token, key, receive_id = generate_token(), generate_key(), "wwdemo0123456789ab"
    app = build_demo_app(token, key, receive_id, inbox=args.inbox)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
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
        print("[demo] send more (kinds: text, add_external_contact, or any Event name):")
        print(f"  .venv/bin/{command}", flush=True)

    threading.Thread(target=introduce, daemon=True).start()
    server.run()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    sim = Simulator(args.token, args.key, args.receive_id)
    status, reply = send_sample(args.url, sim, args.kind, args.content)
    print(f"HTTP {status}")
    if reply:
        print(reply.decode())
    return 0 if status == 200 else 1


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser("demo", help="serve a demo app on generated credentials and call it")
    p.add_argument("--host", default=os.environ.get("WECOM_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("WECOM_PORT", "8000")))
    p.add_argument("--inbox", default=os.environ.get("WECOM_INBOX_URL"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("simulate", help="send a signed sample callback to a URL")
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--receive-id", required=True)
    p.add_argument("kind", help="text, add_external_contact, or an Event name")
    p.add_argument("content", nargs="?", default="hello")
    p.set_defaults(func=cmd_simulate)
