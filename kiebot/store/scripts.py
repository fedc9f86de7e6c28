"""Lua scripts, kept as `.lua` files beside this module and registered once.

Each script is headed by a comment naming its KEYS, ARGV and return value. Registering
with `register_script` means the client sends EVALSHA and falls back to EVAL after a
Redis restart has emptied the script cache, so callers never see NOSCRIPT.

Scripts cannot call each other, so the one money movement every credit-moving script
needs (`kb_move`: balance, held, ledger entry, idempotency key) lives in the library
file `_money.lua`, prepended to those scripts' source here. A leading underscore marks
a library: it is never registered alone.
"""

from __future__ import annotations

from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


def _source(name: str) -> str:
    return resources.files("kiebot.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


def _with_money(name: str) -> str:
    """The script's source after the money library, which it calls as `kb_move`."""
    return f"{_source('_money')}\n{_source(name)}"


def _with_spending(name: str) -> str:
    """The script's source after the money and spending libraries (`kb_spent_since`)."""
    return f"{_source('_money')}\n{_source('_spending')}\n{_source(name)}"


class Scripts:
    """The registered scripts; one attribute per `.lua` file."""

    def __init__(self, redis: Redis) -> None:
        self.ledger_apply: AsyncScript = redis.register_script(_with_money("ledger_apply"))
        self.account_open: AsyncScript = redis.register_script(_with_money("account_open"))
        self.job_submit: AsyncScript = redis.register_script(_with_spending("job_submit"))
        self.job_transition: AsyncScript = redis.register_script(_with_money("job_transition"))
        self.job_set_fields: AsyncScript = redis.register_script(_source("job_set_fields"))
        # Rewards and limits (kiebot/rewards, kiebot/billing/spending.py, kiebot/bot/limits.py).
        self.promo_create: AsyncScript = redis.register_script(_source("promo_create"))
        self.promo_redeem: AsyncScript = redis.register_script(_with_money("promo_redeem"))
        self.referral_code: AsyncScript = redis.register_script(_source("referral_code"))
        self.referral_attach: AsyncScript = redis.register_script(_source("referral_attach"))
        self.referral_reward: AsyncScript = redis.register_script(_with_money("referral_reward"))
        self.spending_today: AsyncScript = redis.register_script(_with_spending("spending_today"))
        self.balance_low: AsyncScript = redis.register_script(_source("balance_low"))
        self.update_gate: AsyncScript = redis.register_script(_source("update_gate"))
        self.user_seen: AsyncScript = redis.register_script(_source("user_seen"))
        self.payment_credit: AsyncScript = redis.register_script(_with_money("payment_credit"))
        self.broadcast_mark: AsyncScript = redis.register_script(_source("broadcast_mark"))
        self.payment_refund_begin: AsyncScript = redis.register_script(
            _with_money("payment_refund_begin")
        )
        self.payment_refund_end: AsyncScript = redis.register_script(
            _with_money("payment_refund_end")
        )
