"""Bottom layers never import the top ones; Redis stays optional for the client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wecom_callback"

FORBIDDEN = {
    "_stores": ("wecom_callback.client", "wecom_callback._app", "wecom_callback.inbox"),
    "client": ("wecom_callback._app", "wecom_callback._runner", "wecom_callback._cli"),
}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, relative ones resolved."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = parts[: len(parts) - node.level] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    files = sorted((PACKAGE / layer).glob("*.py"))
    assert files
    for path in files:
        for module in imported_modules(path):
            for banned in FORBIDDEN[layer]:
                assert not (module == banned or module.startswith(banned + ".")), (
                    f"{path.name} imports {module}"
                )


SCRIPT = r"""
import asyncio, sys
sys.modules["redis"] = None  # as if the package were not installed
from wecom_callback.client import WeComClient
from wecom_callback.testing import FakeWeComAPI

async def main():
    async with FakeWeComAPI() as api:
        async with WeComClient(api.corp_id, api.secret, base_url=api.base_url) as client:
            assert await client.get_callback_ip()

asyncio.run(main())
print("ok")
"""


def test_the_client_works_without_redis() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
