"""App and agent-lifecycle events: follow, enter, location, batch jobs, sharing, licences.

WeCom documents: 接收事件 (page 90240)
(self-built apps) and 90376 (third-party apps, same shapes).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AliasChoices, Field

from ._base import Event, WeComModel, doc_page
from ._types import BlankIsNone, OpenStrEnum, OptFloat, OptInt, OptStr

__all__ = [
    "BatchJob",
    "BatchJobResultEvent",
    "BatchJobType",
    "ChangeAppAdminEvent",
    "CloseInactiveAgentEvent",
    "EnterAgentEvent",
    "LocationEvent",
    "ReopenInactiveAgentEvent",
    "ShareAgentChangeEvent",
    "ShareChainChangeEvent",
    "SubscribeEvent",
    "UnlicensedNotifyEvent",
    "UnsubscribeEvent",
]

_DOC = doc_page(90240)
_DOC_TP = doc_page(90376)


class SubscribeEvent(Event):
    """A member joined the app's visible range (成员关注事件).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "subscribe"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Unused for this event; kept if sent."""


class UnsubscribeEvent(Event):
    """A member left the app's visible range (成员取消关注事件).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "unsubscribe"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Unused for this event; kept if sent."""


class EnterAgentEvent(Event):
    """A member opened the app (进入应用).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "enter_agent"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """Empty for this event."""


class LocationEvent(Event):
    """A member's client reported its location (上报地理位置, Event ``LOCATION``).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "LOCATION"
    DOC: ClassVar[str] = _DOC

    latitude: OptFloat = Field(None, alias="Latitude")
    """Latitude."""
    longitude: OptFloat = Field(None, alias="Longitude")
    """Longitude."""
    precision: OptFloat = Field(None, alias="Precision")
    """Accuracy of the position."""
    app_type: OptStr = Field(None, alias="AppType")
    """``wxwork`` in the WeCom client; absent in WeChat."""


class BatchJobType(OpenStrEnum):
    """``JobType`` values of a batch job."""

    SYNC_USER = "sync_user"
    REPLACE_USER = "replace_user"
    INVITE_USER = "invite_user"
    REPLACE_PARTY = "replace_party"


class BatchJob(WeComModel):
    """The ``BatchJob`` element of ``batch_job_result``."""

    job_id: OptStr = Field(None, alias="JobId")
    """The async job id returned when the job was submitted."""
    job_type: Annotated[BatchJobType | None, BlankIsNone] = Field(None, alias="JobType")
    """What the job did: sync_user, replace_user, invite_user, replace_party."""
    err_code: OptInt = Field(None, alias="ErrCode")
    """The job's result code, 0 on success."""
    err_msg: OptStr = Field(None, alias="ErrMsg")
    """The job's result message."""


class BatchJobResultEvent(Event):
    """An async contact batch job finished (异步任务完成事件推送); also a suite InfoType.

    WeCom doc: 接收事件 (page 90240)
    (third-party form: 异步任务完成通知 (page 90376))
    """

    KIND: ClassVar[str] = "batch_job_result"
    DOC: ClassVar[str] = _DOC

    batch_job: Annotated[BatchJob | None, BlankIsNone] = Field(None, alias="BatchJob")
    """The job and its result."""


class _SharedAppEvent(Event):
    """Fields shared by the two app-sharing events (Event and InfoType forms)."""

    agent_id: OptInt = Field(
        None, alias="AgentID", validation_alias=AliasChoices("AgentID", "AgentId")
    )
    """The shared app's AgentID (``AgentId`` in the InfoType form)."""
    app_id: OptStr = Field(None, alias="AppId")
    """InfoType form: the app id of the shared app in the receiving corp."""
    corp_id: OptStr = Field(None, alias="CorpId")
    """InfoType form: the CorpID of the corp that shared the app."""


class ShareAgentChangeEvent(_SharedAppEvent):
    """A parent corp shared an app or stopped sharing it (企业互联共享应用事件回调).

    WeCom doc: 接收事件 (page 90240)
    (InfoType form: 共享应用事件回调 (page 93373))
    """

    KIND: ClassVar[str] = "share_agent_change"
    DOC: ClassVar[str] = _DOC


class ShareChainChangeEvent(_SharedAppEvent):
    """An upstream corp shared an app in a chain, or removed it (上下游共享应用事件回调).

    WeCom doc: 接收事件 (page 90376)
    """

    KIND: ClassVar[str] = "share_chain_change"
    DOC: ClassVar[str] = _DOC_TP


class CloseInactiveAgentEvent(Event):
    """An app unused for a long time was suspended (长期未使用应用临时停用事件).

    WeCom doc: 接收事件 (page 90376)
    """

    KIND: ClassVar[str] = "close_inactive_agent"
    DOC: ClassVar[str] = _DOC_TP


class ReopenInactiveAgentEvent(Event):
    """A suspended inactive app was enabled again (长期未使用应用重新启用事件).

    WeCom doc: 接收事件 (page 90376)
    """

    KIND: ClassVar[str] = "reopen_inactive_agent"
    DOC: ClassVar[str] = _DOC_TP


class ChangeAppAdminEvent(Event):
    """The admins of a third-party app changed (应用管理员变更通知; data callback URL).

    WeCom doc: 应用管理员变更通知 (page 95038)
    """

    KIND: ClassVar[str] = "change_app_admin"
    DOC: ClassVar[str] = doc_page(95038)


class UnlicensedNotifyEvent(Event):
    """A member without an API licence used the app (接口许可失效通知).

    ``from_user_name`` is the member's UserID.

    WeCom doc: 接口许可失效通知 (page 95716)
    """

    KIND: ClassVar[str] = "unlicensed_notify"
    DOC: ClassVar[str] = doc_page(95716)
