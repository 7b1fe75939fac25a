"""The one XML writer: every value rendered the same way wherever XML is written."""

from __future__ import annotations

import pytest

from wecom_callback import UpdateTemplateCardReply
from wecom_callback._wire.writer import cdata, document, element
from wecom_callback.crypto import EncryptedEnvelope
from wecom_callback.testing import callback_xml


@pytest.mark.parametrize(
    ("value", "xml"),
    [
        ("hi", "<T><![CDATA[hi]]></T>"),
        ("a]]>b", "<T><![CDATA[a]]]]><![CDATA[>b]]></T>"),
        (7, "<T>7</T>"),
        (1.5, "<T>1.5</T>"),
        (True, "<T>true</T>"),
        (False, "<T>false</T>"),
        (None, "<T></T>"),
        ({"A": 1, "B": "x"}, "<T><A>1</A><B><![CDATA[x]]></B></T>"),
        ([1, 2], "<T>1</T><T>2</T>"),
        ({"item": [{"A": 1}, {"A": 2}]}, "<T><item><A>1</A></item><item><A>2</A></item></T>"),
    ],
)
def test_values(value: object, xml: str) -> None:
    assert element("T", value) == xml


def test_refuses_what_xml_cannot_carry() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        element("T", "bell\x07")
    with pytest.raises(ValueError, match="not a valid XML element name"):
        element("1bad", "x")


def test_every_writer_agrees_on_booleans_and_text() -> None:
    fields = {"Flag": True, "Count": 3, "Text": "x"}
    expected = document(fields)
    assert callback_xml(fields).decode() == expected
    card = UpdateTemplateCardReply(template_card={"CardType": "text_notice", **fields})
    rendered = card.to_xml(to_user="u", from_user="c", create_time=1)
    assert element("TemplateCard", card.template_card) in rendered
    assert "<Flag>true</Flag>" in rendered and "<Flag>true</Flag>" in expected


def test_reply_envelope_keeps_the_official_shape() -> None:
    envelope = EncryptedEnvelope("ENC", "SIG", "1409659813", "nonce")
    assert envelope.to_xml() == (
        f"<xml><Encrypt>{cdata('ENC')}</Encrypt><MsgSignature>{cdata('SIG')}</MsgSignature>"
        f"<TimeStamp>1409659813</TimeStamp><Nonce>{cdata('nonce')}</Nonce></xml>"
    )
