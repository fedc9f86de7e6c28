"""Payments: credit packs and the monthly plan sold for Telegram Stars, refunds.

`Payments` is the service the bot's payment handlers and the admin API call; money moves
in its Lua scripts only (`store/lua/payment_*.lua`), keyed by Telegram's charge id.
"""

from kiebot.payments.errors import (
    AlreadyRefunded,
    CreditsAlreadySpent,
    NoSubscription,
    PaymentError,
    PaymentNotFound,
    RefundRefused,
    RefundUncertain,
    SubscriptionChangeFailed,
    UnknownOffer,
)
from kiebot.payments.offers import SUBSCRIPTION_OFFER_ID, SUBSCRIPTION_PERIOD_S, Offer
from kiebot.payments.records import Payment, Receipt, Refund, Shop, Statement, Subscription
from kiebot.payments.service import Invoice, InvoiceText, PaymentListener, Payments

__all__ = [
    "SUBSCRIPTION_OFFER_ID",
    "SUBSCRIPTION_PERIOD_S",
    "AlreadyRefunded",
    "CreditsAlreadySpent",
    "Invoice",
    "InvoiceText",
    "NoSubscription",
    "Offer",
    "Payment",
    "PaymentError",
    "PaymentListener",
    "PaymentNotFound",
    "Payments",
    "Receipt",
    "Refund",
    "RefundRefused",
    "RefundUncertain",
    "Shop",
    "Statement",
    "Subscription",
    "SubscriptionChangeFailed",
    "UnknownOffer",
]
