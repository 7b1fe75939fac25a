"""Temporary media: ``client.media.upload`` (and ``upload_image`` for permanent images).

The multipart body is written here, not by httpx: WeCom reads only a raw UTF-8
``filename="中文.pdf"`` and shows RFC 5987 ``filename*=`` names garbled or empty
(OUTBOUND.md 2.12), so the header must never depend on what an HTTP library emits.

WeCom doc: 上传临时素材 https://developer.work.weixin.qq.com/document/path/96484.
"""

from __future__ import annotations

import secrets
from typing import Literal

from wecom_callback.client._models import APIResponse
from wecom_callback.client._namespace import Namespace

__all__ = ["MediaAPI", "MediaType", "MediaUpload", "multipart_body"]

MediaType = Literal["image", "voice", "video", "file"]


class MediaUpload(APIResponse):
    """What media/upload answers."""

    type: str
    """image, voice, video or file."""
    media_id: str
    """Valid 3 days, for every app of the corp."""
    created_at: int
    """Unix seconds (WeCom sends a string)."""


class _ImageURL(APIResponse):
    url: str


def _quote(filename: str) -> bytes:
    # As browsers do (WHATWG multipart): escape only what would end the header.
    escaped = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.encode("utf-8")


def multipart_body(
    filename: str, content: bytes, content_type: str = "application/octet-stream"
) -> tuple[bytes, str]:
    """The body and Content-Type header of a one-file upload in the field ``media``."""
    boundary = secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="media"; filename="'
        + _quote(filename)
        + f'"; filelength={len(content)}\r\n'.encode()
        + f"Content-Type: {content_type}\r\n\r\n".encode()
    )
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class MediaAPI(Namespace):
    """``client.media``: upload files for messages."""

    async def upload(
        self,
        kind: MediaType,
        filename: str,
        content: bytes,
        *,
        content_type: str = "application/octet-stream",
    ) -> MediaUpload:
        """Upload ``content`` as temporary media named ``filename`` (any UTF-8 name).

        Limits: more than 5 bytes; image ≤10 MB JPG/PNG, voice ≤2 MB AMR, video ≤10 MB MP4,
        file ≤20 MB. Use ``media_id`` in a message within 3 days.
        """
        body, header = multipart_body(filename, content, content_type)
        # Repeating an upload is harmless (at worst an unused media id that expires).
        data = await self._client._request(
            "POST",
            "media/upload",
            params={"type": kind},
            content=body,
            headers={"Content-Type": header},
            safe=True,
        )
        return MediaUpload.model_validate(data)

    async def upload_image(
        self, filename: str, content: bytes, *, content_type: str = "image/png"
    ) -> str:
        """Upload a JPG/PNG (≤2 MB) for news and mpnews; its permanent URL."""
        body, header = multipart_body(filename, content, content_type)
        data = await self._client._request(
            "POST", "media/uploadimg", content=body, headers={"Content-Type": header}, safe=True
        )
        return _ImageURL.model_validate(data).url
