"""Base classes of the outbound API's request and response models, and WeCom's quirks.

Every model keeps the fields it does not declare (``extra="allow"``: WeCom adds fields
without notice) and is frozen. Responses default ``errcode`` to 0, since some endpoints
leave it out on success.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["APIModel", "APIResponse", "IdList", "compact", "flag", "join_ids"]


class APIModel(BaseModel):
    """Base of every outbound model: frozen, unknown fields kept, snake_case as WeCom's."""

    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="allow",
        use_attribute_docstrings=True,
    )

    def body(self) -> dict[str, Any]:
        """The JSON object to send: set fields only, ``None`` left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class APIResponse(APIModel):
    """Every answer carries ``errcode`` and ``errmsg`` (a missing ``errcode`` means 0)."""

    errcode: int = 0
    """0 on success (a non-zero code is raised as an error before a model is built)."""
    errmsg: str = "ok"
    """WeCom's message for the code."""


def _split_ids(value: Any) -> Any:
    # message/send answers "u1|u2" where update_template_card answers ["u1", "u2"].
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split("|") if part]
    return value


IdList = Annotated[list[str], BeforeValidator(_split_ids)]
"""A list of ids that WeCom sends as a ``"|"``-joined string or as an array."""


def join_ids(ids: str | Sequence[str] | None) -> str | None:
    """``["u1", "u2"]`` as WeCom's ``"u1|u2"``; a string passes through (``"@all"``)."""
    if ids is None or isinstance(ids, str):
        return ids
    return "|".join(ids)


def compact(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` without the keys left at None, so WeCom applies its own defaults."""
    return {key: value for key, value in request.items() if value is not None}


def flag(value: bool | None) -> int | None:
    """WeCom's 0/1 for a boolean option; None stays None (not sent)."""
    return None if value is None else int(value)
