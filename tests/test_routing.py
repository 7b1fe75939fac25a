"""Routing: kinds, classes, filters, order, injection, routers."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from wecom_callback import CallbackContext, Router
from wecom_callback.errors import HandlerError
from wecom_callback.models import AddExternalContactEvent, Callback, ExternalContactEvent
from wecom_callback.models._parsing import parse_message
from wecom_callback.testing import callback_xml

ADD = parse_message(
    callback_xml(
        {
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": "u1",
            "AgentID": 7,
        }
    )
)
DEL = parse_message(
    callback_xml(
        {
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "del_external_contact",
            "UserID": "u2",
        }
    )
)
TEXT = parse_message(callback_xml({"MsgType": "text", "Content": "hi", "MsgId": 1}))
CTX = CallbackContext(datetime.now(UTC), "k", "ww", b"<xml/>")


def names(router: Router, model: Callback) -> list[str]:
    return [h.func.__name__ for h in router.matching(model)]


def test_kind_filters_class_and_wildcard() -> None:
    r = Router()

    @r.on("change_external_contact", change_type="add_external_contact")
    def only_add(ev: Callback) -> None: ...

    @r.on("change_external_contact")
    def any_change(ev: Callback) -> None: ...

    @r.on(AddExternalContactEvent)
    def by_class(ev: Callback) -> None: ...

    @r.on(ExternalContactEvent)
    def by_base_class(ev: Callback) -> None: ...

    @r.on()
    def everything(ev: Callback) -> None: ...

    @r.on("*", agent_id="7")
    def agent_7(ev: Callback) -> None: ...

    @r.on("change_external_contact", change_type={"del_external_contact", "edit_external_contact"})
    def in_set(ev: Callback) -> None: ...

    @r.on("change_external_contact", user_id=lambda v: v.endswith("2"))
    def predicate(ev: Callback) -> None: ...

    assert names(r, ADD) == [
        "only_add",
        "any_change",
        "by_class",
        "by_base_class",
        "everything",
        "agent_7",
    ]
    assert names(r, DEL) == ["any_change", "by_base_class", "everything", "in_set", "predicate"]
    assert names(r, TEXT) == ["everything"]


def test_included_routers_run_after_own_handlers_in_order() -> None:
    app, a, b = Router("app"), Router("a"), Router("b")

    @a.on("text")
    def in_a(m: Callback) -> None: ...

    app.include_router(a)
    app.include_router(b)

    @app.on("text")
    def in_app(m: Callback) -> None: ...

    @b.on("text")
    def in_b_added_later(m: Callback) -> None: ...

    assert names(app, TEXT) == ["in_app", "in_a", "in_b_added_later"]
    with pytest.raises(HandlerError):
        a.include_router(app)


def test_injection_by_name_and_sync_in_thread() -> None:
    r = Router()
    seen: dict[str, object] = {}
    loop_thread = threading.get_ident()

    @r.on("text")
    def sync_handler(msg: Callback, ctx: CallbackContext, client: object) -> str:
        seen["thread"] = threading.get_ident()
        seen["ctx"], seen["client"] = ctx, client
        return "ok"

    @r.on("text")
    async def async_handler(ctx: CallbackContext) -> None:
        seen["async_ctx"] = ctx

    async def run() -> list[object]:
        return [await h.call(TEXT, {"ctx": CTX, "client": "C"}) for h in r.matching(TEXT)]

    assert asyncio.run(run()) == ["ok", None]
    assert seen["thread"] != loop_thread
    assert seen["ctx"] is CTX and seen["client"] == "C" and seen["async_ctx"] is CTX


def test_unknown_parameter_is_refused_at_registration() -> None:
    r = Router()
    with pytest.raises(HandlerError, match="'db'"):

        @r.on("text")
        def needs_db(msg: Callback, db: object) -> None: ...


def test_missing_client_is_a_clear_error() -> None:
    r = Router()

    @r.on("text")
    async def wants_client(msg: Callback, client: object) -> None: ...

    with pytest.raises(HandlerError, match="client"):
        asyncio.run(r.matching(TEXT)[0].call(TEXT, {"ctx": CTX, "client": None}))


def test_handler_ids_are_unique() -> None:
    r, child = Router(), Router()

    def h(m: Callback) -> None: ...

    r.on("text")(h)
    r.on("text")(h)
    child.on("text")(h)
    r.include_router(child)
    ids = [x.id for x in r.handlers]
    assert len(set(ids)) == 3 and ids[0].endswith("test_handler_ids_are_unique.<locals>.h")
