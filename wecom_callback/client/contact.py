"""The address book (通讯录): ``client.contact.get_user``, ``list_departments``.

WeCom docs: 读取成员 https://developer.work.weixin.qq.com/document/path/90196,
获取部门列表 https://developer.work.weixin.qq.com/document/path/90208.
"""

from __future__ import annotations

from pydantic import Field

from wecom_callback.client._models import APIModel, APIResponse
from wecom_callback.client._namespace import Namespace

__all__ = ["ContactAPI", "Department", "User"]


class User(APIResponse):
    """A member, as user/get answers (fields depend on the app's permissions)."""

    userid: str
    """The member's userid."""
    name: str | None = None
    """Their name (only for apps created before 2022-06-20, or the contacts secret)."""
    department: list[int] = Field(default_factory=list)
    """Their departments."""
    position: str | None = None
    """Job title."""
    status: int | None = None
    """1 active, 2 disabled, 4 not yet activated, 5 left."""
    main_department: int | None = None
    """Their main department."""
    open_userid: str | None = None
    """The provider-scoped id (third-party apps)."""


class Department(APIModel):
    """A department."""

    id: int
    """The department's id (1 is the root)."""
    name: str | None = None
    """Its name."""
    parentid: int | None = None
    """The parent's id."""
    order: int | None = None
    """Sort order within the parent."""
    department_leader: list[str] = Field(default_factory=list)
    """The leaders' userids."""


class _Departments(APIResponse):
    department: list[Department] = Field(default_factory=list)


class ContactAPI(Namespace):
    """``client.contact``: members and departments."""

    async def get_user(self, userid: str) -> User:
        """The member ``userid`` (60111: no such member)."""
        return await self._get("user/get", {"userid": userid}, User)

    async def list_departments(self, id: int | None = None) -> list[Department]:
        """Departments under ``id`` (all visible ones if None)."""
        params = None if id is None else {"id": id}
        return (await self._get("department/list", params, _Departments)).department
