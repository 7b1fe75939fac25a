"""Tell applicants when their approval application changes state.

    .venv/bin/python examples/approval_notifier.py

The sys_approval_change callback names the application; the handler reads the details
with ``client.oa.get_approval_detail`` and sends the applicant an app message.

The demo starts a FakeWeComAPI, serves the app, sends itself a signed callback, and
prints the message the applicant got.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from wecom_callback import WeComApp
from wecom_callback.client import TextCard, WeComClient
from wecom_callback.models import SysApprovalChangeEvent
from wecom_callback.testing import FakeWeComAPI, Simulator, serving

TOKEN = "ApprovalToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
STATUS = {1: "is pending", 2: "was approved", 3: "was rejected", 4: "was withdrawn"}


def build_app(client: WeComClient) -> WeComApp:
    """The app: on every state change, a card to the applicant."""
    app = WeComApp(TOKEN, AES_KEY, client.corp_id, client=client, inbox="memory://")

    @app.on(SysApprovalChangeEvent)
    async def notify(ev: SysApprovalChangeEvent, client: WeComClient) -> None:
        info = ev.approval_info
        sp_no = info and (info.sp_no_str or info.sp_no)
        if not sp_no:
            return
        detail = await client.oa.get_approval_detail(sp_no)
        state = STATUS.get(detail.sp_status, "changed")
        card = TextCard(
            title=f"{detail.sp_name or 'Your application'} {state}",
            description=f"Application {detail.sp_no}",
            url=f"https://example.com/approvals/{detail.sp_no}",
        )
        await client.message.send(card, touser=detail.applyer.userid)

    return app


async def demo() -> list[dict[str, Any]]:
    """Run the scenario; the bodies message/send received."""
    async with FakeWeComAPI() as api:
        callback = Simulator(TOKEN, AES_KEY, api.corp_id).callback(
            {
                "ToUserName": api.corp_id,
                "FromUserName": "sys",
                "CreateTime": 1700000000,
                "MsgType": "event",
                "Event": "sys_approval_change",
                "AgentID": api.agent_id,
                "ApprovalInfo": {
                    "SpNo": "202412200001",
                    "SpNoStr": "202412200001",
                    "SpName": "Leave",
                    "SpStatus": 2,
                    "Applyer": {"UserId": "zhangsan", "Party": "1"},
                    "StatuChangeEvent": 2,
                },
            }
        )
        client = WeComClient(api.corp_id, api.secret, agent_id=api.agent_id, base_url=api.base_url)
        async with client, serving(build_app(client)) as url, httpx.AsyncClient() as http:
            answer = await http.post(callback.url(url), content=callback.body)
            print(f"callback answered HTTP {answer.status_code}")
        return [call.json for call in api.calls_to("message/send")]


if __name__ == "__main__":
    for body in asyncio.run(demo()):
        print("WeCom received message/send for", body["touser"], body["textcard"])
