"""Handlers, routers and matching: which handlers a callback reaches, and how they are called.

A handler's first parameter (whatever its name) receives the model. Other parameters
are injected by name from a fixed catalogue:

=========  ==========================================================
``ctx``    :class:`~wecom_callback.CallbackContext` of the request
``client`` the app's outbound :class:`~wecom_callback.client.WeComClient`
=========  ==========================================================
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

import anyio.to_thread

from ..errors import HandlerError
from ..models._base import Callback
from .vocabulary import check_registration

__all__ = ["INJECTABLE", "Handler", "Router"]

INJECTABLE: frozenset[str] = frozenset({"ctx", "client"})
"""Parameter names a handler can ask for besides the model."""

F = TypeVar("F", bound=Callable[..., Any])


def _norm(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _matches_value(actual: Any, wanted: Any) -> bool:
    actual = _norm(actual)
    if callable(wanted) and not isinstance(wanted, type):
        return bool(wanted(actual))
    if isinstance(wanted, set | frozenset | tuple | list):
        return any(_matches_value(actual, w) for w in wanted)
    wanted = _norm(wanted)
    if actual == wanted:
        return True
    # agent_id=1000002 and agent_id="1000002" mean the same to a user.
    return actual is not None and isinstance(wanted, str | int) and str(actual) == str(wanted)


class Handler:
    """One registered handler: what it matches and how to call it."""

    __slots__ = (
        "filters",
        "func",
        "id",
        "inject",
        "is_async",
        "kind",
        "model_class",
        "takes_model",
    )

    def __init__(
        self, func: Callable[..., Any], kind: str | type[Callback], filters: dict[str, Any]
    ) -> None:
        self.func = func
        self.id = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
        if isinstance(kind, type):
            if not issubclass(kind, Callback):
                raise HandlerError(f"{kind!r} is not a callback model class")
            self.kind: str | None = None
            self.model_class: type[Callback] | None = kind
        else:
            self.kind = None if kind == "*" else kind
            self.model_class = None
        self.filters = filters
        target = func.func if isinstance(func, functools.partial) else func
        self.is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
            getattr(target, "__call__", None)  # noqa: B004 - async callable objects
        )
        self.takes_model, self.inject = self._plan(func)

    def _plan(self, func: Callable[..., Any]) -> tuple[bool, tuple[str, ...]]:
        try:
            params = list(inspect.signature(func).parameters.values())
        except (TypeError, ValueError) as exc:
            raise HandlerError(f"cannot read the signature of handler {self.id}: {exc}") from None
        takes_model = False
        inject: list[str] = []
        for i, p in enumerate(params):
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.name in INJECTABLE:
                inject.append(p.name)
            elif i == 0 and p.kind != p.KEYWORD_ONLY:
                takes_model = True
            elif p.default is p.empty:
                raise HandlerError(
                    f"handler {self.id} asks for {p.name!r}: a handler gets the model as its "
                    f"first parameter and can ask for {sorted(INJECTABLE)} by name"
                )
        return takes_model, tuple(inject)

    def matches(self, model: Callback) -> bool:
        """True when ``model`` is of this handler's kind or class and passes its filters."""
        if self.model_class is not None:
            if not isinstance(model, self.model_class):
                return False
        elif self.kind is not None and self.kind != model.kind:
            return False
        for name, wanted in self.filters.items():
            if not hasattr(model, name) or not _matches_value(getattr(model, name), wanted):
                return False
        return True

    async def call(self, model: Callback, resources: Mapping[str, Any]) -> Any:
        """Run the handler (sync ones in a worker thread) and return its result."""
        kwargs = {}
        for name in self.inject:
            if name not in resources or resources[name] is None:
                raise HandlerError(f"handler {self.id} asks for {name!r}, which is not configured")
            kwargs[name] = resources[name]
        args = (model,) if self.takes_model else ()
        if self.is_async:
            result: Awaitable[Any] = self.func(*args, **kwargs)
            return await result
        return await anyio.to_thread.run_sync(functools.partial(self.func, *args, **kwargs))

    def __repr__(self) -> str:
        return f"Handler({self.id}, kind={self.kind or self.model_class}, filters={self.filters})"


class Router:
    """A group of handlers; include it in a :class:`~wecom_callback.WeComApp` or a router.

    Handlers run in registration order; an included router's handlers come after the
    including router's own, in the order routers were included.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
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
        check_registration(func, kind, filters, handler.id)
        self._own.append(handler)
        self._invalidate()
        return handler

    def include_router(self, router: Router) -> None:
        """Add every handler of ``router`` (now and later) after this router's own."""
        if router is self or router in list(self._ancestry()):
            raise HandlerError("a router cannot include itself")
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
