"""Office events: schedules, calendars, meeting rooms, live streams and chat archiving.

WeCom documents: 日程 / 回调通知 (page 93704);
会议室 / 回调通知 (page 95333); 直播回调事件 (page 94145);
会话内容存档 / 产生会话回调事件 (page 95039)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import OptInt, OptStr

__all__ = [
    "AddCalendarEvent",
    "AddScheduleEvent",
    "BookMeetingRoomEvent",
    "CancelMeetingRoomEvent",
    "DeleteCalendarEvent",
    "DeleteScheduleEvent",
    "LivingStatusChangeEvent",
    "ModifyCalendarEvent",
    "ModifyScheduleEvent",
    "MsgauditNotifyEvent",
    "RespondScheduleEvent",
]

_SCHEDULE_DOC = doc_page(93704)
_ROOM_DOC = doc_page(95333)


class _CalendarEvent(Event):
    cal_id: OptStr = Field(None, alias="CalId")
    """The calendar id."""


class AddCalendarEvent(_CalendarEvent):
    """A calendar was created (添加日历事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "add_calendar"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class ModifyCalendarEvent(_CalendarEvent):
    """A calendar was changed (修改日历事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "modify_calendar"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class DeleteCalendarEvent(_CalendarEvent):
    """A calendar was deleted (删除日历事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "delete_calendar"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class _ScheduleEvent(_CalendarEvent):
    schedule_id: OptStr = Field(None, alias="ScheduleId")
    """The schedule id."""


class AddScheduleEvent(_ScheduleEvent):
    """A schedule was created (添加日程事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "add_schedule"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class ModifyScheduleEvent(_ScheduleEvent):
    """A schedule was changed (修改日程事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "modify_schedule"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class DeleteScheduleEvent(_ScheduleEvent):
    """A schedule was deleted (删除日程事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "delete_schedule"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class RespondScheduleEvent(_ScheduleEvent):
    """An attendee answered a schedule invitation (日程回执事件).

    WeCom doc: 日程 / 回调通知 (page 93704)
    """

    KIND: ClassVar[str] = "respond_schedule"
    DOC: ClassVar[str] = _SCHEDULE_DOC


class _MeetingRoomEvent(Event):
    meeting_room_id: OptInt = Field(None, alias="MeetingRoomId")
    """The meeting room id."""
    meeting_id: OptStr = Field(None, alias="MeetingId")
    """The booking's meeting id."""
    booking_id: OptStr = Field(None, alias="BookingId")
    """The booking id, where sent (older callbacks)."""


class BookMeetingRoomEvent(_MeetingRoomEvent):
    """A meeting room was booked (预定会议室事件).

    WeCom doc: 会议室 / 回调通知 (page 95333)
    """

    KIND: ClassVar[str] = "book_meeting_room"
    DOC: ClassVar[str] = _ROOM_DOC


class CancelMeetingRoomEvent(_MeetingRoomEvent):
    """A meeting room booking was cancelled (取消预定会议室事件).

    WeCom doc: 会议室 / 回调通知 (page 95333)
    """

    KIND: ClassVar[str] = "cancel_meeting_room"
    DOC: ClassVar[str] = _ROOM_DOC


class LivingStatusChangeEvent(Event):
    """A live stream changed state (直播回调事件).

    WeCom doc: 直播回调事件 (page 94145)
    """

    KIND: ClassVar[str] = "living_status_change"
    DOC: ClassVar[str] = doc_page(94145)

    living_id: OptStr = Field(None, alias="LivingId")
    """The live stream id."""
    status: OptInt = Field(None, alias="Status")
    """0 reserved, 1 live, 2 ended, 4 cancelled."""


class MsgauditNotifyEvent(Event):
    """New archived chat data is ready to pull (产生会话回调事件); no payload.

    WeCom doc: 会话内容存档 (page 95039)
    """

    KIND: ClassVar[str] = "msgaudit_notify"
    DOC: ClassVar[str] = doc_page(95039)
