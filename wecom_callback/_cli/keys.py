"""``keygen``, and the Token, EncodingAESKey and receive ids other commands read.

Commands take the credentials from the environment (``WECOM_TOKEN``,
``WECOM_ENCODING_AES_KEY``, ``WECOM_RECEIVE_ID``), which keeps them out of shell history
and process listings; the flags stay for scripts and quick trials.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from .._settings import variables
from .._settings.settings_file import SettingsFile, variable_prefix
from ..crypto import generate_key, generate_token
from ..errors import ConfigurationError
from ..inbox._base import check_endpoint

__all__ = [
    "Credentials",
    "add_credential_options",
    "credentials",
    "generate_key",
    "generate_token",
    "register",
]

_CREDENTIALS = ("token", "encoding_aes_key", "receive_id")


@dataclass(frozen=True)
class Credentials:
    """The Token, EncodingAESKey and receive ids a command was given (empty when not)."""

    token: str
    key: str
    receive_ids: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Credentials(receive_ids={self.receive_ids!r}, token=***, key=***)"

    def require(self, *, receive_id: bool = True) -> Credentials:
        """``self``, or a :class:`ConfigurationError` naming what is missing."""
        wanted = [
            ("the Token (WECOM_TOKEN or --token)", bool(self.token)),
            ("the EncodingAESKey (WECOM_ENCODING_AES_KEY or --key)", bool(self.key)),
        ]
        if receive_id:
            wanted.append(
                ("a receive id (WECOM_RECEIVE_ID or --receive-id)", bool(self.receive_ids))
            )
        missing = [what for what, given in wanted if not given]
        if missing:
            raise ConfigurationError("missing " + ", ".join(missing))
        return self


def add_credential_options(parser: argparse.ArgumentParser) -> None:
    """``--token``, ``--key`` and ``--receive-id``, each defaulting to its variable."""
    group = parser.add_argument_group(
        "credentials",
        "Read from the environment when not given; prefer the environment: "
        "it keeps secrets out of shell history and process listings.",
    )
    group.add_argument("--token", help="the callback Token (default: WECOM_TOKEN)")
    group.add_argument("--key", help="the EncodingAESKey (default: WECOM_ENCODING_AES_KEY)")
    group.add_argument(
        "--receive-id",
        help="receive id(s), comma-separated: CorpID, SuiteID ... (default: WECOM_RECEIVE_ID)",
    )
    group.add_argument(
        "--endpoint",
        metavar="NAME",
        help="take the credentials of this endpoint of the settings file (--config)",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        default=os.environ.get("WECOM_CONFIG") or None,
        help="the TOML settings file for --endpoint (default: WECOM_CONFIG)",
    )


def _from_settings_file(args: argparse.Namespace) -> dict[str, str]:
    if not args.endpoint:
        return {}
    if not args.config:
        raise ConfigurationError("--endpoint needs a settings file: --config FILE or WECOM_CONFIG")
    loaded = SettingsFile.load(args.config)
    try:
        settings = loaded[args.endpoint].settings
    except KeyError:
        names = ", ".join(e.name for e in loaded.endpoints)
        raise ConfigurationError(
            f"{args.config} has no endpoint {args.endpoint!r} (it has {names})"
        ) from None
    return {
        "WECOM_TOKEN": settings.token.get_secret_value(),
        "WECOM_ENCODING_AES_KEY": settings.encoding_aes_key.get_secret_value(),
        "WECOM_RECEIVE_ID": ",".join(settings.receive_ids),
    }


def credentials(args: argparse.Namespace) -> Credentials:
    """The credentials from the flags in ``args``, else a settings file's endpoint
    (``--endpoint``), else the environment."""
    # The same reading as Settings.from_env: the environment over a .env file.
    found = variables.read(_CREDENTIALS, "WECOM_", None, variables.env_file(os.environ))
    env = {"WECOM_" + k.upper(): v for k, v in found.items()} | _from_settings_file(args)
    if os.environ.get("WECOM_RECEIVE_ID") == "" and not args.endpoint:
        env["WECOM_RECEIVE_ID"] = ""  # set, and empty: the empty id on purpose
    token = args.token if args.token is not None else env.get("WECOM_TOKEN", "")
    key = args.key if args.key is not None else env.get("WECOM_ENCODING_AES_KEY", "")
    raw = args.receive_id
    if raw is None:
        raw = env.get("WECOM_RECEIVE_ID")
    if raw is None:
        ids: tuple[str, ...] = ()
    elif raw == "":
        ids = ("",)  # the empty id, given on purpose (individual providers, AI bots)
    else:
        ids = tuple(part.strip() for part in raw.split(","))
        if "" in ids:
            raise ConfigurationError(f"receive id list {raw!r} has an empty item")
    return Credentials(token.strip(), key.strip(), ids)


def cmd_keygen(args: argparse.Namespace) -> int:
    prefix = "WECOM_"
    if args.endpoint is not None:
        prefix = variable_prefix(check_endpoint(args.endpoint))
    if args.name is not None:
        print(f"{prefix}NAME={check_endpoint(args.name)}")
    print(f"{prefix}TOKEN={generate_token()}")
    print(f"{prefix}ENCODING_AES_KEY={generate_key()}")
    return 0


def register(sub: Any) -> None:
    """Add this module's commands to the ``wecom-callback`` parser."""
    p = sub.add_parser(
        "keygen",
        help="print a fresh Token and EncodingAESKey as environment variables",
        description="Print WECOM_TOKEN and WECOM_ENCODING_AES_KEY (and WECOM_NAME with "
        "--name) for an env file; paste the same two values into WeCom's console.",
    )
    p.add_argument("--name", help="the endpoint's name, printed as WECOM_NAME")
    p.add_argument(
        "--endpoint",
        metavar="NAME",
        help="print the variables of this settings-file endpoint: WECOM_<NAME>_TOKEN, ...",
    )
    p.set_defaults(func=cmd_keygen)
