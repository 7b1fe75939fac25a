"""Third-party orders and API licences (InfoType): app orders, licence payments, activation.

WeCom documents: 收费 / 回调通知 (open_order ... change_editon) (page 91929) and the pages after it;
接口调用许可 / 回调通知 (page 95716),
95805 and 95994.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, WeComModel, doc_page
from ._types import OptInt, OptStr, UtcDatetime, repeated

__all__ = [
    "AutoActivateAccount",
    "AutoActivateEvent",
    "ChangeEditonEvent",
    "ChangeOrderEvent",
    "LicensePaySuccessEvent",
    "LicenseRefundEvent",
    "OpenOrderEvent",
    "PayForAppSuccessEvent",
    "RefundEvent",
]


class _AppOrderEvent(Event):
    paid_corp_id: OptStr = Field(None, alias="PaidCorpId")
    """The CorpID of the corp that orders."""


class OpenOrderEvent(_AppOrderEvent):
    """A corp placed an order for the app (下单成功通知).

    WeCom doc: 下单成功通知 (page 91929)
    """

    KIND: ClassVar[str] = "open_order"
    DOC: ClassVar[str] = doc_page(91929)

    order_id: OptStr = Field(None, alias="OrderId")
    """The order id."""
    operator_id: OptStr = Field(None, alias="OperatorId")
    """The UserID of the provider's member who placed the order for the corp, if any."""


class ChangeOrderEvent(_AppOrderEvent):
    """An order was changed by the provider (改单通知).

    WeCom doc: 改单通知 (page 91930)
    """

    KIND: ClassVar[str] = "change_order"
    DOC: ClassVar[str] = doc_page(91930)

    old_order_id: OptStr = Field(None, alias="OldOrderId")
    """The order replaced."""
    new_order_id: OptStr = Field(None, alias="NewOrderId")
    """The new order."""


class PayForAppSuccessEvent(_AppOrderEvent):
    """An order was paid (支付成功通知).

    WeCom doc: 支付成功通知 (page 91931)
    """

    KIND: ClassVar[str] = "pay_for_app_success"
    DOC: ClassVar[str] = doc_page(91931)

    order_id: OptStr = Field(None, alias="OrderId")
    """The order id."""


class RefundEvent(_AppOrderEvent):
    """An order was refunded (退款通知).

    WeCom doc: 退款通知 (page 91932)
    """

    KIND: ClassVar[str] = "refund"
    DOC: ClassVar[str] = doc_page(91932)

    order_id: OptStr = Field(None, alias="OrderId")
    """The order id."""


class ChangeEditonEvent(_AppOrderEvent):
    """The app's edition changed for a corp (应用版本变更通知; InfoType ``change_editon``, sic).

    WeCom doc: 应用版本变更通知 (page 91933)
    """

    KIND: ClassVar[str] = "change_editon"
    DOC: ClassVar[str] = doc_page(91933)


class LicensePaySuccessEvent(Event):
    """An API-licence order was paid (支付成功通知, 接口调用许可).

    WeCom doc: 接口调用许可 / 支付成功通知 (page 95716)
    """

    KIND: ClassVar[str] = "license_pay_success"
    DOC: ClassVar[str] = doc_page(95716)

    service_corp_id: OptStr = Field(None, alias="ServiceCorpId")
    """The provider's CorpID."""
    order_id: OptStr = Field(None, alias="OrderId")
    """The licence order id."""
    buyer_user_id: OptStr = Field(None, alias="BuyerUserId")
    """The provider's member who placed the order."""


class LicenseRefundEvent(Event):
    """An API-licence order was refunded, or its refund failed (退款结果通知).

    WeCom doc: 接口调用许可 / 退款结果通知 (page 95805)
    """

    KIND: ClassVar[str] = "license_refund"
    DOC: ClassVar[str] = doc_page(95805)

    service_corp_id: OptStr = Field(None, alias="ServiceCorpId")
    """The provider's CorpID."""
    order_id: OptStr = Field(None, alias="OrderId")
    """The licence order id."""
    order_status: OptInt = Field(None, alias="OrderStatus")
    """The order's status after the refund (see the licence order statuses)."""


class AutoActivateAccount(WeComModel):
    """One ``AccountList`` entry of ``auto_activate``: a licence activated for a member."""

    active_code: OptStr = Field(None, alias="ActiveCode")
    """The activation code used."""
    type: OptInt = Field(None, alias="Type")
    """1 basic licence, 2 interworking licence."""
    expire_time: UtcDatetime | None = Field(None, alias="ExpireTime")
    """When the licence expires (UTC)."""
    user_id: OptStr = Field(None, alias="UserId")
    """The member the licence was activated for."""
    previous_status: OptInt = Field(None, alias="PreviousStatus")
    """The member's licence status before."""
    previous_active_code: OptStr = Field(None, alias="PreviousActiveCode")
    """The code the member had before, if any."""


class AutoActivateEvent(Event):
    """Licences were activated automatically for members (自动激活回调通知).

    WeCom doc: 接口调用许可 / 自动激活回调通知 (page 95994)
    """

    KIND: ClassVar[str] = "auto_activate"
    DOC: ClassVar[str] = doc_page(95994)

    service_corp_id: OptStr = Field(None, alias="ServiceCorpId")
    """The provider's CorpID."""
    scene: OptInt = Field(None, alias="Scene")
    """The scene code that triggered the activation (see doc 95994)."""
    account_list: Annotated[list[AutoActivateAccount], repeated()] = Field(
        default_factory=list, alias="AccountList"
    )
    """The licences activated (one element each)."""
