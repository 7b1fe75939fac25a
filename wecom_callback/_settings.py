"""All options of a :class:`~wecom_callback.WeComApp` in one validated, secret-safe model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigurationError

__all__ = ["Settings"]

_ENV = {
    "token": "WECOM_TOKEN",
    "encoding_aes_key": "WECOM_ENCODING_AES_KEY",
    "receive_ids": "WECOM_RECEIVE_ID",
    "max_body_size": "WECOM_MAX_BODY_SIZE",
    "reply_budget": "WECOM_REPLY_BUDGET",
    "inbox": "WECOM_INBOX_URL",
    "data_dir": "WECOM_DATA_DIR",
    "max_attempts": "WECOM_MAX_ATTEMPTS",
    "retry_base_delay": "WECOM_RETRY_BASE_DELAY",
    "retry_max_delay": "WECOM_RETRY_MAX_DELAY",
    "lease_seconds": "WECOM_LEASE_SECONDS",
    "recovery_interval": "WECOM_RECOVERY_INTERVAL",
    "retention_days": "WECOM_RETENTION_DAYS",
    "shutdown_grace": "WECOM_SHUTDOWN_GRACE",
    "inline": "WECOM_INLINE",
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
    reply_budget: float = Field(3.5, gt=0, lt=5)
    """Seconds handlers may run inline before the answer goes out (WeCom waits 5)."""
    inbox: str | None = None
    """Inbox URL: ``sqlite:///path.db``, ``redis://host:6379/0`` or ``memory://``."""
    data_dir: Path = Path("data")
    """Where the default SQLite inbox lives when ``inbox`` is not given."""
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
    """Run handlers in the receiving process (passive replies work); False leaves all
    handling to ``wecom-callback worker`` processes."""

    @field_validator("receive_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(","))
        return value

    @property
    def inbox_url(self) -> str:
        """The inbox URL in effect (the default is a SQLite file under ``data_dir``)."""
        if self.inbox:
            return self.inbox
        return f"sqlite:///{(self.data_dir / 'inbox.db').resolve()}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``WECOM_*`` variables (see the README's table); ``overrides`` win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in _ENV.items():
            if var in env and env[var] != "":
                values[name] = env[var]
        values.update(overrides)
        missing = [_ENV[n] for n in ("token", "encoding_aes_key", "receive_ids") if n not in values]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        try:
            return cls(**values)
        except ValidationError as exc:
            fields = ", ".join(str(e["loc"][0]) for e in exc.errors(include_input=False))
            raise ConfigurationError(f"invalid settings: {fields}") from None
