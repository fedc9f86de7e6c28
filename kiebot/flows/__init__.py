"""What a user's message or button turns into: the generation flows of the bot.

A text, a photo (or an album), a button under a photo or a result: each becomes a
`JobRequest` for the right kind and model (the user's mode and choices, `preferences`),
or a question back (what to do with a photo, a prompt still needed), or an offer of a
fallback model when the chosen one is off or failing. Handlers call one method of
`Flows` and render the `Outcome` it returns.
"""

from kiebot.flows.outcomes import (
    Choice,
    FallbackOffer,
    Outcome,
    PhotoChoices,
    PromptNeeded,
    Submitted,
)
from kiebot.flows.pending import PendingInputs
from kiebot.flows.photos import PhotoExpired, PhotoRef, PhotoTooLarge, PhotoType
from kiebot.flows.service import Flows, ResultAction, job_id_for_query

__all__ = [
    "Choice",
    "FallbackOffer",
    "Flows",
    "Outcome",
    "PendingInputs",
    "PhotoChoices",
    "PhotoExpired",
    "PhotoRef",
    "PhotoTooLarge",
    "PhotoType",
    "PromptNeeded",
    "ResultAction",
    "Submitted",
    "job_id_for_query",
]
