"""Reconciliation while the process runs: every few minutes (jittered), one pass at a
time, a failing pass never ends the loop, and a periodic pass leaves the newest payments
to the live handler."""

from __future__ import annotations

import asyncio

import pytest

from kiebot.payments.periodic import ReconcileLoop
from kiebot.sim.telegram import SimUser
from tests.payments.service_support import Shop

ANN = SimUser(2**32 + 901, "Ann")


class FakeTime:
    """`sleep` that records each wait and returns at once (the loop's pace is not what
    these tests measure)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


async def test_passes_repeat_with_jittered_waits_and_leave_recent_payments() -> None:
    ages: list[float] = []
    enough = asyncio.Event()

    async def run_pass(min_age_s: float) -> None:
        ages.append(min_age_s)
        if len(ages) == 3:
            enough.set()

    clock = FakeTime()
    loop = ReconcileLoop(run_pass, every_s=300, jitter=0.2, min_age_s=60, sleep=clock.sleep)
    loop.start()
    await asyncio.wait_for(enough.wait(), 10)
    await loop.stop()

    assert ages[:3] == [60, 60, 60]
    assert all(240 <= wait <= 360 for wait in clock.waits), clock.waits
    assert len(set(clock.waits)) > 1, "the waits are jittered"
    passes = len(ages)
    await asyncio.sleep(0)
    assert len(ages) == passes, "no pass after stop"


async def test_one_pass_at_a_time_and_a_failure_does_not_stop_the_loop() -> None:
    running, most, calls = 0, 0, 0
    release = asyncio.Event()
    two_after_failure = asyncio.Event()

    async def run_pass(min_age_s: float) -> None:
        nonlocal running, most, calls
        calls += 1
        running += 1
        most = max(most, running)
        try:
            if calls == 1:
                await release.wait()  # a slow pass: the others must wait for it
            if calls == 2:
                raise RuntimeError("Telegram said no")
            if calls >= 4:
                two_after_failure.set()
        finally:
            running -= 1

    loop = ReconcileLoop(run_pass, sleep=FakeTime().sleep)
    slow = asyncio.create_task(loop.run_once())  # the start-up pass
    await asyncio.sleep(0)
    loop.start()
    await asyncio.sleep(0.05)
    assert calls == 1, "the periodic pass waits for the one under way"
    release.set()
    await slow
    await asyncio.wait_for(two_after_failure.wait(), 10)
    await loop.stop()
    assert most == 1


async def test_a_periodic_pass_credits_a_lost_payment_once_it_is_not_recent(
    shop: Shop,
) -> None:
    paid = await shop.pay(ANN, "small")  # paid at Telegram; the update is never handled

    assert await shop.payments.reconcile(min_age_s=60) == []
    assert await shop.ledger(ANN.id) == [], "a payment of seconds ago is left to its update"

    shop.clock.advance(120)
    (receipt,) = await shop.payments.reconcile(min_age_s=60)
    assert (receipt.charge_id, receipt.credits, receipt.duplicate) == (
        paid.telegram_payment_charge_id, 50, False,
    )  # fmt: skip
    assert await shop.payments.reconcile(min_age_s=60) == []
    late = await shop.payments.record_payment(ANN.id, paid)  # the update turns up after all
    assert late.duplicate
    assert await shop.ledger(ANN.id) == [("payment", 50)]
    assert await shop.ledger_sum(ANN.id) == 50


@pytest.mark.parametrize(("every_s", "jitter"), [(0, 0.1), (300, 1.0), (300, -0.1)])
def test_nonsense_intervals_are_refused(every_s: float, jitter: float) -> None:
    async def run_pass(min_age_s: float) -> None:
        return None

    with pytest.raises(ValueError, match="every_s must be"):
        ReconcileLoop(run_pass, every_s=every_s, jitter=jitter)
