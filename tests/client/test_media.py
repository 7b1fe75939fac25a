"""Uploads carry a raw UTF-8 ``filename=``, never ``filename*=`` (WeCom garbles it)."""

from __future__ import annotations

import re

from wecom_callback.client import WeComClient
from wecom_callback.testing import FakeWeComAPI


async def test_a_chinese_filename_goes_out_as_raw_utf8(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    content = b"%PDF-1.4 quarterly figures"
    upload = await client.media.upload("file", "季度 报告.pdf", content)
    call = api.calls_to("media/upload")[-1]
    assert call.params == {"type": "file"}
    assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
    disposition = next(
        line for line in call.body.split(b"\r\n") if line.startswith(b"Content-Disposition")
    )
    assert disposition == (
        b'Content-Disposition: form-data; name="media"; filename="'
        + "季度 报告.pdf".encode()
        + f'"; filelength={len(content)}'.encode()
    )
    assert b"filename*" not in call.body
    received = api.uploads[-1]
    assert (received.filename, received.content) == ("季度 报告.pdf", content)
    assert upload.media_id == received.media_id and upload.type == "file"


async def test_created_at_arrives_as_a_string_and_is_an_int(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    upload = await client.media.upload("image", "a.png", b"\x89PNG\r\n\x1a\n....")
    assert isinstance(api.calls_to("media/upload")[-1].answer["created_at"], str)
    assert isinstance(upload.created_at, int) and upload.created_at > 1_600_000_000


async def test_quotes_and_newlines_cannot_break_the_header(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.media.upload("file", 'a"b\r\nX-Injected: 1.txt', b"hello world")
    assert api.uploads[-1].filename == "a%22b%0D%0AX-Injected: 1.txt"
    assert not re.search(rb"\r\nX-Injected", api.calls_to("media/upload")[-1].body)


async def test_upload_image_returns_a_permanent_url(api: FakeWeComAPI, client: WeComClient) -> None:
    url = await client.media.upload_image("图.png", b"\x89PNG\r\n\x1a\n....")
    assert url.startswith("https://")
    assert "图.png".encode() in api.calls_to("media/uploadimg")[-1].body
