"""Third-party suite instructions: tickets, authorisation, registration, orders, licences."""

from __future__ import annotations

import pytest

from wecom_callback.models import (
    ApproveSpecialAuthEvent,
    AutoActivateEvent,
    CancelAuthEvent,
    CancelSpecialAuthEvent,
    ChangeAuthEvent,
    ChangeEditonEvent,
    ChangeOrderEvent,
    CorpArchAuthEvent,
    CreateAuthEvent,
    LicensePaySuccessEvent,
    LicenseRefundEvent,
    OpenOrderEvent,
    PayForAppSuccessEvent,
    RefundEvent,
    RegisterCorpEvent,
    ResetPermanentCodeEvent,
    SuiteTicketEvent,
)

from ._support import SERVICE_CORP, Case, check_case, info_header, load, utc

PAID = "wwpaidcorp0000001"
SECRETS = {
    "suite_ticket.info": "asdfasfdasdfasdf",
    "create_auth.info": "AUTHCODE",
    "reset_permanent_code.info": "RESETCODE",
    "register_corp.info": "TOKEN_SECRET_VALUE",
}

CASES: dict[str, Case] = {
    "suite_ticket.info": (
        SuiteTicketEvent,
        {**info_header("suite_ticket", auth_corp_id=None), "suite_ticket": "asdfasfdasdfasdf"},
    ),
    "create_auth.info": (
        CreateAuthEvent,
        {
            **info_header("create_auth", auth_corp_id=None),
            "auth_code": "AUTHCODE",
            "state": "STATE",
            "extra_info": {"auth_open_kf_id_list": ["wk11111", "wk22222"]},
        },
    ),
    "change_auth.info": (
        ChangeAuthEvent,
        {
            **info_header("change_auth"),
            "state": "STATE2",
            "extra_info": {"auth_open_kf_id_list": ["wk33333"]},
        },
    ),
    "cancel_auth.info": (CancelAuthEvent, info_header("cancel_auth")),
    "reset_permanent_code.info": (
        ResetPermanentCodeEvent,
        {**info_header("reset_permanent_code", auth_corp_id=None), "auth_code": "RESETCODE"},
    ),
    "register_corp.info": (
        RegisterCorpEvent,
        {
            **info_header("register_corp", suite_id=None),
            "service_corp_id": SERVICE_CORP,
            "register_code": "pIKi3wRPNWCGF-pyP-YU5KWjDDD",
            "contact_sync": {"access_token": "TOKEN_SECRET_VALUE", "expires_in": 1800},
            "auth_user_info": {"user_id": "zhangshan"},
            "state": "state1",
            "template_id": "tpl1test",
        },
    ),
    "corp_arch_auth.info": (CorpArchAuthEvent, info_header("corp_arch_auth")),
    "approve_special_auth.info": (
        ApproveSpecialAuthEvent,
        {**info_header("approve_special_auth"), "auth_type": "call_voip"},
    ),
    "cancel_special_auth.info": (
        CancelSpecialAuthEvent,
        {**info_header("cancel_special_auth"), "auth_type": "call_voip"},
    ),
    "open_order.info": (
        OpenOrderEvent,
        {
            **info_header("open_order", auth_corp_id=None),
            "paid_corp_id": PAID,
            "order_id": "O0001",
            "operator_id": "op1",
        },
    ),
    "change_order.info": (
        ChangeOrderEvent,
        {
            **info_header("change_order", auth_corp_id=None),
            "paid_corp_id": PAID,
            "old_order_id": "O0001",
            "new_order_id": "O0002",
        },
    ),
    "pay_for_app_success.info": (
        PayForAppSuccessEvent,
        {
            **info_header("pay_for_app_success", auth_corp_id=None),
            "paid_corp_id": PAID,
            "order_id": "O0002",
        },
    ),
    "refund.info": (
        RefundEvent,
        {**info_header("refund", auth_corp_id=None), "paid_corp_id": PAID, "order_id": "O0003"},
    ),
    "change_editon.info": (
        ChangeEditonEvent,
        {**info_header("change_editon", auth_corp_id=None), "paid_corp_id": PAID},
    ),
    "license_pay_success.info": (
        LicensePaySuccessEvent,
        {
            **info_header("license_pay_success", suite_id=None),
            "service_corp_id": SERVICE_CORP,
            "order_id": "OI00000001",
            "buyer_user_id": "buyer1",
        },
    ),
    "license_refund.info": (
        LicenseRefundEvent,
        {
            **info_header("license_refund", suite_id=None),
            "service_corp_id": SERVICE_CORP,
            "order_id": "OI00000001",
            "order_status": 5,
        },
    ),
    "auto_activate.info": (
        AutoActivateEvent,
        {
            **info_header("auto_activate", suite_id=None),
            "service_corp_id": SERVICE_CORP,
            "scene": 1,
            "account_list": [
                {
                    "active_code": "code1",
                    "type": 1,
                    "expire_time": utc(1735689600),
                    "user_id": "user1",
                    "previous_status": 1,
                    "previous_active_code": "code0",
                },
                {
                    "active_code": "code2",
                    "type": 2,
                    "expire_time": utc(1735776000),
                    "user_id": "user2",
                    "previous_status": None,
                    "previous_active_code": None,
                },
            ],
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_secrets_stay_out_of_repr(name: str) -> None:
    model = load(name)
    assert SECRETS[name] not in repr(model)
    assert SECRETS[name] not in str(model)
