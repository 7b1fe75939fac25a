"""The fake WeCom API's messaging, customer, approval and media endpoints.

Each handler takes the state (its lock held) and the request, and returns the JSON
answer. Facts follow OUTBOUND.md section 2: ``invaliduser`` is a "|" string in
message/send and an array in update_template_card; media ``created_at`` is a string.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from wecom_callback.testing._fake_state import FakeState

__all__ = ["Incoming", "Upload", "error", "ok"]


@dataclass(frozen=True)
class Incoming:
    """A request as the handlers see it."""

    params: dict[str, str]
    json: Any
    body: bytes
    headers: dict[str, str]
    token: str | None

    @property
    def data(self) -> dict[str, Any]:
        """The JSON body if it is an object, else ``{}``."""
        return self.json if isinstance(self.json, dict) else {}


@dataclass(frozen=True)
class Upload:
    """A file media/upload received, named as WeCom reads the name (raw ``filename=``)."""

    kind: str
    """image, voice, video or file."""
    filename: str
    """The raw UTF-8 ``filename="..."``; empty when only ``filename*=`` was sent."""
    content: bytes
    """The file's bytes."""
    media_id: str
    """The media id answered."""


_MSGID = re.compile(r"[0-9a-zA-Z_\-]{1,32}")
_INTERACTIVE = {"button_interaction", "vote_interaction", "multiple_interaction"}


def error(errcode: int, errmsg: str) -> dict[str, Any]:
    """WeCom's error answer."""
    hint = f", more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"
    return {"errcode": errcode, "errmsg": errmsg + hint}


def ok(**fields: Any) -> dict[str, Any]:
    """WeCom's success answer."""
    return {"errcode": 0, "errmsg": "ok", **fields}


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.split("|") if part]
    return [str(v) for v in value or ()]


def gettoken(state: FakeState, req: Incoming) -> dict[str, Any]:
    if req.params.get("corpid") != state.corp_id:
        return error(40013, "invalid corpid")
    entry = state.secrets.get(req.params.get("corpsecret", ""))
    if entry is None or not entry.enabled:
        # WeCom's wording, though the secret is what is wrong (OUTBOUND.md 1.2).
        return error(40001, "invalid credential, access_token is invalid or not latest")
    token, expires_in = state.issue_token(req.params["corpsecret"])
    return ok(access_token=token, expires_in=expires_in)


