"""What a flow answers: a job on its way, or a question back to the user."""

from __future__ import annotations

from dataclasses import dataclass

from kiebot.catalog import Kind, ModelEntry, Unavailable
from kiebot.jobs import Job


@dataclass(frozen=True, slots=True)
class Submitted:
    """The job is reserved and queued; its status message speaks from here on."""

    job: Job


@dataclass(frozen=True, slots=True)
class FallbackOffer:
    """The chosen model cannot take the job now (`reason`); `fallback` can, at `price`.

    The request waits (`PendingInputs`) for the user to accept with one button.
    """

    model: ModelEntry
    fallback: ModelEntry
    price: int
    reason: Unavailable


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the bot can do with a photo, with the model it would use and its price."""

    kind: Kind
    model: ModelEntry
    price: int


@dataclass(frozen=True, slots=True)
class PhotoChoices:
    """A photo came without a caption: ask what to do with it (or read the next text)."""

    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class PromptNeeded:
    """The photos are kept; the next text is the prompt for `model` (a `kind` job), at
    `price` with the user's settings of that model."""

    kind: Kind
    model: ModelEntry
    count: int
    price: int


Outcome = Submitted | FallbackOffer | PhotoChoices | PromptNeeded
