"""Referrals: every user has a code; `/start ref_<code>` records who invited a new user,
and the inviter earns a bonus when that user pays for the first time.

Rules, each enforced inside one Lua call:
- a user may be referred once, never by himself, and only when new: the /start that
  carries the link is the one that opens their account (no starting grant given yet, no
  credit ever moved). A user who used the bot before, even only to look around, was not
  brought there by the link;
- the bonus is paid on the referred user's first payment, not at sign-up, so sign-ups
  alone earn nothing and cannot be farmed; it is one ledger entry of type `referral` in
  the inviter's ledger with op key `referral:{referred_id}`, so it is paid once ever,
  whatever number of payments or redelivered payment updates follow.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from redis.asyncio import Redis

from kiebot.billing import Account, Billing
from kiebot.store.keys import Keys
from kiebot.store.replies import optional_text, text_map
from kiebot.store.scripts import Scripts

START_PREFIX = "ref_"
CODE_LENGTH = 8
_ALPHABET = string.ascii_lowercase + string.digits
_CODE_CHARS = frozenset(_ALPHABET)
_CODE_ATTEMPTS = 5
REF_CODE_FIELD = "ref_code"  # on kb:user:{id}; referral_code.lua writes it


@dataclass(frozen=True, slots=True)
class Invitation:
    """What `/invite` shows: the user's code and how their invitations went."""

    code: str
    joined: int
    paid: int
    earned: int
    bonus: int

    @property
    def start_payload(self) -> str:
        return f"{START_PREFIX}{self.code}"


@dataclass(frozen=True, slots=True)
class ReferralBonus:
    """A bonus paid just now: to `referrer_id`, for `referred_id`'s first payment."""

    referrer_id: int
    referred_id: int
    bonus: int
    balance: int


def code_from_payload(payload: str | None) -> str | None:
    """The referral code in a /start payload (`ref_<code>`), or None for anything else."""
    if not payload or not payload.startswith(START_PREFIX):
        return None
    code = payload.removeprefix(START_PREFIX).lower()
    return code if len(code) == CODE_LENGTH and set(code) <= _CODE_CHARS else None


class Referrals:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        billing: Billing,
        *,
        bonus: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if bonus < 0:
            raise ValueError("a referral bonus cannot be negative")
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._billing = billing
        self._bonus = bonus
        self._clock = clock

    async def open_account(self, user_id: int, start_payload: str | None) -> Account:
        """The user's account (opened with the starting grant on first sight), with the
        referrer recorded when `start_payload` is a valid referral and the user may be
        referred (see the module doc). Anything else in the payload is ignored: it came
        from a link, not from the user's keyboard, so there is nothing to tell them."""
        code = code_from_payload(start_payload)
        if code is not None:
            await self._attach(user_id, code)  # before the account opens: "new" is checked
        return await self._billing.ensure_account(user_id)

    async def _attach(self, user_id: int, code: str) -> None:
        k = self._keys
        referrer = optional_text(await self._redis.hget(k.referral_codes, code))
        if referrer is None:
            logger.info("referral: unknown code {!r}", code)
            return
        keys = [k.user(user_id), k.applied(user_id), k.referral_stats(int(referrer))]
        outcome = await self._scripts.referral_attach(keys=keys, args=[referrer, str(user_id)])
        logger.info("referral by {}: {}", referrer, outcome)

    async def referrer_of(self, user_id: int) -> int | None:
        referrer = optional_text(await self._redis.hget(self._keys.user(user_id), "referred_by"))
        return int(referrer) if referrer else None

    async def invitation(self, user_id: int) -> Invitation:
        """The user's code (made on first ask) and the counts of their invitations."""
        code = await self._code(user_id)
        stats = text_map(await self._redis.hgetall(self._keys.referral_stats(user_id)))
        return Invitation(
            code=code,
            joined=int(stats.get("joined", 0)),
            paid=int(stats.get("paid", 0)),
            earned=int(stats.get("earned", 0)),
            bonus=self._bonus,
        )

    async def _code(self, user_id: int) -> str:
        keys = [self._keys.user(user_id), self._keys.referral_codes]
        for _ in range(_CODE_ATTEMPTS):
            candidate = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
            code: str = await self._scripts.referral_code(keys=keys, args=[candidate, user_id])
            if code:
                return code
        # 36**8 codes: five collisions in a row mean something is wrong, not bad luck.
        raise RuntimeError("could not find a free referral code")

    async def forget(self, user_id: int) -> None:
        """The user's data deletion (an erasure hook, `account.erasure`): their referral
        code goes, from the account and from the code index, so an old link of theirs no
        longer names them (a later /invite makes a new code). What stays is accounting:
        who referred them (`referred_by`, the basis of another person's bonus), the
        counts of their invitations, and every bonus in the ledgers."""
        k = self._keys
        code = optional_text(await self._redis.hget(k.user(user_id), REF_CODE_FIELD))
        if code is None:
            return
        await self._redis.hdel(k.user(user_id), REF_CODE_FIELD)
        # The index entry only if it is still this user's (codes are never reassigned,
        # but a deletion must not take someone else's).
        owner = optional_text(await self._redis.hget(k.referral_codes, code))
        if owner == str(user_id):
            await self._redis.hdel(k.referral_codes, code)

    async def reward(self, referred_id: int) -> ReferralBonus | None:
        """Pay the referrer's bonus for `referred_id`'s payment, once ever.

        Returns the bonus when it was paid by this call; None when the user was not
        referred, the bonus was paid before (a later payment, a redelivered update) or
        the bonus is configured to 0.
        """
        referrer = await self.referrer_of(referred_id)
        if referrer is None or self._bonus == 0:
            return None
        k = self._keys
        keys = [
            k.user(referred_id),
            k.user(referrer),
            k.ledger(referrer),
            k.applied(referrer),
            k.referral_stats(referrer),
        ]
        args = [str(referred_id), str(referrer), str(self._bonus), repr(self._clock())]
        reply: list[Any] = await self._scripts.referral_reward(keys=keys, args=args)
        if reply[0] != "applied":
            return None
        logger.info("referral bonus {} paid to {} for {}", self._bonus, referrer, referred_id)
        return ReferralBonus(referrer, referred_id, self._bonus, int(reply[1]))
