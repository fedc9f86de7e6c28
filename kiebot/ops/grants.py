"""`/grant <user> <credits> <reason>`: an operator's credit adjustment from the chat.

Parsing lives here, next to the call, so the handler stays one call and a malformed
command is a typed error with its usage text, changing nothing. The adjustment's
idempotency key is the command message itself, so Telegram redelivering the update after
a crash does not grant twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiebot.billing import Billing, InsufficientBalance
from kiebot.errors import KiebotError

MAX_AMOUNT = 10_000_000
MAX_REASON = 500


class GrantUsage(KiebotError):
    """The command is not `/grant <user id> <credits> <reason>`."""

    user_message_key = "admin.grant.usage"


class GrantRefused(KiebotError):
    """A deduction larger than the spendable balance; nothing changed."""

    user_message_key = "admin.grant.insufficient"

    def __init__(self, *, balance: int) -> None:
        super().__init__(f"balance {balance}")
        self.balance = balance


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    amount: int
    reason: str
    balance: int = 0


def parse_grant(args: str | None) -> Grant:
    parts = (args or "").split(maxsplit=2)
    if len(parts) < 3:
        raise GrantUsage("three arguments expected")
    user, amount, reason = parts
    if not user.isdigit() or not 0 < int(user) < 2**63:
        raise GrantUsage("the user must be a Telegram user id")
    try:
        credits = int(amount)
    except ValueError:
        raise GrantUsage("the amount must be a whole number") from None
    if credits == 0 or abs(credits) > MAX_AMOUNT or len(reason) > MAX_REASON:
        raise GrantUsage("amount or reason out of bounds")
    return Grant(int(user), credits, reason.strip())


async def grant(billing: Billing, *, admin_id: int, args: str | None, op_key: str) -> Grant:
    """Apply `/grant`'s arguments; `GrantUsage` or `GrantRefused` say why not."""
    request = parse_grant(args)
    try:
        balance = await billing.adjust(
            request.user_id,
            request.amount,
            reason=request.reason,
            actor=f"admin:{admin_id}",
            op_key=op_key,
        )
    except InsufficientBalance as exc:
        raise GrantRefused(balance=exc.balance) from exc
    return Grant(request.user_id, request.amount, request.reason, balance)
