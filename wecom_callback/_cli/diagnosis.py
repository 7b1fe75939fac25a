"""``decrypt``: walk a captured callback through the receiver's checks, and say which fails.

The checks run in the receiver's order: parameters, envelope, signature, decryption,
receive id. A failure names WeCom's code and the likely cause, which the order makes
precise: once the signature matches, the Token is right, so a decryption failure can
only be the EncodingAESKey.
"""

from __future__ import annotations

import argparse
import hmac
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .._wire.xml import parse_xml, read_envelope
from ..crypto import Plaintext, WeComCrypto, signature
from ..errors import (
    ConfigurationError,
    CryptoError,
    DecryptError,
    PlaintextError,
    ReceiveIdError,
    WeComCallbackError,
)
from ..models._parsing import parse_message
from .capture import Capture, decode_value, parse_capture, parse_query
from .keys import Credentials, add_credential_options, credentials
from .receive_ids import describe_configured, describe_receive_id

__all__ = ["Failure", "Result", "diagnose", "model_json", "register"]

Say = Callable[[str], None]


class Failure(Exception):
    """A check the request fails: which, WeCom's code, what happened and why, likely."""

    def __init__(self, check: str, code: int | None, what: str, cause: str) -> None:
        super().__init__(what)
        self.check, self.code, self.what, self.cause = check, code, what, cause

    def lines(self) -> list[str]:
        """The report: the failed check, then its likely cause, indented."""
        code = f" [{self.code}]" if self.code is not None else ""
        return [f"FAIL  {self.check}{code}: {self.what}", f"      likely cause: {self.cause}"]


@dataclass(frozen=True)
class Result:
    """What a request that passes every check decrypts to."""

    plaintext: bytes
    receive_id: str
    url_check: bool


class _AnyReceiveId(frozenset[str]):
    """An allow-list holding every id: the diagnosis reads the payload's id, then compares."""

    def __contains__(self, item: object) -> bool:
        return True


def _parameters(capture: Capture, say: Say) -> tuple[str, str, str]:
    needed = ["msg_signature", "timestamp", "nonce"]
    if capture.is_url_check:
        needed.append("echostr")
    missing = [name for name in needed if not capture.query.get(name)]
    if missing:
        if not capture.query:
            cause = (
                "no query string: give the whole URL WeCom called (with ?msg_signature=...),"
                " or its query string, on the first line"
            )
        else:
            cause = (
                "the URL was cut short when copied, or it is not the callback's URL"
                " (WeCom sends msg_signature, timestamp and nonce, and echostr on the URL check)"
            )
        raise Failure("parameters", None, "missing " + ", ".join(missing), cause)
    kind = "the URL check (GET with echostr)" if capture.is_url_check else "a callback (POST)"
    say(f"ok    parameters: {', '.join(needed)}; {kind}")
    q = capture.query
    return q["msg_signature"], q["timestamp"], q["nonce"]


def _encrypt_value(capture: Capture, say: Say) -> str:
    if capture.is_url_check:
        return capture.query["echostr"]
    if capture.encrypt is not None:
        say("ok    envelope: Encrypt given on its own")
        return decode_value(capture.encrypt.strip())
    body = capture.body.strip()
    if not body:
        cause = "give the body after the URL (on the next lines, or with --body)"
        raise Failure("envelope", -40002, "the request has no body", cause)
    if body.startswith("{"):
        return _json_encrypt(body, say)
    try:
        envelope = read_envelope(body.encode("utf-8"))
    except CryptoError as exc:
        cause = (
            "the body is not WeCom's <xml><ToUserName/><Encrypt/><AgentID/></xml>: cut short"
            " or escaped (&lt;xml&gt;) when copied from a log, or not a WeCom request"
        )
        raise Failure("envelope", exc.code, exc.reason, cause) from None
    to_user = f", ToUserName {envelope.to_user_name!r}" if envelope.to_user_name else ""
    say(f"ok    envelope: XML with Encrypt ({len(envelope.encrypt)} characters){to_user}")
    return decode_value(envelope.encrypt)


