"""``simulate``: play WeCom against a running server, with a realistic callback of any kind."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from ..errors import ConfigurationError, CryptoError
from ..testing import SimulatedRequest, Simulator
from .keys import add_credential_options, credentials
from .samples import bare_callback, resolve, sample_names, sample_plaintext

__all__ = ["register", "send"]

_TIMEOUT = 10.0  # WeCom itself gives up after 5 s; a little more shows a slow answer


def send(url: str, request: SimulatedRequest) -> httpx.Response:
    """Send ``request`` to ``url`` as WeCom would."""
    return httpx.request(
        request.method,
        request.url(url),
        content=request.body or None,
        headers={"Content-Type": "text/xml"} if request.body else None,
        timeout=_TIMEOUT,
    )


def _plaintext(args: argparse.Namespace, receive_id: str) -> tuple[str, bytes]:
    """What to send, and a label for it: --file, a sample, or a bare Event/InfoType."""
    if args.file is not None:
        try:
            with open(args.file, "rb") as handle:
                return args.file, handle.read()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {args.file}: {exc.strerror}") from None
    if args.kind is None:
        raise ConfigurationError("name a kind (simulate --list shows them), --file or --verify-url")
    name = resolve(args.kind, info=args.info)
    if name is not None:
        return f"sample {name}", sample_plaintext(name, receive_id, args.content)
    form = "InfoType" if args.info else "Event"
    plain = bare_callback(args.kind, receive_id, args.content, info=args.info)
    return f"a bare {form} {args.kind!r} (no sample has it)", plain


def _failure(response: httpx.Response) -> str:
    """``HTTP 403 Forbidden, WeCom code -40001: msg_signature does not match``."""
    code = response.headers.get("X-WeCom-Error-Code")
    reason = response.text.strip()
    if code and reason.startswith(code):
        reason = reason[len(code) :].strip()
    where = f", WeCom code {code}" if code else ""
    return f"HTTP {response.status_code} {response.reason_phrase}{where}: {reason or '(no body)'}"


def _report(sim: Simulator, request: SimulatedRequest, response: httpx.Response) -> int:
    if response.status_code != 200:
        print(_failure(response), file=sys.stderr)
        return 1
    print(f"HTTP 200 {response.reason_phrase}")
    if request.method == "GET":
        if response.content != request.plaintext:
            print(
                "the answer is not the echostr plaintext: WeCom would refuse the URL",
                file=sys.stderr,
            )
            return 1
        print("URL check passed: the answer is the echostr plaintext")
    elif not response.content:
        print("(empty reply: acknowledged, no passive reply)")
    elif response.content == b"success":
        print("success (an instruction callback acknowledged)")
    else:
        try:
            print(sim.decrypt_reply(response.content).decode("utf-8", "replace"))
        except CryptoError as exc:
            print(f"the reply is not a valid encrypted passive reply: {exc}", file=sys.stderr)
            return 1
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.list:
        print("\n".join(sample_names()))
        return 0
    if args.url is None:
        raise ConfigurationError("--url is required: the server's callback URL")
    creds = credentials(args).require()
    receive_id = creds.receive_ids[0]
    sim = Simulator(creds.token, creds.key, receive_id)
    if args.verify_url:
        label, request = "the GET URL check", sim.verify_request()
    else:
        label, plain = _plaintext(args, receive_id)
        request = sim.callback(plain)
    print(f"sending {label} to {args.url}", file=sys.stderr)
    try:
        response = send(args.url, request)
    except httpx.HTTPError as exc:
        print(f"error: no answer from {args.url}: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    return _report(sim, request, response)


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "simulate",
        help="send a signed, encrypted callback (or the URL check) to a server",
        description="Send what WeCom would: a realistic callback of any kind in the catalogue "
        "(simulate --list), an InfoType (--info), your own plaintext (--file) or the GET URL "
        "check (--verify-url), addressed to the first receive id; print the HTTP status and "
        "the decrypted reply, or the status, reason and WeCom's code when the server refuses "
        "it.",
    )
    p.add_argument("--url", help="the server's callback URL, e.g. http://127.0.0.1:8000/")
    add_credential_options(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list the sample kinds and exit")
    what.add_argument("--file", help="send this plaintext XML file as it is")
    what.add_argument("--verify-url", action="store_true", help="send the GET URL check")
    p.add_argument(
        "--info",
        action="store_true",
        help="send the InfoType form (a suite's instruction callback) of the kind",
    )
    p.add_argument(
        "kind",
        nargs="?",
        help="a sample name, kind or change type (text, sys_approval_change,"
        " add_external_contact, suite_ticket ...); other names send a bare Event",
    )
    p.add_argument(
        "content",
        nargs="?",
        help="replaces the sample's Content, EventKey or State (default: the sample's)",
    )
    p.set_defaults(func=cmd_simulate)
