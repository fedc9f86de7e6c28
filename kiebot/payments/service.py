"""Telegram Stars payments: invoices, pre-checkout, crediting, refunds, the monthly plan.

Every credit moves in one Lua call keyed by Telegram's `telegram_payment_charge_id`
(`store/lua/payment_credit.lua`), which also stores the payment and counts revenue, so a
successful_payment delivered twice, or again after a crash, credits once and counts once.
A refund takes the credits back before Telegram returns the Stars and leaves the payment
`refund_pending` until Telegram answered: see docs/payments.md for why that order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.types import (
    LabeledPrice,
    StarTransaction,
    SuccessfulPayment,
    TransactionPartnerUser,
)
from loguru import logger
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.config import CreditPack, SubscriptionPlan
from kiebot.payments.errors import (
    AlreadyRefunded,
    CreditsAlreadySpent,
    NoSubscription,
    PaymentNotFound,
    RefundRefused,
    RefundUncertain,
    SubscriptionChangeFailed,
    UnknownOffer,
)
from kiebot.payments.offers import (
    SUBSCRIPTION,
    SUBSCRIPTION_PERIOD_S,
    Catalogue,
    Offer,
    parse_payload,
)
from kiebot.payments.records import Payment, Receipt, Refund, Shop, Statement, Subscription
from kiebot.store.keys import Keys
from kiebot.store.replies import text, text_map
from kiebot.store.scripts import Scripts

STARS = "XTR"
RECONCILE_PAGE = 100  # getStarTransactions' largest page
ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"
# Reasons a pre-checkout is refused: each is the key of the text the user sees.
OFFER_CHANGED = "payments.checkout.offer_changed"
NOT_YOURS = "payments.checkout.not_yours"
BANNED = "payments.checkout.banned"
ALREADY_SUBSCRIBED = "payments.checkout.already_subscribed"


class PaymentListener(Protocol):
    """Told of every handled successful_payment, a redelivered duplicate included, so an
    implementation must be idempotent (key its effect by `charge_id`)."""

    async def payment_received(self, *, user_id: int, charge_id: str, stars: int) -> None: ...


@dataclass(frozen=True, slots=True)
class InvoiceText:
    """The invoice's words, in the buyer's language (the bot's texts provide them)."""

    title: str
    description: str
    label: str


@dataclass(frozen=True, slots=True)
class Invoice:
    """One offer's Stars invoice for one buyer: what sendInvoice or createInvoiceLink take
    (currency XTR, empty provider token)."""

    offer: Offer
    title: str
    description: str
    payload: str
    prices: tuple[LabeledPrice, ...]
    currency: str = STARS
    provider_token: str = ""

    @property
    def is_subscription(self) -> bool:
        return self.offer.kind == SUBSCRIPTION


class Payments:
    """The payments service; see the module doc."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        scripts: Scripts,
        billing: Billing,
        bot: Bot,
        *,
        packs: tuple[CreditPack, ...],
        plan: SubscriptionPlan | None,
        listeners: Sequence[PaymentListener] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._billing = billing
        self._bot = bot
        self._catalogue = Catalogue.of(packs, plan)
        self._listeners = tuple(listeners)
        self._clock = clock

    # -- selling ---------------------------------------------------------------------------

    async def shop(self, user_id: int) -> Shop:
        """What /buy and /subscription show: the packs, the plan, the user's active plan."""
        catalogue = self._catalogue
        return Shop(catalogue.packs, catalogue.plan, await self.active_subscription(user_id))

    def offer_of(self, offer_id: str) -> Offer:
        """Today's offer by id ("sub": the plan); `UnknownOffer` when not on sale."""
        offer = self._catalogue.find(offer_id)
        if offer is None:
            raise UnknownOffer(f"no offer {offer_id!r}")
        return offer

    def invoice(
        self, user_id: int, offer_id: str, describe: Callable[[Offer], InvoiceText]
    ) -> Invoice:
        """The Stars invoice for one offer, payable only by `user_id` (pre-checkout
        checks it); `describe` words it in the buyer's language. `UnknownOffer` when the
        offer is not on sale.

        A pack's invoice is sent as a message (sendInvoice, through `delivery`); the plan's
        must be a link (`invoice_link`): the Bot API takes `subscription_period` only in
        createInvoiceLink.
        """
        offer = self.offer_of(offer_id)
        words = describe(offer)
        return Invoice(
            offer=offer,
            title=words.title[:32],
            description=words.description[:255],
            payload=offer.payload(user_id),
            prices=(LabeledPrice(label=words.label, amount=offer.stars),),
        )

    async def invoice_link(
        self, user_id: int, offer_id: str, describe: Callable[[Offer], InvoiceText]
    ) -> tuple[Offer, str]:
        """A Stars invoice link (createInvoiceLink) for one offer (see `link_for`)."""
        invoice = self.invoice(user_id, offer_id, describe)
        return invoice.offer, await self.link_for(invoice)

    async def link_for(self, invoice: Invoice) -> str:
        """The invoice as a link (createInvoiceLink); the plan's is a subscription link,
        30 days a period."""
        return await self._bot.create_invoice_link(
            title=invoice.title,
            description=invoice.description,
            payload=invoice.payload,
            provider_token=invoice.provider_token,
            currency=invoice.currency,
            prices=list(invoice.prices),
            subscription_period=SUBSCRIPTION_PERIOD_S if invoice.is_subscription else None,
        )

    async def review_checkout(
        self, *, user_id: int, currency: str, total_amount: int, payload: str
    ) -> str | None:
        """None to accept a pre_checkout_query, else the key of the refusal's text.

        One Redis round trip or two, so the answer goes well inside Telegram's 10 s.
        """
        parsed = parse_payload(payload)
        if parsed is None or currency != STARS:
            return OFFER_CHANGED
        current = self._catalogue.find(parsed.offer.id)
        if current != parsed.offer or total_amount != current.stars:
            return OFFER_CHANGED
        if parsed.user_id != user_id:
            return NOT_YOURS
        account = await self._billing.account(user_id)
        if account is not None and account.banned:
            return BANNED
        if current.kind == SUBSCRIPTION and await self.active_subscription(user_id):
            return ALREADY_SUBSCRIBED
        return None

    # -- crediting -------------------------------------------------------------------------

    async def record_payment(self, user_id: int, paid: SuccessfulPayment) -> Receipt:
        """Credit a successful_payment once per charge id, then tell the listeners.

        A payload we cannot read (never seen in practice: only this bot writes them) is
        still recorded, with 0 credits, so the operator finds it and can refund it.
        """
        parsed = parse_payload(paid.invoice_payload)
        offer = parsed.offer if parsed is not None else Offer("pack", "unknown", 0, 0, 0)
        if parsed is None:
            logger.error(
                "payment {} has a payload that is not ours", paid.telegram_payment_charge_id
            )
        receipt = await self._credit(user_id, paid, offer)
        for listener in self._listeners:
            try:
                await listener.payment_received(
                    user_id=user_id, charge_id=receipt.charge_id, stars=receipt.stars
                )
            except Exception:  # a listener's fault must not hide the credit
                logger.exception("payment listener {!r} failed", listener)
        return receipt

    async def _credit(self, user_id: int, paid: SuccessfulPayment, offer: Offer) -> Receipt:
        now = self._clock()
        charge = paid.telegram_payment_charge_id
        expires = float(paid.subscription_expiration_date or 0)
        if offer.kind == SUBSCRIPTION and not expires:
            expires = now + SUBSCRIPTION_PERIOD_S
        k = self._keys
        keys = [
            k.user(user_id), k.ledger(user_id), k.applied(user_id), k.payment(charge),
            k.user_payments(user_id), k.revenue_day(_day(now)), k.revenue_total,
            k.subscription(user_id),
        ]  # fmt: skip
        args = [
            charge, str(user_id), offer.kind, offer.id if offer.kind != SUBSCRIPTION else "",
            str(paid.total_amount), str(offer.total), str(offer.bonus), repr(now),
            str(int(expires)), "1" if paid.is_first_recurring else "0",
        ]  # fmt: skip
        reply: list[Any] = await self._scripts.payment_credit(keys=keys, args=args)
        status, balance = text(reply[0]), int(reply[1])
        if status == "applied":
            logger.info("payment {} credited {} to user {}", charge, offer.total, user_id)
        return Receipt(
            charge_id=charge,
            user_id=user_id,
            kind=offer.kind,
            credits=offer.total,
            stars=paid.total_amount,
            balance=balance,
            duplicate=status == "duplicate",
            expires_at=expires or None,
        )

    async def reconcile(self, *, min_age_s: float = 0.0) -> list[Receipt]:
        """Credit the payments Telegram made but whose successful_payment we never handled;
        the receipts of those (already credited ones are skipped).

        `min_age_s` leaves the newest transactions (and every later one) for the next
        pass: a payment made seconds ago most likely has its update on the way, and the
        live handler should be the one to credit and thank it. The periodic pass uses it;
        the start-up pass does not (nothing handles updates yet).

        Long polling confirms an update when the next batch is asked for, which aiogram
        does while handlers still run, so a process killed in that window, or a handler
        that failed (Redis away for a moment), loses the update for good. Telegram's own
        list of Stars transactions (`getStarTransactions`, oldest first; an incoming
        payment's id is its charge id) is the record to check against. A cursor in Redis
        remembers how many transactions were read; each is credited through the same
        script, so a payment the live handler credits at the same time is credited once.
        """
        found: list[Receipt] = []
        cursor = int(text(await self._redis.get(self._keys.transactions_seen) or "0"))
        newest = self._clock() - min_age_s
        while True:
            page = await self._bot.get_star_transactions(offset=cursor, limit=RECONCILE_PAGE)
            for transaction in page.transactions:
                if min_age_s > 0 and transaction.date.timestamp() > newest:
                    await self._redis.set(self._keys.transactions_seen, cursor)
                    return found  # too recent: its update is probably being handled
                receipt = await self._reconcile_one(transaction)
                if receipt is not None and not receipt.duplicate:
                    found.append(receipt)
                cursor += 1
            await self._redis.set(self._keys.transactions_seen, cursor)
            if len(page.transactions) < RECONCILE_PAGE:
                return found

    async def _reconcile_one(self, transaction: StarTransaction) -> Receipt | None:
        source = transaction.source
        if not isinstance(source, TransactionPartnerUser) or not source.invoice_payload:
            return None  # a refund, a withdrawal, a gift: nothing to credit
        parsed = parse_payload(source.invoice_payload)
        if parsed is None or parsed.user_id != source.user.id:
            return None  # not an invoice of ours
        period = source.subscription_period
        paid = SuccessfulPayment(
            currency=STARS,
            total_amount=transaction.amount,
            invoice_payload=source.invoice_payload,
            telegram_payment_charge_id=transaction.id,
            provider_payment_charge_id="",
            subscription_expiration_date=(
                int(transaction.date.timestamp()) + period if period else None
            ),
        )
        receipt = await self.record_payment(source.user.id, paid)
        if not receipt.duplicate:
            logger.warning("payment {} was never handled; credited now", transaction.id)
        return receipt

    # -- refunds ---------------------------------------------------------------------------

    async def refund(self, charge_id: str, *, force: bool, reason: str) -> Refund:
        """Give a payment's Stars back and take its credits, once.

        Refused (`CreditsAlreadySpent`) when the balance is below the payment's credits,
        unless `force`, which takes what is left (the balance never goes below zero). A
        refund left pending by a crash or a lost answer resumes here without taking the
        credits a second time; Telegram's CHARGE_ALREADY_REFUNDED then counts as done.
        """
        payment = await self.payment(charge_id)
        if payment is None:
            raise PaymentNotFound(f"no payment {charge_id!r}")
        user_id = payment.user_id
        k = self._keys
        money = [k.user(user_id), k.ledger(user_id), k.applied(user_id)]
        now = repr(self._clock())
        args = [charge_id, str(user_id), "1" if force else "0", reason, now]
        begun: list[Any] = await self._scripts.payment_refund_begin(
            keys=[k.payment(charge_id), *money], args=args
        )
        outcome = text(begun[0])
        if outcome == "unknown":
            raise PaymentNotFound(f"no payment {charge_id!r}")
        if outcome == "refunded":
            raise AlreadyRefunded(f"payment {charge_id} was refunded before")
        if outcome == "spent":
            raise CreditsAlreadySpent(balance=int(begun[1]), credits=int(begun[2]))
        debit = int(begun[1])
        await self._ask_telegram_to_refund(user_id, charge_id)
        ended: list[Any] = await self._scripts.payment_refund_end(
            keys=[k.payment(charge_id), *money, k.revenue_refunded],
            args=[charge_id, "refunded", now, ""],
        )
        logger.info("payment {} refunded: {} credits taken from {}", charge_id, debit, user_id)
        return Refund(charge_id, user_id, debit, int(ended[1]))

    async def record_refund(self, charge_id: str) -> Refund | None:
        """Settle a refund Telegram reports (the `refunded_payment` service message): the
        Stars went back, so the payment's credits leave too, once.

        After the operator's own refund the payment is `refund_pending` (its credits
        already taken) or `refunded`: this only settles it, which also ends a refund whose
        answer was lost. A refund made without the bot (Telegram's support) finds it
        `paid`: the credits are taken as a forced refund would (what is left, never
        below zero). None when there is nothing to do (unknown or already refunded).
        """
        payment = await self.payment(charge_id)
        if payment is None:
            logger.warning("Telegram refunded {}, which is not a payment of ours", charge_id)
            return None
        user_id = payment.user_id
        k = self._keys
        money = [k.user(user_id), k.ledger(user_id), k.applied(user_id)]
        now = repr(self._clock())
        args = [charge_id, str(user_id), "1", "refunded by Telegram", now]
        begun: list[Any] = await self._scripts.payment_refund_begin(
            keys=[k.payment(charge_id), *money], args=args
        )
        if text(begun[0]) != "pending":
            return None  # refunded before (our own refund settled first)
        ended: list[Any] = await self._scripts.payment_refund_end(
            keys=[k.payment(charge_id), *money, k.revenue_refunded],
            args=[charge_id, "refunded", now, ""],
        )
        logger.info("Telegram's refund of {} settled for user {}", charge_id, user_id)
        return Refund(charge_id, user_id, int(begun[1]), int(ended[1]))

    async def _ask_telegram_to_refund(self, user_id: int, charge_id: str) -> None:
        try:
            await self._bot.refund_star_payment(
                user_id=user_id, telegram_payment_charge_id=charge_id
            )
        except TelegramBadRequest as exc:
            if ALREADY_REFUNDED in exc.message:
                return  # the earlier, interrupted attempt went through
            await self._revert_refund(user_id, charge_id, exc.message)
            raise RefundRefused(exc.message) from exc
        except AiogramError as exc:
            # A network error, a 5xx, a 429, anything but a definite refusal: did Telegram
            # refund or not? Unknown, so stay pending; the next try resumes.
            raise RefundUncertain(f"refund of {charge_id}: {type(exc).__name__}") from exc

    async def _revert_refund(self, user_id: int, charge_id: str, note: str) -> None:
        k = self._keys
        keys = [
            k.payment(charge_id), k.user(user_id), k.ledger(user_id), k.applied(user_id),
            k.revenue_refunded,
        ]  # fmt: skip
        args = [charge_id, "refused", repr(self._clock()), f"Telegram refused: {note}"]
        await self._scripts.payment_refund_end(keys=keys, args=args)

    # -- the subscription ------------------------------------------------------------------

    async def subscription(self, user_id: int) -> Subscription | None:
        """The user's plan as stored, expired or not."""
        data = text_map(await self._redis.hgetall(self._keys.subscription(user_id)))
        return Subscription.from_hash(data) if data.get("charge_id") else None

    async def active_subscription(self, user_id: int) -> Subscription | None:
        """The user's plan while a paid period runs (cancelled or not)."""
        current = await self.subscription(user_id)
        return current if current is not None and current.active(self._clock()) else None

    async def cancel_subscription(self, user_id: int) -> Subscription:
        """Stop the renewals; the period already paid for stays (Telegram's rule too)."""
        current = await self.active_subscription(user_id)
        if current is None or current.cancelled:
            raise NoSubscription(f"user {user_id} has no subscription to cancel")
        try:
            await self._bot.edit_user_star_subscription(
                user_id=user_id, telegram_payment_charge_id=current.charge_id, is_canceled=True
            )
        except (TelegramBadRequest, TelegramNetworkError, TelegramServerError) as exc:
            # The class and Telegram's words only: a network error's text may quote the
            # request URL, which holds the bot token.
            detail = exc.message if isinstance(exc, TelegramBadRequest) else type(exc).__name__
            raise SubscriptionChangeFailed(f"cancel for {user_id}: {detail}") from exc
        await self._redis.hset(self._keys.subscription(user_id), "cancelled", 1)
        return Subscription(
            current.charge_id, current.credits, current.stars, current.expires_at, True
        )

    # -- reading ---------------------------------------------------------------------------

    async def payment(self, charge_id: str) -> Payment | None:
        data = text_map(await self._redis.hgetall(self._keys.payment(charge_id)))
        return Payment.from_hash(charge_id, data) if data.get("user_id") else None

    async def payments_of(self, user_id: int, limit: int = 50) -> list[Payment]:
        """The user's payments, newest first."""
        charges = await self._redis.lrange(self._keys.user_payments(user_id), 0, limit - 1)
        found = [await self.payment(text(charge)) for charge in charges]
        return [p for p in found if p is not None]

    async def statement(self, user_id: int, entries: int = 10) -> Statement:
        """The account (opened on first sight) and its latest ledger entries."""
        return Statement(*await self._billing.statement(user_id, entries))

    async def revenue_stars(self, days: int) -> int:
        """Stars received over the last `days` UTC days, today included (refunds not
        subtracted: `kb:revenue:refunded:stars` counts those)."""
        if days < 1:
            return 0
        today = datetime.fromtimestamp(self._clock(), UTC)
        keys = [self._keys.revenue_day(_day_of(today - timedelta(days=n))) for n in range(days)]
        values = await self._redis.mget(keys)
        return sum(int(v) for v in values if v is not None)


def _day(now: float) -> str:
    return _day_of(datetime.fromtimestamp(now, UTC))


def _day_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")
