"""A third-party suite's instruction URL: keep the suite_ticket, follow installations.

The instruction URL is encrypted for the SuiteID (and, on some events, the provider's
CorpID), so both are allowed. Instruction callbacks are answered ``success`` at once.

    WECOM_TOKEN=... WECOM_ENCODING_AES_KEY=... WECOM_RECEIVE_ID=wwsuite...,wwprovider... \
        uvicorn examples.suite:app
"""

from __future__ import annotations

import logging

from wecom_callback import WeComApp
from wecom_callback.models import CancelAuthEvent, CreateAuthEvent, SuiteTicketEvent

log = logging.getLogger("suite")
app = WeComApp.from_env()
tickets: dict[str, str] = {}


@app.on(SuiteTicketEvent)
def keep_ticket(ev: SuiteTicketEvent) -> None:
    """WeCom pushes a fresh ticket every 10 minutes; it is valid for 30."""
    if ev.suite_id and ev.suite_ticket:
        tickets[ev.suite_id] = ev.suite_ticket


@app.on(CreateAuthEvent)
async def installed(ev: CreateAuthEvent) -> None:
    """Exchange ev.auth_code for the permanent code here (valid 10 minutes)."""
    log.info("suite %s installed (state %s)", ev.suite_id, ev.state)


@app.on(CancelAuthEvent)
async def uninstalled(ev: CancelAuthEvent) -> None:
    """The provider must delete the corp's data."""
    log.info("corp %s removed suite %s", ev.auth_corp_id, ev.suite_id)
