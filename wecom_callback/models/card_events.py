"""Message-card events: task card buttons, template card buttons and menus.

WeCom document: 接收事件 (page 90240)
(self-built apps) and 90376 (third-party apps, same shapes).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Event, WeComModel, doc_page
from ._types import BlankIsNone, OpenStrEnum, OptStr, items_of

__all__ = [
    "SelectedItem",
    "TaskcardClickEvent",
    "TemplateCardEvent",
    "TemplateCardMenuEvent",
    "TemplateCardType",
]

_DOC = doc_page(90240)


class TaskcardClickEvent(Event):
    """A member tapped a button of a task card (任务卡片事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "taskcard_click"
    DOC: ClassVar[str] = _DOC

    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the button tapped."""
    task_id: OptStr = Field(None, alias="TaskId")
    """The ``task_id`` the card was sent with."""


class TemplateCardType(OpenStrEnum):
    """``CardType`` values of template cards."""

    TEXT_NOTICE = "text_notice"
    NEWS_NOTICE = "news_notice"
    BUTTON_INTERACTION = "button_interaction"
    VOTE_INTERACTION = "vote_interaction"
    MULTIPLE_INTERACTION = "multiple_interaction"


class SelectedItem(WeComModel):
    """One ``SelectedItems/SelectedItem``: a question and the options chosen."""

    question_key: OptStr = Field(None, alias="QuestionKey")
    """The ``question_key`` of the selector or vote."""
    option_ids: Annotated[list[str], items_of("OptionId")] = Field(
        default_factory=list, alias="OptionIds"
    )
    """The ids of the options chosen (a list even for one)."""


class _TemplateCardFields(Event):
    event_key: OptStr = Field(None, alias="EventKey")
    """The ``key`` of the button or menu item tapped."""
    task_id: OptStr = Field(None, alias="TaskId")
    """The ``task_id`` the card was sent with."""
    card_type: Annotated[TemplateCardType | None, BlankIsNone] = Field(None, alias="CardType")
    """The template card type."""
    response_code: OptStr = Field(None, alias="ResponseCode")
    """Code to update the card with (update_template_card; valid 72 hours, once)."""


class TemplateCardEvent(_TemplateCardFields):
    """A member tapped a button of a template card (模板卡片事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "template_card_event"
    DOC: ClassVar[str] = _DOC

    selected_items: Annotated[list[SelectedItem], items_of("SelectedItem")] = Field(
        default_factory=list, alias="SelectedItems"
    )
    """What the member chose in the card's selectors and votes."""


class TemplateCardMenuEvent(_TemplateCardFields):
    """A member tapped the top-right menu of a template card (通用模板卡片右上角菜单事件推送).

    WeCom doc: 接收事件 (page 90240)
    """

    KIND: ClassVar[str] = "template_card_menu_event"
    DOC: ClassVar[str] = _DOC
