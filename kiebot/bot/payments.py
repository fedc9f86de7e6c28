"""The payments part of the bot: /buy, /subscription, pre-checkout, successful_payment,
and how /balance shows the ledger.

Thin handlers over `Payments` (workflow data `payments`). A pre-checkout refusal is not an
error but an answer Telegram shows the user, so the service returns the refusal's text
key and the handler answers with it in the user's language, at once: Telegram gives the
bot 10 s before it fails the payment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.exceptions import AiogramError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PreCheckoutQuery,
)
from loguru import logger

from kiebot.billing import Billing, LedgerEntry
from kiebot.bot.matching import Matches
from kiebot.bot.texts import TEXTS, text
from kiebot.delivery import Delivery
from kiebot.delivery.errors import DeliveryError
from kiebot.payments import SUBSCRIPTION_OFFER_ID, InvoiceText, Offer, Payments, Shop
from kiebot.payments.records import Receipt, Statement, Subscription

SUBSCRIPTION_KIND = "subscription"


class BuyOffer(CallbackData, prefix="buy"):
    offer: str


class CancelSubscription(CallbackData, prefix="subcancel"):
    confirm: int = 1


def build_payments_router() -> Router:
    router = Router(name="payments")
    router.message.register(buy, Command("buy"))
    router.message.register(subscription, Command("subscription"))
    router.message.register(paid, Matches(F.successful_payment))
    router.message.register(refunded, Matches(F.refunded_payment))
    router.callback_query.register(choose_offer, BuyOffer.filter())
    router.callback_query.register(cancel_subscription, CancelSubscription.filter())
    router.pre_checkout_query.register(pre_checkout)
    return router


# -- handlers -------------------------------------------------------------------------------


async def buy(message: Message, payments: Payments, delivery: Delivery, language: str) -> None:
    if message.from_user is None:
        return
    shop = await payments.shop(message.from_user.id)
    reply, markup = render_shop(shop, language)
    await delivery.send_text(message.chat.id, reply, reply_markup=markup)


async def choose_offer(
    query: CallbackQuery,
    callback_data: BuyOffer,
    payments: Payments,
    delivery: Delivery,
    language: str,
) -> None:
    """A pack: a Stars invoice message (sendInvoice), paid with Telegram's Pay button.
    The plan: an invoice link on a button, since only createInvoiceLink makes
    subscriptions."""
    user_id = query.from_user.id
    invoice = payments.invoice(user_id, callback_data.offer, lambda o: invoice_words(o, language))
    offer = invoice.offer
    if invoice.is_subscription:
        link = await payments.link_for(invoice)
        prompt = text("payments.pay_prompt", language, title=invoice.title, stars=offer.stars)
        button = InlineKeyboardButton(
            text=text("payments.button.pay", language, stars=offer.stars), url=link
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await delivery.send_text(user_id, prompt, reply_markup=markup)
    else:
        await delivery.send_invoice(
            user_id,
            title=invoice.title,
            description=invoice.description,
            payload=invoice.payload,
            currency=invoice.currency,
            prices=invoice.prices,
            provider_token=invoice.provider_token,
        )
    await query.answer()


async def pre_checkout(query: PreCheckoutQuery, payments: Payments, language: str) -> None:
    refusal = await payments.review_checkout(
        user_id=query.from_user.id,
        currency=query.currency,
        total_amount=query.total_amount,
        payload=query.invoice_payload,
    )
    if refusal is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=text(refusal, language))


async def paid(message: Message, payments: Payments, delivery: Delivery, language: str) -> None:
    """Credited once per charge id; a redelivered update is thanked again, not credited."""
    if message.from_user is None or message.successful_payment is None:
        return
    receipt = await payments.record_payment(message.from_user.id, message.successful_payment)
    await delivery.send_text(message.chat.id, thanks(receipt, language))


async def refunded(message: Message, payments: Payments) -> None:
    """Telegram's note of a refund: settle it (`Payments.record_refund`): a no-op after
    the operator's refund settled, the end of one whose answer was lost, or the credits
    leaving after a refund made without the bot. Telegram shows the note; no answer."""
    if message.refunded_payment is not None:
        await payments.record_refund(message.refunded_payment.telegram_payment_charge_id)


async def reconcile_payments(
    payments: Payments, billing: Billing, delivery: Delivery, min_age_s: float = 0.0
) -> None:
    """At start-up and every few minutes (`payments.periodic.ReconcileLoop`): credit and
    thank payments whose update was lost (`Payments.reconcile`).

    Telegram being unreachable does not stop the start: the next pass tries again."""
    try:
        receipts = await payments.reconcile(min_age_s=min_age_s)
    except AiogramError as exc:
        # The class only: a network error's text may quote the URL, which holds the token.
        logger.warning("payments not reconciled with Telegram: {}", type(exc).__name__)
        return
    for receipt in receipts:
        language = await billing.language(receipt.user_id)
        try:
            await delivery.send_text(receipt.user_id, thanks(receipt, language))
        except DeliveryError as exc:  # credited all the same; the thanks is a courtesy
            logger.info(
                "could not thank user {} for {}: {}", receipt.user_id, receipt.charge_id, exc
            )


async def subscription(
    message: Message, payments: Payments, delivery: Delivery, language: str
) -> None:
    if message.from_user is None:
        return
    shop = await payments.shop(message.from_user.id)
    reply, markup = render_subscription(shop, language)
    await delivery.send_text(message.chat.id, reply, reply_markup=markup)


async def cancel_subscription(
    query: CallbackQuery, payments: Payments, delivery: Delivery, language: str
) -> None:
    cancelled = await payments.cancel_subscription(query.from_user.id)
    until = day(cancelled.expires_at)
    await query.answer()
    await delivery.send_text(
        query.from_user.id, text("payments.subscription.cancel_done", language, until=until)
    )


# -- rendering ------------------------------------------------------------------------------


def thanks(receipt: Receipt, language: str) -> str:
    if receipt.kind == SUBSCRIPTION_KIND and receipt.expires_at:
        return text(
            "payments.thanks.subscription",
            language,
            credits=receipt.credits,
            balance=receipt.balance,
            until=day(receipt.expires_at),
        )
    return text("payments.thanks", language, credits=receipt.credits, balance=receipt.balance)


def day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def invoice_words(offer: Offer, language: str) -> InvoiceText:
    if offer.id == SUBSCRIPTION_OFFER_ID:
        title = text("payments.invoice.plan.title", language, credits=offer.credits)
        description = text("payments.invoice.plan.description", language, credits=offer.credits)
    else:
        title = text("payments.invoice.pack.title", language, total=offer.total)
        description = text(
            "payments.invoice.pack.description", language, total=offer.total, bonus=offer.bonus
        )
    return InvoiceText(title=title, description=description, label=title)


def pack_label(offer: Offer, language: str) -> str:
    if offer.bonus:
        return text(
            "payments.button.pack_bonus",
            language,
            credits=offer.credits,
            bonus=offer.bonus,
            stars=offer.stars,
        )
    return text("payments.button.pack", language, credits=offer.credits, stars=offer.stars)


def _offer_button(label: str, offer: Offer) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=label, callback_data=BuyOffer(offer=offer.id).pack())]


def render_shop(shop: Shop, language: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [_offer_button(pack_label(offer, language), offer) for offer in shop.packs]
    reply = text("payments.shop", language)
    if shop.subscription is not None:
        reply += text(
            "payments.shop.subscribed",
            language,
            credits=shop.subscription.credits,
            until=day(shop.subscription.expires_at),
        )
    elif shop.plan is not None:
        plan = shop.plan
        label = text("payments.button.plan", language, credits=plan.credits, stars=plan.stars)
        rows.append(_offer_button(label, plan))
    return reply, InlineKeyboardMarkup(inline_keyboard=rows)


def render_subscription(shop: Shop, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    current: Subscription | None = shop.subscription
    if current is not None:
        until = day(current.expires_at)
        if current.cancelled:
            return text("payments.subscription.cancelled", language, until=until), None
        reply = text(
            "payments.subscription.active",
            language,
            credits=current.credits,
            stars=current.stars,
            until=until,
        )
        label = text("payments.button.cancel_subscription", language)
        button = InlineKeyboardButton(text=label, callback_data=CancelSubscription().pack())
        return reply, InlineKeyboardMarkup(inline_keyboard=[[button]])
    if shop.plan is None:
        return text("payments.subscription.off", language), None
    plan = shop.plan
    reply = text("payments.subscription.none", language, credits=plan.credits, stars=plan.stars)
    label = text("payments.button.plan", language, credits=plan.credits, stars=plan.stars)
    return reply, InlineKeyboardMarkup(inline_keyboard=[_offer_button(label, plan)])


def render_statement(statement: Statement, language: str, *, shown: int = 5) -> str:
    """/balance: the balance (and held credits) and the last few movements.

    Captures (0: a reservation becoming final) are left out: they move nothing the user
    would see."""
    account = statement.account
    held = text("balance.held", language, held=account.held) if account.held else ""
    reply = text("balance", language, balance=account.balance, held_line=held)
    moves = [e for e in statement.entries if e.amount != 0][:shown]
    if moves:
        lines = "\n".join(_ledger_line(entry, language) for entry in moves)
        reply += text("payments.recent", language, lines=lines)
    return reply


def _ledger_line(entry: LedgerEntry, language: str) -> str:
    key = f"payments.ledger.{entry.type}"
    what = text(key, language) if key in TEXTS else entry.type
    when = datetime.fromtimestamp(entry.time, UTC).strftime("%d.%m %H:%M")
    return text("payments.recent.line", language, when=when, what=what, amount=f"{entry.amount:+d}")
