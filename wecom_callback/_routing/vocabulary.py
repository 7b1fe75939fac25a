"""What handlers may name: the known kinds, their models' fields and enum values.

Checked when a handler is registered, so a mistyped kind, filter or value is reported at
the line that made it rather than discovered when no callback ever matches:

- a kind no model registers (``"txet"``): a :class:`RegistrationWarning` naming the
  closest known kinds (unknown kinds stay legal: WeCom adds new ones);
- a filter that is no attribute of any model of the kind (``chnage_type=``): a
  :class:`~wecom_callback.errors.HandlerError` naming the fields;
- a filter value that is no known member of an enum field
  (``change_type="add_external_contatc"``): a :class:`RegistrationWarning`.
"""

from __future__ import annotations

import difflib
import enum
import functools
import types
import typing
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import HandlerError
from ..models._base import Callback, Dialect, UnknownEvent, UnknownMessage, registered
from ..models.aibot import AIBotUnknownEvent, AIBotUnknownMessage

__all__ = ["RegistrationWarning", "check_registration"]


class RegistrationWarning(UserWarning):
    """A handler names a kind or a filter value that no model knows (likely a typo)."""


@functools.cache
def _known_kinds(dialect: Dialect) -> frozenset[str]:
    return frozenset(kind for _family, kind, _change in registered(dialect))


def _models(kind: str | type[Callback], dialect: Dialect) -> list[type[Callback]]:
    every = list(registered(dialect).values())
    if isinstance(kind, type):
        return [kind, *(c for c in every if issubclass(c, kind) and c is not kind)]
    if kind == "*":
        unknown = (AIBotUnknownEvent, AIBotUnknownMessage) if dialect == "aibot" else (
            UnknownEvent, UnknownMessage)  # fmt: skip
        return [*every, *unknown]
    return [c for (_family, k, _change), c in registered(dialect).items() if k == kind]


@functools.cache
def _attributes(cls: type[Callback]) -> frozenset[str]:
    names = set(cls.model_fields)
    for klass in cls.__mro__:
        if klass.__module__.startswith("pydantic"):
            continue  # BaseModel's own properties (model_extra, ...) are no callback fields
        for name, value in vars(klass).items():
            if isinstance(value, property | functools.cached_property) and name[0] != "_":
                names.add(name)
    return frozenset(names)


def _enums(annotation: Any) -> Iterable[type[enum.Enum]]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _enums(arg)


def _plain_values(wanted: Any) -> list[Any] | None:
    """The literal values a filter names, or None for a predicate."""
    if callable(wanted) and not isinstance(wanted, type | enum.Enum):
        return None
    if isinstance(wanted, set | frozenset | tuple | list):
        out: list[Any] = []
        for item in wanted:
            values = _plain_values(item)
            if values is None:
                return None
            out += values
        return out
    return [wanted]


def _known_values(
    name: str, owners: list[type[Callback]], kind_models: list[type[Callback]]
) -> set[str] | None:
    """Every known value of field ``name`` as text, or None when the field is open."""
    known: set[str] = set()
    closed = False
    for cls in owners:
        field = cls.model_fields.get(name)
        for member_type in _enums(field.annotation if field is not None else None):
            closed = True
            known |= {str(member.value) for member in member_type}
    if name == "change_type":
        changes = {c.CHANGE_TYPE for c in kind_models if c.CHANGE_TYPE}
        closed = closed or bool(changes)
        known |= {str(change) for change in changes}
    return known if closed else None


def _warn(func: Callable[..., Any], message: str) -> None:
    code = getattr(getattr(func, "__wrapped__", func), "__code__", None)
    if isinstance(code, types.CodeType):
        module = getattr(func, "__module__", None) or "__main__"
        warnings.warn_explicit(
            message, RegistrationWarning, code.co_filename, code.co_firstlineno, module, {}
        )
    else:
        warnings.warn(message, RegistrationWarning, stacklevel=4)


def check_registration(
    func: Callable[..., Any],
    kind: str | type[Callback],
    filters: dict[str, Any],
    handler_id: str,
    dialect: Dialect = "xml",
) -> None:
    """Warn or raise (see the module doc) about what a new handler names.

    ``dialect`` is the vocabulary: ``xml`` (apps) or ``aibot`` (AI bots' JSON kinds).
    """
    if isinstance(kind, type) and dialect != kind.DIALECT:
        raise HandlerError(
            f"handler {handler_id} is registered for {kind.__name__}, a model of the"
            f" {kind.DIALECT!r} dialect, on a router of the {dialect!r} dialect"
        )
    known_kinds = _known_kinds(dialect)
    if isinstance(kind, str) and kind != "*" and kind not in known_kinds:
        close = difflib.get_close_matches(kind, sorted(known_kinds), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        _warn(
            func,
            f"handler {handler_id} is registered for kind {kind!r}, which no model knows"
            f"{hint} (an unknown kind still matches callbacks of that kind)",
        )
        return
    models = _models(kind, dialect)
    for name, wanted in filters.items():
        owners = [cls for cls in models if name in _attributes(cls)]
        if not owners:
            fields = sorted(set().union(*(_attributes(cls) for cls in models)) - {"raw"})
            close = difflib.get_close_matches(name, fields, n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise HandlerError(
                f"handler {handler_id} filters on {name}=, which no model of kind {kind!r} has."
                f"{hint} Fields: {', '.join(fields)}"
            )
        values = _plain_values(wanted)
        known = _known_values(name, owners, models)
        if values is None or known is None:
            continue
        for value in values:
            text = str(value.value if isinstance(value, enum.Enum) else value)
            if text not in known:
                close = difflib.get_close_matches(text, sorted(known), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                _warn(
                    func,
                    f"handler {handler_id} filters on {name}={text!r}, which is no known value"
                    f" of {name}{hint}",
                )
