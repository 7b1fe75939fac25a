"""The JSON wire format, the AI bot vectors, the typed models and the reply shapes."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from wecom_callback._routing.vocabulary import RegistrationWarning
from wecom_callback._wire.json_envelope import dump_json, read_json_envelope
from wecom_callback.aibot import (
    AIBotMixedMessage,
    AIBotStreamRefresh,
    AIBotTextMessage,
    AIBotUnknownEvent,
    AIBotVoiceMessage,
    EnterChatEvent,
    Router,
    StreamReply,
    TemplateCard,
    TemplateCardEvent,
)
from wecom_callback.crypto import WeComCrypto
from wecom_callback.errors import HandlerError, JSONParseError, ProtocolTypeError
from wecom_callback.models import TextMessage
from wecom_callback.models._parsing import aibot_model_from_dict
from wecom_callback.replies.aibot import cap_content, stream_frame

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
BOT = WeComCrypto(TOKEN, KEY, "")

REFRESH_ENCRYPT = (
    "sKqRbbiSUnDhFHOvPjtUMbbUQBr1h+f5tXSmfVXxirw6eQNClkAsiA07bLSwQowYDGLjq9ELW/Yy162wa8T2ujPdFKzAvUA"
    "AnrdRD1PEp1pQ0F2rG7kvcrT35JclSDT9dYyAKTeinvF1+v664eIqbHYzOuLJpOwQ6IQ5e5BSDZVCQ7kG81qmDV3dJ67gnn"
    "wFxFPxRlJDjA0wHIg9gQcGwQ=="
)
REPLY_ENCRYPT = (
    "P9TP8OO8ZpJE35Ha/87+5G9HKJOIRH0CKTuMKMF+7GGOLakEZiYTGR2J4Y6awIbxM+99e6fwv7SyYXCvNUZb5DrQXOVTpLg"
    "sOZlRBaQR26+J3q8Kbeg8vRZayNS5OkolPPxO0HeYC8Zl7mHe5tLBygEuh4Q/mis1526h03PXXJM="
)


def test_the_refresh_vector_decrypts_to_its_model() -> None:
    envelope = read_json_envelope(f'{{"encrypt":"{REFRESH_ENCRYPT}"}}'.encode())
    plain = BOT.unseal(
        "c83dd80d4ade68ac46cc8db2151e7b15091df9ea", "1409659813", "1372623149", envelope.encrypt
    )
    assert plain.receive_id == ""
    assert plain.message == (
        b'{"msgid":"MSGID2","aibotid":"AIBOTID","chattype":"single","from":{"userid":"USERID"},'
        b'"msgtype":"stream","stream":{"id":"STREAMID"}}'
    )
    model = aibot_model_from_dict(json.loads(plain.message))
    assert isinstance(model, AIBotStreamRefresh) and model.stream.id == "STREAMID"
    assert model.user_id == "USERID" and model.msgid == "MSGID2"


def test_the_stream_reply_vector_is_byte_exact() -> None:
    body = stream_frame("STREAMID", "你好", True)
    plaintext = dump_json(body)
    assert (
        plaintext
        == '{"msgtype":"stream","stream":{"id":"STREAMID","finish":true,"content":"你好"}}'.encode()
    )
    sealed = BOT.encrypt(plaintext, "1409659813", "1372623149", random_prefix=b"fedcba9876543210")
    assert sealed.encrypt == REPLY_ENCRYPT
    assert sealed.msg_signature == "09b2d804f2b482c1de8864d1d3807a42c8e90fbc"
    assert sealed.to_json() == dump_json(
        {
            "encrypt": REPLY_ENCRYPT,
            "msgsignature": "09b2d804f2b482c1de8864d1d3807a42c8e90fbc",
            "timestamp": 1409659813,
            "nonce": "1372623149",
        }
    )


def test_a_json_envelope_of_an_app_reads_tousername_and_agentid() -> None:
    # PROTOCOL.md 2.2's ciphertext in the JSON samples' envelope (tousername, agentid).
    encrypt = (
        "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBh"
        "zTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD"
        "4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24"
        "qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8j"
        "mnKiypE+"
    )
    body = dump_json({"tousername": "ww1436e0e65a779aee", "encrypt": encrypt, "agentid": 1000002})
    envelope = read_json_envelope(body)
    assert envelope.to_user_name == "ww1436e0e65a779aee" and envelope.agent_id == "1000002"
    app = WeComCrypto(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
        "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        "ww1436e0e65a779aee",
    )
    plain = app.decrypt(
        "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914", envelope.encrypt
    )
    assert "<Content>你好</Content>".encode() in plain and len(plain) == 228


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", ProtocolTypeError),
        (b"<xml/>", ProtocolTypeError),
        (b'"encrypt"', ProtocolTypeError),
        (b'{"encrypt": ""}', JSONParseError),
        (b'{"encrypt": null}', JSONParseError),
        (b'{"encrypt": "a", "encrypt": "b"}', JSONParseError),
        (b'{"encrypt": "a", "more": 1}', JSONParseError),
        (b'{"encrypt": "a", "tousername": [1]}', JSONParseError),
        (b'{"encrypt": "a"', JSONParseError),
        (b'{"encrypt": "a\x00"}', JSONParseError),
        (b'{"a": ' + b"[" * 50 + b"]" * 50 + b"}", JSONParseError),
        (b'{"encrypt": "' + b"A" * 70_000 + b'", "x": 1}', JSONParseError),
    ],
)
def test_anything_but_one_envelope_is_refused(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_json_envelope(body)


def test_the_flat_envelope_needs_no_json_parser() -> None:
    big = b"A" * 200_000  # over the slow path's cap: only the flat form is read
    assert read_json_envelope(b' {\n"encrypt" : "' + big + b'"}\n').encrypt == big.decode()


def test_every_kind_has_its_typed_model() -> None:
    header: dict[str, Any] = {"msgid": "m", "aibotid": "b", "chatid": "c", "chattype": "group"}
    header |= {"from": {"userid": "u"}, "response_url": "https://x"}
    mixed = aibot_model_from_dict(
        header
        | {
            "msgtype": "mixed",
            "mixed": {
                "msg_item": [
                    {"msgtype": "text", "text": {"content": "look"}},
                    {"msgtype": "image", "image": {"url": "https://i"}},
                ]
            },
        }
    )
    assert isinstance(mixed, AIBotMixedMessage) and mixed.content == "look"
    assert mixed.chatid == "c" and mixed.mixed.msg_item[1].image is not None
    voice = aibot_model_from_dict(header | {"msgtype": "voice", "voice": {"content": "said"}})
    assert isinstance(voice, AIBotVoiceMessage) and voice.content == "said"
    quoted = aibot_model_from_dict(
        header
        | {
            "msgtype": "text",
            "text": {"content": "@bot and this?"},
            "quote": {"msgtype": "image", "image": {"url": "https://q"}},
        }
    )
    assert isinstance(quoted, AIBotTextMessage) and quoted.quote is not None
    assert quoted.quote.image is not None and quoted.quote.image.url == "https://q"
    enter = aibot_model_from_dict(
        header
        | {"msgtype": "event", "create_time": 1700000000, "event": {"eventtype": "enter_chat"}}
    )
    assert isinstance(enter, EnterChatEvent) and enter.create_time is not None
    vote = {
        "card_type": "vote_interaction",
        "task_id": "t",
        "selected_items": {
            "selected_item": [{"question_key": "q", "option_ids": {"option_id": ["1", "2"]}}]
        },
    }
    event = {"eventtype": "template_card_event", "template_card_event": vote}
    card = aibot_model_from_dict(header | {"msgtype": "event", "event": event})
    assert isinstance(card, TemplateCardEvent)
    assert card.selected_items[0].option_ids == ["1", "2"]
    odd = aibot_model_from_dict(header | {"msgtype": "event", "event": {"eventtype": "new_one"}})
    assert isinstance(odd, AIBotUnknownEvent) and odd.kind == "new_one"


def test_registration_speaks_the_ai_bots_vocabulary() -> None:
    router = Router()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        router.add_handler(lambda: None, "enter_chat")
        router.add_handler(lambda: None, "text", content="hi")
        router.add_handler(lambda: None, "template_card_event", event_key="yes")
    with pytest.warns(RegistrationWarning, match="enter_chat"):
        router.add_handler(lambda: None, "enter_caht")
    with pytest.raises(HandlerError, match="Fields"):
        router.add_handler(lambda: None, "text", Content="hi")
    with pytest.raises(HandlerError, match="dialect"):
        router.add_handler(lambda: None, TextMessage)
    from wecom_callback import Router as AppRouter

    with pytest.raises(HandlerError, match="aibot"):
        router.include_router(AppRouter())


def test_reply_shapes_are_checked_where_they_are_made() -> None:
    with pytest.raises(ValueError, match="task_id"):
        TemplateCard("button_interaction")
    with pytest.raises(ValueError, match="task_id"):
        TemplateCard("text_notice", task_id="no spaces")
    with pytest.raises(ValueError, match="card_type"):
        TemplateCard("poster")
    with pytest.raises(ValueError, match="JPG"):
        StreamReply(iter(["x"]), images=[b"GIF89a"])
    with pytest.raises(ValueError, match="at most 10"):
        StreamReply(iter(["x"]), images=[b"\xff\xd8\xff" + b"1"] * 11)
    with pytest.raises(TypeError):
        StreamReply("not an iterable of pieces")
    with pytest.raises(ValueError, match="final frame"):
        stream_frame("s", "x", False, msg_item=[{"msgtype": "image"}])
    assert cap_content("é" * 20_000).encode() == "é".encode() * 10240
