"""Suite mode: what a :class:`~wecom_callback.WeComApp` given ``suite_id`` and
``suite_secret`` adds (the wiring between the app and :mod:`wecom_callback.suite`).

* the lifecycle handlers (ticket, install, change, uninstall), registered on the app's
  router when the app is built, before any of the user's, so they run first;
* the :class:`~wecom_callback.suite.SuiteClient`, opened with the app (or its worker)
  before any handler can run and closed after the last one, keeping the ticket, tokens
  and installations in ``store_url`` (by default the inbox's file or Redis);
* the installed corps as extra receive ids, so one app serves the instruction URL and
  the data URL of every authorised corp.

An app without a suite gets a disabled :class:`SuiteMode` whose clients raise a clear
error, so the app's own code needs no branches.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .._routing.router import Router
from .._settings.settings import Settings
from .._stores import Store
from ..client import ClientEvents
from ..errors import ConfigurationError
from ..suite import (
    InstallationStore,
    InstalledCorps,
    InstallFlow,
    Lifecycle,
    ProviderClient,
    SuiteClient,
)

__all__ = ["SuiteMode"]

log = logging.getLogger("wecom_callback.suite")


class SuiteMode:
    """A suite-mode app's suite: its client, lifecycle handlers and installed corps."""

    def __init__(
        self,
        settings: Settings,
        router: Router,
        startup: Callable[[], Awaitable[None]],
        *,
        store: Store | None = None,
        installations: InstallationStore | None = None,
        events: ClientEvents | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self.enabled = settings.has_suite
        self._startup = startup
        self._store = store
        self._installations = installations
        self._client: SuiteClient | None = None
        self._provider: ProviderClient | None = None
        self.corps: InstalledCorps | None = None
        """The installed corps (the app's extra receive ids); None without a suite."""
        if installations is not None and not self.enabled:
            raise ConfigurationError("installations= needs suite mode: give suite_id= too")
        if self.enabled:
            assert settings.suite_id is not None
            self.corps = InstalledCorps()
            Lifecycle(settings.suite_id, lambda: self.client).register(router)

    def __repr__(self) -> str:
        return f"SuiteMode(suite_id={self.settings.suite_id!r}, running={self._client is not None})"

    def _require(self) -> None:
        if not self.enabled:
            raise ConfigurationError(
                "this app is not in suite mode: give it suite_id= and suite_secret="
                " (WECOM_SUITE_ID, WECOM_SUITE_SECRET)"
            )

    @property
    def client(self) -> SuiteClient:
        """The suite client; it exists while the app runs (lifespan or first request)."""
        self._require()
        if self._client is None:
            raise ConfigurationError(
                "the suite client exists while the app runs: start it (its lifespan, a"
                " first request, or await app.startup())"
            )
        return self._client

    @property
    def installations(self) -> InstallationStore:
        """Where the installations are kept (the app's store, or the one given)."""
        return self.client.installations

    @property
    def provider(self) -> ProviderClient:
        """The provider client (needs ``provider_corp_id`` and ``provider_secret``)."""
        self.client  # noqa: B018 - the same checks: suite mode, running
        if self._provider is None:
            raise ConfigurationError(
                "the provider client needs provider_corp_id= and provider_secret="
                " (WECOM_PROVIDER_CORP_ID, WECOM_PROVIDER_SECRET)"
            )
        return self._provider

    async def ready(self) -> SuiteClient:
        """The suite client, starting the app first if it has not started."""
        self._require()
        await self._startup()
        return self.client

    def install_flow(self, *, redirect_uri: str, **options: Any) -> InstallFlow:
        """The install flow of this suite, to mount (see :class:`InstallFlow`)."""
        self._require()
        return InstallFlow(self.ready, redirect_uri=redirect_uri, **options)

    async def open(self) -> None:
        """Build and open the suite's clients (a fresh one after every close)."""
        s = self.settings
        if not self.enabled or self._client is not None:
            return
        assert s.suite_id is not None and s.suite_secret is not None
        store = self._store if self._store is not None else s.store_url
        client = SuiteClient(
            s.suite_id,
            s.suite_secret.get_secret_value(),
            store=store,
            base_url=s.api_base_url,
            installations=self._installations,
            corps=self.corps,
            events=self.events,
        )
        await client.__aenter__()
        self._client = client
        if s.provider_corp_id is not None and s.provider_secret is not None:
            provider = ProviderClient(
                s.provider_corp_id,
                s.provider_secret.get_secret_value(),
                store=client.store,
                base_url=s.api_base_url,
            )
            self._provider = await provider.__aenter__()

    async def close(self) -> None:
        """Close the clients; a failure is logged, so the app's other closes still run."""
        client, self._client = self._client, None
        provider, self._provider = self._provider, None
        for opened in (provider, client):
            if opened is None:
                continue
            try:
                await opened.aclose()
            except Exception as exc:
                log.error("closing %r failed: %s", opened, type(exc).__name__, exc_info=exc)
