"""The client an app's handlers get as ``client``: given, or built from its settings.

Built from ``corp_id`` and ``secret`` (``WECOM_CORP_ID``, ``WECOM_SECRET``), it is opened
when the app starts (or a worker runs), shared by every handler, and closed when the app
stops, after its handlers finished; its tokens live in ``store_url`` (by default the
inbox's own storage, so replicas and workers share them). A client given as ``client=``
is the caller's to open and close.
"""

from __future__ import annotations

from typing import Any

from .._settings.settings import Settings
from .._stores import Store
from ..client import ClientEvents, WeComClient

__all__ = ["ClientHolder"]


class ClientHolder:
    """Owns the app's :class:`~wecom_callback.client.WeComClient`, or holds the caller's."""

    def __init__(
        self,
        settings: Settings,
        given: Any,
        store: Store | None,
        events: ClientEvents | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self.given = given
        self.store = store
        self.client: Any = given
        self._owned: WeComClient | None = None

    @property
    def configured(self) -> bool:
        """True when handlers asking for ``client`` can get one."""
        return self.given is not None or self.settings.has_client

    async def open(self) -> None:
        """Build and open the app's own client (a fresh one after every close)."""
        s = self.settings
        if self.given is not None or not s.has_client or self._owned is not None:
            return
        assert s.corp_id is not None and s.secret is not None
        client = WeComClient(
            s.corp_id,
            s.secret.get_secret_value(),
            agent_id=s.agent_id,
            base_url=s.api_base_url,
            store=self.store if self.store is not None else s.store_url,
            events=self.events,
        )
        await client.__aenter__()
        self._owned = self.client = client

    async def close(self) -> None:
        """Close the app's own client, if it opened one."""
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.aclose()
