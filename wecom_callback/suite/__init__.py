"""Third-party suites (服务商): tickets, installations, per-corp clients, the install flow.

- :class:`SuiteClient` keeps the pushed suite_ticket, gets the suite_access_token, runs
  the install exchange and gives a :class:`~wecom_callback.client.WeComClient` per
  installed corp (``suite.for_corp(corp_id)``);
- :class:`ProviderClient` calls the provider APIs with the provider_access_token;
- :class:`Installation` is one corp's installation; :class:`InstallationStore` the base
  to implement for keeping them in your own database (:class:`StoreInstallations` keeps
  them in the shared store: memory, SQLite or Redis);
- :class:`InstallFlow` is the mountable install flow (start URL and redirect_uri);
- :class:`InstalledCorps` is the live set of installed corps a data URL accepts.

A :class:`~wecom_callback.WeComApp` given ``suite_id`` and ``suite_secret`` runs all this
built in: see ``app.suite``.
"""

from wecom_callback.suite._client import SuiteClient
from wecom_callback.suite._errors import (
    InstallationRevokedError,
    NotInstalledError,
    SuiteError,
    SuiteTicketError,
)
from wecom_callback.suite._install_flow import InstallFlow
from wecom_callback.suite._installation import Installation, InstallationStore, StoreInstallations
from wecom_callback.suite._installed_corps import InstalledCorps
from wecom_callback.suite._lifecycle import Lifecycle
from wecom_callback.suite._models import AuthInfo, LoginInfo, PermanentCode, PreAuthCode
from wecom_callback.suite._provider import ProviderClient
from wecom_callback.suite._ticket import SuiteTicket, SuiteTickets

__all__ = [
    "AuthInfo",
    "InstallFlow",
    "Installation",
    "InstallationRevokedError",
    "InstallationStore",
    "InstalledCorps",
    "Lifecycle",
    "LoginInfo",
    "NotInstalledError",
    "PermanentCode",
    "PreAuthCode",
    "ProviderClient",
    "StoreInstallations",
    "SuiteClient",
    "SuiteError",
    "SuiteTicket",
    "SuiteTicketError",
    "SuiteTickets",
]
