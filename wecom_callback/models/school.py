"""``change_school_contact``: students, parents and classes of the school contacts changed.

One class serves both forms: the Event of self-built apps and the InfoType a suite
receives (with ``SuiteId``/``AuthCorpId``). Every change type has the same shape.

WeCom document: 家校通讯录变更回调 (page 92052)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import Event, doc_page
from ._types import OpenStrEnum, OptStr

__all__ = ["SchoolContactChangeType", "SchoolContactEvent"]


class SchoolContactChangeType(OpenStrEnum):
    """ChangeType values of ``change_school_contact``."""

    CREATE_STUDENT = "create_student"
    UPDATE_STUDENT = "update_student"
    DELETE_STUDENT = "delete_student"
    CREATE_PARENT = "create_parent"
    UPDATE_PARENT = "update_parent"
    DELETE_PARENT = "delete_parent"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    CREATE_DEPARTMENT = "create_department"
    UPDATE_DEPARTMENT = "update_department"
    DELETE_DEPARTMENT = "delete_department"


class SchoolContactEvent(Event):
    """A student, parent or school department changed (家校通讯录变更回调).

    WeCom doc: 家校通讯录变更回调 (page 92052)
    """

    KIND: ClassVar[str] = "change_school_contact"
    DOC: ClassVar[str] = doc_page(92052)

    change_type: SchoolContactChangeType = Field(alias="ChangeType")
    """What changed."""
    id: OptStr = Field(None, alias="Id")
    """The student's or parent's UserID, or the department id."""
