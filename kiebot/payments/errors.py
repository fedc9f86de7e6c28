"""Refusals of the payments service, each naming the text a user or operator is shown."""

from __future__ import annotations

from kiebot.errors import KiebotError


class PaymentError(KiebotError):
    """Base of the payments service's errors."""


class UnknownOffer(PaymentError):
    """A pack button or payload names a pack that is not on sale (any more)."""

    user_message_key = "payments.unknown_offer"


class PaymentNotFound(PaymentError):
    """No payment with that charge id (for that user)."""

    user_message_key = "payments.not_found"


class AlreadyRefunded(PaymentError):
    """The payment was refunded before: a refund happens once."""

    user_message_key = "payments.already_refunded"


class CreditsAlreadySpent(PaymentError):
    """The user spent part of the payment's credits; an unforced refund is refused."""

    user_message_key = "payments.credits_spent"

    def __init__(self, *, balance: int, credits: int) -> None:
        super().__init__(f"the balance {balance} is below the payment's {credits} credits")
        self.balance = balance
        self.credits = credits


class RefundRefused(PaymentError):
    """Telegram definitely refused the refund; the credits taken for it were given back."""

    user_message_key = "payments.refund_refused"

    def __init__(self, detail: str) -> None:
        super().__init__(f"Telegram refused the refund: {detail}")
        self.detail = detail


class RefundUncertain(PaymentError):
    """Telegram's answer did not arrive; the refund stays pending and a retry resumes it."""

    user_message_key = "payments.refund_uncertain"


class NoSubscription(PaymentError):
    """The user has no active subscription to cancel."""

    user_message_key = "payments.no_subscription"


class SubscriptionChangeFailed(PaymentError):
    """Telegram did not accept the change of the subscription; nothing changed here."""

    user_message_key = "payments.subscription_change_failed"
