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

import hashlib
from collections.abc import Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError


def _source(name: str) -> str:
    return resources.files("kiebot.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


def _with_money(name: str) -> str:
    """The script's source after the money library, which it calls as `kb_move`."""
    return f"{_source('_money')}\n{_source(name)}"


def _with_spending(name: str) -> str:
    """The script's source after the money and spending libraries (`kb_spent_since`)."""
    return f"{_source('_money')}\n{_source('_spending')}\n{_source(name)}"


def _with_account(name: str, *libraries: str) -> str:
    """The script's source after the money and account libraries (`kb_open_account`),
    and any other `libraries` it calls."""
    sources = [_source(lib) for lib in ("_money", "_account", *libraries)]
    return "\n".join([*sources, _source(name)])


def _with_sender(name: str) -> str:
    """The script's source after the sender library (`kb_user_seen`)."""
    return f"{_source('_sender')}\n{_source(name)}"


class Script:
    """A Lua script called by its SHA1 (EVALSHA), loaded again when Redis lost it (a
    restart empties the script cache), so callers never see NOSCRIPT.

    Does what redis-py's `AsyncScript` does for a plain client, without its per-call
    pipeline check (an `isinstance` against redis-py's protocol classes), which py-spy
    showed at 4 % of the bot's CPU in the chat benchmark: every update runs a script.
    """

    def __init__(self, redis: Redis, source: str) -> None:
        self._redis = redis
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(
        self, *, keys: Sequence[str] = (), args: Sequence[str | int | float] = ()
    ) -> Any:
        try:
            return await self._redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            self.sha = await self._redis.script_load(self.source)
            return await self._redis.evalsha(self.sha, len(keys), *keys, *args)


class Scripts:
    """The registered scripts; one attribute per `.lua` file."""

    def __init__(self, redis: Redis) -> None:
        self.ledger_apply: Script = Script(redis, _with_money("ledger_apply"))
        self.account_open: Script = Script(redis, _with_account("account_open"))
        self.job_submit: Script = Script(redis, _with_account("job_submit", "_spending"))
        self.job_transition: Script = Script(redis, _with_money("job_transition"))
        self.job_set_fields: Script = Script(redis, _source("job_set_fields"))
        # Rewards and limits (kiebot/rewards, kiebot/billing/spending.py, kiebot/bot/limits.py).
        self.promo_create: Script = Script(redis, _source("promo_create"))
        self.promo_redeem: Script = Script(redis, _with_money("promo_redeem"))
        self.referral_code: Script = Script(redis, _source("referral_code"))
        self.referral_attach: Script = Script(redis, _source("referral_attach"))
        self.referral_reward: Script = Script(redis, _with_money("referral_reward"))
        self.spending_today: Script = Script(redis, _with_spending("spending_today"))
        self.balance_low: Script = Script(redis, _source("balance_low"))
        self.update_gate: Script = Script(redis, _with_sender("update_gate"))
        self.user_seen: Script = Script(redis, _with_sender("user_seen"))
        self.payment_credit: Script = Script(redis, _with_money("payment_credit"))
        self.broadcast_mark: Script = Script(redis, _source("broadcast_mark"))
        self.payment_refund_begin: Script = Script(redis, _with_money("payment_refund_begin"))
        self.payment_refund_end: Script = Script(redis, _with_money("payment_refund_end"))
