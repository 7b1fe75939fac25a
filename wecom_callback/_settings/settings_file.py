"""A TOML settings file describing several endpoints, each also set by prefixed variables.

.. code-block:: toml

    [defaults]                  # every endpoint's, unless it sets its own
    inbox_url = "redis://redis:6379/0"

    [endpoints.hr]
    path = "/wecom/hr"          # where it is served (default: /<name>)
    handlers = "hr_handlers"    # module:attribute of a Router (attribute default: router)
    receive_ids = ["ww4d9a..."]
    corp_id = "ww4d9a..."       # the client's credentials, with WECOM_HR_SECRET

An endpoint's value comes from, strongest first: ``WECOM_<NAME>_<FIELD>`` (``WECOM_HR_TOKEN``),
its ``[endpoints.<name>]`` table, ``WECOM_<FIELD>``, the ``[defaults]`` table. Secrets
belong in variables (or a ``.env`` file), not in the file.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ConfigurationError
from ..inbox._base import check_endpoint
from . import variables
from .settings import _ENV, SUFFIXES, Settings, _dotenv, _warn_unknown, describe, known_variables

__all__ = ["Endpoint", "SettingsFile", "variable_prefix"]

_FIELDS = tuple(Settings.model_fields)
_KEYS = (*_FIELDS, *variables.EXTRA)
#: Not taken from an unprefixed variable: WECOM_NAME names one app, not every endpoint.
_OWN = ("name", *variables.EXTRA)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint of a settings file: its settings, mount path and handlers."""

    name: str
    """The table's name (``[endpoints.hr]``): the endpoint's name unless ``name`` is set."""
    path: str
    """Where the endpoint is served (``/<name>`` unless ``path`` is set)."""
    handlers: str | None
    """``module:attribute`` of the Router with its handlers (attribute default ``router``)."""
    settings: Settings
    """The validated settings."""

    @property
    def prefix(self) -> str:
        """The prefix of this endpoint's variables, ``WECOM_HR_`` for ``hr``."""
        return variable_prefix(self.name)


@dataclass(frozen=True, slots=True)
class SettingsFile:
    """Every endpoint of a settings file, validated: :meth:`load` reads one."""

    source: Path
    endpoints: tuple[Endpoint, ...]

    def __getitem__(self, name: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.name == name:
                return endpoint
        raise KeyError(name)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        *,
        env_file: str | Path | bool | None = None,
    ) -> SettingsFile:
        """Read and validate a settings file; any mistake is a :class:`ConfigurationError`.

        ``environ`` replaces the process environment; ``env_file`` as for
        :meth:`Settings.from_env`.
        """
        source = Path(path)
        data = _read_toml(source)
        env = os.environ if environ is None else environ
        dotenv = _dotenv(env, env_file)
        unknown_top = set(data) - {"defaults", "endpoints"}
        if unknown_top:
            raise ConfigurationError(
                f"{source}: unknown table(s) {sorted(unknown_top)}: the file has [defaults]"
                " and [endpoints.<name>] tables"
            )
        defaults = _table(data.get("defaults", {}), f"{source}: [defaults]")
        tables = _table(data.get("endpoints"), f"{source}: [endpoints]")
        if not tables:
            raise ConfigurationError(f"{source}: no endpoints: add an [endpoints.<name>] table")
        _check_keys(defaults, f"{source}: [defaults]", _FIELDS)
        shared = _from_variables("WECOM_", environ, dotenv, exclude=_OWN)
        names = list(tables)
        known = known_variables() | {
            variable_prefix(n) + s.upper() for n in names for s in _all_suffixes()
        }
        _warn_unknown([*env, *variables.dotenv_names(dotenv)], known)
        endpoints = tuple(
            _endpoint(source, name, _table(tables[name], f"{source}: [endpoints.{name}]"),
                      defaults, shared, environ, dotenv)
            for name in names
        )  # fmt: skip
        _check_distinct(source, endpoints)
        return cls(source, endpoints)


def _all_suffixes() -> tuple[str, ...]:
    return (*SUFFIXES, *variables.EXTRA)


def variable_prefix(name: str) -> str:
    """The prefix of endpoint ``name``'s variables: ``WECOM_HR_`` for ``hr``."""
    return "WECOM_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        with source.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigurationError(f"settings file {str(source)!r} does not exist") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read settings file {str(source)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source} is not valid TOML: {exc}") from None


def _table(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where} must be a table, not {type(value).__name__}")
    return value


def _check_keys(table: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    for key in table:
        if key in allowed:
            continue
        hint = {"receive_id": "receive_ids", "inbox": "inbox_url", "store": "store_url"}.get(key)
        close = [hint] if hint else difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        more = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigurationError(f"{where}: {key!r} is not a setting{more}")


def _from_variables(
    prefix: str, environ: Mapping[str, str] | None, dotenv: Path | None, exclude: tuple[str, ...]
) -> dict[str, Any]:
    found = variables.read(_all_suffixes(), prefix, environ, dotenv)
    by_suffix = {suffix: field for field, suffix in zip(_ENV, SUFFIXES, strict=True)}
    values: dict[str, Any] = {}
    for suffix, value in found.items():
        key = by_suffix.get(suffix, suffix)
        if key not in exclude:
            values[key] = value
    return values


def _endpoint(
    source: Path,
    name: str,
    table: dict[str, Any],
    defaults: dict[str, Any],
    shared: dict[str, Any],
    environ: Mapping[str, str] | None,
    dotenv: Path | None,
) -> Endpoint:
    where = f"{source}, endpoint {name!r}"
    try:
        check_endpoint(name)
    except (ValueError, ConfigurationError) as exc:
        raise ConfigurationError(f"{where}: {exc}") from None
    _check_keys(table, f"{source}: [endpoints.{name}]", _KEYS)
    _check_prefix(where, name)
    own = _from_variables(variable_prefix(name), environ, dotenv, exclude=())
    values = {"name": name, **defaults, **shared, **table, **own}
    path = "/" + str(values.pop("path", name)).strip("/")
    handlers = values.pop("handlers", None)
    if handlers is not None and not isinstance(handlers, str):
        raise ConfigurationError(f"{where}: handlers must be 'module:attribute' text")
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: {describe(exc, variable_prefix(name))}") from None
    return Endpoint(name, path, handlers or None, settings)


def _check_prefix(where: str, name: str) -> None:
    # An endpoint "suite" would read WECOM_SUITE_SECRET as its client secret.
    prefix = variable_prefix(name)
    for var in sorted(known_variables()):
        if var.startswith(prefix) and var.removeprefix(prefix).lower() in _all_suffixes():
            raise ConfigurationError(
                f"{where}: the name makes {var} ambiguous (it is also {prefix}<field>):"
                " choose another endpoint name"
            )


def _check_distinct(source: Path, endpoints: tuple[Endpoint, ...]) -> None:
    seen: dict[str, str] = {}
    for endpoint in endpoints:
        other = seen.setdefault(endpoint.path, endpoint.name)
        if other != endpoint.name:
            raise ConfigurationError(
                f"{source}: endpoints {other!r} and {endpoint.name!r} are both served at"
                f" {endpoint.path}: give one another path"
            )
        scope = endpoint.settings.endpoint
        clash = [e.name for e in endpoints if e is not endpoint and e.settings.endpoint == scope]
        if clash:
            raise ConfigurationError(
                f"{source}: endpoints {endpoint.name!r} and {clash[0]!r} have the same"
                f" name {scope!r}, so they would share inbox records: rename one"
            )
