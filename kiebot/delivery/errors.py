"""Typed errors at the Telegram delivery boundary.

Three outcomes a job has to tell apart, each with what the caller needs to decide:

- `RecipientUnavailable`: the chat cannot receive anything (the user blocked the bot, the
  account is deactivated, the chat is gone, the bot lost its rights). Retrying will not
  help; the job ends without a delivery.
- `ResultUnavailable`: the result file could not be downloaded (the KIE link answered
  404 / 410 because it expired, or the download kept failing). `retryable` says whether a
  later try may still find it.
- `DeliveryFailed`: Telegram refused every way of sending (after the photo → document →
  link fallbacks) or kept failing (network, 5xx, 429 after the bounded retries).
  `retryable` and `retry_after` say whether and when to try again.

Messages name the chat and the method, never a URL with the bot token in it.
"""

from __future__ import annotations

from kiebot.errors import KiebotError


class DeliveryError(KiebotError):
    """Base of every error raised by `kiebot.delivery`.

    `retryable`: the same delivery may succeed if tried again later (after `retry_after`
    seconds when that is set).
    """

    user_message_key = "delivery.failed"
    retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        if retryable is not None:
            self.retryable = retryable


class RecipientUnavailable(DeliveryError):
    """The chat cannot receive messages from the bot; the job should not retry."""

    user_message_key = "delivery.recipient_unavailable"


class ResultUnavailable(DeliveryError):
    """The result URL answered 404 / 410 or could not be downloaded."""

    user_message_key = "delivery.result_unavailable"


class DeliveryFailed(DeliveryError):
    """Telegram refused or kept failing after every fallback and bounded retry."""

    user_message_key = "delivery.failed"


class Flooded(DeliveryFailed):
    """Telegram still answered 429 after the bounded retries; try after `retry_after`."""

    retryable = True
