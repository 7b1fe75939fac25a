"""Dispatch: routers, handlers and their filters, and what handlers may name."""

from .handler import Handler
from .injection import INJECTABLE
from .router import Router
from .vocabulary import RegistrationWarning, check_registration

__all__ = ["INJECTABLE", "Handler", "RegistrationWarning", "Router", "check_registration"]
