"""``change_contact``: each change type in its Event and its InfoType form."""

from __future__ import annotations

from typing import Any

import pytest

from wecom_callback.models import (
    ContactChangeType,
    ContactEvent,
    CreatePartyEvent,
    CreateUserEvent,
    DeletePartyEvent,
    DeleteUserEvent,
    UpdatePartyEvent,
    UpdateTagEvent,
    UpdateUserEvent,
)

from ._support import Case, check_case, event_header, info_header, load


def _event(change: ContactChangeType | str) -> dict[str, Any]:
    if not isinstance(change, ContactChangeType):
        change = ContactChangeType(change)
    return {**event_header("change_contact", agent_id=None), "change_type": change}


def _info(change: ContactChangeType) -> dict[str, Any]:
    return {**info_header("change_contact"), "change_type": change}


CT = ContactChangeType

CASES: dict[str, Case] = {
    "change_contact.create_user": (
        CreateUserEvent,
        {
            **_event(CT.CREATE_USER),
            "user_id": "zhangsan",
            "name": "张三",
            "department": [1, 2, 3],
            "main_department": 1,
            "is_leader_in_dept": [1, 0, 0],
            "direct_leader": ["lisi", "wangwu"],
            "position": "产品经理",
            "mobile": "13800000000",
            "gender": 1,
            "email": "zhangsan@example.com",
            "biz_mail": "zhangsan@corp.example.com",
            "status": 1,
            "avatar": "https://example.com/avatar/0",
            "alias": "zs",
            "telephone": "020-123456",
            "address": "广州市",
            "ext_attr": [
                {"name": "爱好", "type": 0, "text": {"value": "旅游"}, "web": None},
                {
                    "name": "卡号",
                    "type": 1,
                    "text": None,
                    "web": {"title": "企业微信", "url": "https://work.weixin.qq.com"},
                },
            ],
        },
    ),
    "change_contact.create_user.info": (
        CreateUserEvent,
        {
            **_info(CT.CREATE_USER),
            "user_id": "lisi",
            "open_user_id": "woAbCdEf",
            "department": [7],
            "is_leader_in_dept": [],
            "direct_leader": [],
            "ext_attr": [],
        },
    ),
    "change_contact.update_user": (
        UpdateUserEvent,
        {
            **_event(CT.UPDATE_USER),
            "user_id": "zhangsan",
            "new_user_id": "zhangsan2",
            "name": "张三丰",
            "department": [2],
            "is_leader_in_dept": [0],
            "direct_leader": ["wangwu"],
            "gender": 2,
            "status": 2,
            "ext_attr": [{"name": "工号", "type": 0, "text": {"value": "A1001"}, "web": None}],
        },
    ),
    "change_contact.update_user.info": (
        UpdateUserEvent,
        {
            **_info(CT.UPDATE_USER),
            "user_id": "lisi",
            "open_user_id": "woAbCdEf",
            "mobile": "13900000000",
            "position": "工程师",
            "department": [],
        },
    ),
    "change_contact.delete_user": (
        DeleteUserEvent,
        {**_event(CT.DELETE_USER), "user_id": "zhangsan"},
    ),
    "change_contact.delete_user.info": (
        DeleteUserEvent,
        {**_info(CT.DELETE_USER), "user_id": "lisi", "open_user_id": "woAbCdEf"},
    ),
    "change_contact.create_party": (
        CreatePartyEvent,
        {**_event(CT.CREATE_PARTY), "id": 2, "name": "研发部", "parent_id": 1, "order": 100000000},
    ),
    "change_contact.create_party.info": (
        CreatePartyEvent,
        {**_info(CT.CREATE_PARTY), "id": 8, "name": "销售部", "parent_id": 1, "order": 1},
    ),
    "change_contact.update_party": (
        UpdatePartyEvent,
        {**_event(CT.UPDATE_PARTY), "id": 2, "name": "产品部", "parent_id": 3},
    ),
    "change_contact.update_party.info": (
        UpdatePartyEvent,
        {**_info(CT.UPDATE_PARTY), "id": 8, "parent_id": 2},
    ),
    "change_contact.delete_party": (DeletePartyEvent, {**_event(CT.DELETE_PARTY), "id": 2}),
    "change_contact.delete_party.info": (DeletePartyEvent, {**_info(CT.DELETE_PARTY), "id": 8}),
    "change_contact.update_tag": (
        UpdateTagEvent,
        {
            **_event(CT.UPDATE_TAG),
            "tag_id": 1,
            "add_user_items": ["zhangsan", "lisi"],
            "del_user_items": ["zhangsan1"],
            "add_party_items": [1, 2],
            "del_party_items": [3],
        },
    ),
    "change_contact.update_tag.info": (
        UpdateTagEvent,
        {
            **_info(CT.UPDATE_TAG),
            "tag_id": 5,
            "add_user_items": ["wangwu"],
            "del_user_items": [],
            "add_party_items": [],
            "del_party_items": [],
        },
    ),
    # A change type this version does not know: the family class, an open enum value.
    "change_contact.future": (ContactEvent, _event("merge_user")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])


def test_event_and_info_forms_share_one_class() -> None:
    event_form = load("change_contact.create_user")
    info_form = load("change_contact.create_user.info")
    assert type(event_form) is type(info_form) is CreateUserEvent
    assert (event_form.kind, info_form.kind) == ("change_contact", "change_contact")


def test_unknown_change_type_keeps_its_value() -> None:
    ev = load("change_contact.future")
    assert isinstance(ev, ContactEvent)
    assert ev.change_type == "merge_user"
    assert ev.raw["UserID"] == "zhangsan"
