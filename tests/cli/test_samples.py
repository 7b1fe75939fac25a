"""The samples ``simulate`` sends: the test fixtures, shipped in the wheel, stamped afresh."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wecom_callback._cli.samples import resolve, sample_names, sample_plaintext
from wecom_callback._wire.xml import parse_xml
from wecom_callback.errors import ConfigurationError
from wecom_callback.models import SysApprovalChangeEvent, TextMessage
from wecom_callback.models._parsing import parse_message

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests" / "fixtures" / "callbacks"
SHIPPED = ROOT / "wecom_callback" / "testing" / "fixtures"
COPY = f"cp {TESTS.relative_to(ROOT)}/*.xml {SHIPPED.relative_to(ROOT)}/"


def test_the_shipped_samples_are_the_test_fixtures() -> None:
    tests = {p.name: p.read_bytes() for p in TESTS.glob("*.xml")}
    shipped = {p.name: p.read_bytes() for p in SHIPPED.glob("*.xml")}
    assert sorted(shipped) == sorted(tests), f"the samples differ from the fixtures: {COPY}"
    stale = [name for name in tests if tests[name] != shipped[name]]
    assert stale == [], f"the samples differ from the fixtures: {COPY}"
    assert list(sample_names()) == sorted(name.removesuffix(".xml") for name in tests)


def test_the_wheel_carries_the_samples(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("wecom_callback-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"wecom_callback/testing/fixtures/{p.name}" for p in SHIPPED.glob("*.xml")}
    assert expected and expected <= names


@pytest.mark.parametrize(
    ("kind", "info", "name"),
    [
        ("text", False, "text"),
        ("suite_ticket", False, "suite_ticket.info"),
        ("batch_job_result", False, "batch_job_result"),
        ("batch_job_result", True, "batch_job_result.info"),
        ("add_external_contact", False, "change_external_contact.add_external_contact"),
        ("add_external_contact", True, "change_external_contact.add_external_contact.info"),
        ("no_such_kind", False, None),
    ],
)
def test_a_kind_resolves_to_its_sample(kind: str, info: bool, name: str | None) -> None:
    assert resolve(kind, info=info) == name


def test_an_ambiguous_change_type_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="'create' is ambiguous"):
        resolve("create")


def test_a_sample_is_addressed_stamped_and_fresh() -> None:
    first = parse_message(sample_plaintext("text", "wwmine000000000001", "hi"))
    second = parse_message(sample_plaintext("text", "wwmine000000000001"))
    assert isinstance(first, TextMessage) and isinstance(second, TextMessage)
    assert first.to_user_name == "wwmine000000000001" and first.content == "hi"
    assert second.content == "hello  world"
    assert first.create_time is not None and first.create_time.year >= 2025
    assert first.msg_id != second.msg_id
    approval = parse_message(sample_plaintext("sys_approval_change", "wwmine000000000001"))
    assert isinstance(approval, SysApprovalChangeEvent) and approval.approval_info is not None
    info = parse_xml(sample_plaintext("suite_ticket.info", "wwsuite0000000009"))
    assert info["SuiteId"] == "wwsuite0000000009" and int(info["TimeStamp"]) > 1700000100


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_parses_after_stamping(name: str) -> None:
    model = parse_message(sample_plaintext(name, "wwmine000000000001", "x"))
    assert getattr(model, "parse_error", None) is None
