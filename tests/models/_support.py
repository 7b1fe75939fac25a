"""Shared helpers of the model tests: fixtures, expected headers, an exhaustive comparer.

Each family's test module lists ``CASES``: fixture name -> (class, expected fields).
:func:`check` compares a parsed model with its expectation field by field, with the
exact type: a field not named in the expectation must hold its default (``None`` or
``[]``) *and* the XML must not carry that field's tag, so a misspelt alias that
silently drops a value fails the test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from wecom_callback.models import Callback
from wecom_callback.models._parsing import parse_message

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "callbacks"

CORP = "ww0123456789abcdef"
AGENT = 1000002
SUITE = "wwsuite00000000001"
AUTH_CORP = "wwauthcorp0000001"
SERVICE_CORP = "wwservice00000001"
EVENT_TIME = 1700000000
INFO_TIME = 1700000100

Case = tuple[type[Callback], dict[str, Any]]


def utc(timestamp: int) -> datetime:
    """A Unix timestamp as the UTC datetime the models give."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


def fixture_names() -> list[str]:
    """Every fixture, by name (file name without ``.xml``)."""
    return sorted(p.name[: -len(".xml")] for p in FIXTURES.glob("*.xml"))


def read(name: str) -> bytes:
    return (FIXTURES / f"{name}.xml").read_bytes()


def load(name: str) -> Callback:
    return parse_message(read(name))


def event_header(
    event: str, *, from_user: str = "sys", agent_id: int | None = AGENT
) -> dict[str, Any]:
    """Expected header of an Event fixture."""
    header: dict[str, Any] = {
        "kind": event,
        "to_user_name": CORP,
        "from_user_name": from_user,
        "create_time": utc(EVENT_TIME),
        "msg_type": "event",
        "event": event,
    }
    if agent_id is not None:
        header["agent_id"] = agent_id
    return header


def info_header(
    info_type: str, *, suite_id: str | None = SUITE, auth_corp_id: str | None = AUTH_CORP
) -> dict[str, Any]:
    """Expected header of an InfoType fixture."""
    header: dict[str, Any] = {
        "kind": info_type,
        "info_type": info_type,
        "time_stamp": utc(INFO_TIME),
    }
    if suite_id is not None:
        header["suite_id"] = suite_id
    if auth_corp_id is not None:
        header["auth_corp_id"] = auth_corp_id
    return header


def message_header(msg_type: str, msg_id: int = 7400000000000000001) -> dict[str, Any]:
    """Expected header of a message fixture."""
    return {
        "kind": msg_type,
        "to_user_name": CORP,
        "from_user_name": "zhangsan",
        "create_time": utc(EVENT_TIME),
        "msg_type": msg_type,
        "msg_id": msg_id,
        "agent_id": AGENT,
    }


def _tags(info: FieldInfo) -> list[str]:
    tags = [info.alias] if info.alias else []
    if isinstance(info.validation_alias, AliasChoices):
        tags += [c for c in info.validation_alias.choices if isinstance(c, str)]
    return tags


def _carried(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def check(actual: Any, expected: Any, raw: Any = None, where: str = "model") -> None:
    """Assert ``actual`` equals ``expected`` in value and exact type, recursively.

    ``expected`` is a dict for a model (field name -> expected value), a list for a
    list, else a scalar compared with ``==`` and ``type(...) is``. ``raw`` is the XML
    dict at this level, when known, for the unnamed-field guard.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, BaseModel), f"{where}: {actual!r} is not a model"
        fields = type(actual).model_fields
        unknown = set(expected) - set(fields)
        assert not unknown, f"{where}: expectation names no such field {sorted(unknown)}"
        for name, info in fields.items():
            if name == "raw":
                continue
            value = getattr(actual, name)
            sub_raw = None
            if isinstance(raw, dict):
                sub_raw = next((raw[t] for t in _tags(info) if t in raw), None)
            if name in expected:
                check(value, expected[name], sub_raw, f"{where}.{name}")
                continue
            default = info.get_default(call_default_factory=True)
            assert value == default, f"{where}.{name}: {value!r} is not the default {default!r}"
            if isinstance(raw, dict):
                assert not any(_carried(raw.get(t)) for t in _tags(info)), (
                    f"{where}.{name}: the XML carries it but the expectation does not name it"
                )
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not a list"
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            check(a, e, None, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        assert type(actual) is type(expected), (
            f"{where}: type {type(actual).__name__} is not {type(expected).__name__}"
        )
        if isinstance(expected, datetime):
            assert actual.tzinfo == UTC, f"{where}: {actual!r} is not UTC"
        if isinstance(expected, Enum):
            assert actual is expected or actual.value == expected.value


def check_case(name: str, case: Case) -> None:
    """Parse fixture ``name`` and compare it with its case."""
    cls, expected = case
    model = load(name)
    assert type(model) is cls, f"{name}: parsed as {type(model).__name__}, not {cls.__name__}"
    assert getattr(model, "parse_error", None) is None
    check(model, expected, model.raw, name)
