"""Customer contact families: external contacts, group chats, customer tags."""

from __future__ import annotations

from typing import Any

import pytest

from wecom_callback.models import (
    AddExternalContactEvent,
    AddHalfExternalContactEvent,
    CreateExternalChatEvent,
    CreateExternalTagEvent,
    DeleteExternalTagEvent,
    DelExternalContactEvent,
    DelFollowUserEvent,
    DismissExternalChatEvent,
    EditExternalContactEvent,
    ExternalChatChangeType,
    ExternalChatEvent,
    ExternalChatUpdateDetail,
    ExternalContactChangeType,
    ExternalContactEvent,
    ExternalTagChangeType,
    ExternalTagEvent,
    ExternalTagType,
    MsgAuditApprovedEvent,
    ShuffleExternalTagEvent,
    TransferFailEvent,
    TransferFailReason,
    UpdateExternalChatEvent,
    UpdateExternalTagEvent,
)

from ._support import Case, check_case, event_header, info_header

ECT = ExternalContactChangeType
CHAT_ID = "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"
TAG_ID = "etm7wjCgAAwXhXxZJrVmtmJLJcOxyMmQ"
GROUP_ID = "etm7wjCgAAwXhXxZJrVmtmJLJGROUP00"


def _contact(change: ExternalContactChangeType, *, info: bool = False) -> dict[str, Any]:
    if info:
        header = info_header("change_external_contact")
        who = {"user_id": "lisi", "external_user_id": "wmEXT2"}
    else:
        header = event_header("change_external_contact", agent_id=None)
        who = {"user_id": "zhangsan", "external_user_id": "woAJ2GCAAAXtWyujaWJHDDGi0mACAAA"}
    return {**header, "change_type": change, **who}


def _chat(change: ExternalChatChangeType, *, info: bool = False) -> dict[str, Any]:
    header = (
        info_header("change_external_chat")
        if info
        else event_header("change_external_chat", agent_id=None)
    )
    return {**header, "change_type": change, "chat_id": CHAT_ID}


def _tag(change: ExternalTagChangeType, *, info: bool = False) -> dict[str, Any]:
    header = (
        info_header("change_external_tag")
        if info
        else event_header("change_external_tag", agent_id=None)
    )
    return {**header, "change_type": change}


TAG = ExternalTagChangeType
CHAT = ExternalChatChangeType

