"""Per-callback cost of verify + decrypt + parse, next to wechatpy and a bare floor.

Run ``python bench/pipeline.py`` (``--quick`` for a short smoke run). Every payload is
encrypted once with a fixed token, key and receive id; each pipeline then handles that
same request over and over. The pipelines, timed in interleaved rounds:

* ``typed``: ``WeComCrypto.unseal`` + ``model_from_dict(parse_xml(...))``, this package's
  hot path from the ``Encrypt`` value to the typed model;
* ``typed+env``: the same, starting from the POST body (``read_envelope`` first), which
  is what wechatpy's ``decrypt_message`` does too;
* ``wechatpy``: ``WeChatCrypto.decrypt_message(body, ...)`` + ``parse_message`` (shown as
  n/a when wechatpy is not installed: it is a benchmark reference, never a dependency);
* ``floor``: sha1 over the sorted strings, a ``cryptography`` AES-CBC ``Cipher`` built per
  message, manual unpad, ``ElementTree.fromstring``: no strictness, no typed model;
* ``xmltodict``: the floor's crypto with ``xmltodict.parse`` instead of ElementTree.

A second table puts an AI bot's JSON text callback through the same pipeline beside the
XML text callback: ``json typed+env`` (``read_json_envelope`` + ``unseal`` +
``aibot_model_from_dict(parse_json(...))``), ``xml typed+env`` (as above), and the JSON
floor (sha1, a fresh AES-CBC ``Cipher``, manual unpad, ``json.loads``).

Each figure is the median over rounds of a timeit-style loop's mean; the order of the
pipelines rotates from round to round so that drift does not favour one of them.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import importlib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wecom_callback._wire.json_envelope import dump_json, parse_json, read_json_envelope
from wecom_callback._wire.xml import parse_xml, read_envelope
from wecom_callback.crypto import WeComCrypto
from wecom_callback.models._parsing import aibot_model_from_dict, model_from_dict


def _load_wechatpy() -> tuple[Any, Any]:
    """``(WeChatCrypto, parse_message)`` of an installed wechatpy, else ``(None, None)``."""
    # wechatpy >= 2 names the WeCom module ``work``; 1.8 calls it ``enterprise``.
    for name in ("wechatpy.work", "wechatpy.enterprise"):
        try:
            crypto = importlib.import_module(name + ".crypto")
            return crypto.WeChatCrypto, importlib.import_module(name).parse_message
        except ImportError:
            continue
    return None, None


WeChatCrypto, wechatpy_parse = _load_wechatpy()

TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"
TIMESTAMP = "1409659813"
NONCE = "1372623149"

TEXT = """<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[mycreate]]></FromUserName>
<CreateTime>1409659813</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[hello, 你好]]></Content>
<MsgId>4561255354251345929</MsgId>
<AgentID>218</AgentID>
</xml>"""

ADD_EXTERNAL_CONTACT = """<xml>
<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1403610513</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_contact]]></Event>
<ChangeType><![CDATA[add_external_contact]]></ChangeType>
<UserID><![CDATA[zhangsan]]></UserID>
<ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID>
<State><![CDATA[teststate]]></State>
<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>
<AgentID>1000002</AgentID>
</xml>"""

APPROVAL = """<xml>
<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1571732272</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[sys_approval_change]]></Event>
<AgentID>3010040</AgentID>
<ApprovalInfo>
<SpNo>201910220001</SpNo>
<SpName><![CDATA[请假]]></SpName>
<SpStatus>2</SpStatus>
<TemplateId><![CDATA[3TkaH5KFbrG9heEQWLJjhgpFNDqXcd8pQ8S5gq1J]]></TemplateId>
<ApplyTime>1571728713</ApplyTime>
<Applyer>
<UserId><![CDATA[WuJunJie]]></UserId>
<Party><![CDATA[1]]></Party>
</Applyer>
<SpRecord>
<SpStatus>2</SpStatus>
<ApproverAttr>1</ApproverAttr>
<Details>
<Approver><UserId><![CDATA[LiuXiaoGang]]></UserId></Approver>
<Speech><![CDATA[同意]]></Speech>
<SpStatus>2</SpStatus>
<SpTime>1571729210</SpTime>
<MediaId><![CDATA[]]></MediaId>
</Details>
</SpRecord>
<SpRecord>
<SpStatus>2</SpStatus>
<ApproverAttr>2</ApproverAttr>
<Details>
<Approver><UserId><![CDATA[ZhangSan]]></UserId></Approver>
<Speech><![CDATA[ok]]></Speech>
<SpStatus>2</SpStatus>
<SpTime>1571730012</SpTime>
<MediaId><![CDATA[WWCISP_Hvxs2r4kq6wnyF9xHoMeRc6DK1n]]></MediaId>
</Details>
<Details>
<Approver><UserId><![CDATA[LiSi]]></UserId></Approver>
<Speech><![CDATA[]]></Speech>
<SpStatus>3</SpStatus>
<SpTime>0</SpTime>
<MediaId><![CDATA[]]></MediaId>
</Details>
</SpRecord>
<SpRecord>
<SpStatus>2</SpStatus>
<ApproverAttr>1</ApproverAttr>
<Details>
<Approver><UserId><![CDATA[WangWu]]></UserId></Approver>
<Speech><![CDATA[已核对]]></Speech>
<SpStatus>2</SpStatus>
<SpTime>1571732272</SpTime>
<MediaId><![CDATA[]]></MediaId>
</Details>
</SpRecord>
<Notifyer><UserId><![CDATA[ChenLiu]]></UserId></Notifyer>
<Notifyer><UserId><![CDATA[ZhaoQi]]></UserId></Notifyer>
<Comments>
<CommentUserInfo><UserId><![CDATA[WuJunJie]]></UserId></CommentUserInfo>
<CommentTime>1571732272</CommentTime>
<CommentContent><![CDATA[这是备注信息]]></CommentContent>
<CommentId><![CDATA[6750538708562308220]]></CommentId>
<Attach><![CDATA[WWCISP_Xa1dXIbrF2gXfyA]]></Attach>
</Comments>
<StatuChangeEvent>2</StatuChangeEvent>
</ApprovalInfo>
</xml>"""

PAYLOADS = {"text": TEXT, "add_external_contact": ADD_EXTERNAL_CONTACT, "approval": APPROVAL}


class Request:
    """One encrypted callback as it arrives: query strings and POST body."""

    def __init__(self, crypto: WeComCrypto, plaintext: str) -> None:
        env = crypto.encrypt(plaintext, TIMESTAMP, NONCE, random_prefix=b"0123456789abcdef")
        self.encrypt = env.encrypt
        self.signature = env.msg_signature
        self.body = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<AgentID><![CDATA[218]]></AgentID>"
            f"<Encrypt><![CDATA[{env.encrypt}]]></Encrypt></xml>"
        ).encode()


def _floor_decrypt(key: bytes, sig: str, ts: str, nonce: str, encrypt: str) -> bytes:
    """What a naive receiver does: sha1, a fresh CBC Cipher, manual 32-byte unpad."""
    if hashlib.sha1("".join(sorted((TOKEN, ts, nonce, encrypt))).encode()).hexdigest() != sig:
        raise ValueError("bad signature")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    buf = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    buf = buf[: -buf[-1]]
    size = int.from_bytes(buf[16:20], "big")
    if buf[20 + size :] != CORP_ID.encode():
        raise ValueError("bad receive id")
    return buf[20 : 20 + size]


def make_pipelines(req: Request) -> dict[str, Callable[[], Any]]:
    """The pipelines, each a no-argument callable over the same request."""
    ours = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
    key = base64.b64decode(AES_KEY + "=")
    sig, enc, body = req.signature, req.encrypt, req.body
    body_text = body.decode()

    def typed() -> Any:
        plain = ours.unseal(sig, TIMESTAMP, NONCE, enc)
        return model_from_dict(parse_xml(plain.message))

    def typed_env() -> Any:
        plain = ours.unseal(sig, TIMESTAMP, NONCE, read_envelope(body).encrypt)
        return model_from_dict(parse_xml(plain.message))

    def floor() -> Any:
        return ElementTree.fromstring(_floor_decrypt(key, sig, TIMESTAMP, NONCE, enc))

    def xmltodict_() -> Any:
        return xmltodict.parse(_floor_decrypt(key, sig, TIMESTAMP, NONCE, enc))

    fns = {"typed": typed, "typed+env": typed_env, "floor": floor, "xmltodict": xmltodict_}
    if WeChatCrypto is not None:
        theirs = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)

        def wechatpy() -> Any:
            return wechatpy_parse(theirs.decrypt_message(body_text, sig, TIMESTAMP, NONCE))

        fns["wechatpy"] = wechatpy
    return fns


def check(name: str, fns: dict[str, Callable[[], Any]]) -> str:
    """Run every pipeline once and make sure they all read the same callback."""
    model = fns["typed"]()
    assert model == fns["typed+env"](), name
    plain = parse_xml(PAYLOADS[name])
    assert model.raw == plain, name
    assert xmltodict.parse(PAYLOADS[name])["xml"] == fns["xmltodict"]()["xml"], name
    assert fns["floor"]().findtext("CreateTime") == plain["CreateTime"], name
    if "wechatpy" in fns:
        assert int(fns["wechatpy"]().create_time.timestamp()) == int(plain["CreateTime"]), name
    return type(model).__name__


def loop_time(fn: Callable[[], Any], number: int) -> float:
    """Mean seconds per call over ``number`` calls, gc off as in timeit."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def calibrate(fn: Callable[[], Any], seconds: float) -> int:
    """Loop length that takes about ``seconds``."""
    number = 1
    while True:
        took = loop_time(fn, number) * number
        if took >= seconds / 4:
            return max(1, int(number * seconds / took))
        number *= 4


