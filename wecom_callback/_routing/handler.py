"""One registered handler: what it matches, what it asks for, and how it is called."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Any

import anyio.to_thread

from ..errors import HandlerError
from ..models._base import Callback
from .injection import INJECTABLE

__all__ = ["Handler"]


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
