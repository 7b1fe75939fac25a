"""The base of the client's API groups (``client.message``, ``client.kf``, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from wecom_callback.client._models import APIResponse

if TYPE_CHECKING:
    from wecom_callback.client._client import WeComClient

__all__ = ["Namespace"]

R = TypeVar("R", bound=APIResponse)


class Namespace:
    """A group of typed endpoints bound to one client (and so to its token)."""

    def __init__(self, client: WeComClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _agent_id(self, agent_id: int | None) -> int:
        chosen = self._client.agent_id if agent_id is None else agent_id
        if chosen is None:
            raise ValueError(
                "this API needs an agent id: pass agent_id= here or to WeComClient(...)"
            )
        return int(chosen)

    async def _post(
        self, api: str, body: Mapping[str, Any], model: type[R], *, safe: bool = False
    ) -> R:
        data = await self._client._request("POST", api, json=dict(body), safe=safe)
        return model.model_validate(data)

    async def _get(self, api: str, params: Mapping[str, Any] | None, model: type[R]) -> R:
        data = await self._client._request("GET", api, params=params, safe=True)
        return model.model_validate(data)