def measure(fns: dict[str, Callable[[], Any]], rounds: int, seconds: float) -> dict[str, float]:
    """Median microseconds per call of each pipeline over interleaved rounds."""
    numbers = {name: calibrate(fn, seconds) for name, fn in fns.items()}
    names = list(fns)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(loop_time(fns[name], numbers[name]))
    return {name: statistics.median(s) * 1e6 for name, s in samples.items()}


TARGETS = {"text": 1.5, "add_external_contact": 1.5, "approval": 2.0}
"""Most a typed callback may cost, as a multiple of the floor; it must also beat wechatpy."""

COLUMNS = ("typed", "typed+env", "wechatpy", "floor", "xmltodict")
RATIOS = (
    ("typed/floor", "typed", "floor"),
    ("wechatpy/floor", "wechatpy", "floor"),
    ("xmltodict/floor", "xmltodict", "floor"),
    ("typed/wechatpy", "typed", "wechatpy"),
)


def stages(req: Request) -> dict[str, Callable[[], Any]]:
    """The typed pipeline's three steps, each timed alone (``--stages``)."""
    crypto = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
    sig, enc = req.signature, req.encrypt
    plain = crypto.unseal(sig, TIMESTAMP, NONCE, enc).message
    data = parse_xml(plain)
    return {
        "unseal": lambda: crypto.unseal(sig, TIMESTAMP, NONCE, enc),
        "parse_xml": lambda: parse_xml(plain),
        "model_from_dict": lambda: model_from_dict(data),
    }


