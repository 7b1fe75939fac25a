"""The ``wecom-callback`` command: run, demo, simulate, decrypt, keygen (and inbox, worker)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shlex
import signal
import string
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from .._app.app import WeComApp
from .._app.loader import load_app, load_apps, load_target
from .._app.serving import NotifyingServer
from ..crypto import WeComCrypto
from ..errors import ConfigurationError, WeComCallbackError
from ..inbox import Inbox, InboxRecord, RecordStatus, SQLiteInbox, open_inbox
from ..testing import Simulator

__all__ = ["main"]

_ALNUM = string.ascii_letters + string.digits


def generate_key() -> str:
    """A fresh 43-character EncodingAESKey."""
    return "".join(secrets.choice(_ALNUM) for _ in range(43))


def generate_token() -> str:
    """A fresh callback Token (WeCom allows up to 32 letters and digits)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


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


def cmd_decrypt(args: argparse.Namespace) -> int:
    crypto = WeComCrypto(args.token, args.key, args.receive_id)
    message = crypto.decrypt(args.msg_signature, args.timestamp, args.nonce, args.encrypt)
    sys.stdout.write(message.decode("utf-8", "replace") + "\n")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    print(f"WECOM_TOKEN={generate_token()}")
    print(f"WECOM_ENCODING_AES_KEY={generate_key()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    # The one loader: the current directory is importable, and a bad target is one line.
    target: Any = load_target(args.app) if args.app else "wecom_callback.asgi:create_app"
    uvicorn.run(
        target,
        host=args.host,
        port=args.port,
        factory=args.app is None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS"),
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    apps = load_apps(args.app)

    async def work() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        for app in apps:
            print(
                f"worker {app.runner.owner} running endpoint {app.name} from {app.inbox!r}",
                flush=True,
            )
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*(app.run_worker() for app in apps))

    asyncio.run(work())
    return 0


def _inbox_url(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    env = os.environ.get("WECOM_INBOX_URL")
    if env:
        return env
    data_dir = os.environ.get("WECOM_DATA_DIR", "data")
    return f"sqlite:///{os.path.abspath(os.path.join(data_dir, 'inbox.db'))}"


async def _pick_scope(args: argparse.Namespace, base: Inbox) -> Inbox:
    """The view of ``base`` the command works on: --endpoint, --app's, or the only one."""
    if args.endpoint:
        return base.scoped(args.endpoint)
    if args.app:
        return base
    names = [name for name in await base.endpoints() if name]
    if len(names) == 1:
        return base.scoped(names[0])
    if len(names) > 1 and args.action != "stats":
        raise ConfigurationError(
            f"the inbox holds several endpoints ({', '.join(names)}): pick one with --endpoint NAME"
        )
    return base


async def _stats(inbox: Inbox) -> dict[str, Any]:
    if inbox.endpoint:
        return {"endpoint": inbox.endpoint, **await inbox.stats()}
    return {
        name or "(unscoped)": await inbox.scoped(name).stats() for name in await inbox.endpoints()
    }


def _record_json(record: InboxRecord, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": record.key,
        "kind": record.kind,
        "status": str(record.status),
        "attempts": record.attempts,
        "received_at": datetime.fromtimestamp(record.received_at, UTC).isoformat(),
        "last_error": record.last_error,
    }
    if full:
        out["receive_id"] = record.receive_id
        out["handlers_done"] = sorted(record.handlers_done)
        out["owner"] = record.owner
        out["lease_until"] = record.lease_until
        out["next_attempt_at"] = record.next_attempt_at
        out["reply"] = record.reply.decode("utf-8", "replace") if record.reply else None
        out["plaintext"] = record.plaintext.decode("utf-8", "replace")
    return out


def cmd_inbox(args: argparse.Namespace) -> int:
    if args.app:
        base = load_app(args.app).inbox
    else:
        url = _inbox_url(args)
        base = open_inbox(url)
        if isinstance(base, SQLiteInbox) and not base.path.exists():
            raise ConfigurationError(f"no inbox at {base.path} (from {url}): nothing to inspect")

    async def operate() -> int:
        await base.start()
        try:
            inbox = await _pick_scope(args, base)
        except BaseException:
            await base.close()
            raise
        if inbox is not base:
            await inbox.start()
        print(f"inbox {inbox!r}", file=sys.stderr)
        try:
            if args.action == "stats":
                print(json.dumps(await _stats(inbox)))
            elif args.action == "list":
                status = RecordStatus.DEAD if args.dead else None
                for record in await inbox.list(status=status, limit=args.limit):
                    print(json.dumps(_record_json(record, full=False), ensure_ascii=False))
            elif args.action == "show":
                found = await inbox.get(args.key)
                if found is None:
                    print(f"no record {args.key!r}", file=sys.stderr)
                    return 1
                print(json.dumps(_record_json(found, full=True), ensure_ascii=False, indent=2))
            elif args.action == "retry":
                if not await inbox.retry(args.key):
                    print(f"no record {args.key!r}", file=sys.stderr)
                    return 1
                print(f"{args.key} is due again")
            elif args.action == "purge":
                cutoff = time.time() - args.older_than * 86400
                print(f"purged {await inbox.purge(cutoff)} records")
            return 0
        finally:
            if inbox is not base:
                await inbox.close()
            await base.close()

    return asyncio.run(operate())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wecom-callback", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve a demo app on generated credentials and call it")
    p.add_argument("--host", default=os.environ.get("WECOM_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("WECOM_PORT", "8000")))
    p.add_argument("--inbox", default=os.environ.get("WECOM_INBOX_URL"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="serve an app (default: WeComApp.from_env())")
    p.add_argument("app", nargs="?", help="module:attribute of a WeComApp")
    p.add_argument("--host", default=os.environ.get("WECOM_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("WECOM_PORT", "8000")))
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("simulate", help="send a signed sample callback to a URL")
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--receive-id", required=True)
    p.add_argument("kind", help="text, add_external_contact, or an Event name")
    p.add_argument("content", nargs="?", default="hello")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("decrypt", help="verify and decrypt one Encrypt value")
    for name in (
        "--token",
        "--key",
        "--receive-id",
        "--msg-signature",
        "--timestamp",
        "--nonce",
        "--encrypt",
    ):
        p.add_argument(name, required=True)
    p.set_defaults(func=cmd_decrypt)

    p = sub.add_parser("worker", help="run handlers from the inbox without serving HTTP")
    p.add_argument(
        "app", help="module:attribute of a WeComApp, or of a Starlette/FastAPI site mounting some"
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("inbox", help="inspect and repair the inbox")
    p.add_argument("--url", help="inbox URL (default: WECOM_INBOX_URL or the data dir's file)")
    p.add_argument("--app", help="module:attribute of a WeComApp whose inbox to use")
    p.add_argument("--endpoint", help="the endpoint (app name) whose records to work on")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("stats", help="counts by status")
    q = actions.add_parser("list", help="newest records first")
    q.add_argument("--dead", action="store_true", help="only dead letters")
    q.add_argument("--limit", type=int, default=50)
    q = actions.add_parser("show", help="one record in full")
    q.add_argument("key")
    q = actions.add_parser("retry", help="make a (dead) record due again")
    q.add_argument("key")
    q = actions.add_parser("purge", help="delete done and dead records older than N days")
    q.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    p.set_defaults(func=cmd_inbox)

    p = sub.add_parser("keygen", help="print a fresh Token and EncodingAESKey")
    p.set_defaults(func=cmd_keygen)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wecom-callback`` command."""
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except WeComCallbackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
