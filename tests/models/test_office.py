"""Customer service, chat archiving, live streams, schedules, meeting rooms, school contacts."""

from __future__ import annotations

import pytest

from wecom_callback.models import (
    AddCalendarEvent,
    AddScheduleEvent,
    BookMeetingRoomEvent,
    CancelMeetingRoomEvent,
    DeleteCalendarEvent,
    DeleteScheduleEvent,
    KfAccountAuthChangeEvent,
    KfMsgOrEvent,
    LivingStatusChangeEvent,
    ModifyCalendarEvent,
    ModifyScheduleEvent,
    MsgauditNotifyEvent,
    RespondScheduleEvent,
    SchoolContactChangeType,
    SchoolContactEvent,
)

from ._support import CORP, EVENT_TIME, Case, check_case, event_header, info_header, load, utc

CAL = "wcjgewCwAAqeJcPI1d8Pwbjt7nttzAAA"
SCHEDULE = "17c7d2bd9f20d652840f72f59e796AAA"
MEMBER = "zhangsan"
KF_TOKEN = "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR"

CASES: dict[str, Case] = {
    # No FromUserName and no AgentID on this one.
    "kf_msg_or_event": (
        KfMsgOrEvent,
        {
            "kind": "kf_msg_or_event",
            "to_user_name": CORP,
            "create_time": utc(EVENT_TIME),
            "msg_type": "event",
            "event": "kf_msg_or_event",
            "token": KF_TOKEN,
            "open_kf_id": "wkxxxxxxx",
        },
    ),
    "kf_account_auth_change": (
        KfAccountAuthChangeEvent,
        {
            **event_header("kf_account_auth_change", agent_id=None),
            "auth_add_open_kf_id": ["wkAAA", "wkBBB"],
            "auth_del_open_kf_id": ["wkCCC"],
        },
    ),
    "msgaudit_notify": (MsgauditNotifyEvent, event_header("msgaudit_notify")),
    "living_status_change": (
        LivingStatusChangeEvent,
        {
            **event_header("living_status_change"),
            "living_id": "lvOQpTDwAAD2MYuOq9y_bmLNMJfbbdGw",
            "status": 1,
        },
    ),
    "add_calendar": (
        AddCalendarEvent,
        {**event_header("add_calendar", from_user=MEMBER), "cal_id": CAL},
    ),
    "modify_calendar": (
        ModifyCalendarEvent,
        {**event_header("modify_calendar", from_user=MEMBER), "cal_id": CAL},
    ),
    "delete_calendar": (
        DeleteCalendarEvent,
        {**event_header("delete_calendar", from_user=MEMBER), "cal_id": CAL},
    ),
    "add_schedule": (
        AddScheduleEvent,
        {**event_header("add_schedule", from_user=MEMBER), "cal_id": CAL, "schedule_id": SCHEDULE},
    ),
    "modify_schedule": (
        ModifyScheduleEvent,
        {
            **event_header("modify_schedule", from_user=MEMBER),
            "cal_id": CAL,
            "schedule_id": SCHEDULE,
        },
    ),
    "delete_schedule": (
        DeleteScheduleEvent,
        {
            **event_header("delete_schedule", from_user=MEMBER),
            "cal_id": CAL,
            "schedule_id": SCHEDULE,
        },
    ),
    "respond_schedule": (
        RespondScheduleEvent,
        {
            **event_header("respond_schedule", from_user=MEMBER),
            "cal_id": CAL,
            "schedule_id": SCHEDULE,
        },
    ),
    "book_meeting_room": (
        BookMeetingRoomEvent,
        {
            **event_header("book_meeting_room", from_user=MEMBER),
            "meeting_room_id": 1,
            "meeting_id": "mtebsada6e027c123cbafAAA",
        },
    ),
    "cancel_meeting_room": (
        CancelMeetingRoomEvent,
        {
            **event_header("cancel_meeting_room", from_user=MEMBER),
            "meeting_room_id": 2,
            "booking_id": "bk0001",
        },
    ),
    "change_school_contact": (
        SchoolContactEvent,
        {
            **event_header("change_school_contact", agent_id=None),
            "change_type": SchoolContactChangeType.CREATE_STUDENT,
            "id": "student_1",
        },
    ),
    "change_school_contact.info": (
        SchoolContactEvent,
        {
            **info_header("change_school_contact"),
            "change_type": SchoolContactChangeType.CREATE_DEPARTMENT,
            "id": "12",
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])


def test_kf_token_stays_out_of_repr() -> None:
    ev = load("kf_msg_or_event")
    assert isinstance(ev, KfMsgOrEvent)
    assert ev.token == KF_TOKEN
    assert KF_TOKEN not in repr(ev)
    assert "wkxxxxxxx" in repr(ev)