def _json_encrypt(body: str, say: Say) -> str:
    """An AI bot's JSON envelope, ``{"encrypt": "..."}``."""
    try:
        value = json.loads(body).get("encrypt")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        cause = 'an AI bot sends {"encrypt": "..."}; other callbacks send XML'
        raise Failure("envelope", -40002, "a JSON body without an encrypt string", cause)
    say(f"ok    envelope: JSON with encrypt ({len(value)} characters)")
    return decode_value(value)


def _signature(token: str, sig: str, timestamp: str, nonce: str, encrypt: str, say: Say) -> str:
    """The Encrypt value the signature covers (spaces read back as ``+`` if that matches)."""

    def matches(value: str) -> bool:
        return hmac.compare_digest(signature(token, timestamp, nonce, value).encode(), sig.encode())

    if matches(encrypt):
        say("ok    signature: the Token is right and the values arrived as signed")
        return encrypt
    if " " in encrypt and matches(encrypt.replace(" ", "+")):
        say(
            "ok    signature: matches once spaces are read as '+' (the value was"
            " form-decoded once too often, by a proxy, a logger or the copy)"
        )
        return encrypt.replace(" ", "+")
    shape = "" if len(sig) == 40 else f" (msg_signature has {len(sig)} characters, not 40)"
    cause = (
        "the Token is wrong (compare WECOM_TOKEN with the console's; spaces count), or the"
        " timestamp, nonce or Encrypt were altered in transit or while copying" + shape
    )
    raise Failure("signature", -40001, "msg_signature does not match", cause)


def _decrypt(key: str, encrypt: str, say: Say) -> Plaintext:
    try:
        crypto = WeComCrypto("-", key, "-")  # the signature is checked already, without it
    except CryptoError as exc:
        found = "characters other than letters and digits" if len(key) == 43 else ""
        found = found or f"{len(key)} characters"
        cause = f"the configured EncodingAESKey has {found}: copy all 43 from the console"
        raise Failure("key", exc.code, exc.reason, cause) from None
    # Accept every id here so that a foreign one can be named; _receive_id compares.
    crypto.receive_ids = _AnyReceiveId()
    try:
        plain = crypto.decrypt_unsigned(encrypt)
    except (DecryptError, PlaintextError, ReceiveIdError) as exc:
        cause = (
            "the signature matched, so the Token is right: the EncodingAESKey is wrong"
            " (another app's, or regenerated in the console since; copy it again)"
        )
        raise Failure("decryption", exc.code, exc.reason, cause) from None
    except CryptoError as exc:
        cause = "the Encrypt value was altered after it was signed, or before it was pasted"
        raise Failure("decryption", exc.code, exc.reason, cause) from None
    say(f"ok    decryption: {len(plain.message)} bytes of plaintext")
    return plain


def _receive_id(plain: Plaintext, configured: tuple[str, ...], url_check: bool, say: Say) -> None:
    fields = {} if url_check else _fields(plain.message)
    what = describe_receive_id(plain.receive_id, fields, url_check=url_check)
    carried = f"{plain.receive_id!r} ({what})"
    if not configured:
        say(
            f"skip  receive id: the payload carries {carried}; none configured"
            f" (WECOM_RECEIVE_ID={plain.receive_id} would accept it)"
        )
    elif plain.receive_id in configured:
        say(f"ok    receive id: {carried} is configured")
    else:
        mine = describe_configured(configured, fields)
        cause = (
            f"add {plain.receive_id!r} to WECOM_RECEIVE_ID (comma-separated): a suite's"
            " instruction URL takes its SuiteID and the provider's CorpID, a data URL the"
            " CorpIDs of the corps that authorize it, a self-built app its CorpID"
        )
        what_failed = f"the payload carries {carried}; you configured {mine}"
        raise Failure("receive id", ReceiveIdError.code, what_failed, cause)


def _fields(message: bytes) -> dict[str, Any]:
    try:
        return parse_xml(message)
    except WeComCallbackError:
        return {}  # JSON (AI bots) or not XML: nothing to name the id by


