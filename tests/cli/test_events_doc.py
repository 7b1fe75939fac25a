"""docs/events.md, as scripts/gen_events_doc writes it: optional types and field meanings."""

from __future__ import annotations

from pathlib import Path

from wecom_callback.models import SuiteTicketEvent, TextMessage

DOC = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text(encoding="utf-8")


def test_optional_fields_read_as_optional() -> None:
    # "|" is escaped inside the Markdown tables.
    assert "`suite_ticket` ← `SuiteTicket`: str \\| None (secret, not in repr)" in DOC
    assert "`msg_type` ← `MsgType`: str —" in DOC  # required stays plain


def test_each_field_carries_its_meaning() -> None:
    for model, name in ((SuiteTicketEvent, "suite_ticket"), (TextMessage, "content")):
        meaning = model.model_fields[name].description
        assert meaning
        assert " ".join(meaning.split()).replace("``", "`") in DOC
