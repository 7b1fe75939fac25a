"""All options of a :class:`~wecom_callback.WeComApp` in one validated, secret-safe model."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import ConfigurationError
from ..inbox._base import check_endpoint
from . import variables

__all__ = ["Settings"]

_ENV = {
    "token": "WECOM_TOKEN",
    "encoding_aes_key": "WECOM_ENCODING_AES_KEY",
    "receive_ids": "WECOM_RECEIVE_ID",
    "max_body_size": "WECOM_MAX_BODY_SIZE",
    "body_timeout": "WECOM_BODY_TIMEOUT",
    "replay_window": "WECOM_REPLAY_WINDOW",
    "max_clock_skew": "WECOM_MAX_CLOCK_SKEW",
    "reply_budget": "WECOM_REPLY_BUDGET",
    "inbox_url": "WECOM_INBOX_URL",
    "data_dir": "WECOM_DATA_DIR",
    "max_attempts": "WECOM_MAX_ATTEMPTS",
    "retry_base_delay": "WECOM_RETRY_BASE_DELAY",
    "retry_max_delay": "WECOM_RETRY_MAX_DELAY",
    "lease_seconds": "WECOM_LEASE_SECONDS",
    "recovery_interval": "WECOM_RECOVERY_INTERVAL",
    "retention_days": "WECOM_RETENTION_DAYS",
    "shutdown_grace": "WECOM_SHUTDOWN_GRACE",
    "inline": "WECOM_INLINE",
    "name": "WECOM_NAME",
    "admission_timeout": "WECOM_ADMISSION_TIMEOUT",
    "worker_poll_interval": "WECOM_WORKER_POLL_INTERVAL",
    "corp_id": "WECOM_CORP_ID",
    "secret": "WECOM_SECRET",
    "agent_id": "WECOM_AGENT_ID",
    "api_base_url": "WECOM_API_BASE_URL",
    "store_url": "WECOM_STORE_URL",
    "suite_id": "WECOM_SUITE_ID",
    "suite_secret": "WECOM_SUITE_SECRET",
    "provider_corp_id": "WECOM_PROVIDER_CORP_ID",
    "provider_secret": "WECOM_PROVIDER_SECRET",
    "source_ip_check": "WECOM_SOURCE_IP_CHECK",
    "source_ip_refresh": "WECOM_SOURCE_IP_REFRESH",
}


class Settings(BaseModel):
    """Configuration of one receiving endpoint. Secrets never appear in ``repr``."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    token: SecretStr
    """The callback Token set in WeCom's admin console."""
    encoding_aes_key: SecretStr
    """The 43-character EncodingAESKey set in WeCom's admin console."""
    receive_ids: tuple[str, ...]
    """CorpID, SuiteID, or several (comma-separated in the environment)."""
    max_body_size: int = Field(1 << 20, gt=0)
    """Largest POST body accepted, in bytes (over it: 413)."""
    body_timeout: float = Field(10.0, gt=0)
    """Seconds a POST body may take to arrive once its headers did (slower: 408)."""
    replay_window: bool = True
    """Refuse (403) a POST whose signed timestamp is older than the retention (less an
    hour) or too far ahead, so a captured request never outlives its dedupe record."""
    max_clock_skew: float = Field(300.0, ge=0)
    """Seconds a signed timestamp may be ahead of this host's clock."""
    reply_budget: float = Field(3.5, gt=0, lt=5)
    """Seconds handlers may run inline before the answer goes out (WeCom waits 5)."""
    data_dir: Path = Path("data")
    """Where the default SQLite inbox lives when ``inbox_url`` is not given."""
    inbox_url: str = ""
    """Inbox URL: ``sqlite:///path.db``, ``redis://host:6379/0`` or ``memory://``; by
    default ``sqlite:///<data_dir>/inbox.db`` (the absolute path, fixed when read)."""
    max_attempts: int = Field(5, ge=1)
    """Attempts per callback before it becomes a dead letter."""
    retry_base_delay: float = Field(1.0, ge=0)
    """First retry delay in seconds; doubled each attempt, with jitter."""
    retry_max_delay: float = Field(300.0, ge=0)
    """Upper bound of one retry delay, in seconds."""
    lease_seconds: float = Field(30.0, gt=0)
    """How long a process holds a callback's work before others may resume it."""
    recovery_interval: float = Field(5.0, gt=0)
    """How often unfinished work whose lease expired is looked for, in seconds."""
    retention_days: float = Field(7.0, gt=0)
    """How long done and dead records are kept (retries are suppressed meanwhile)."""
    shutdown_grace: float = Field(10.0, ge=0)
    """Seconds a shutdown waits for in-flight handlers before leaving them to recovery."""
    inline: bool = True
    """Run handlers in the receiving process (passive replies work); False makes it a pure
    receiver that admits and answers, leaving all handling to ``wecom-callback worker``."""
    name: str | None = None
    """The endpoint's stable name, scoping its records, claims and stats in a shared inbox.
    Default: the first receive id and a digest of the EncodingAESKey (set it explicitly
    before rotating the key, so the records stay with the endpoint)."""
    admission_timeout: float = Field(4.0, gt=0, lt=5)
    """Seconds the inbox may take to commit a callback before it is answered 503 (WeCom
    waits 5 and retries; a commit that lands later makes the retry a duplicate)."""
    worker_poll_interval: float = Field(0.5, gt=0)
    """How often a worker looks for newly admitted work, in seconds."""
    corp_id: str | None = None
    """The CorpID whose API the handlers' ``client`` calls (with ``secret``)."""
    secret: SecretStr | None = None
    """The app's Secret (or the contacts or customer-contact secret) for the client."""
    agent_id: int | None = None
    """The app's AgentId, for the client's app messages."""
    api_base_url: str = "https://qyapi.weixin.qq.com"
    """WeCom's API host (a test server or a proxy in front of it, else the default)."""
    store_url: str = ""
    """Where the client keeps tokens, tickets and kf cursors: a store URL like the inbox's;
    by default the inbox's own (its file or Redis), or memory with a memory inbox."""
    suite_id: str | None = None
    """A third-party suite's SuiteID (suite mode: its lifecycle is handled built in)."""
    suite_secret: SecretStr | None = None
    """The suite's Secret, for its suite_access_token."""
    provider_corp_id: str | None = None
    """The provider's own CorpID: a receive id of the instruction URL, with the SuiteID."""
    provider_secret: SecretStr | None = None
    """The provider's ProviderSecret, for the provider_access_token (optional)."""

    @model_validator(mode="before")
    @classmethod
    def _suite_receive_ids(cls, data: Any) -> Any:
        # A suite's instruction callbacks are encrypted for the SuiteID, some for the
        # provider's CorpID (PROTOCOL.md 1.3): both are receive ids without being listed.
        if not isinstance(data, dict) or not data.get("suite_id"):
            return data
        ids = data.get("receive_ids") or ()
        if isinstance(ids, str):
            ids = [part.strip() for part in ids.split(",")]
            if "" in ids:
                return data  # the field's own check reports the stray comma
        wanted = [i for i in (data["suite_id"], data.get("provider_corp_id")) if i]
        return {**data, "receive_ids": (*ids, *(i for i in wanted if i not in ids))}

    @field_validator("receive_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = tuple(part.strip() for part in value.split(","))
            if "" in parts:
                raise ValueError(
                    f"receive id list {value!r} has an empty item: remove the stray comma;"
                    " the empty receive id is accepted only when listed on its own in"
                    " Python, receive_ids=['']"
                )
            return parts
        return value

    @field_validator("receive_ids")
    @classmethod
    def _some_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one receive id is required (the CorpID, or SuiteID)")
        return value

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint(value)

    @property
    def endpoint(self) -> str:
        """The endpoint name in effect: ``name``, or one derived from the credentials.

        The derived name differs between apps with different keys or receive ids, stays
        the same across restarts, and reveals nothing of the key (a salted SHA-256 prefix
        of a 256-bit secret).
        """
        if self.name:
            return self.name
        secret = self.encoding_aes_key.get_secret_value().encode()
        ids = "\0".join(self.receive_ids).encode()
        digest = hashlib.sha256(b"wecom-callback endpoint\0" + secret + b"\0" + ids)
        first = re.sub(r"[^A-Za-z0-9._-]", "_", self.receive_ids[0])[:40] or "app"
        return f"{first}-{digest.hexdigest()[:10]}"

    source_ip_check: Literal["off", "report", "enforce"] = "report"
    """Check callbacks' peers against WeCom's ``getcallbackip`` list (needs the client):
    ``report`` logs unknown addresses, ``enforce`` refuses them (403), ``off``."""
    source_ip_refresh: float = Field(3600.0, gt=0)
    """Seconds between fetches of WeCom's callback addresses."""

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        # Frozen model: set the derived defaults once, at validation.
        if not self.inbox_url:
            default = f"sqlite:///{(self.data_dir / 'inbox.db').resolve()}"
            object.__setattr__(self, "inbox_url", default)
        if not self.store_url:
            object.__setattr__(self, "store_url", self.inbox_url)
        if (self.corp_id is None) != (self.secret is None):
            raise ValueError("the client needs both corp_id and secret (or neither)")
        if (self.suite_id is None) != (self.suite_secret is None):
            raise ValueError("suite mode needs both suite_id and suite_secret (or neither)")
        return self

    @property
    def has_client(self) -> bool:
        """True when ``corp_id`` and ``secret`` are set, so handlers can get a client."""
        return self.corp_id is not None and self.secret is not None

    @property
    def has_suite(self) -> bool:
        """True when ``suite_id`` and ``suite_secret`` are set (suite mode)."""
        return self.suite_id is not None and self.suite_secret is not None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file: str | Path | bool | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read ``WECOM_*`` variables (see the README's table); ``overrides`` win.

        Variables come from ``environ`` (default: the process environment) over a
        ``.env`` file: ``env_file``, else ``WECOM_ENV_FILE``, else ``./.env`` when it
        exists (``env_file=False``: none).
        """
        env = os.environ if environ is None else environ
        dotenv = _dotenv(env, env_file)
        _warn_unknown([*env, *variables.dotenv_names(dotenv)])
        found = variables.read(SUFFIXES, "WECOM_", environ, dotenv)
        values: dict[str, Any] = {n: found[_suffix(n)] for n in _ENV if _suffix(n) in found}
        values.update(overrides)
        needed = ("token", "encoding_aes_key", "receive_ids" if "suite_id" not in values else "")
        missing = [_ENV[n] for n in needed if n and n not in values]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        return cls.build(**values)

    @classmethod
    def build(cls, **values: Any) -> Settings:
        """Validate ``values``; an invalid one is a :class:`ConfigurationError` saying why."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid settings: {describe(exc)}") from None


#: ``WECOM_*`` variables read elsewhere than the settings (the command line, the asgi
#: factory, log setup); a test checks that every one the package names is known.
OTHER_VARIABLES = frozenset(
    {
        "WECOM_APP", "WECOM_PATH", "WECOM_HOST", "WECOM_PORT", "WECOM_LOG_FORMAT",
        "WECOM_LIMIT_CONCURRENCY", "WECOM_TIMEOUT_KEEP_ALIVE", "WECOM_HEADER_TIMEOUT",
        "WECOM_MAX_HEADER_SIZE", "WECOM_MAX_WAITING", "WECOM_ENV_FILE", "WECOM_CONFIG",
        "WECOM_WORKERS", "WECOM_AIBOT_SECRET",
    }
)  # fmt: skip


class UnknownVariableWarning(UserWarning):
    """A ``WECOM_*`` environment variable that nothing reads (likely a typo)."""


def known_variables() -> frozenset[str]:
    """Every ``WECOM_*`` variable wecom-callback reads."""
    return frozenset(_ENV.values()) | OTHER_VARIABLES


def _suffix(name: str) -> str:
    return _ENV[name].removeprefix("WECOM_").lower()


#: The variable suffixes of the settings (``TOKEN`` of ``WECOM_TOKEN``), lowercase.
SUFFIXES = tuple(_suffix(name) for name in _ENV)


def _dotenv(env: Mapping[str, str], env_file: str | Path | bool | None) -> Path | None:
    if env_file is False:
        return None
    if env_file is None or env_file is True:
        return variables.env_file(env)
    path = Path(env_file)
    if not path.is_file():
        raise ConfigurationError(f"env file {str(path)!r} does not exist")
    return path


def _warn_unknown(names: Iterable[str], known: frozenset[str] | None = None) -> None:
    known = known_variables() if known is None else known
    for var in sorted({v for v in names if v.startswith("WECOM_") and v not in known}):
        close = difflib.get_close_matches(var, sorted(known), n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.warn(f"{var} is not a wecom-callback setting{hint}", UnknownVariableWarning,
                      stacklevel=3)  # fmt: skip


def describe(exc: ValidationError, prefix: str = "WECOM_") -> str:
    """A validation error as one line: each field (with its variable) and what is wrong."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "settings"
        var = prefix + _suffix(field).upper() if field in _ENV else None
        where = f"{field} ({var})" if var else field
        parts.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)
