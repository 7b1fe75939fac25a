"""App, lifecycle, menu and card events."""

from __future__ import annotations

import pytest

from wecom_callback.models import (
    BatchJobResultEvent,
    BatchJobType,
    ChangeAppAdminEvent,
    ClickEvent,
    CloseInactiveAgentEvent,
    EnterAgentEvent,
    LocationEvent,
    LocationSelectEvent,
    PicPhotoOrAlbumEvent,
    PicSysphotoEvent,
    PicWeixinEvent,
    ReopenInactiveAgentEvent,
    ScancodePushEvent,
    ScancodeWaitmsgEvent,
    ShareAgentChangeEvent,
    ShareChainChangeEvent,
    SubscribeEvent,
    TaskcardClickEvent,
    TemplateCardEvent,
    TemplateCardMenuEvent,
    TemplateCardType,
    UnlicensedNotifyEvent,
    UnsubscribeEvent,
    ViewEvent,
    ViewMiniprogramEvent,
)

from ._support import Case, check_case, event_header, info_header, load

MEMBER = "zhangsan"


def _pics(kind: str, key: str, count: int, md5s: list[str]) -> dict[str, object]:
    return {
        **event_header(kind, from_user=MEMBER),
        "event_key": key,
        "send_pics_info": {"count": count, "pic_list": [{"pic_md5_sum": m} for m in md5s]},
    }


CASES: dict[str, Case] = {
    "subscribe": (SubscribeEvent, event_header("subscribe", from_user=MEMBER)),
    "unsubscribe": (UnsubscribeEvent, event_header("unsubscribe", from_user=MEMBER)),
    "enter_agent": (EnterAgentEvent, event_header("enter_agent", from_user=MEMBER)),
    "LOCATION": (
        LocationEvent,
        {
            **event_header("LOCATION", from_user=MEMBER),
            "latitude": 23.104,
            "longitude": 113.32,
            "precision": 65.0,
            "app_type": "wxwork",
        },
    ),
    "batch_job_result": (
        BatchJobResultEvent,
        {
            **event_header("batch_job_result"),
            "batch_job": {
                "job_id": "S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3515FXEs",
                "job_type": BatchJobType.SYNC_USER,
                "err_code": 0,
                "err_msg": "ok",
            },
        },
    ),
    "batch_job_result.info": (
        BatchJobResultEvent,
        {
            **info_header("batch_job_result"),
            "batch_job": {
                "job_id": "job2",
                "job_type": BatchJobType.REPLACE_PARTY,
                "err_code": 60011,
                "err_msg": "no privilege",
            },
        },
    ),
    "share_agent_change": (ShareAgentChangeEvent, event_header("share_agent_change")),
    "share_agent_change.info": (
        ShareAgentChangeEvent,
        {
            **info_header("share_agent_change", suite_id=None, auth_corp_id=None),
            "app_id": "1000007",
            "corp_id": "wwparentcorp00001",
            "agent_id": 1000003,
        },
    ),
    "share_chain_change": (ShareChainChangeEvent, event_header("share_chain_change")),
    "share_chain_change.info": (
        ShareChainChangeEvent,
        {
            **info_header("share_chain_change", suite_id=None, auth_corp_id=None),
            "app_id": "1000008",
            "corp_id": "wwupstream0000001",
            "agent_id": 1000004,
        },
    ),
    "close_inactive_agent": (CloseInactiveAgentEvent, event_header("close_inactive_agent")),
    "reopen_inactive_agent": (ReopenInactiveAgentEvent, event_header("reopen_inactive_agent")),
    "change_app_admin": (ChangeAppAdminEvent, event_header("change_app_admin")),
    "unlicensed_notify": (
        UnlicensedNotifyEvent,
        event_header("unlicensed_notify", from_user="lisi"),
    ),
    "click": (ClickEvent, {**event_header("click", from_user=MEMBER), "event_key": "V1001_TODAY"}),
    "view": (
        ViewEvent,
        {**event_header("view", from_user=MEMBER), "event_key": "https://example.com/menu"},
    ),
    "view_miniprogram": (
        ViewMiniprogramEvent,
        {**event_header("view_miniprogram", from_user=MEMBER), "event_key": "pages/index/index"},
    ),
    "scancode_push": (
        ScancodePushEvent,
        {
            **event_header("scancode_push", from_user=MEMBER),
            "event_key": "scan1",
            "scan_code_info": {"scan_type": "qrcode", "scan_result": "https://example.com/qr"},
        },
    ),
    "scancode_waitmsg": (
        ScancodeWaitmsgEvent,
        {
            **event_header("scancode_waitmsg", from_user=MEMBER),
            "event_key": "scan2",
            "scan_code_info": {"scan_type": "qrcode", "scan_result": "1234567890"},
        },
    ),
    "pic_sysphoto": (
        PicSysphotoEvent,
        _pics("pic_sysphoto", "photo", 1, ["1b5f7c23b5bf75682a53e7b6d163e185"]),
    ),
    "pic_photo_or_album": (
        PicPhotoOrAlbumEvent,
        _pics("pic_photo_or_album", "album", 2, ["aaaa", "bbbb"]),
    ),
    "pic_weixin": (PicWeixinEvent, _pics("pic_weixin", "weixin", 2, ["cccc", "dddd"])),
    "location_select": (
        LocationSelectEvent,
        {
            **event_header("location_select", from_user=MEMBER),
            "event_key": "loc",
            "send_location_info": {
                "location_x": 23.0,
                "location_y": 113.5,
                "scale": 15,
                "label": "广州市海珠区客村",
                "poiname": "艺苑路",
            },
            "app_type": "wxwork",
        },
    ),
    "taskcard_click": (
        TaskcardClickEvent,
        {
            **event_header("taskcard_click", from_user=MEMBER),
            "event_key": "approve",
            "task_id": "task-1",
        },
    ),
    "template_card_event": (
        TemplateCardEvent,
        {
            **event_header("template_card_event", from_user=MEMBER),
            "event_key": "submit",
            "task_id": "task-2",
            "card_type": TemplateCardType.VOTE_INTERACTION,
            "response_code": "RESPONSE_CODE_1",
            "selected_items": [
                {"question_key": "q1", "option_ids": ["o1", "o2"]},
                {"question_key": "q2", "option_ids": ["o3"]},
            ],
        },
    ),
    "template_card_event.button": (
        TemplateCardEvent,
        {
            **event_header("template_card_event", from_user=MEMBER),
            "event_key": "ok",
            "task_id": "task-3",
            "card_type": TemplateCardType.BUTTON_INTERACTION,
            "response_code": "RESPONSE_CODE_2",
            "selected_items": [],
        },
    ),
    "template_card_menu_event": (
        TemplateCardMenuEvent,
        {
            **event_header("template_card_menu_event", from_user=MEMBER),
            "event_key": "menu-ignore",
            "task_id": "task-4",
            "card_type": TemplateCardType.TEXT_NOTICE,
            "response_code": "RESPONSE_CODE_3",
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])


def test_pictures_by_attribute_path() -> None:
    ev = load("pic_sysphoto")
    assert isinstance(ev, PicSysphotoEvent)
    assert ev.send_pics_info is not None
    assert ev.send_pics_info.pic_list[0].pic_md5_sum == "1b5f7c23b5bf75682a53e7b6d163e185"
