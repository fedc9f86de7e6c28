"""Money invariants with payments and refunds in the mix (DESIGN invariant 1).

The billing state machine (`tests/billing/test_money_properties.py`: reserve by submit,
capture and release by job ends, operator grants and deductions, retries) gains Stars
payments, redelivered payments and refunds (forced or not). After every step, per user:
balance = the sum of the ledger, held = the prices of unfinished jobs, neither below
zero, the balance = what was given (grants, adjustments, payments, refunds) less what
finished jobs cost, and each charge id is credited once and refunded at most once.

Refunds go through `Payments.refund` with a fake Telegram that remembers refunded
charges and refuses a second refund the way the Bot API does; it may also refuse a
refund outright (the credits come back) or refund and lose the answer (the payment stays
pending with its credits taken, and the next refund of it settles without taking more).
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import RefundStarPayment
from aiogram.types import SuccessfulPayment
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test
from redis.asyncio import Redis

from kiebot.config import DEFAULT_PACKS
from kiebot.jobs import SETTLEMENT
from kiebot.payments import (
    AlreadyRefunded,
    CreditsAlreadySpent,
    Payments,
    RefundRefused,
    RefundUncertain,
)
from kiebot.payments.offers import Offer
from kiebot.store import Scripts
from tests.billing.support import KEYS, ledger_sum, money
from tests.billing.test_money_properties import USERS, MoneyMachine, users
from tests.support.redis_server import RedisServer

GIVEN = ("grant", "adjustment", "payment", "refund", "refund_revert")
_charges = itertools.count(1)


class FakeStars:
    """refundStarPayment, remembered like Telegram remembers it. `refuse_next` makes the
    next call a definite refusal (nothing refunded); `lose_next` refunds and then loses
    the answer on the way back (a network error: the bot cannot know it went through)."""

    def __init__(self) -> None:
        self.refunded: set[str] = set()
        self.refuse_next = False
        self.lose_next = False

    async def refund_star_payment(self, *, user_id: int, telegram_payment_charge_id: str) -> bool:
        method = RefundStarPayment(
            user_id=user_id, telegram_payment_charge_id=telegram_payment_charge_id
        )
        if telegram_payment_charge_id in self.refunded:
            raise TelegramBadRequest(method, "Bad Request: CHARGE_ALREADY_REFUNDED")
        if self.refuse_next:
            self.refuse_next = False
            raise TelegramBadRequest(method, "Bad Request: CHARGE_NOT_FOUND")
        self.refunded.add(telegram_payment_charge_id)
        if self.lose_next:
            self.lose_next = False
            raise TelegramNetworkError(method, "connection reset")
        return True


class PaymentsMachine(MoneyMachine):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.stars = FakeStars()
        self.payments = Payments(
            self.redis, KEYS, Scripts(self.redis), self.billing, cast(Bot, self.stars),
            packs=DEFAULT_PACKS, plan=None, clock=self.clock,
        )  # fmt: skip
        self.paid: list[tuple[int, SuccessfulPayment]] = []

    @rule(user=users, pack=st.sampled_from(DEFAULT_PACKS))
    def pay(self, user: int, pack: Any) -> None:
        offer = Offer.of_pack(pack)
        paid = SuccessfulPayment(
            currency="XTR",
            total_amount=offer.stars,
            invoice_payload=offer.payload(user),
            telegram_payment_charge_id=f"stx{next(_charges)}",
            provider_payment_charge_id="",
        )
        balance, _ = self.run(money(self.redis, user))
        receipt = self.run(self.payments.record_payment(user, paid))
        assert (receipt.duplicate, receipt.balance) == (False, balance + offer.total)
        self.paid.append((user, paid))

    @precondition(lambda self: self.paid)
    @rule(index=st.integers(0, 1000))
    def redeliver(self, index: int) -> None:
        user, paid = self.paid[index % len(self.paid)]
        balance, _ = self.run(money(self.redis, user))
        receipt = self.run(self.payments.record_payment(user, paid))
        assert receipt.duplicate
        assert self.run(money(self.redis, user))[0] == balance

    @precondition(lambda self: self.paid)
    @rule(
        index=st.integers(0, 1000),
        force=st.booleans(),
        telegram=st.sampled_from(["answers", "refuses", "answer lost"]),
    )
    def refund(self, index: int, force: bool, telegram: str) -> None:
        user, paid = self.paid[index % len(self.paid)]
        charge = paid.telegram_payment_charge_id
        before = self.run(self.payments.payment(charge))
        assert before is not None
        balance, _ = self.run(money(self.redis, user))
        self.stars.refuse_next = telegram == "refuses"
        self.stars.lose_next = telegram == "answer lost"
        attempt = self.payments.refund(charge, force=force, reason="prop")
        if before.status == "refunded":
            with pytest.raises(AlreadyRefunded):
                self.run(attempt)
        elif before.status == "refund_pending":
            # Telegram refunded before but the answer was lost: the retry settles it and
            # takes nothing more (Telegram says CHARGE_ALREADY_REFUNDED, whatever we set).
            refund = self.run(attempt)
            assert refund.balance == balance
        elif balance < before.credits and not force:
            with pytest.raises(CreditsAlreadySpent):
                self.run(attempt)
        elif telegram == "refuses":
            with pytest.raises(RefundRefused):
                self.run(attempt)
            assert self.run(money(self.redis, user))[0] == balance, "the credits came back"
        elif telegram == "answer lost":
            with pytest.raises(RefundUncertain):
                self.run(attempt)
            after = self.run(self.payments.payment(charge))
            assert after is not None
            assert after.status == "refund_pending"
            taken = min(before.credits, balance)
            assert self.run(money(self.redis, user))[0] == balance - taken
        else:
            refund = self.run(attempt)
            assert refund.debited == min(before.credits, balance)
            assert refund.balance == balance - refund.debited >= 0
        self.stars.refuse_next = self.stars.lose_next = False

    @invariant()
    def money_adds_up(self) -> None:
        jobs = self.run(self.jobs.get_many([job_id for job_id, _ in self.submitted]))
        for user in USERS:
            balance, held = self.run(money(self.redis, user))
            assert balance == self.run(ledger_sum(self.redis, user))
            assert held == sum(j.price for j in jobs if j.user_id == user and not j.is_final)
            assert balance >= 0
            assert held >= 0
            costs = sum(
                j.price
                for j in jobs
                if j.user_id == user and SETTLEMENT.get(j.state, "capture") == "capture"
            )
            assert balance == self.run(_given(self.redis, user)) - costs

    @invariant()
    def each_charge_credited_once_and_refunded_at_most_once(self) -> None:
        for user, paid in self.paid:
            charge = paid.telegram_payment_charge_id
            entries = self.run(self.redis.xrange(KEYS.ledger(user)))
            mine = [f["type"] for _, f in entries if f["ref"] == charge]
            assert mine.count("payment") == 1
            assert mine.count("refund") - mine.count("refund_revert") <= 1
            payment = self.run(self.payments.payment(charge))
            assert payment is not None
            if payment.status == "refunded":
                assert charge in self.stars.refunded
            if charge in self.stars.refunded:  # pending: the answer was lost, not the debit
                assert payment.status in ("refunded", "refund_pending")


async def _given(redis: Redis, user: int) -> int:
    entries = await redis.xrange(KEYS.ledger(user))
    return sum(int(f["amount"]) for _, f in entries if f["type"] in GIVEN)


def test_money_stays_consistent_with_payments_and_refunds_interleaved(
    redis_server: RedisServer,
) -> None:
    run_state_machine_as_test(
        lambda: PaymentsMachine(redis_server.url),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
