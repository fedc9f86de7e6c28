"""Credits outside jobs: accounts, the starting grant, operator adjustments, the ledger.

Job money (reserve, capture, release) is not here on purpose: it moves inside the job
scripts (`jobs.record`), in the same Lua call that writes the job's state, so a job and
its money can never disagree. Every movement, here and there, goes through the one Lua
function `kb_move` (`store/lua/_money.lua`) with an idempotency key, which keeps a
user's `balance` equal to the sum of their ledger (DESIGN invariant 1).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from kiebot.billing.errors import InsufficientBalance
from kiebot.store.keys import DAILY_TTL_S, Keys
from kiebot.store.replies import pairs_map, text, text_map
from kiebot.store.scripts import Scripts

STARTING_GRANT_OP = "grant:start"
LANGUAGE_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Account:
    """A user's money: `balance` is spendable, `held` is reserved by unfinished jobs."""

    user_id: int
    balance: int
    held: int
    created_at: float
    banned: bool

    @classmethod
    def from_hash(cls, user_id: int, data: Mapping[str, str]) -> Account:
        return cls(
            user_id=user_id,
            balance=int(data.get("balance") or 0),
            held=int(data.get("held") or 0),
            created_at=float(data.get("created_at") or 0.0),
            banned=data.get("banned") == "1",
        )

    def as_dict(self) -> dict[str, int | float | bool]:
        """The admin API's view (CONTRACT: `user_id`, `balance`, `held`, `banned`, ...)."""
        return {
            "user_id": self.user_id,
            "balance": self.balance,
            "held": self.held,
            "banned": self.banned,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One money movement. `time` comes from the stream id (Redis's clock, in ms)."""

    id: str
    time: float
    type: str
    amount: int
    balance_after: int
    ref: str
    reason: str

    @classmethod
    def from_stream(cls, entry_id: str, data: Mapping[str, str]) -> LedgerEntry:
        return cls(
            id=entry_id,
            time=int(entry_id.split("-", 1)[0]) / 1000,
            type=data["type"],
            amount=int(data["amount"]),
            balance_after=int(data["balance"]),
            ref=data.get("ref", ""),
            reason=data.get("reason", ""),
        )


@dataclass(frozen=True, slots=True)
class AccountOpening:
    """A user's account as `kb_open_account` (_account.lua) opens it: its KEYS (today's
    count of new users, the set of all users) and ARGV (starting credits, the count's
    TTL, the user id)."""

    keys: tuple[str, str]
    args: tuple[str, str, str]


class Billing:
    """Accounts and operator credit changes; see the module doc for what is elsewhere."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        *,
        starting_credits: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if starting_credits < 0:
            raise ValueError("starting_credits cannot be negative")
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._starting_credits = starting_credits
        self._clock = clock
        self._languages: dict[int, str] = {}

    def opening(self, user_id: int) -> AccountOpening:
        """What a script needs to open the user's account with the starting grant on the
        way (`job_submit.lua`: a user's first update can be a prompt)."""
        now = self._clock()
        day = time.strftime("%Y-%m-%d", time.gmtime(now))  # counts today's new users
        return AccountOpening(
            keys=(self._keys.new_users(day), self._keys.users),
            args=(str(self._starting_credits), str(DAILY_TTL_S), str(user_id)),
        )

    def _money_keys(self, user_id: int) -> list[str]:
        k = self._keys
        return [k.user(user_id), k.ledger(user_id), k.applied(user_id)]

    async def ensure_account(self, user_id: int) -> Account:
        """The user's account, opened with the starting grant on first sight.

        One round trip and no write once the account exists. The grant is given once per
        Telegram user however many updates race (op key `grant:start`), also to a user an
        operator credited before they ever wrote to the bot.
        """
        account, _ = await self._open(user_id, 0)
        return account

    async def statement(self, user_id: int, entries: int) -> tuple[Account, list[LedgerEntry]]:
        """The account (opened on first sight, as `ensure_account`) and its latest ledger
        entries, newest first, in the same round trip."""
        return await self._open(user_id, entries)

    async def _open(self, user_id: int, entries: int) -> tuple[Account, list[LedgerEntry]]:
        opening = self.opening(user_id)
        keys = [*self._money_keys(user_id), *opening.keys]
        args = [repr(self._clock()), *opening.args, str(entries)]
        flat, stream = await self._scripts.account_open(keys=keys, args=args)
        account = Account.from_hash(user_id, pairs_map(flat))
        ledger = [
            LedgerEntry.from_stream(text(entry_id), pairs_map(fields))
            for entry_id, fields in stream
        ]
        return account, ledger

    async def account(self, user_id: int) -> Account | None:
        data = await self._redis.hgetall(self._keys.user(user_id))
        return Account.from_hash(user_id, text_map(data)) if data else None

    async def adjust(
        self, user_id: int, amount: int, *, reason: str, actor: str, op_key: str | None = None
    ) -> int:
        """An operator's grant (amount > 0) or deduction (< 0); returns the new balance.

        `op_key` makes a retried request apply once (the admin page sends one per form);
        without it every call applies, so two deliberate clicks give twice. Keys are
        namespaced (`adjust:{op_key}`) so no caller can collide with a job's keys. Raises
        `InsufficientBalance` when a deduction would go below zero: reserved credit
        (`held`) belongs to running jobs and is not the operator's to take.
        """
        if not reason.strip():
            raise ValueError("an adjustment needs a reason")
        if amount == 0:
            raise ValueError("an adjustment of 0 moves nothing")
        op = f"adjust:{op_key or uuid.uuid4().hex}"
        args = [op, str(amount), "adjustment", actor, reason.strip(), repr(self._clock())]
        reply: list[Any] = await self._scripts.ledger_apply(
            keys=self._money_keys(user_id), args=args
        )
        status, balance = reply[0], int(reply[1])
        if status == "insufficient":
            raise InsufficientBalance(balance=balance, amount=amount)
        return balance

    async def ledger(self, user_id: int, limit: int = 20) -> list[LedgerEntry]:
        """The user's latest ledger entries, newest first."""
        entries = await self._redis.xrevrange(self._keys.ledger(user_id), count=limit)
        return [
            LedgerEntry.from_stream(text(entry_id), text_map(data))
            for entry_id, data in entries or []
            if entry_id is not None and data is not None
        ]

    async def set_banned(self, user_id: int, banned: bool) -> None:
        """Flag the account (the bot's update gate, `bot/limits.py`, refuses a banned
        user's updates: one polite reply a day, nothing processed).

        Opens a bare account if there is none, in one transaction, so the record never
        lacks the money fields; the starting grant still comes with `ensure_account`.
        """
        key = self._keys.user(user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "balance", 0)
            pipe.hsetnx(key, "held", 0)
            pipe.hsetnx(key, "created_at", repr(self._clock()))
            pipe.hset(key, "banned", int(banned))
            await pipe.execute()

    async def remember_language(self, user_id: int, language: str) -> None:
        """Keep the user's language on the account, for messages sent outside an update
        (a job's status, after a restart too). Written only when it changes."""
        if self._languages.get(user_id) == language:
            return
        await self._redis.hset(self._keys.user(user_id), "lang", language)
        self._cache_language(user_id, language)

    def remembered_language(self, user_id: int) -> str | None:
        """The language this process last wrote or read for the user, without I/O."""
        return self._languages.get(user_id)

    def note_language(self, user_id: int, language: str) -> None:
        """Record that the account holds `language` (written by a script, `user_seen`)."""
        self._cache_language(user_id, language)

    async def language(self, user_id: int, default: str = "en") -> str:
        cached = self._languages.get(user_id)
        if cached is not None:
            return cached
        stored = await self._redis.hget(self._keys.user(user_id), "lang")
        language = text(stored) if stored else default
        self._cache_language(user_id, language)
        return language

    async def forget_language(self, user_id: int) -> None:
        """Drop the remembered language (the user's data deletion); the next update
        remembers the one it speaks."""
        await self._redis.hdel(self._keys.user(user_id), "lang")
        self._languages.pop(user_id, None)

    def _cache_language(self, user_id: int, language: str) -> None:
        # Bounded: memory must not grow with the number of users ever seen.
        if len(self._languages) >= LANGUAGE_CACHE_SIZE:
            self._languages.pop(next(iter(self._languages)))
        self._languages[user_id] = language
