"""``keygen`` and ``decrypt``: credentials and a captured callback's plaintext."""

from __future__ import annotations

import argparse
import secrets
import string
import sys
from typing import Any

from ..crypto import WeComCrypto

__all__ = ["generate_key", "generate_token", "register"]

_ALNUM = string.ascii_letters + string.digits


def generate_key() -> str:
    """A fresh 43-character EncodingAESKey."""
    return "".join(secrets.choice(_ALNUM) for _ in range(43))


def generate_token() -> str:
    """A fresh callback Token (WeCom allows up to 32 letters and digits)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def cmd_decrypt(args: argparse.Namespace) -> int:
    crypto = WeComCrypto(args.token, args.key, args.receive_id)
    message = crypto.decrypt(args.msg_signature, args.timestamp, args.nonce, args.encrypt)
    sys.stdout.write(message.decode("utf-8", "replace") + "\n")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    print(f"WECOM_TOKEN={generate_token()}")
    print(f"WECOM_ENCODING_AES_KEY={generate_key()}")
    return 0


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
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

    p = sub.add_parser("keygen", help="print a fresh Token and EncodingAESKey")
    p.set_defaults(func=cmd_keygen)
