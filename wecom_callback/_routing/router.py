"""Routers: groups of handlers, included into apps and into each other, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..errors import HandlerError
from ..models._base import Callback, Dialect
from .handler import Handler
from .vocabulary import check_registration

__all__ = ["F", "Router"]

F = TypeVar("F", bound=Callable[..., Any])


class Router:
    """A group of handlers; include it in a :class:`~wecom_callback.WeComApp` or a router.

    Handlers run in registration order; an included router's handlers come after the
    including router's own, in the order routers were included.
    """

    def __init__(self, name: str | None = None, *, dialect: Dialect = "xml") -> None:
        self.name = name
        self.dialect: Dialect = dialect
        """The kinds handlers may name: ``xml`` (apps) or ``aibot`` (AI bots)."""
        self._own: list[Handler] = []
        self._children: list[Router] = []
        self._parents: list[Router] = []
        self._flat: list[Handler] | None = None

    def on(self, kind: str | type[Callback] = "*", /, **filters: Any) -> Callable[[F], F]:
        """Register the decorated function for ``kind`` (a string or a model class).

        ``kind`` is the MsgType, Event or InfoType (``"text"``, ``"change_contact"``,
        ``"suite_ticket"``), ``"*"`` for everything, or a model class matched with
        ``isinstance``. ``filters`` narrow by model attribute, e.g.
        ``change_type="add_external_contact"``; a value may be a set of alternatives
        or a predicate.
        """

        def decorator(func: F) -> F:
            self.add_handler(func, kind, **filters)
            return func

        return decorator

    def add_handler(
        self, func: Callable[..., Any], kind: str | type[Callback] = "*", /, **filters: Any
    ) -> Handler:
        """The non-decorator form of :meth:`on`."""
        handler = Handler(func, kind, filters)
        check_registration(func, kind, filters, handler.id, self.dialect)
        self._own.append(handler)
        self._invalidate()
        return handler

    def include_router(self, router: Router) -> None:
        """Add every handler of ``router`` (now and later) after this router's own."""
        if router is self or router in list(self._ancestry()):
            raise HandlerError("a router cannot include itself")
        if router.dialect != self.dialect:
            raise HandlerError(
                f"router {router.name!r} registers {router.dialect!r} kinds; this one takes"
                f" {self.dialect!r} kinds (an AI bot's routers are wecom_callback.aibot.Router)"
            )
        self._children.append(router)
        router._parents.append(self)
        self._invalidate()

    def _ancestry(self) -> Iterable[Router]:
        for parent in self._parents:
            yield parent
            yield from parent._ancestry()

    def _invalidate(self) -> None:
        self._flat = None
        for parent in self._parents:
            parent._invalidate()

    @property
    def handlers(self) -> list[Handler]:
        """Every handler in dispatch order, each with an id unique in this tree."""
        if self._flat is None:
            flat: list[Handler] = []
            self._collect(flat)
            seen: dict[str, int] = {}
            for h in flat:
                base = h.id.split("#", 1)[0]
                seen[base] = seen.get(base, 0) + 1
                h.id = base if seen[base] == 1 else f"{base}#{seen[base]}"
            self._flat = flat
        return self._flat

    def _collect(self, out: list[Handler]) -> None:
        out.extend(self._own)
        for child in self._children:
            child._collect(out)

    def matching(self, model: Callback) -> list[Handler]:
        """The handlers ``model`` reaches, in dispatch order."""
        return [h for h in self.handlers if h.matches(model)]
