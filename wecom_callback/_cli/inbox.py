"""``inbox``: inspect and repair an inbox, one endpoint's records at a time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from .._app.loader import load_app
from ..errors import ConfigurationError
from ..inbox import Inbox, InboxRecord, RecordStatus, SQLiteInbox, open_inbox

__all__ = ["register"]


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


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "inbox",
        help="inspect and repair the inbox",
        description="Inspect and repair one endpoint's records. The inbox opened is printed "
        "on stderr first; a SQLite file that does not exist is refused, not created.",
    )
    p.add_argument("--url", help="inbox URL (default: WECOM_INBOX_URL or the data dir's file)")
    p.add_argument("--app", help="module:attribute of a WeComApp whose inbox to use")
    p.add_argument("--endpoint", help="the endpoint (app name) whose records to work on")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("stats", help="counts by status")
    q = actions.add_parser("list", help="newest records first")
    q.add_argument("--dead", action="store_true", help="only dead letters")
    q.add_argument("--limit", type=int, default=50, help="at most this many (default: 50)")
    q = actions.add_parser("show", help="one record in full")
    q.add_argument("key", help="the record's dedupe key (from list)")
    q = actions.add_parser("retry", help="make a (dead) record due again")
    q.add_argument("key", help="the record's dedupe key (from list)")
    q = actions.add_parser("purge", help="delete done and dead records older than N days")
    q.add_argument("--older-than", type=float, required=True, metavar="DAYS", help="age in days")
    p.set_defaults(func=cmd_inbox)
