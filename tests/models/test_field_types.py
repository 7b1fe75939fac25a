"""The field helpers' edge cases: empty elements, single items, repeated containers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import pytest
from pydantic import Field

from wecom_callback.models import WeComModel
from wecom_callback.models._types import (
    BlankIsNone,
    OptUtcDatetime,
    TextList,
    items_in,
    repeated,
)


class Inner(WeComModel):
    """A nested element."""

    value: str | None = Field(None, alias="Value")
    """A value."""


class Outer(WeComModel):
    """Every helper at once."""

    texts: TextList = Field(default_factory=list, alias="Text")
    """A repeated text element."""
    inners: Annotated[list[Inner], repeated()] = Field(default_factory=list, alias="Inner")
    """A repeated nested element."""
    items: Annotated[list[Inner], items_in("item")] = Field(default_factory=list, alias="List")
    """Children of a container that may itself repeat."""
    nested: Annotated[Inner | None, BlankIsNone] = Field(None, alias="Nested")
    """An optional nested element."""
    when: OptUtcDatetime = Field(None, alias="When")
    """A timestamp where 0 means not yet."""


@pytest.mark.parametrize(
    ("data", "texts", "inners", "items"),
    [
        ({}, [], [], []),
        ({"Text": None, "Inner": None, "List": None}, [], [], []),
        (
            {"Text": "a", "Inner": {"Value": "x"}, "List": {"item": {"Value": "y"}}},
            ["a"],
            ["x"],
            ["y"],
        ),
        (
            {
                "Text": ["a", None, "b"],
                "Inner": [{"Value": "x"}, "\n  ", {"Value": "z"}],
                "List": [
                    {"item": [{"Value": "1"}, {"Value": "2"}]},
                    {"item": {"Value": "3"}},
                    None,
                ],
            },
            ["a", "b"],
            ["x", "z"],
            ["1", "2", "3"],
        ),
    ],
)
def test_lists(
    data: dict[str, object], texts: list[str], inners: list[str], items: list[str]
) -> None:
    model = Outer.model_validate(data)
    assert model.texts == texts
    assert [i.value for i in model.inners] == inners
    assert [i.value for i in model.items] == items


@pytest.mark.parametrize("blank", [None, "", "\n   \n"])
def test_blank_nested_element_is_absent(blank: str | None) -> None:
    assert Outer.model_validate({"Nested": blank}).nested is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", None),
        (None, None),
        ("", None),
        ("1571732272", datetime(2019, 10, 22, 8, 17, 52, tzinfo=UTC)),
    ],
)
def test_zero_timestamp_means_not_yet(raw: str | None, expected: datetime | None) -> None:
    assert Outer.model_validate({"When": raw}).when == expected
