"""Messages: text, image, voice, video, location, link."""

from __future__ import annotations

import pytest

from wecom_callback.models import (
    ImageMessage,
    LinkMessage,
    LocationMessage,
    TextMessage,
    VideoMessage,
    VoiceMessage,
)

from ._support import Case, check_case, message_header

CASES: dict[str, Case] = {
    "text": (TextMessage, {**message_header("text"), "content": "hello  world"}),
    "image": (
        ImageMessage,
        {
            **message_header("image"),
            "pic_url": "https://example.com/p.jpg",
            "media_id": "MEDIA_IMG",
        },
    ),
    "voice": (
        VoiceMessage,
        {**message_header("voice"), "media_id": "MEDIA_VOICE", "format": "amr"},
    ),
    "video": (
        VideoMessage,
        {**message_header("video"), "media_id": "MEDIA_VIDEO", "thumb_media_id": "MEDIA_THUMB"},
    ),
    "location": (
        LocationMessage,
        {
            **message_header("location"),
            "location_x": 23.134521,
            "location_y": 113.358803,
            "scale": 20,
            "label": "广州市海珠区",
            "app_type": "wxwork",
        },
    ),
    "link": (
        LinkMessage,
        {
            **message_header("link"),
            "title": "A title",
            "description": "A description",
            "url": "https://example.com/a",
            "pic_url": "https://example.com/c.png",
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fields(name: str) -> None:
    check_case(name, CASES[name])
