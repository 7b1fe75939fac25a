"""``change_external_tag``: customer tags or tag groups were created, changed, deleted, reordered.

One class serves both forms: the Event of self-built apps and the InfoType a suite
receives (with ``SuiteId``/``AuthCorpId``).

WeCom documents: 客户联系 / 事件 (page 92130)
(self-built) and 92277 (third-party InfoType form).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import BlankIsNone, OpenStrEnum, OptInt, OptStr

__all__ = [
    "CreateExternalTagEvent",
    "DeleteExternalTagEvent",
    "ExternalTagChangeType",
    "ExternalTagEvent",
    "ExternalTagType",
    "ShuffleExternalTagEvent",
    "UpdateExternalTagEvent",
]

_DOC = doc_page(92130)


class ExternalTagChangeType(OpenStrEnum):
    """ChangeType values of ``change_external_tag``."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SHUFFLE = "shuffle"


class ExternalTagType(OpenStrEnum):
    """``TagType`` values: what the ``Id`` names."""

    TAG = "tag"
    TAG_GROUP = "tag_group"


class ExternalTagEvent(Event):
    """``change_external_tag`` with a ChangeType this version does not type.

    WeCom doc: 客户联系 / 事件 (page 92130)
    (third-party InfoType form: page 92277)
    """

    KIND: ClassVar[str] = "change_external_tag"
    DOC: ClassVar[str] = _DOC

    change_type: ExternalTagChangeType = Field(alias="ChangeType")
    """What happened."""
    id: OptStr = Field(None, alias="Id")
    """The tag or tag group id (``et...``)."""
    strategy_id: OptInt = Field(None, alias="StrategyId")
    """The rule group of a rule-group tag; absent for corp tags."""


class _TypedTagEvent(ExternalTagEvent):
    tag_type: Annotated[ExternalTagType | None, BlankIsNone] = Field(None, alias="TagType")
    """Whether ``id`` is a tag or a tag group."""


class CreateExternalTagEvent(_TypedTagEvent):
    """A customer tag or tag group was created (企业客户标签创建事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "create"


class UpdateExternalTagEvent(_TypedTagEvent):
    """A customer tag or tag group was changed (企业客户标签变更事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "update"


class DeleteExternalTagEvent(_TypedTagEvent):
    """A customer tag or tag group was deleted (企业客户标签删除事件).

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "delete"


class ShuffleExternalTagEvent(ExternalTagEvent):
    """Customer tags were reordered (企业客户标签重排事件).

    ``id`` is the tag group reordered, or empty when the groups themselves were.

    WeCom doc: 客户联系 / 事件 (page 92130)
    """

    CHANGE_TYPE: ClassVar[str] = "shuffle"
