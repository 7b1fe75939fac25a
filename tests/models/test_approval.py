"""Approval events: the built-in approval app and the apps' approval-flow engine."""

from __future__ import annotations

import pytest

from wecom_callback.models import OpenApprovalChangeEvent, SysApprovalChangeEvent

from ._support import Case, check_case, event_header, load, utc

CASES: dict[str, Case] = {
    "sys_approval_change": (
        SysApprovalChangeEvent,
        {
            **event_header("sys_approval_change"),
            "approval_info": {
                "sp_no": "201910220003",
                "sp_no_str": "201910220003",
                "sp_name": "示例模板",
                "sp_status": 1,
                "template_id": "3TkaH5KFbrG9heEQWLJjhgpFwmqAFB4dLEnapaB7aaa",
                "apply_time": utc(1571728713),
                "applyer": {"user_id": "WuJunJie", "party": "1"},
                "sp_record": [
                    {
                        "sp_status": 2,
                        "approver_attr": 2,
                        "details": [
                            {
                                "approver": {"user_id": "WangXiaoMing"},
                                "speech": "同意",
                                "sp_status": 2,
                                "sp_time": utc(1571732272),
                                "media_id": ["MEDIA_A", "MEDIA_B"],
                            },
                            {
                                "approver": {"user_id": "LiuXiaoGang"},
                                "speech": None,
                                "sp_status": 1,
                                "sp_time": None,
                                "media_id": [],
                            },
                        ],
                    },
                    {
                        "sp_status": 1,
                        "approver_attr": 1,
                        "details": [
                            {
                                "approver": {"user_id": "XiaoHongLiu"},
                                "speech": None,
                                "sp_status": 1,
                                "sp_time": None,
                                "media_id": [],
                            }
                        ],
                    },
                ],
                "notifyer": [{"user_id": "ChengLiang"}, {"user_id": "ChengLiang2"}],
                "comments": [
                    {
                        "comment_user_info": {"user_id": "LiuZhi"},
                        "comment_time": utc(1571732272),
                        "comment_content": "这是一个备注",
                        "comment_id": "6750538708562308220",
                        "media_id": ["MEDIA_C"],
                    }
                ],
                "statu_change_event": 10,
            },
        },
    ),
    # One step, one copy, no comments: lists of one element, and an empty list.
    "sys_approval_change.single": (
        SysApprovalChangeEvent,
        {
            **event_header("sys_approval_change"),
            "approval_info": {
                "sp_no": "202001140001",
                "sp_no_str": None,
                "sp_name": "出差",
                "sp_status": 4,
                "template_id": "Bs5KJAMyd51eMjFvoBG6ii2Q5QgXNLvJSaQ7arRr6",
                "apply_time": utc(1578967166),
                "applyer": {"user_id": "LuoZhouPeng", "party": "1"},
                "sp_record": [
                    {
                        "sp_status": 1,
                        "approver_attr": 1,
                        "details": [
                            {
                                "approver": {"user_id": "XiaoHuo"},
                                "speech": None,
                                "sp_status": 1,
                                "sp_time": None,
                                "media_id": [],
                            }
                        ],
                    }
                ],
                "notifyer": [{"user_id": "ChengLiang"}],
                "comments": [],
                "statu_change_event": 6,
            },
        },
    ),
    "open_approval_change": (
        OpenApprovalChangeEvent,
        {
            **event_header("open_approval_change"),
            "approval_info": {
                "third_no": "30",
                "open_sp_name": "活动申请",
                "open_template_id": "3f4b6b2e4bc8d44d874ea77cb3c105d6_193813360",
                "open_sp_status": 2,
                "apply_time": utc(1682066265),
                "apply_user_name": "孙永花",
                "apply_user_id": "LiuYi",
                "apply_user_party": "杭州",
                "apply_user_image": "https://example.com/a.png",
                "approver_step": 1,
                "approval_nodes": [
                    {
                        "node_status": 2,
                        "node_attr": 2,
                        "node_type": 3,
                        "items": [
                            {
                                "item_name": "朱航轩",
                                "item_user_id": "XuanDaTou",
                                "item_party": "产品部",
                                "item_image": "https://example.com/b.png",
                                "item_speech": "同意",
                                "item_status": 2,
                                "item_op_time": utc(1682066300),
                            },
                            {
                                "item_name": "周禄斌",
                                "item_user_id": "NiCheng",
                                "item_party": None,
                                "item_image": None,
                                "item_speech": None,
                                "item_status": 1,
                                "item_op_time": None,
                            },
                        ],
                    },
                    {
                        "node_status": 1,
                        "node_attr": 1,
                        "node_type": 1,
                        "items": [
                            {
                                "item_name": "李四",
                                "item_user_id": "lisi",
                                "item_party": None,
                                "item_image": None,
                                "item_speech": None,
                                "item_status": 1,
                                "item_op_time": None,
                            }
                        ],
                    },
                ],
                "notify_nodes": [
                    {
                        "item_name": "朱航轩",
                        "item_user_id": "XuanDaTou",
                        "item_party": "产品部",
                        "item_image": "https://example.com/b.png",
                    },
                    {
                        "item_name": "周禄斌",
                        "item_user_id": "NiCheng",
                        "item_party": None,
                        "item_image": None,
                    },
                ],
            },
        },
    ),
    # The documented sample spells ItemUserid and approverstep so.
    "open_approval_change.doc_spelling": (
        OpenApprovalChangeEvent,
        {
            **event_header("open_approval_change"),
            "approval_info": {
                "third_no": "201806010001",
                "open_sp_name": "付款",
                "open_template_id": "1234567890",
                "open_sp_status": 1,
                "apply_time": utc(1527837645),
                "apply_user_name": "xiaoming",
                "apply_user_id": "1",
                "apply_user_party": "产品部",
                "apply_user_image": "http://www.qq.com/xxx.png",
                "approver_step": 0,
                "approval_nodes": [
                    {
                        "node_status": 1,
                        "node_attr": 1,
                        "node_type": 1,
                        "items": [
                            {
                                "item_name": "xiaohong",
                                "item_user_id": "2",
                                "item_party": None,
                                "item_image": "http://www.qq.com/xxx.png",
                                "item_speech": None,
                                "item_status": 1,
                                "item_op_time": None,
                            }
                        ],
                    }
                ],
                "notify_nodes": [
                    {
                        "item_name": "xiaogang",
                        "item_user_id": "3",
                        "item_party": None,
                        "item_image": "http://www.qq.com/xxx.png",
                    }
                ],
            },
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])


def test_applyer_by_attribute_path() -> None:
    ev = load("sys_approval_change")
    assert isinstance(ev, SysApprovalChangeEvent)
    assert ev.approval_info is not None
    assert ev.approval_info.applyer is not None
    assert ev.approval_info.applyer.user_id == "WuJunJie"