def message_send(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    agentid = body.get("agentid")
    if not isinstance(agentid, int) or isinstance(agentid, bool):
        return error(40056, "invalid agentid")
    own = state.secret_of(str(req.token)).agent_id
    if own is not None and agentid != own:
        return error(301002, "not allow operate another agent with this accesstoken.")
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or not isinstance(body.get(msgtype), dict):
        return error(40008, "invalid message type")
    if msgtype == "text" and not body["text"].get("content"):
        return error(44004, "empty content")
    users, parties, tags = _ids(body.get("touser")), body.get("toparty"), body.get("totag")
    if not (users or parties or tags):
        return error(40058, "invalid Parameter: no recipient")
    known = {u.lower() for u in state.users}
    invalid = [] if users == ["@all"] else [u.lower() for u in users if u.lower() not in known]
    if users and len(invalid) == len(users) and not (parties or tags):
        return error(81013, "user & party & tag all invalid")
    msgid = secrets.token_urlsafe(24)
    state.sent_msgids.add(msgid)
    answer = ok(invaliduser="|".join(invalid), msgid=msgid)
    if msgtype == "template_card" and body["template_card"].get("card_type") in _INTERACTIVE:
        answer["response_code"] = secrets.token_urlsafe(24)
    return answer


def update_template_card(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    if not body.get("response_code"):
        return error(60140, "response_code invalid or used")
    known = {u.lower() for u in state.users}
    invalid = [u for u in _ids(body.get("userids")) if u.lower() not in known]
    return ok(invaliduser=invalid)  # an array here, unlike message/send


def recall(state: FakeState, req: Incoming) -> dict[str, Any]:
    msgid = req.data.get("msgid")
    if msgid not in state.sent_msgids:
        return error(40058, "invalid Parameter: msgid")
    state.sent_msgids.discard(msgid)
    return ok()


def appchat_create(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    members = body.get("userlist") or []
    if not 2 <= len(members) <= 2000:
        return error(40058, "invalid Parameter: userlist")
    chatid = body.get("chatid") or secrets.token_hex(8)
    owner = body.get("owner") or members[0]
    state.chats[chatid] = {
        "chatid": chatid,
        "name": body.get("name", ""),
        "owner": owner,
        "userlist": list(members),
    }
    return ok(chatid=chatid)


def appchat_get(state: FakeState, req: Incoming) -> dict[str, Any]:
    chat = state.chats.get(req.params.get("chatid", ""))
    return error(86003, "chat not exist") if chat is None else ok(chat_info=chat)


def appchat_send(state: FakeState, req: Incoming) -> dict[str, Any]:
    if req.data.get("chatid") not in state.chats:
        return error(86003, "chat not exist")
    return ok()


def kf_sync_msg(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    open_kfid = body.get("open_kfid")
    if not open_kfid:
        return error(95000, "invalid open_kfid")
    pages = state.kf_pages.get(open_kfid, [])
    cursor = body.get("cursor") or ""
    if cursor and not re.fullmatch(r"c\d+", cursor):
        return error(95007, "invalid cursor")
    index = int(cursor[1:]) if cursor else 0
    if index >= len(pages):  # caught up: nothing new, the cursor stays
        return ok(next_cursor=f"c{index}", has_more=0, msg_list=[])
    more = int(index + 1 < len(pages))
    return ok(next_cursor=f"c{index + 1}", has_more=more, msg_list=pages[index])


def kf_send_msg(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    if not body.get("touser") or not body.get("open_kfid"):
        return error(40058, "invalid Parameter: touser/open_kfid")
    return _kf_sent(body)


def kf_send_msg_on_event(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    if not body.get("code"):
        return error(95016, "invalid code")
    return _kf_sent(body)


def _kf_sent(body: dict[str, Any]) -> dict[str, Any]:
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or not isinstance(body.get(msgtype), dict):
        return error(40008, "invalid message type")
    msgid = body.get("msgid")
    if msgid is not None and not (isinstance(msgid, str) and _MSGID.fullmatch(msgid)):
        return error(40058, "msgid exceed max length")
    return ok(msgid=msgid or secrets.token_hex(16))


def external_contact_get(state: FakeState, req: Incoming) -> dict[str, Any]:
    external_userid = req.params.get("external_userid", "")
    if not external_userid.startswith("wm"):
        return error(40096, "invalid external userid")
    contact = {
        "external_userid": external_userid,
        "name": f"Customer {external_userid[-4:]}",
        "type": 1,
        "gender": 0,
    }
    follow = [{"userid": "zhangsan", "remark": "", "createtime": 1700000000, "add_way": 1}]
    return ok(external_contact=contact, follow_user=follow, next_cursor="")


def send_welcome_msg(state: FakeState, req: Incoming) -> dict[str, Any]:
    body = req.data
    if not body.get("welcome_code"):
        return error(41050, "welcome_code invalid or expired")
    if "text" not in body and not body.get("attachments"):
        return error(40058, "invalid Parameter: empty welcome message")
    return ok()


def group_chat_get(state: FakeState, req: Incoming) -> dict[str, Any]:
    chat_id = req.data.get("chat_id")
    if not chat_id:
        return error(40050, "chatid不存在")
    members = [
        {"userid": "zhangsan", "type": 1, "join_time": 1700000000, "join_scene": 1},
        {"userid": "wmcustomer01", "type": 2, "join_time": 1700000100, "join_scene": 2},
    ]
    chat = {
        "chat_id": chat_id,
        "name": "Customer group",
        "owner": "zhangsan",
        "create_time": 1700000000,
        "member_list": members,
        "admin_list": [],
        "member_version": "71217227bbd112ecfe3a49c482195cb4",
    }
    return ok(group_chat=chat)


def approval_detail(state: FakeState, req: Incoming) -> dict[str, Any]:
    sp_no = req.data.get("sp_no")
    if not isinstance(sp_no, str) or not sp_no:
        return error(301025, "invalid sp_no")
    info = {
        "sp_no": sp_no,
        "sp_name": "Leave",
        "sp_status": 2,
        "template_id": "3Tka1eD6v6JfzhDMqPd3aMkFdxqtJMc2ZRioeFXk",
        "apply_time": 1700000000,
        "applyer": {"userid": "zhangsan", "partyid": "1"},
        "sp_record": [{"sp_status": 2, "approverattr": 1, "details": []}],
        "notifyer": [],
        "apply_data": {"contents": []},
        "comments": [],
    }
    return ok(info=info)


def _media_part(req: Incoming) -> tuple[str, bytes] | None:
    """The ``media`` part's raw ``filename=`` and bytes, read as WeCom reads them."""
    found = re.search(r"boundary=\"?([^\";]+)", req.headers.get("content-type", ""))
    if found is None:
        return None
    for part in req.body.split(b"--" + found.group(1).encode()):
        head, _, data = part.partition(b"\r\n\r\n")
        disposition = next(
            (
                line
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-disposition")
            ),
            b"",
        )
        if re.search(rb';\s*name="media"', disposition):
            # Only the plain parameter counts: WeCom ignores RFC 5987 filename*=.
            name = re.search(rb';\s*filename="([^"]*)"', disposition)
            filename = name.group(1).decode("utf-8", "replace") if name else ""
            return filename, data.removesuffix(b"\r\n")
    return None


def media_upload(state: FakeState, req: Incoming) -> dict[str, Any]:
    kind = req.params.get("type", "")
    if kind not in ("image", "voice", "video", "file"):
        return error(40004, "invalid media type")
    part = _media_part(req)
    if part is None:
        return error(44001, "empty media data")
    filename, content = part
    if len(content) <= 5:
        return error(40006, "invalid file size")
    media_id = "3" + secrets.token_urlsafe(40)
    state.uploads.append(Upload(kind, filename, content, media_id))
    return ok(type=kind, media_id=media_id, created_at=str(int(time.time())))


def media_uploadimg(state: FakeState, req: Incoming) -> dict[str, Any]:
    if _media_part(req) is None:
        return error(44001, "empty media data")
    return ok(url=f"https://wework.qpic.cn/wwpic/{secrets.token_hex(8)}/0")