CASES: dict[str, Case] = {
    "change_external_contact.add_external_contact": (
        AddExternalContactEvent,
        {**_contact(ECT.ADD_EXTERNAL_CONTACT), "state": "teststate", "welcome_code": "WELCOMECODE"},
    ),
    "change_external_contact.add_external_contact.info": (
        AddExternalContactEvent,
        {
            **_contact(ECT.ADD_EXTERNAL_CONTACT, info=True),
            "state": "s2",
            "welcome_code": "WC2",
            "link_id": "cawcde06a8fe2d20e2",
        },
    ),
    "change_external_contact.edit_external_contact": (
        EditExternalContactEvent,
        _contact(ECT.EDIT_EXTERNAL_CONTACT),
    ),
    "change_external_contact.edit_external_contact.info": (
        EditExternalContactEvent,
        _contact(ECT.EDIT_EXTERNAL_CONTACT, info=True),
    ),
    "change_external_contact.add_half_external_contact": (
        AddHalfExternalContactEvent,
        {
            **_contact(ECT.ADD_HALF_EXTERNAL_CONTACT),
            "state": "halfstate",
            "welcome_code": "WC_HALF",
        },
    ),
    "change_external_contact.add_half_external_contact.info": (
        AddHalfExternalContactEvent,
        _contact(ECT.ADD_HALF_EXTERNAL_CONTACT, info=True),
    ),
    "change_external_contact.del_external_contact": (
        DelExternalContactEvent,
        {**_contact(ECT.DEL_EXTERNAL_CONTACT), "source": "DELETE_BY_TRANSFER"},
    ),
    "change_external_contact.del_external_contact.info": (
        DelExternalContactEvent,
        _contact(ECT.DEL_EXTERNAL_CONTACT, info=True),
    ),
    "change_external_contact.del_follow_user": (DelFollowUserEvent, _contact(ECT.DEL_FOLLOW_USER)),
    "change_external_contact.del_follow_user.info": (
        DelFollowUserEvent,
        _contact(ECT.DEL_FOLLOW_USER, info=True),
    ),
    "change_external_contact.transfer_fail": (
        TransferFailEvent,
        {**_contact(ECT.TRANSFER_FAIL), "fail_reason": TransferFailReason.CUSTOMER_REFUSED},
    ),
    "change_external_contact.transfer_fail.info": (
        TransferFailEvent,
        {
            **_contact(ECT.TRANSFER_FAIL, info=True),
            "fail_reason": TransferFailReason.CUSTOMER_LIMIT_EXCEED,
        },
    ),
    "change_external_contact.msg_audit_approved": (
        MsgAuditApprovedEvent,
        {**_contact(ECT.MSG_AUDIT_APPROVED), "welcome_code": "WC_AUDIT"},
    ),
    "change_external_contact.msg_audit_approved.info": (
        MsgAuditApprovedEvent,
        _contact(ECT.MSG_AUDIT_APPROVED, info=True),
    ),
    "change_external_contact.future": (
        ExternalContactEvent,
        {**_contact(ECT.ADD_EXTERNAL_CONTACT), "change_type": ECT("reject_friend")},
    ),
    "change_external_chat.create": (CreateExternalChatEvent, _chat(CHAT.CREATE)),
    "change_external_chat.create.info": (CreateExternalChatEvent, _chat(CHAT.CREATE, info=True)),
    "change_external_chat.update": (
        UpdateExternalChatEvent,
        {
            **_chat(CHAT.UPDATE),
            "update_detail": ExternalChatUpdateDetail.ADD_MEMBER,
            "join_scene": 1,
            "quit_scene": 0,
            "mem_change_cnt": 2,
            "mem_change_list": ["Jack", "Rose"],
            "last_mem_ver": "9c3f97c2ada667dfb5f6d03308d963e1",
            "cur_mem_ver": "71217227bbd112ecfe3a49c482195cb4",
        },
    ),
    "change_external_chat.update.info": (
        UpdateExternalChatEvent,
        {
            **_chat(CHAT.UPDATE, info=True),
            "update_detail": ExternalChatUpdateDetail.DEL_MEMBER,
            "quit_scene": 1,
            "mem_change_cnt": 1,
            "mem_change_list": ["wmEXT2"],
        },
    ),
    "change_external_chat.dismiss": (DismissExternalChatEvent, _chat(CHAT.DISMISS)),
    "change_external_chat.dismiss.info": (DismissExternalChatEvent, _chat(CHAT.DISMISS, info=True)),
    "change_external_chat.future": (ExternalChatEvent, _chat(CHAT("archive"))),
    "change_external_tag.create": (
        CreateExternalTagEvent,
        {**_tag(TAG.CREATE), "id": TAG_ID, "tag_type": ExternalTagType.TAG},
    ),
    "change_external_tag.create.info": (
        CreateExternalTagEvent,
        {
            **_tag(TAG.CREATE, info=True),
            "id": GROUP_ID,
            "tag_type": ExternalTagType.TAG_GROUP,
            "strategy_id": 1,
        },
    ),
    "change_external_tag.update": (
        UpdateExternalTagEvent,
        {**_tag(TAG.UPDATE), "id": TAG_ID, "tag_type": ExternalTagType.TAG, "strategy_id": 2},
    ),
    "change_external_tag.update.info": (
        UpdateExternalTagEvent,
        {**_tag(TAG.UPDATE, info=True), "id": TAG_ID, "tag_type": ExternalTagType.TAG},
    ),
    "change_external_tag.delete": (
        DeleteExternalTagEvent,
        {**_tag(TAG.DELETE), "id": GROUP_ID, "tag_type": ExternalTagType.TAG_GROUP},
    ),
    "change_external_tag.delete.info": (
        DeleteExternalTagEvent,
        {**_tag(TAG.DELETE, info=True), "id": TAG_ID, "tag_type": ExternalTagType.TAG},
    ),
    "change_external_tag.shuffle": (
        ShuffleExternalTagEvent,
        {**_tag(TAG.SHUFFLE), "id": GROUP_ID, "strategy_id": 3},
    ),
    # An empty Id: the tag groups themselves were reordered.
    "change_external_tag.shuffle.info": (ShuffleExternalTagEvent, _tag(TAG.SHUFFLE, info=True)),
    "change_external_tag.future": (ExternalTagEvent, {**_tag(TAG("merge")), "id": TAG_ID}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])
