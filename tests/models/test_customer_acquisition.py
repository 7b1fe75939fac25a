"""``customer_acquisition``: each change type in its Event and its InfoType form."""

from __future__ import annotations

from typing import Any

import pytest

from wecom_callback.models import (
    BalanceExhaustedEvent,
    BalanceIncreasedEvent,
    BalanceLowEvent,
    CustomerAcquisitionChangeType,
    CustomerAcquisitionEvent,
    CustomerStartChatEvent,
    DeleteLinkEvent,
    FriendRequestEvent,
    LinkUnavailableEvent,
    MessageFromCustomerEvent,
    OpenProfileEvent,
    QuotaExpireSoonEvent,
)

from ._support import Case, check_case, event_header, info_header, utc

CA = CustomerAcquisitionChangeType
LINK = "cawcde06a8fe2d20e2"


def _event(change: CustomerAcquisitionChangeType, **fields: Any) -> dict[str, Any]:
    return {**event_header("customer_acquisition", agent_id=None), "change_type": change, **fields}


def _info(change: CustomerAcquisitionChangeType, **fields: Any) -> dict[str, Any]:
    return {**info_header("customer_acquisition"), "change_type": change, **fields}


CASES: dict[str, Case] = {
    "customer_acquisition.balance_low": (BalanceLowEvent, _event(CA.BALANCE_LOW)),
    "customer_acquisition.balance_low.info": (BalanceLowEvent, _info(CA.BALANCE_LOW)),
    "customer_acquisition.balance_exhausted": (
        BalanceExhaustedEvent,
        _event(CA.BALANCE_EXHAUSTED),
    ),
    "customer_acquisition.balance_exhausted.info": (
        BalanceExhaustedEvent,
        _info(CA.BALANCE_EXHAUSTED),
    ),
    "customer_acquisition.balance_increased": (
        BalanceIncreasedEvent,
        _event(CA.BALANCE_INCREASED),
    ),
    "customer_acquisition.balance_increased.info": (
        BalanceIncreasedEvent,
        _info(CA.BALANCE_INCREASED),
    ),
    "customer_acquisition.quota_expire_soon": (
        QuotaExpireSoonEvent,
        _event(CA.QUOTA_EXPIRE_SOON, expire_time=utc(1702592000), expire_quota_num=30),
    ),
    "customer_acquisition.quota_expire_soon.info": (
        QuotaExpireSoonEvent,
        _info(CA.QUOTA_EXPIRE_SOON, expire_time=utc(1702678400), expire_quota_num=5),
    ),
    "customer_acquisition.link_unavailable": (
        LinkUnavailableEvent,
        _event(CA.LINK_UNAVAILABLE, link_id=LINK),
    ),
    "customer_acquisition.link_unavailable.info": (
        LinkUnavailableEvent,
        _info(CA.LINK_UNAVAILABLE, link_id=LINK),
    ),
    "customer_acquisition.delete_link": (DeleteLinkEvent, _event(CA.DELETE_LINK, link_id=LINK)),
    "customer_acquisition.delete_link.info": (
        DeleteLinkEvent,
        _info(CA.DELETE_LINK, link_id=LINK),
    ),
    "customer_acquisition.open_profile": (
        OpenProfileEvent,
        _event(CA.OPEN_PROFILE, link_id=LINK, state="channel_a"),
    ),
    "customer_acquisition.open_profile.info": (
        OpenProfileEvent,
        _info(CA.OPEN_PROFILE, link_id=LINK, state="channel_b"),
    ),
    "customer_acquisition.friend_request": (
        FriendRequestEvent,
        _event(CA.FRIEND_REQUEST, link_id=LINK, state="channel_a"),
    ),
    "customer_acquisition.friend_request.info": (
        FriendRequestEvent,
        _info(CA.FRIEND_REQUEST, link_id=LINK),
    ),
    "customer_acquisition.customer_start_chat": (
        CustomerStartChatEvent,
        _event(CA.CUSTOMER_START_CHAT, user_id="zhangsan", external_user_id="wmEXT1"),
    ),
    "customer_acquisition.customer_start_chat.info": (
        CustomerStartChatEvent,
        _info(
            CA.CUSTOMER_START_CHAT,
            user_id="lisi",
            external_user_id="wmEXT2",
            link_id=LINK,
            state="channel_c",
        ),
    ),
    "customer_acquisition.message_from_customer": (
        MessageFromCustomerEvent,
        _event(
            CA.MESSAGE_FROM_CUSTOMER, user_id="zhangsan", external_user_id="wmEXT1", link_id=LINK
        ),
    ),
    "customer_acquisition.message_from_customer.info": (
        MessageFromCustomerEvent,
        _info(CA.MESSAGE_FROM_CUSTOMER, user_id="lisi", external_user_id="wmEXT2"),
    ),
    "customer_acquisition.future.info": (
        CustomerAcquisitionEvent,
        _info(CA("service_balance_low")),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])
