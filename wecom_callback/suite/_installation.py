"""An installation of a suite in a corp, and where installations are kept.

:class:`InstallationStore` is the small base to implement for keeping installations in
your own database; :class:`StoreInstallations` keeps them in the shared key-value store
(memory, SQLite or Redis, as the inbox and the tokens). Corp ids are case-sensitive keys:
since 2022 a provider sees encrypted corp ids, and those differ by case (OUTBOUND.md 3.3).
"""

from __future__ import annotations

import abc
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from wecom_callback._stores import Store

__all__ = ["Installation", "InstallationStore", "StoreInstallations"]


class Installation(BaseModel):
    """A suite installed in one corp: its permanent code and what WeCom said about it."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)

    suite_id: str
    """The suite (or 代开发 template) installed."""
    auth_corp_id: str
    """The authorising corp's id (case-sensitive: encrypted ids differ by case)."""
    permanent_code: SecretStr
    """The corp's permanent code (for 代开发 apps, the app's secret); never logged."""
    corp_name: str = ""
    """The corp's name, from ``auth_corp_info``."""
    agent_ids: tuple[int, ...] = ()
    """The app ids installed in the corp (one for a single-app suite)."""
    auth_corp_info: dict[str, Any] = Field(default_factory=dict)
    """``auth_corp_info`` as WeCom answered it."""
    auth_info: dict[str, Any] | None = None
    """``auth_info`` from get_auth_info (agents, privileges); None until it answered."""
    auth_user_info: dict[str, Any] = Field(default_factory=dict)
    """The admin who installed, from get_permanent_code."""
    state: str | None = None
    """The ``state`` of the install link or QR code, where there was one."""
    customized: bool = False
    """A 代开发 (customised) app: its tokens come from ``gettoken`` with the code as secret."""
    revoked: bool = False
    """WeCom refused the permanent code (40084, 48004): kept until cancel_auth removes it."""
    installed_at: float = Field(default_factory=time.time)
    """When the code was exchanged (Unix seconds)."""
    updated_at: float = Field(default_factory=time.time)
    """When this record last changed (Unix seconds)."""

    @property
    def agent_id(self) -> int | None:
        """The first installed app's id (the only one, for a single-app suite)."""
        return self.agent_ids[0] if self.agent_ids else None

    @property
    def complete(self) -> bool:
        """True once ``get_auth_info`` answered for it."""
        return self.auth_info is not None

    def replace(self, **changes: Any) -> Installation:
        """A copy with ``changes`` applied and ``updated_at`` set to now."""
        return self.model_copy(update={**changes, "updated_at": time.time()})

    def dump(self) -> bytes:
        """The stored form, permanent code included (stores hold credentials)."""
        data = self.model_dump(mode="json")
        data["permanent_code"] = self.permanent_code.get_secret_value()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def load(cls, raw: bytes) -> Installation:
        """The installation :meth:`dump` wrote."""
        return cls.model_validate_json(raw)


class InstallationStore(abc.ABC):
    """Where a suite's installations live; implement it to keep them in your database.

    Every method is async. ``save`` replaces the installation of the same
    ``auth_corp_id``; corp ids compare case-sensitively.
    """

    @abc.abstractmethod
    async def get(self, auth_corp_id: str) -> Installation | None:
        """The installation in ``auth_corp_id``, or None."""

    @abc.abstractmethod
    async def list(self) -> Sequence[Installation]:
        """Every installation, in no particular order."""

    @abc.abstractmethod
    async def save(self, installation: Installation) -> None:
        """Store ``installation``, replacing the corp's previous one."""

    @abc.abstractmethod
    async def delete(self, auth_corp_id: str) -> bool:
        """Remove the corp's installation; True if there was one."""


class StoreInstallations(InstallationStore):
    """Installations in a shared :class:`~wecom_callback._stores.Store`, one key per corp.

    ``suite:<suite_id>:installation:<corp>`` holds each one and ``suite:<suite_id>:corps``
    the list of corps, changed with compare-and-set so concurrent writers never lose one.
    """

    def __init__(self, store: Store, suite_id: str) -> None:
        self.store = store
        self.suite_id = suite_id
        self._prefix = f"suite:{suite_id}:installation:"
        self._index = f"suite:{suite_id}:corps"

    def __repr__(self) -> str:
        return f"StoreInstallations(suite_id={self.suite_id!r}, store={self.store!r})"

    async def get(self, auth_corp_id: str) -> Installation | None:
        """The installation in ``auth_corp_id``, or None."""
        raw = await self.store.get(self._prefix + auth_corp_id)
        return None if raw is None else Installation.load(raw)

    async def list(self) -> Sequence[Installation]:
        """Every installation (those listed but gone meanwhile are left out)."""
        found = []
        for corp in sorted(await self._corps()):
            installation = await self.get(corp)
            if installation is not None:
                found.append(installation)
        return found

    async def save(self, installation: Installation) -> None:
        """Write the record, then list its corp (a reader never lists a missing record)."""
        await self.store.set(self._prefix + installation.auth_corp_id, installation.dump())
        await self._change(lambda corps: corps | {installation.auth_corp_id})

    async def delete(self, auth_corp_id: str) -> bool:
        """Unlist the corp, then remove its record."""
        await self._change(lambda corps: corps - {auth_corp_id})
        return await self.store.delete(self._prefix + auth_corp_id)

    async def _corps(self) -> set[str]:
        raw = await self.store.get(self._index)
        return set(json.loads(raw)) if raw else set()

    async def _change(self, edit: Callable[[set[str]], set[str]]) -> None:
        while True:
            raw = await self.store.get(self._index)
            corps = set(json.loads(raw)) if raw else set()
            wanted = edit(corps)
            if wanted == corps:
                return
            value = json.dumps(sorted(wanted)).encode()
            if raw is None:
                done = await self.store.add(self._index, value)
            else:
                done = await self.store.compare_and_set(self._index, raw, value)
            if done:
                return
