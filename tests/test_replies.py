"""Passive reply rendering."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wecom_callback import (
    Article,
    ImageReply,
    NewsReply,
    TextReply,
    UpdateButtonReply,
    UpdateTemplateCardReply,
    VideoReply,
    VoiceReply,
)
from wecom_callback._wire.xml import parse_xml

HEAD = {"ToUserName": "zhangsan", "FromUserName": "ww1", "CreateTime": "1700000000"}


def render(reply: object) -> dict[str, object]:
    xml = reply.to_xml(to_user="zhangsan", from_user="ww1", create_time=1700000000)  # type: ignore[attr-defined]
    return parse_xml(xml)


def test_each_reply_type() -> None:
    assert render(TextReply(content="a]]>b")) == {**HEAD, "MsgType": "text", "Content": "a]]>b"}
    assert render(ImageReply(media_id="m1"))["Image"] == {"MediaId": "m1"}
    assert render(VoiceReply(media_id="m2"))["Voice"] == {"MediaId": "m2"}
    assert render(VideoReply(media_id="m3", title="t"))["Video"] == {
        "MediaId": "m3",
        "Title": "t",
        "Description": None,
    }
    news = render(NewsReply(articles=[Article(title="A", url="https://x"), Article(title="B")]))
    assert news["ArticleCount"] == "2"
    assert [a["Title"] for a in news["Articles"]["item"]] == ["A", "B"]  # type: ignore[index]
    assert render(UpdateButtonReply(replace_name="done"))["Button"] == {"ReplaceName": "done"}
    card = render(
        UpdateTemplateCardReply(
            template_card={
                "CardType": "button_interaction",
                "MainTitle": {"Title": "T"},
                "ButtonList": [{"Text": "a"}, {"Text": "b"}],
            }
        )
    )
    assert card["MsgType"] == "update_template_card"
    assert card["TemplateCard"] == {
        "CardType": "button_interaction",
        "MainTitle": {"Title": "T"},
        "ButtonList": [{"Text": "a"}, {"Text": "b"}],
    }


def test_invalid_replies_fail_at_construction() -> None:
    with pytest.raises(ValidationError):
        TextReply(content="bell \x07")
    with pytest.raises(ValidationError):
        NewsReply(articles=[])
    with pytest.raises(ValidationError):
        NewsReply(articles=[Article(title=str(i)) for i in range(9)])
    with pytest.raises(ValidationError):
        UpdateTemplateCardReply(template_card={"MainTitle": "no card type"})
    with pytest.raises(ValidationError):
        UpdateTemplateCardReply(template_card={"CardType": "x", "bad tag": 1})