def diagnose(capture: Capture, creds: Credentials, say: Say) -> Result:
    """Run the checks on ``capture``; ``say`` gets a line per passed check.

    Raises :class:`Failure` at the first check that fails.
    """
    creds.require(receive_id=False)
    sig, timestamp, nonce = _parameters(capture, say)
    encrypt = _encrypt_value(capture, say)
    encrypt = _signature(creds.token, sig, timestamp, nonce, encrypt, say)
    plain = _decrypt(creds.key, encrypt, say)
    _receive_id(plain, creds.receive_ids, capture.is_url_check, say)
    return Result(plain.message, plain.receive_id, capture.is_url_check)


def model_json(plaintext: bytes) -> str:
    """The parsed model of ``plaintext``, as JSON (with its class name under ``model``)."""
    try:
        model = parse_message(plaintext)
    except WeComCallbackError as exc:
        cause = "the plaintext is not a WeCom XML callback"
        raise Failure("parse", -40002, exc.reason, cause) from None
    fields = model.model_dump(mode="json", exclude={"raw"}, exclude_none=True)
    return json.dumps({"model": type(model).__name__, **fields}, ensure_ascii=False, indent=2)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _capture(args: argparse.Namespace) -> Capture:
    """The request from --url/--body, --file or stdin, with the single-value flags over it."""
    if args.url is not None or args.body is not None:
        capture = Capture(parse_query(args.url or ""), args.body or "")
    elif args.file is not None and args.file != "-":
        try:
            with open(args.file, encoding="utf-8") as handle:
                capture = parse_capture(handle.read())
        except OSError as exc:
            raise ConfigurationError(f"cannot read {args.file}: {exc.strerror}") from None
    elif args.file == "-":
        capture = parse_capture(sys.stdin.read())
    elif args.msg_signature is not None or args.encrypt is not None:
        capture = Capture({})  # every value from the single-value flags
    elif not sys.stdin.isatty():
        capture = parse_capture(sys.stdin.read())
    else:
        raise ConfigurationError(
            "no request: give --url and --body, --file FILE, or paste it on stdin"
        )
    query = dict(capture.query)
    for name in ("msg_signature", "timestamp", "nonce", "echostr"):
        value = getattr(args, name)
        if value is not None:
            query[name] = decode_value(value.strip())
    return replace(capture, query=query, encrypt=args.encrypt)


def cmd_decrypt(args: argparse.Namespace) -> int:
    try:
        result = diagnose(_capture(args), credentials(args), _stderr)
        out = model_json(result.plaintext) if args.json else None
    except Failure as failure:
        for line in failure.lines():
            _stderr(line)
        return 1
    sys.stdout.write(result.plaintext.decode("utf-8", "replace") + "\n")
    if out is not None:
        sys.stdout.write(out + "\n")
    return 0


_DESCRIPTION = """\
Walk one captured callback request through the receiver's checks, in order: parameters,
envelope, signature, decryption, receive id. Each passed check is a line on stderr; the
first failure says what failed, WeCom's code and the likely cause (exit 1). On success the
plaintext goes to stdout (with --json, the parsed model after it).

The request: --url and --body, or --file FILE (- for stdin) or stdin, holding the URL or
just its query string on the first line and the body after it (a raw HTTP request, with
its request line and headers, works too). Values may be URL-encoded or not.

Credentials come from WECOM_TOKEN, WECOM_ENCODING_AES_KEY and WECOM_RECEIVE_ID, which keep
them out of shell history; the flags override them."""


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "decrypt",
        help="verify and decrypt a captured request, saying which check fails and why",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = p.add_argument_group("the request")
    source.add_argument("--url", help="the URL WeCom called, or its query string")
    source.add_argument("--body", help="the request body (the <xml> envelope)")
    source.add_argument("--file", help="a file holding the URL line and the body (- for stdin)")
    values = p.add_argument_group("single values (override those of the request)")
    for name, what in (
        ("msg_signature", "the msg_signature query parameter"),
        ("timestamp", "the timestamp query parameter"),
        ("nonce", "the nonce query parameter"),
        ("echostr", "the echostr query parameter (the GET URL check)"),
        ("encrypt", "the Encrypt value of the body"),
    ):
        values.add_argument("--" + name.replace("_", "-"), dest=name, help=what)
    add_credential_options(p)
    p.add_argument("--json", action="store_true", help="also print the parsed model as JSON")
    p.set_defaults(func=cmd_decrypt)
