"""The settings' reference table (the README's), made from the model so it cannot drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from .settings import _ENV, Settings

__all__ = ["markdown_table"]

#: Defaults that are computed, not literal.
_COMPUTED = {
    "inbox_url": "`sqlite:///<data_dir>/inbox.db`",
    "store_url": "the inbox's",
    "name": "from the receive id and the key",
}


def _default(name: str, value: Any) -> str:
    if name in _COMPUTED:
        return _COMPUTED[name]
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return f"`{value}`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _meaning(description: str | None) -> str:
    text = " ".join((description or "").split())
    return text.replace("``", "`").replace("|", "\\|")


def markdown_table() -> str:
    """One row per setting: its keyword, variable, default and meaning."""
    rows = ["| setting | variable | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        var = _ENV[name]
        default = _default(name, field.default)
        rows.append(f"| `{name}` | `{var}` | {default} | {_meaning(field.description)} |")
    return "\n".join(rows) + "\n"
