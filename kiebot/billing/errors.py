"""Refusals of the billing service, with the numbers a caller shows or logs."""

from __future__ import annotations

from kiebot.errors import KiebotError


class BillingError(KiebotError):
    """Base of the billing service's errors."""


class InsufficientBalance(BillingError):
    """A deduction would take the balance below zero; nothing changed."""

    user_message_key = "billing.insufficient_balance"

    def __init__(self, *, balance: int, amount: int) -> None:
        super().__init__(f"balance {balance} cannot take {amount}")
        self.balance = balance
        self.amount = amount
