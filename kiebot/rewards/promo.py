"""Promo codes: an operator creates a code (credits, number of uses, expiry); each user
may redeem it once.

A redemption is one Lua call (`promo_redeem.lua`): the checks, the credit (a ledger entry
of type `promo` through `kb_move`, op key `promo:{CODE}`) and taking one use happen
together, so two users racing for the last use cannot both get it, and one user's
double tap cannot redeem twice. Codes are case-insensitive (stored upper case) and
checked for shape before Redis is asked, so garbage gets a clear answer and costs
nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from kiebot.rewards.errors import (
    PromoAlreadyRedeemed,
    PromoExists,
    PromoExpired,
    PromoMalformed,
    PromoMissing,
    PromoUnknown,
    PromoUsedUp,
    RewardsError,
)
from kiebot.store.keys import Keys
from kiebot.store.replies import text_map, texts
from kiebot.store.scripts import Scripts

MAX_CODE_LENGTH = 32
CODE_PATTERN = re.compile(rf"[A-Z0-9_-]{{3,{MAX_CODE_LENGTH}}}")
MAX_CREDITS = 1_000_000
MAX_USES = 1_000_000

# Each refusal of promo_redeem.lua, as the typed error it becomes.
_REFUSALS: Mapping[str, Callable[[str], RewardsError]] = {
    "unknown": lambda code: PromoUnknown(code=code),
    "already": lambda code: PromoAlreadyRedeemed(code=code),
    "expired": lambda code: PromoExpired(code=code),
    "used_up": lambda code: PromoUsedUp(code=code),
}


def normalise_code(raw: str | None) -> str:
    """The code as stored (upper case), or a typed error for no code or garbage."""
    if raw is None or not raw.strip():
        raise PromoMissing()
    code = raw.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise PromoMalformed(max_length=MAX_CODE_LENGTH)
    return code


@dataclass(frozen=True, slots=True)
class Promo:
    code: str
    credits: int
    uses: int
    uses_left: int
    expires_at: float
    created_at: float

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> Promo:
        return cls(
            code=data["code"],
            credits=int(data["credits"]),
            uses=int(data["uses"]),
            uses_left=int(data["uses_left"]),
            expires_at=float(data["expires_at"]),
            created_at=float(data["created_at"]),
        )

    def as_dict(self, now: float) -> dict[str, Any]:
        """The admin API's view."""
        return {
            "code": self.code,
            "credits": self.credits,
            "uses": self.uses,
            "uses_left": self.uses_left,
            "redeemed": self.uses - self.uses_left,
            "expires_at": self.expires_at,
            "expired": self.expires_at <= now,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Redemption:
    """A redeemed code: the credits it gave and the balance after."""

    code: str
    credits: int
    balance: int


class PromoCodes:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._clock = clock

    @property
    def now(self) -> float:
        return self._clock()

    async def create(self, code: str, *, credits: int, uses: int, expires_at: float) -> Promo:
        """Create a code (case-insensitive); raises `PromoExists` if it exists already,
        `PromoMalformed` for a bad code and ValueError for bad terms."""
        normalised = normalise_code(code)
        if not 1 <= credits <= MAX_CREDITS:
            raise ValueError(f"credits must be 1..{MAX_CREDITS}")
        if not 1 <= uses <= MAX_USES:
            raise ValueError(f"uses must be 1..{MAX_USES}")
        now = self._clock()
        if expires_at <= now:
            raise ValueError("expires_at must be in the future")
        args = [normalised, str(credits), str(uses), repr(float(expires_at)), repr(now)]
        keys = [self._keys.promo(normalised), self._keys.promos]
        if await self._scripts.promo_create(keys=keys, args=args) == "exists":
            raise PromoExists(code=normalised)
        return Promo(normalised, credits, uses, uses, float(expires_at), now)

    async def get(self, code: str) -> Promo | None:
        data = await self._redis.hgetall(self._keys.promo(normalise_code(code)))
        return Promo.from_hash(text_map(data)) if data else None

    async def all(self) -> list[Promo]:
        """Every code, newest first."""
        codes = sorted(texts(await self._redis.smembers(self._keys.promos)))
        async with self._redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hgetall(self._keys.promo(code))
            replies: list[dict[bytes | str, bytes | str]] = await pipe.execute()
        promos = [Promo.from_hash(text_map(data)) for data in replies if data]
        return sorted(promos, key=lambda p: p.created_at, reverse=True)

    async def redeem(self, user_id: int, raw_code: str | None) -> Redemption:
        """Credit the code's credits to the user once; a typed error says why not
        (missing, malformed, unknown, already redeemed, expired, used up)."""
        code = normalise_code(raw_code)
        k = self._keys
        keys = [k.promo(code), k.user(user_id), k.ledger(user_id), k.applied(user_id)]
        reply: list[Any] = await self._scripts.promo_redeem(
            keys=keys, args=[code, repr(self._clock())]
        )
        if reply[0] != "applied":
            raise _REFUSALS[reply[0]](code)
        return Redemption(code=code, credits=int(reply[1]), balance=int(reply[2]))
