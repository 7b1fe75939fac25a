"""The changelog and the version agree: the package's version has its own section."""

from __future__ import annotations

import re
from pathlib import Path

import wecom_callback

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"


def released() -> list[str]:
    """The versions of the changelog's ``## [x.y.z]`` headings, newest first."""
    text = CHANGELOG.read_text(encoding="utf-8")
    return re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, re.MULTILINE)


def test_changelog_names_the_version() -> None:
    versions = released()
    assert wecom_callback.__version__ in versions, (
        f"CHANGELOG.md has no '## [{wecom_callback.__version__}]' section"
    )
    assert versions[0] == wecom_callback.__version__, (
        f"the newest release in CHANGELOG.md is {versions[0]},"
        f" the package says {wecom_callback.__version__}"
    )


def test_changelog_keeps_an_unreleased_section() -> None:
    assert re.search(r"^## \[Unreleased\]$", CHANGELOG.read_text(encoding="utf-8"), re.M)