def row(name: str, model: str, us: dict[str, float]) -> tuple[str, bool]:
    """One table line and whether the payload met its targets."""
    cells = [f"{name:<22} {model:<24}"]
    for col in COLUMNS:
        cells.append(f"{us[col]:>{max(len(col), 7)}.1f}" if col in us else f"{'n/a':>{len(col)}}")
    cells.append("|")
    for label, num, den in RATIOS:
        ok = num in us and den in us
        cells.append(f"{us[num] / us[den]:>{len(label)}.2f}" if ok else f"{'n/a':>{len(label)}}")
    met = us["typed"] / us["floor"] <= TARGETS[name]
    if "wechatpy" in us:
        met = met and us["typed"] < us["wechatpy"] and us["typed+env"] < us["wechatpy"]
    cells.append(f"{'ok' if met else 'MISS':>6}")
    return " ".join(cells), met


AIBOT_TEXT = {
    "msgid": "CAIQ16HMjQYY1ssgfbjMfsYAIJOA1vCjZQ",
    "aibotid": "AIBOTID",
    "chatid": "CHATID",
    "chattype": "group",
    "from": {"userid": "mycreate"},
    "response_url": "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
    "msgtype": "text",
    "text": {"content": "@bot hello, 你好"},
}


def json_pipelines() -> dict[str, Callable[[], Any]]:
    """The JSON callback through the pipeline, the XML one beside it, and the JSON floor."""
    bot = WeComCrypto(TOKEN, AES_KEY, "")
    env = bot.encrypt(dump_json(AIBOT_TEXT), TIMESTAMP, NONCE, random_prefix=b"0123456789abcdef")
    body = dump_json({"encrypt": env.encrypt})
    sig, enc = env.msg_signature, env.encrypt
    xml_fns = make_pipelines(Request(WeComCrypto(TOKEN, AES_KEY, CORP_ID), TEXT))
    key = base64.b64decode(AES_KEY + "=")

    def json_typed_env() -> Any:
        plain = bot.unseal(sig, TIMESTAMP, NONCE, read_json_envelope(body).encrypt)
        return aibot_model_from_dict(parse_json(plain.message))

    def json_floor() -> Any:
        if (
            hashlib.sha1("".join(sorted((TOKEN, TIMESTAMP, NONCE, enc))).encode()).hexdigest()
            != sig
        ):
            raise ValueError("bad signature")
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        buf = decryptor.update(base64.b64decode(enc)) + decryptor.finalize()
        buf = buf[: -buf[-1]]
        size = int.from_bytes(buf[16:20], "big")
        return json.loads(buf[20 : 20 + size])

    fns = {"json typed+env": json_typed_env, "xml typed+env": xml_fns["typed+env"]}
    fns["json floor"] = json_floor
    model = json_typed_env()
    assert model.raw == json_floor() == AIBOT_TEXT and model.kind == "text"
    return fns


