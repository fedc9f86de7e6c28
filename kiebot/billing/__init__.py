"""Billing: accounts, the starting grant, operator adjustments and the ledger.

Job reservations are settled by the job scripts themselves (see `billing.service`).
"""

from kiebot.billing.errors import BillingError, InsufficientBalance
from kiebot.billing.service import (
    STARTING_GRANT_OP,
    Account,
    AccountOpening,
    Billing,
    LedgerEntry,
)

__all__ = [
    "STARTING_GRANT_OP",
    "Account",
    "AccountOpening",
    "Billing",
    "BillingError",
    "InsufficientBalance",
    "LedgerEntry",
]
