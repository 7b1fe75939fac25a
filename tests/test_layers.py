"""The house: every top-level unit of the package sits on a floor; imports only go down.

A unit (a folder or a top-level module) may import itself and units on lower floors,
never a unit on its own floor or above. Floors, bottom to top, as in CONTRIBUTING.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wecom_callback

PACKAGE = Path(wecom_callback.__file__).parent

FLOORS: list[set[str]] = [
    {"errors"},
    {"_wire"},
    {"crypto"},
    {"models"},
    {"replies"},
    {"_routing", "_receiving"},
    {"_stores"},
    {"inbox"},
    {"_settings"},
    {"_worker", "client"},
    {"suite"},
    {"_app"},
    {"aibot"},
    {"testing"},
    {"_cli", "asgi"},
    {"__init__"},
]
FLOOR = {unit: level for level, units in enumerate(FLOORS) for unit in units}


def unit_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py")


def imported_units(path: Path) -> set[str]:
    """The package units ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text())
    here = list(path.relative_to(PACKAGE).with_suffix("").parts)
    package = here if here[-1] == "__init__" else here[:-1]
    if package and package[-1] == "__init__":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not target:  # "from . import x" at the top: x are units
                    found |= {alias.name for alias in node.names}
                    continue
                names = ["wecom_callback." + ".".join(target)]
            elif node.module:
                names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "wecom_callback" and len(parts) > 1:
                found.add(parts[1])
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_unit_has_a_floor() -> None:
    units = {unit_of(path) for path in SOURCES}
    assert units <= set(FLOOR), f"units without a floor: {sorted(units - set(FLOOR))}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    unit = unit_of(path)
    for other in imported_units(path) - {unit}:
        assert other in FLOOR, f"{path.name} imports unknown unit {other}"
        assert FLOOR[other] < FLOOR[unit], (
            f"{unit} (floor {FLOOR[unit]}) imports {other} (floor {FLOOR[other]})"
        )


def test_the_checker_sees_relative_and_absolute_imports() -> None:
    runner = imported_units(PACKAGE / "_worker" / "runner.py")
    assert {"_receiving", "_routing", "_settings", "inbox", "models"} <= runner
    assert "errors" in imported_units(PACKAGE / "inbox" / "__init__.py")  # absolute form
    assert {"models", "replies"} <= imported_units(PACKAGE / "__init__.py")
