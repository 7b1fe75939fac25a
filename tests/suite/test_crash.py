"""SIGKILL a real server between admitting create_auth and finishing the exchange.

The fake answers get_auth_info slowly, so the kill lands after the single-use auth code
was exchanged and before the installation was complete. A fresh process resumes the
work from the inbox and finishes it without spending the code again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.conftest import KEY, TOKEN
from tests.durability.server_process import ServerProcess
from tests.suite.conftest import CORP, PROVIDER, SUITE, eventually, post, sqlite_url
from wecom_callback._stores import open_store
from wecom_callback.suite import Installation, StoreInstallations
from wecom_callback.testing import FakeWeComAPI, Simulator

APP = "tests.suite.suite_app:app"


def stored(url: str) -> Installation | None:
    async def read() -> Installation | None:
        store = open_store(url)
        try:
            return await StoreInstallations(store, SUITE).get(CORP)
        finally:
            await store.close()

    return asyncio.run(read())


def test_a_killed_exchange_is_resumed_exactly_once(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator, tmp_path: Path
) -> None:
    url = sqlite_url(tmp_path)
    env = {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_SUITE_ID": SUITE,
        "WECOM_SUITE_SECRET": suite_secret,
        "WECOM_PROVIDER_CORP_ID": PROVIDER,
        "WECOM_API_BASE_URL": fake.base_url,
        "WECOM_INBOX_URL": url,
        "WECOM_LEASE_SECONDS": "1.5",
        "WECOM_RECOVERY_INTERVAL": "0.3",
        "WECOM_RETRY_BASE_DELAY": "0.1",
    }
    ticket = fake.service.push_ticket(SUITE)
    code = fake.service.authorize(SUITE, CORP, corp_name="Corp A")
    fake.delay(8.0, path="service/get_auth_info", times=1)
    first = ServerProcess(APP, env)
    try:
        req = instruction.instruction("suite_ticket", {"SuiteTicket": ticket})
        assert post(first.url, req).content == b"success"
        r = post(first.url, instruction.instruction("create_auth", {"AuthCode": code}))
        assert r.status_code == 200 and r.content == b"success"
        # The code is exchanged and the result stored; get_auth_info is still pending.
        partial = eventually(lambda: stored(url), "the exchanged installation")
        assert not partial.complete
    finally:
        first.kill()

    second = ServerProcess(APP, env)
    try:
        done = eventually(lambda: (i := stored(url)) is not None and i.complete and i, "resume")
    finally:
        second.terminate()
    exchanges = fake.calls_to("service/v2/get_permanent_code")
    assert [c.errcode for c in exchanges] == [0]  # once, never 40078
    assert done.permanent_code.get_secret_value() == exchanges[0].answer["permanent_code"]
    assert done.agent_ids == (1000010,) and done.corp_name == "Corp A"
    logs = "".join(first.log + second.log)
    for secret in (ticket, code, suite_secret, exchanges[0].answer["permanent_code"]):
        assert secret not in logs
