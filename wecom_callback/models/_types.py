"""Field types shared by the models: WeCom's XML text to well-typed Python values.

xmltodict-shaped input has three quirks these types absorb: an empty element is
``None``, a repeated element is a list but a single one is not, and some lists are
comma-separated text. Every list type here yields a list, also for one item or none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = [
    "CsvInts",
    "CsvStrs",
    "OpenStrEnum",
    "OptFloat",
    "OptInt",
    "OptStr",
    "UtcDatetime",
    "as_list",
    "blank_to_none",
    "items_of",
]


class OpenStrEnum(StrEnum):
    """A ``str`` enum that also accepts values WeCom adds later (as pseudo-members)."""

    @classmethod
    def _missing_(cls, value: object) -> OpenStrEnum | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member


def blank_to_none(value: Any) -> Any:
    """Empty text (``None`` or only whitespace) means the field is absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _to_utc(value: Any) -> Any:
    value = blank_to_none(value)
    if isinstance(value, str):
        value = int(value.strip())
    if isinstance(value, int):
        return datetime.fromtimestamp(value, tz=UTC)
    return value


def as_list(value: Any) -> list[Any]:
    """``None`` -> ``[]``; a single item -> ``[item]``; a list stays a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def items_of(tag: str) -> BeforeValidator:
    """Unwrap a container element: ``{tag: x | [x, ...]}`` -> ``[x, ...]``."""

    def unwrap(value: Any) -> list[Any]:
        if isinstance(value, dict):
            return as_list(value.get(tag))
        return as_list(value)

    return BeforeValidator(unwrap)


def _split_csv(value: Any) -> list[Any]:
    value = blank_to_none(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [p for v in value for p in _split_csv(v)]
    return [p.strip() for p in str(value).split(",") if p.strip()]


UtcDatetime = Annotated[datetime, BeforeValidator(_to_utc)]
"""A Unix timestamp in seconds, as a UTC-aware datetime."""

OptInt = Annotated[int | None, BeforeValidator(blank_to_none)]
"""A number that WeCom may send empty."""

OptFloat = Annotated[float | None, BeforeValidator(blank_to_none)]
"""A decimal (coordinates, precision) that WeCom may send empty."""

OptStr = Annotated[str | None, BeforeValidator(blank_to_none)]
"""Text that WeCom may send empty or leave out."""

CsvStrs = Annotated[list[str], BeforeValidator(_split_csv)]
"""Comma-separated text as a list of strings."""

CsvInts = Annotated[list[int], BeforeValidator(_split_csv)]
"""Comma-separated numbers as a list of ints."""
