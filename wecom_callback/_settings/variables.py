"""One endpoint's values from environment variables and a ``.env`` file (pydantic-settings).

Values are read as text under a prefix (``WECOM_`` for a single app, ``WECOM_HR_`` for
the endpoint ``hr`` of a settings file) and validated by :class:`.Settings`, so every
source gives the same errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import create_model
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

__all__ = ["EXTRA", "env_file", "read"]

#: Variables of a settings-file endpoint that are not :class:`.Settings` fields.
EXTRA = ("path", "handlers")


class _Text(BaseSettings):
    """Every value as optional text; validation is the Settings model's job."""

    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)


@cache
def _model(suffixes: tuple[str, ...]) -> type[BaseSettings]:
    fields: dict[str, Any] = {suffix: (str | None, None) for suffix in suffixes}
    model: type[BaseSettings] = create_model("EndpointVariables", __base__=_Text, **fields)
    return model


class _MappingSource(PydanticBaseSettingsSource):
    """Variables from a given mapping instead of the process environment (tests, tools)."""

    def __init__(self, model: type[BaseSettings], environ: Mapping[str, str], prefix: str):
        super().__init__(model)
        self.values = {
            name: environ[key]
            for name in model.model_fields
            if (key := prefix + name.upper()) in environ and environ[key] != ""
        }

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


def env_file(environ: Mapping[str, str]) -> Path | None:
    """The ``.env`` file to read: ``WECOM_ENV_FILE``, else ``./.env`` when it exists."""
    named = environ.get("WECOM_ENV_FILE")
    if named:
        return Path(named)
    default = Path(os.getcwd()) / ".env"
    return default if default.is_file() else None


def read(
    suffixes: tuple[str, ...],
    prefix: str,
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
) -> dict[str, str]:
    """The values set for ``prefix + SUFFIX`` variables: the environment over ``dotenv``.

    ``environ`` replaces the process environment (not the ``.env`` file) when given.
    """
    model = _model(suffixes)
    env: PydanticBaseSettingsSource
    if environ is None:
        env = EnvSettingsSource(model, env_prefix=prefix)
    else:
        env = _MappingSource(model, environ, prefix)
    values: dict[str, Any] = {}
    if dotenv is not None:
        found = DotEnvSettingsSource(model, env_file=dotenv, env_prefix=prefix)
        values.update(found())
    values.update(env())
    # A .env file's other lines come back too: keep the fields only.
    return {k: v for k, v in values.items() if k in suffixes and isinstance(v, str) and v != ""}


def dotenv_names(dotenv: Path | None) -> list[str]:
    """The variable names a ``.env`` file sets (to warn about unknown ones)."""
    if dotenv is None:
        return []
    source = DotEnvSettingsSource(_model(()), env_file=dotenv)
    return [name.upper() for name in source.env_vars]
