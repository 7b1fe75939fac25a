"""The fake WeCom API's directory endpoints: apps, members, departments, IPs, tickets."""

from __future__ import annotations

from typing import Any

from wecom_callback.testing._fake_endpoints import Incoming, error, ok
from wecom_callback.testing._fake_state import FakeState

__all__ = [
    "agent_get",
    "agent_list",
    "agent_set",
    "agent_ticket",
    "api_domain_ip",
    "callback_ip",
    "department_list",
    "jsapi_ticket",
    "user_get",
]


def _agent_id(state: FakeState, req: Incoming, value: Any) -> int | dict[str, Any]:
    try:
        agent_id = int(value)
    except (TypeError, ValueError):
        return error(40056, "invalid agentid")
    own = state.secret_of(str(req.token)).agent_id
    if own is not None and agent_id != own:
        return error(301002, "not allow operate another agent with this accesstoken.")
    return agent_id


def agent_get(state: FakeState, req: Incoming) -> dict[str, Any]:
    agent_id = _agent_id(state, req, req.params.get("agentid"))
    if isinstance(agent_id, dict):
        return agent_id
    return ok(
        agentid=agent_id,
        name="Fake app",
        square_logo_url="https://p.qlogo.cn/bizmail/fake/0",
        description="An app of the fake WeCom API",
        allow_userinfos={"user": [{"userid": u} for u in sorted(state.users)]},
        allow_partys={"partyid": [1]},
        allow_tags={"tagid": []},
        close=0,
        redirect_domain="example.com",
        report_location_flag=0,
        isreportenter=0,
        home_url="",
    )


def agent_list(state: FakeState, req: Incoming) -> dict[str, Any]:
    ids = sorted({s.agent_id for s in state.secrets.values() if s.agent_id is not None})
    return ok(agentlist=[{"agentid": i, "name": f"Fake app {i}"} for i in ids])


def agent_set(state: FakeState, req: Incoming) -> dict[str, Any]:
    agent_id = _agent_id(state, req, req.data.get("agentid"))
    return agent_id if isinstance(agent_id, dict) else ok()


def user_get(state: FakeState, req: Incoming) -> dict[str, Any]:
    userid = req.params.get("userid", "")
    if userid.lower() not in {u.lower() for u in state.users}:
        return error(60111, "userid not found")
    return ok(userid=userid, name=userid.title(), department=[1], status=1, main_department=1)


def department_list(state: FakeState, req: Incoming) -> dict[str, Any]:
    departments = [
        {"id": 1, "name": "Fake Corp", "parentid": 0, "order": 100000000},
        {"id": 2, "name": "R&D", "parentid": 1, "order": 100000000},
    ]
    wanted = req.params.get("id")
    if wanted is not None:  # the department and its children
        departments = [d for d in departments if wanted in (str(d["id"]), str(d["parentid"]))]
    return ok(department=departments)


def callback_ip(state: FakeState, req: Incoming) -> dict[str, Any]:
    return ok(ip_list=["101.226.103.0/25", "182.254.11.176"])


def api_domain_ip(state: FakeState, req: Incoming) -> dict[str, Any]:
    return ok(ip_list=["182.254.11.176", "182.254.78.66"])


def jsapi_ticket(state: FakeState, req: Incoming) -> dict[str, Any]:
    ticket, expires_in = state.ticket(str(req.token), "corp")
    return ok(ticket=ticket, expires_in=expires_in)


def agent_ticket(state: FakeState, req: Incoming) -> dict[str, Any]:
    if req.params.get("type") != "agent_config":
        return error(40058, "invalid Parameter: type")
    ticket, expires_in = state.ticket(str(req.token), "agent_config")
    return ok(ticket=ticket, expires_in=expires_in)
