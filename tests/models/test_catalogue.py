"""The catalogue as a whole: fixtures for every kind, raw kept, unknown kinds, docs current."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import xmltodict
from pydantic import BaseModel

from wecom_callback.models import (
    Callback,
    Event,
    Message,
    UnknownEvent,
    UnknownMessage,
    WeComModel,
    lookup,
    registered,
)
from wecom_callback.models._parsing import classify, parse_message

from . import (
    test_app_events,
    test_approval,
    test_contact,
    test_customer_acquisition,
    test_external,
    test_messages,
    test_office,
    test_suite,
)
from ._support import AUTH_CORP, CORP, SERVICE_CORP, Case, fixture_names, load, read

ALL_CASES: dict[str, Case] = {}
for _module in (
    test_messages,
    test_app_events,
    test_contact,
    test_external,
    test_customer_acquisition,
    test_approval,
    test_office,
    test_suite,
):
    for _name, _case in _module.CASES.items():
        assert _name not in ALL_CASES, _name
        ALL_CASES[_name] = _case

UNKNOWN_FIXTURES = {"unknown.msgtype", "unknown.event", "unknown.infotype"}

# Kinds WeCom sends both as an Event (self-built apps) and as an InfoType (suites).
DUAL_FORM_KINDS = {
    "batch_job_result",
    "share_agent_change",
    "share_chain_change",
    "change_contact",
    "change_external_contact",
    "change_external_chat",
    "change_external_tag",
    "customer_acquisition",
    "change_school_contact",
}

ROOT = Path(__file__).resolve().parents[2]


def test_every_fixture_has_its_field_expectations() -> None:
    names = set(fixture_names())
    assert names == set(ALL_CASES) | UNKNOWN_FIXTURES


def _parsed() -> dict[str, Callback]:
    return {name: load(name) for name in fixture_names()}


def test_every_registered_kind_has_a_fixture() -> None:
    parsed = _parsed()
    missing = []
    for key, cls in registered().items():
        hits = [
            name
            for name, model in parsed.items()
            if type(model) is cls and lookup(*classify(model.raw)) is cls
        ]
        if not hits:
            missing.append((key, cls.__name__))
    assert not missing, f"registered kinds without a fixture: {missing}"


@pytest.mark.parametrize("kind", sorted(DUAL_FORM_KINDS))
def test_dual_form_kinds_have_event_and_info_fixtures(kind: str) -> None:
    parsed = _parsed()
    for (_, k, _change_type), cls in registered().items():
        if k != kind:
            continue
        forms = {
            "info" if model.raw.get("InfoType") else "event"
            for model in parsed.values()
            if type(model) is cls
        }
        if cls.CHANGE_TYPE is None and any(
            c is not cls and issubclass(c, cls) for c in registered().values()
        ):
            # A family class that only catches unknown change types needs one fixture.
            assert forms, cls.__name__
            continue
        assert forms == {"event", "info"}, f"{cls.__name__} fixtures cover {forms}"


def _strip_blank_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_blank_text(v)
            for k, v in value.items()
            if not (k == "#text" and isinstance(v, str) and not v.strip())
        }
    if isinstance(value, list):
        return [_strip_blank_text(v) for v in value]
    return value


@pytest.mark.parametrize("name", fixture_names())
def test_raw_round_trips(name: str) -> None:
    xml = read(name)
    expected = _strip_blank_text(xmltodict.parse(xml, strip_whitespace=False)["xml"])
    model = parse_message(xml)
    assert model.raw == expected
    assert model.raw == parse_message(xml).raw


def test_unknown_msgtype_keeps_everything() -> None:
    model = load("unknown.msgtype")
    assert type(model) is UnknownMessage
    assert (model.kind, model.msg_type, model.parse_error) == ("file", "file", None)
    assert model.msg_id == 7400000000000000099
    assert model.raw == {
        "ToUserName": CORP,
        "FromUserName": "zhangsan",
        "CreateTime": "1700000000",
        "MsgType": "file",
        "MediaId": "MEDIA_FILE",
        "Title": "report.pdf",
        "MsgId": "7400000000000000099",
        "AgentID": "1000002",
    }


def test_unknown_event_keeps_everything() -> None:
    model = load("unknown.event")
    assert type(model) is UnknownEvent
    assert (model.kind, model.event, model.parse_error) == ("wedrive_file_change",) * 2 + (None,)
    assert model.change_type == "create"
    assert model.raw == {
        "ToUserName": CORP,
        "FromUserName": "sys",
        "CreateTime": "1700000000",
        "MsgType": "event",
        "Event": "wedrive_file_change",
        "ChangeType": "create",
        "FileId": ["f1", "f2"],
        "Detail": {"Name": "a.txt", "Size": "42"},
    }


def test_unknown_infotype_keeps_everything() -> None:
    model = load("unknown.infotype")
    assert type(model) is UnknownEvent
    assert (model.kind, model.info_type, model.event) == ("enter_register_package",) * 2 + (None,)
    assert model.parse_error is None
    assert model.raw == {
        "ServiceCorpId": SERVICE_CORP,
        "AuthCorpId": AUTH_CORP,
        "InfoType": "enter_register_package",
        "TimeStamp": "1700000100",
        "RegisterCode": "RC1",
        "Extra": {"Key": ["k", "k2"]},
    }


def _snake(tag: str) -> str:
    """DESIGN.md's rule: split before a capital after a lowercase letter or digit, and
    before the last capital of a run followed by a lowercase letter; then lowercase."""
    tag = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", tag)
    tag = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", tag)
    return tag.lower()


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("ExternalUserID", "external_user_id"),
        ("OpenKfId", "open_kf_id"),
        ("AgentID", "agent_id"),
        ("SpNo", "sp_no"),
        ("Location_X", "location_x"),
        ("PicMd5Sum", "pic_md5_sum"),
    ],
)
def test_snake_rule(tag: str, name: str) -> None:
    assert _snake(tag) == name


def _models() -> list[type[BaseModel]]:
    """Every registered class and every nested model they use."""
    seen: dict[type[BaseModel], None] = {}
    todo: list[type[BaseModel]] = list(registered().values())
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen[model] = None
        for info in model.model_fields.values():
            stack: list[Any] = [info.annotation]
            while stack:
                t = stack.pop()
                stack.extend(getattr(t, "__args__", ()))
                if isinstance(t, type) and issubclass(t, WeComModel):
                    todo.append(t)
    return list(seen)


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_models_are_documented_and_addressed_by_tag(model: type[BaseModel]) -> None:
    assert model.model_config.get("frozen") is True
    assert model.__doc__ and model.__doc__.strip()
    if issubclass(model, Callback):
        assert model.DOC.startswith("https://developer.work.weixin.qq.com/document/path/")
        assert "https://developer.work.weixin.qq.com/document/path/" in model.__doc__
        assert model.__name__.endswith("Message" if issubclass(model, Message) else "Event")
        assert issubclass(model, Message | Event)
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no docstring"
        assert "\n" not in info.description, f"{model.__name__}.{name}: docstring not one line"
        if name not in {"kind", "raw", "parse_error"}:
            assert info.alias, f"{model.__name__}.{name} has no XML tag"
            assert name == _snake(info.alias), f"{model.__name__}.{name} is not {info.alias}"


def _load_generator() -> ModuleType:
    path = ROOT / "scripts" / "gen_events_doc"
    loader = importlib.machinery.SourceFileLoader("gen_events_doc", str(path))
    spec = importlib.util.spec_from_loader("gen_events_doc", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_events_doc", module)
    loader.exec_module(module)
    return module


def test_events_doc_is_current() -> None:
    generator = _load_generator()
    assert generator.is_current(), "docs/events.md is stale: run scripts/gen_events_doc"
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert "generated by scripts/gen_events_doc, do not edit" in text
    for cls in registered().values():
        assert f"`{cls.__name__}`" in text
