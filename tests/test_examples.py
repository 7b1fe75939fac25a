"""The examples run: imported with credentials from the environment, fed real callbacks."""

from __future__ import annotations

import importlib
import pathlib
import sys
import threading
import time
from types import ModuleType

import pytest
from starlette.testclient import TestClient

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import build_site
from wecom_callback.testing import Simulator


def load(name: str, monkeypatch: pytest.MonkeyPatch, receive_ids: str) -> ModuleType:
    monkeypatch.setenv("WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", KEY)
    monkeypatch.setenv("WECOM_RECEIVE_ID", receive_ids)
    monkeypatch.setenv("WECOM_INBOX_URL", "memory://")
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def test_quickstart(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load("examples.quickstart", monkeypatch, CORP)
    sim = Simulator(TOKEN, KEY, CORP)
    with TestClient(module.app) as client:
        req = sim.callback(
            {
                "MsgType": "text",
                "Content": "hey",
                "MsgId": 1,
                "FromUserName": "u",
                "ToUserName": CORP,
            }
        )
        r = client.post(req.url("/"), content=req.body)
        assert b"you said hey" in sim.decrypt_reply(r.content)


def test_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole suite (install flow, data URL) is tested in tests/suite/test_example.py.
    monkeypatch.setenv("WECOM_SUITE_ID", "wwsuite1")
    monkeypatch.setenv("WECOM_SUITE_SECRET", "suite-secret")
    module = load("examples.suite", monkeypatch, "wwsuite1,wwprovider1")
    sim = Simulator(TOKEN, KEY, "wwsuite1")
    with TestClient(module.site) as client:
        req = sim.instruction("suite_ticket", {"SuiteTicket": "T1"})
        r = client.post(req.url("/wecom/instruction"), content=req.body)
        assert r.content == b"success"
        tickets, portal = module.app.suite_client.tickets, client.portal
        assert portal is not None  # set while the client is entered
        deadline = time.monotonic() + 20
        while portal.call(tickets.latest) is None and time.monotonic() < deadline:
            threading.Event().wait(0.05)
        latest = portal.call(tickets.latest)
        assert latest is not None and latest.value == "T1"


def test_the_settings_file_example(monkeypatch: pytest.MonkeyPatch) -> None:
    here = pathlib.Path(__file__).resolve().parents[1] / "examples" / "settings"
    monkeypatch.chdir(here)
    for name in ("HR", "KF"):
        monkeypatch.setenv(f"WECOM_{name}_TOKEN", TOKEN)
        monkeypatch.setenv(f"WECOM_{name}_ENCODING_AES_KEY", KEY)
        monkeypatch.setenv(f"WECOM_{name}_SECRET", f"{name} secret")
    monkeypatch.setenv("WECOM_INBOX_URL", "memory://")  # beats [defaults]: no file here
    for module in ("hr_handlers", "kf_handlers"):
        sys.modules.pop(module, None)
    site = build_site("wecom.toml")
    assert sorted(site.apps) == ["hr", "kf"]
    assert [h.kind for h in site.apps["hr"].router.handlers] == ["change_contact"]
    assert [h.kind for h in site.apps["kf"].router.handlers] == ["kf_msg_or_event"]
    sim = Simulator(TOKEN, KEY, "ww0123456789abcdef")
    with TestClient(site) as client:
        for path in ("/wecom/hr", "/wecom/kf"):
            check = sim.verify_request()
            assert client.get(check.url(path)).content == check.plaintext
        event = {"ToUserName": "ww0123456789abcdef", "FromUserName": "sys", "CreateTime": 1,
                 "MsgType": "event", "Event": "change_contact", "ChangeType": "update_user",
                 "UserID": "zhangsan"}  # fmt: skip
        req = sim.callback(event)
        assert client.post(req.url("/wecom/hr"), content=req.body).status_code == 200
