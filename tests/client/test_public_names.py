"""The client's front door: every public name exported, sorted and documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "wecom_callback.client",
    "wecom_callback.client.agent",
    "wecom_callback.client.appchat",
    "wecom_callback.client.contact",
    "wecom_callback.client.external_contact",
    "wecom_callback.client.jsapi",
    "wecom_callback.client.kf",
    "wecom_callback.client.media",
    "wecom_callback.client.message",
    "wecom_callback.client.oa",
    "wecom_callback._stores",
    "wecom_callback.testing._fake_api",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_complete_and_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    exported = list(module.__all__)
    assert exported == sorted(exported)
    for attr in exported:
        obj = getattr(module, attr)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        assert obj.__doc__, f"{name}.{attr} has no docstring"
        if not inspect.isclass(obj):
            continue
        for member, value in vars(obj).items():
            if member.startswith("_"):
                continue
            function = value.fget if isinstance(value, property) else value
            if inspect.isfunction(function):
                assert function.__doc__, f"{name}.{attr}.{member} has no docstring"


def test_the_contract_names() -> None:
    from wecom_callback.client import WeComClient, jsapi_signature
    from wecom_callback.testing import FakeWeComAPI

    for method in ("call", "with_secret", "aclose", "get_callback_ip", "get_api_domain_ip"):
        assert callable(getattr(WeComClient, method))
    assert callable(jsapi_signature) and callable(FakeWeComAPI)