def json_table(rounds: int, seconds: float) -> None:
    """Print the JSON callback's row beside the XML one."""
    us = measure(json_pipelines(), rounds, seconds)
    print()
    print("AI bot JSON text callback vs the XML text callback (µs per callback)")
    print("  ".join(f"{name} {value:.1f}" for name, value in us.items()))
    print(
        f"json typed/floor {us['json typed+env'] / us['json floor']:.2f}"
        f" | json/xml typed+env {us['json typed+env'] / us['xml typed+env']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds per payload")
    ap.add_argument("--stages", action="store_true", help="also time the typed steps alone")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 41)
    seconds = 0.002 if args.quick else 0.02

    print(
        f"python {platform.python_version()} | rounds {rounds} | ~{seconds * 1e3:g} ms per loop"
        f" | µs per callback, median over rounds"
        + ("" if WeChatCrypto is not None else " | wechatpy not installed")
    )
    header = " ".join(
        [f"{'payload':<22} {'model':<24}"]
        + [f"{col:>{max(len(col), 7)}}" for col in COLUMNS]
        + ["|"]
        + [label for label, _, _ in RATIOS]
        + [f"{'target':>6}"]
    )
    print(header)
    print("-" * len(header))
    crypto = WeComCrypto(TOKEN, AES_KEY, CORP_ID)
    missed = []
    split = {}
    for name, xml in PAYLOADS.items():
        req = Request(crypto, xml)
        fns = make_pipelines(req)
        model = check(name, fns)
        line, met = row(name, model, measure(fns, rounds, seconds))
        print(line)
        if not met:
            missed.append(name)
        if args.stages:
            split[name] = measure(stages(req), rounds, seconds)
    print(
        "targets: typed/floor <= "
        + ", ".join(f"{v:g} ({k})" for k, v in TARGETS.items())
        + "; typed and typed+env faster than wechatpy"
    )
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    for name, us in split.items():
        print(f"stages {name:<22} " + "  ".join(f"{k} {v:.1f}" for k, v in us.items()))
    json_table(rounds, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
