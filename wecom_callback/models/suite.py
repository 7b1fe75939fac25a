"""Third-party suite instructions (InfoType): tickets, authorisation, registration.

These arrive on a suite's instruction callback URL; the reply must be ``success``.
Secrets they carry (the suite ticket, auth codes, access tokens) stay out of ``repr``.

WeCom documents: 推送suite_ticket (page 90628);
授权通知事件 (page 90642); 注册完成回调事件 (page 90585)
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, WeComModel, doc_page
from ._types import BlankIsNone, OptInt, OptStr, items_of

__all__ = [
    "ApproveSpecialAuthEvent",
    "AuthExtraInfo",
    "CancelAuthEvent",
    "CancelSpecialAuthEvent",
    "ChangeAuthEvent",
    "ContactSync",
    "CorpArchAuthEvent",
    "CreateAuthEvent",
    "RegisterAuthUserInfo",
    "RegisterCorpEvent",
    "ResetPermanentCodeEvent",
    "SuiteTicketEvent",
]

_AUTH_DOC = doc_page(90642)
_SPECIAL_DOC = doc_page(98959)


class SuiteTicketEvent(Event):
    """WeCom pushed a fresh suite ticket (推送suite_ticket; every 10 minutes, valid 30).

    WeCom doc: 推送suite_ticket (page 90628)
    """

    KIND: ClassVar[str] = "suite_ticket"
    DOC: ClassVar[str] = doc_page(90628)

    suite_ticket: OptStr = Field(None, alias="SuiteTicket", repr=False)
    """The ticket for get_suite_token; a secret, kept out of ``repr``."""


class AuthExtraInfo(WeComModel):
    """``ExtraInfo`` of the auth events (set by the customer-service component)."""

    auth_open_kf_id_list: Annotated[list[str], items_of("OpenKfId")] = Field(
        default_factory=list, alias="AuthOpenKfIdList"
    )
    """The customer-service accounts authorised."""


class CreateAuthEvent(Event):
    """A corp installed the suite's app (授权成功通知); answer within 1000 ms.

    WeCom doc: 授权通知事件 (page 90642)
    """

    KIND: ClassVar[str] = "create_auth"
    DOC: ClassVar[str] = _AUTH_DOC

    auth_code: OptStr = Field(None, alias="AuthCode", repr=False)
    """One-time code for get_permanent_code (valid 10 minutes); a secret, not in ``repr``."""
    state: OptStr = Field(None, alias="State")
    """The ``state`` of the install link or QR code."""
    extra_info: Annotated[AuthExtraInfo | None, BlankIsNone] = Field(None, alias="ExtraInfo")
    """Extra details, e.g. the customer-service accounts authorised."""


class ChangeAuthEvent(Event):
    """A corp changed the suite's authorisation (变更授权通知).

    WeCom doc: 授权通知事件 (page 90642)
    """

    KIND: ClassVar[str] = "change_auth"
    DOC: ClassVar[str] = _AUTH_DOC

    state: OptStr = Field(None, alias="State")
    """The ``state`` of the authorisation link, where sent."""
    extra_info: Annotated[AuthExtraInfo | None, BlankIsNone] = Field(None, alias="ExtraInfo")
    """Extra details, e.g. the customer-service accounts now authorised."""


class CancelAuthEvent(Event):
    """A corp uninstalled the suite's app (取消授权通知); delete its data.

    WeCom doc: 授权通知事件 (page 90642)
    """

    KIND: ClassVar[str] = "cancel_auth"
    DOC: ClassVar[str] = _AUTH_DOC


class ResetPermanentCodeEvent(Event):
    """An admin reset the secret of a developed-on-behalf app (重置永久授权码通知).

    WeCom doc: 重置永久授权码通知 (page 97175)
    """

    KIND: ClassVar[str] = "reset_permanent_code"
    DOC: ClassVar[str] = doc_page(97175)

    auth_code: OptStr = Field(None, alias="AuthCode", repr=False)
    """One-time code for get_permanent_code; a secret, kept out of ``repr``."""


class ContactSync(WeComModel):
    """``ContactSync`` of ``register_corp``: a token to import the new corp's contacts."""

    access_token: OptStr = Field(None, alias="AccessToken", repr=False)
    """The contact-import access token; a secret, kept out of ``repr``."""
    expires_in: OptInt = Field(None, alias="ExpiresIn")
    """Seconds the token stays valid."""


class RegisterAuthUserInfo(WeComModel):
    """``AuthUserInfo`` of ``register_corp``: the admin who registered."""

    user_id: OptStr = Field(None, alias="UserId")
    """The admin's UserID."""


class RegisterCorpEvent(Event):
    """A corp registered through the provider's registration link (注册完成回调事件).

    WeCom doc: 注册完成回调事件 (page 90585)
    """

    KIND: ClassVar[str] = "register_corp"
    DOC: ClassVar[str] = doc_page(90585)

    service_corp_id: OptStr = Field(None, alias="ServiceCorpId")
    """The provider's CorpID."""
    register_code: OptStr = Field(None, alias="RegisterCode")
    """The registration code used."""
    contact_sync: Annotated[ContactSync | None, BlankIsNone] = Field(None, alias="ContactSync")
    """A token to import contacts into the new corp."""
    auth_user_info: Annotated[RegisterAuthUserInfo | None, BlankIsNone] = Field(
        None, alias="AuthUserInfo"
    )
    """The admin who registered."""
    state: OptStr = Field(None, alias="State")
    """The ``state`` of the registration link."""
    template_id: OptStr = Field(None, alias="TemplateId")
    """The registration template (推广包) id."""


class CorpArchAuthEvent(Event):
    """A corp authorised the suite to read its organisation architecture (授权组织架构权限通知).

    WeCom doc: 授权组织架构权限通知 (page 97378)
    """

    KIND: ClassVar[str] = "corp_arch_auth"
    DOC: ClassVar[str] = doc_page(97378)


class ApproveSpecialAuthEvent(Event):
    """A corp granted the app a special permission (获取特殊权限授权通知).

    WeCom doc: 特殊权限授权通知 (page 98959)
    """

    KIND: ClassVar[str] = "approve_special_auth"
    DOC: ClassVar[str] = _SPECIAL_DOC

    auth_type: OptStr = Field(None, alias="AuthType")
    """The permission granted."""


class CancelSpecialAuthEvent(Event):
    """A corp withdrew a special permission from the app (取消特殊权限授权通知).

    WeCom doc: 特殊权限授权通知 (page 98959)
    """

    KIND: ClassVar[str] = "cancel_special_auth"
    DOC: ClassVar[str] = _SPECIAL_DOC

    auth_type: OptStr = Field(None, alias="AuthType")
    """The permission withdrawn."""
