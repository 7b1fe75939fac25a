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
    "BlankIsNone",
    "CsvInts",
    "CsvStrs",
    "OpenStrEnum",
    "OptFloat",
    "OptInt",
    "OptStr",
    "OptUtcDatetime",
    "TextList",
    "UtcDatetime",
    "as_list",
    "blank_to_none",
    "items_in",
    "items_of",
    "repeated",
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


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if blank_to_none(v) is not None]


def repeated() -> BeforeValidator:
    """A repeated element (``Notifyer``, ``SpRecord``) as a list; empty occurrences dropped."""

    def collect(value: Any) -> list[Any]:
        return _present(as_list(value))

    return BeforeValidator(collect)


def items_in(tag: str) -> BeforeValidator:
    """Children ``tag`` of one or more container elements, as one list.

    Like :func:`items_of`, but a container that itself repeats (WeCom sends
    ``<PicList><item/></PicList><PicList><item/></PicList>`` for several pictures) is
    merged, and empty occurrences are dropped.
    """

    def collect(value: Any) -> list[Any]:
        out: list[Any] = []
        for container in as_list(value):
            if isinstance(container, dict):
                out.extend(as_list(container.get(tag)))
        return _present(out)

    return BeforeValidator(collect)


def _to_utc_unless_zero(value: Any) -> Any:
    value = _to_utc(value)
    if isinstance(value, datetime) and value.timestamp() == 0:
        return None
    return value


def _split_csv(value: Any) -> list[Any]:
    value = blank_to_none(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [p for v in value for p in _split_csv(v)]
    return [p.strip() for p in str(value).split(",") if p.strip()]


UtcDatetime = Annotated[datetime, BeforeValidator(_to_utc)]
"""A Unix timestamp in seconds, as a UTC-aware datetime."""

OptUtcDatetime = Annotated[datetime | None, BeforeValidator(_to_utc_unless_zero)]
"""A Unix timestamp where ``0`` (or empty) means "not yet" (``SpTime``, ``ItemOpTime``)."""

BlankIsNone = BeforeValidator(blank_to_none)
"""Marker for ``Annotated[Model | None, BlankIsNone]``: an empty element means absent."""

TextList = Annotated[list[str], repeated()]
"""A repeated text element (``AuthAddOpenKfId``, ``MediaId``) as a list of strings."""

OptInt = Annotated[int | None, BeforeValidator(blank_to_none)]
"""A number that WeCom may send empty."""

OptFloat = Annotated[float | None, BeforeValidator(blank_to_none)]
"""A decimal (coordinates, precision) that WeCom may send empty."""

OptStr = str | None
"""Text that WeCom may send empty (``None``) or leave out; kept verbatim otherwise."""

CsvStrs = Annotated[list[str], BeforeValidator(_split_csv)]
"""Comma-separated text as a list of strings."""

CsvInts = Annotated[list[int], BeforeValidator(_split_csv)]
"""Comma-separated numbers as a list of ints."""
