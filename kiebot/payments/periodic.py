"""Payment reconciliation in the background, not only at start-up.

A successful_payment update can be lost while the process keeps running (a handler that
failed because Redis was away for a moment, a long-polling batch confirmed before its
handlers ended), and waiting for the next restart to credit it could mean days. So the
check against Telegram's Stars transactions (`Payments.reconcile`) also runs every few
minutes: `every_s` with ±`jitter` of it at random, so restarts of several bots do not
line up their calls. One pass at a time: the loop awaits each pass before sleeping, and
the start-up pass (`run_once`) takes the same lock. A failing pass is logged and the
next one tries again; it never stops the loop or the process.

Each periodic pass leaves out the transactions of the last `min_age_s`: their updates
are most likely being handled right now, and the live handler should credit and thank
them (crediting stays once either way; this only spares the user a second thank-you).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from loguru import logger

RECONCILE_EVERY_S = 300.0
RECONCILE_JITTER = 0.2
RECENT_S = 60.0

# One pass: its argument is `min_age_s` (see the module doc).
ReconcilePass = Callable[[float], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class ReconcileLoop:
    def __init__(
        self,
        run_pass: ReconcilePass,
        *,
        every_s: float = RECONCILE_EVERY_S,
        jitter: float = RECONCILE_JITTER,
        min_age_s: float = RECENT_S,
        sleep: Sleep = asyncio.sleep,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if every_s <= 0 or not 0 <= jitter < 1:
            raise ValueError("every_s must be > 0 and jitter in [0, 1)")
        self._run_pass = run_pass
        self._every_s = every_s
        self._jitter = jitter
        self._min_age_s = min_age_s
        self._sleep = sleep
        self._uniform = uniform
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def next_wait_s(self) -> float:
        """The pause before the next pass: `every_s` ± `jitter`."""
        spread = self._every_s * self._jitter
        return self._every_s + self._uniform(-spread, spread)

    async def run_once(self, *, min_age_s: float = 0.0) -> None:
        """One pass, after any pass under way has ended; a failure is logged, not raised."""
        async with self._lock:
            try:
                await self._run_pass(min_age_s)
            except Exception:  # the next pass retries; the process goes on
                logger.exception("payment reconciliation failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="payment-reconcile")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await self._sleep(self.next_wait_s())
            await self.run_once(min_age_s=self._min_age_s)
