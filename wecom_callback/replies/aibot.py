"""AI bot replies: streams, template cards, card updates, and the frames they become.

An AI bot's handler returns a ``str`` (a finished one-shot stream, or the welcome text
of ``enter_chat``), a :class:`StreamReply`, a :class:`TemplateCard`, an
:class:`UpdateTemplateCard` (for ``template_card_event``), or ``None``.

WeCom documents: 被动回复消息 (page 101027), 回复消息格式 (page 101032)
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterable, Iterable, Sequence
from typing import Any

__all__ = [
    "CARD_TYPES",
    "MAX_CONTENT_BYTES",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "StreamReply",
    "TemplateCard",
    "UpdateTemplateCard",
    "cap_content",
    "check_images",
    "image_item",
    "stream_frame",
]

#: WeCom shows at most this many bytes (UTF-8) of a stream's content.
MAX_CONTENT_BYTES = 20480
#: At most this many images on a stream's final frame...
MAX_IMAGES = 10
#: ...each at most this large (raw bytes).
MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: The template card types an AI bot may send.
CARD_TYPES = frozenset(
    {"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}
)
_INTERACTIVE = frozenset({"button_interaction", "vote_interaction", "multiple_interaction"})
_TASK_ID = re.compile(r"[0-9A-Za-z_\-@]{1,128}")
_MAX_FEEDBACK_ID = 256


def _check_feedback_id(feedback_id: str | None) -> None:
    if feedback_id is not None and not 0 < len(feedback_id.encode()) <= _MAX_FEEDBACK_ID:
        raise ValueError(f"a feedback id is 1 to {_MAX_FEEDBACK_ID} bytes")


def _image_format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


def check_images(images: Sequence[bytes]) -> None:
    """Raise ``ValueError`` unless ``images`` are at most 10 JPG/PNG of at most 10 MB."""
    if len(images) > MAX_IMAGES:
        raise ValueError(f"a stream carries at most {MAX_IMAGES} images, not {len(images)}")
    for i, data in enumerate(images):
        if not isinstance(data, bytes | bytearray):
            raise ValueError(f"image {i} is {type(data).__name__}, not bytes")
        if not data or len(data) > MAX_IMAGE_BYTES:
            raise ValueError(f"image {i} is {len(data)} bytes: 1 to {MAX_IMAGE_BYTES} allowed")
        if _image_format(bytes(data)) is None:
            raise ValueError(f"image {i} is neither JPG nor PNG")


def image_item(data: bytes) -> dict[str, Any]:
    """One ``msg_item`` entry: the raw bytes in base64 and their MD5."""
    return {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(data).decode("ascii"),
            "md5": hashlib.md5(data).hexdigest(),  # WeCom's checksum, not security
        },
    }


def cap_content(content: str) -> str:
    """``content`` cut to :data:`MAX_CONTENT_BYTES` of UTF-8, at a character boundary.

    The cut keeps a prefix, so snapshots of a growing answer still only grow.
    """
    raw = content.encode("utf-8")
    if len(raw) <= MAX_CONTENT_BYTES:
        return content
    return raw[:MAX_CONTENT_BYTES].decode("utf-8", errors="ignore")


def stream_frame(
    stream_id: str,
    content: str,
    finish: bool,
    *,
    msg_item: list[dict[str, Any]] | None = None,
    feedback_id: str | None = None,
) -> dict[str, Any]:
    """A stream reply body: ``{"msgtype":"stream","stream":{id, finish, content, ...}}``."""
    stream: dict[str, Any] = {"id": stream_id, "finish": finish, "content": cap_content(content)}
    if msg_item:
        if not finish:
            raise ValueError("images go only on the final frame (finish=true)")
        stream["msg_item"] = msg_item
    if feedback_id is not None:
        stream["feedback"] = {"id": feedback_id}
    return {"msgtype": "stream", "stream": stream}


class StreamReply:
    """A streamed answer: WeCom polls and each answer shows the content so far.

    ``source`` yields text pieces: deltas (as an LLM yields tokens) by default, or whole
    snapshots with ``snapshots=True``. ``images`` (JPG/PNG bytes, at most 10, each at
    most 10 MB) go on the final frame; the list is read when the source ends, so the
    generator may append to it. ``feedback_id`` asks WeCom for the user's rating (a
    ``feedback_event`` names it). Content past 20,480 bytes is not shown: every frame
    carries the first 20,480 bytes (cut at a character boundary).
    """

    def __init__(
        self,
        source: AsyncIterable[str] | Iterable[str],
        *,
        snapshots: bool = False,
        images: list[bytes] | None = None,
        feedback_id: str | None = None,
    ) -> None:
        if not isinstance(source, AsyncIterable | Iterable) or isinstance(source, str | bytes):
            raise TypeError("StreamReply(source): an async iterable (or iterable) of str pieces")
        _check_feedback_id(feedback_id)
        check_images(images or [])
        self.source = source
        self.snapshots = snapshots
        self.images: list[bytes] = images if images is not None else []
        self.feedback_id = feedback_id

    def __repr__(self) -> str:
        mode = "snapshots" if self.snapshots else "deltas"
        return f"StreamReply({mode}, images={len(self.images)}, feedback_id={self.feedback_id!r})"


class TemplateCard:
    """A template card: ``card_type`` and its fields as WeCom names them.

    ``TemplateCard("button_interaction", task_id="t-1", main_title={"title": "Deploy?"},
    button_list=[{"text": "Yes", "key": "yes"}])``. Interactive cards (buttons, votes,
    multiple choice) need a ``task_id`` of at most 128 of ``[0-9A-Za-z_-@]``, unique per
    bot; a clicked card arrives as ``template_card_event`` with that ``task_id``.
    """

    def __init__(
        self,
        card_type: str,
        *,
        task_id: str | None = None,
        feedback_id: str | None = None,
        **fields: Any,
    ) -> None:
        if card_type not in CARD_TYPES:
            raise ValueError(f"card_type {card_type!r} is none of {', '.join(sorted(CARD_TYPES))}")
        if task_id is not None and not _TASK_ID.fullmatch(task_id):
            raise ValueError("task_id is 1 to 128 of the characters 0-9 A-Z a-z _ - @")
        if task_id is None and card_type in _INTERACTIVE:
            raise ValueError(f"a {card_type} card needs a task_id (its clicks name it)")
        _check_feedback_id(feedback_id)
        self.card_type = card_type
        self.task_id = task_id
        self.feedback_id = feedback_id
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        """The ``template_card`` object."""
        card: dict[str, Any] = {"card_type": self.card_type, **self.fields}
        if self.task_id is not None:
            card["task_id"] = self.task_id
        if self.feedback_id is not None:
            card["feedback"] = {"id": self.feedback_id}
        return card

    def body(self) -> dict[str, Any]:
        """The reply body ``{"msgtype":"template_card","template_card":{...}}``."""
        return {"msgtype": "template_card", "template_card": self.to_dict()}

    def __repr__(self) -> str:
        return f"TemplateCard({self.card_type!r}, task_id={self.task_id!r})"


class UpdateTemplateCard:
    """The answer to a ``template_card_event``: replace the clicked card.

    ``userids`` limits the update to those members (default: everyone who sees it).
    """

    def __init__(self, card: TemplateCard, *, userids: Sequence[str] | None = None) -> None:
        if not isinstance(card, TemplateCard):
            raise TypeError("UpdateTemplateCard(card): card is a TemplateCard")
        self.card = card
        self.userids = list(userids) if userids is not None else None

    def body(self) -> dict[str, Any]:
        """``{"response_type":"update_template_card","userids":[...],"template_card":{...}}``."""
        body: dict[str, Any] = {"response_type": "update_template_card"}
        if self.userids is not None:
            body["userids"] = self.userids
        return body | {"template_card": self.card.to_dict()}

    def __repr__(self) -> str:
        return f"UpdateTemplateCard({self.card!r}, userids={self.userids!r})"
