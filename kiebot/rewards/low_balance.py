"""When a user should hear that their balance is low: once per crossing.

After a job's capture the balance is compared with the threshold; the first capture that
finds it below gets a notice, the following ones do not, until the balance has been back
at or above the threshold (a payment, a promo, a grant): the next fall below is a new
crossing. Remembered in Redis (`low_notice` on the account), so a restart neither repeats
nor loses it; decided in one Lua call, so two jobs ending together give one notice.
"""

from __future__ import annotations

from kiebot.store.keys import Keys
from kiebot.store.scripts import Scripts


class LowBalanceWatch:
    def __init__(self, keys: Keys, scripts: Scripts, *, threshold: int) -> None:
        if threshold < 0:
            raise ValueError("the low-balance threshold cannot be negative")
        self._keys = keys
        self._scripts = scripts
        self._threshold = threshold

    @property
    def threshold(self) -> int:
        return self._threshold

    async def notice_due(self, user_id: int, *, balance_after: int | None = None) -> int | None:
        """The balance when the user should be told now (and it is remembered), else
        None; always None when the threshold is 0 (notices off).

        `balance_after` is the balance the job's settlement left, when the caller has it:
        at or above the threshold, no notice is due and Redis is not asked.
        """
        if self._threshold == 0:
            return None
        if balance_after is not None and balance_after >= self._threshold:
            return None
        keys = [self._keys.user(user_id), self._keys.ledger(user_id)]
        balance = int(await self._scripts.balance_low(keys=keys, args=[self._threshold]))
        return balance if balance >= 0 else None
