"""Everything kiebot sends to Telegram for a job: results, texts, status edits.

- `Delivery` (service.py): send a result from its URL, streamed (photo or video →
  document → link), re-send by file id, send / edit / delete texts, status messages.
- `Pacer` (pacing.py): global, per-chat and per-group pacing, obedience to retry_after.
- `StatusMessage` (status.py): one status message per job, edits coalesced.
- Errors (errors.py): `RecipientUnavailable`, `ResultUnavailable`, `DeliveryFailed`.

Built once in the composition root::

    pacer = Pacer(PacingLimits())
    delivery = Delivery(bot, media_session, pacer)
    ...
    await delivery.aclose()
"""

from kiebot.delivery.errors import (
    DeliveryError,
    DeliveryFailed,
    Flooded,
    RecipientUnavailable,
    ResultUnavailable,
)
from kiebot.delivery.pacing import Limit, Pacer, PacingLimits, TokenBucket
from kiebot.delivery.service import (
    Delivered,
    Delivery,
    DeliveryMethod,
    ResultKind,
    UploadMethod,
)
from kiebot.delivery.status import StatusMessage

__all__ = [
    "Delivered",
    "Delivery",
    "DeliveryError",
    "DeliveryFailed",
    "DeliveryMethod",
    "Flooded",
    "Limit",
    "Pacer",
    "PacingLimits",
    "RecipientUnavailable",
    "ResultKind",
    "ResultUnavailable",
    "StatusMessage",
    "TokenBucket",
    "UploadMethod",
]
