"""`Flows`: a user's text, photo or button, turned into a job or a question back.

How a message picks its job (the user's mode is the kind last chosen in /models):
- a text starts a text-to-video job when the mode is a video kind, else text-to-image;
  but when photos are waiting for a prompt (sent without a caption, or "edit" /
  "animate" pressed), the text is that prompt;
- a photo (or album) with a caption: an edit with the user's edit model (an album too
  big for it goes to the merge model), or image-to-video when the mode is a video kind;
- a photo without a caption: upscale or background removal at once when that is the
  mode; otherwise the bot asks, with buttons and prices, and keeps the photos waiting.

Every submit first asks `ModelHealth` whether the model can take the job; when not,
the user is offered the fallback at its price instead of a refusal. Photo sizes and
types are checked against the model before any credit moves.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from typing import Any, Literal

from kiebot.catalog import (
    Catalog,
    Kind,
    ModelEntry,
    ModelHealth,
    ModelSwitches,
    ModelUnavailable,
    OptionValue,
    Unavailable,
)
from kiebot.delivery import Delivery
from kiebot.errors import KiebotError
from kiebot.flows.outcomes import (
    Choice,
    FallbackOffer,
    Outcome,
    PhotoChoices,
    PromptNeeded,
    Submitted,
)
from kiebot.flows.pending import PendingInputs, PendingOffer, PendingPhotos
from kiebot.flows.photos import PhotoExpired, PhotoRef, check_photos
from kiebot.jobs import Job, JobNotFound, JobState, ModelOverBudget
from kiebot.jobs.service import JobRequest, JobService
from kiebot.preferences import Preferences, UserPreferences

# KIE keeps generated media 14 days; past this age a result is taken from Telegram.
RESULT_URL_TTL_S = 12 * 24 * 3600
_VIDEO_MODES = frozenset({Kind.TEXT_TO_VIDEO, Kind.IMAGE_TO_VIDEO})
# What a photo without a caption may become, in the order the buttons show.
PHOTO_CHOICES = (Kind.IMAGE_EDIT, Kind.UPSCALE, Kind.BACKGROUND_REMOVAL, Kind.IMAGE_TO_VIDEO)
_UPLOAD_METHODS: dict[str, Literal["photo", "video", "document"]] = {
    "photo": "photo",
    "video": "video",
    "document": "document",
}
_QUERY_JOBS = uuid.UUID("3c2f5e0a-7b8d-4f16-a9e4-5d1c0b7a2e93")  # fixed forever


def job_id_for_query(query_id: str) -> str:
    """The job id of a button press: Telegram redelivering the press is the same job."""
    return uuid.uuid5(_QUERY_JOBS, query_id).hex


class ResultAction(StrEnum):
    """The buttons under a delivered result."""

    AGAIN = "g"
    AS_FILE = "f"
    UPSCALE = "u"
    ANIMATE = "v"


class NotYourResult(KiebotError):
    """A result button of a job that is not the user's, or not a delivered result."""

    user_message_key = "button.stale"


class Flows:
    def __init__(
        self,
        *,
        jobs: JobService,
        catalog: Catalog,
        preferences: Preferences,
        switches: ModelSwitches,
        health: ModelHealth,
        pending: PendingInputs,
        delivery: Delivery,
        clock: Any = time.time,
    ) -> None:
        self._jobs = jobs
        self._catalog = catalog
        self._preferences = preferences
        self._switches = switches
        self._health = health
        self._pending = pending
        self._delivery = delivery
        self._clock = clock

    # -- messages -------------------------------------------------------------------------

    async def text(self, *, user_id: int, chat_id: int, text: str, job_id: str) -> Outcome:
        """A text: the prompt for waiting photos, else a text-to-image / video job."""
        prefs = await self._preferences.get(user_id)
        waiting = await self._pending.photos(user_id)
        if waiting is not None:
            entry = await self._model(prefs, waiting.kind)
            files = tuple(photo.file_id for photo in waiting.photos)
            request = self._request(prefs, user_id, chat_id, entry, text, waiting.image_urls, files)
            outcome = await self._submit(request, entry, job_id, waiting.photos)
            await self._pending.drop_photos(user_id)
            return outcome
        kind = Kind.TEXT_TO_VIDEO if prefs.mode in _VIDEO_MODES else Kind.TEXT_TO_IMAGE
        entry = await self._model(prefs, kind)
        request = self._request(prefs, user_id, chat_id, entry, text)
        return await self._submit(request, entry, job_id)

    async def photos(
        self,
        *,
        user_id: int,
        chat_id: int,
        photos: Sequence[PhotoRef],
        caption: str | None,
        job_id: str,
    ) -> Outcome:
        """A photo or an album: an edit / animation with the caption, or a question."""
        check_photos(photos)
        prefs = await self._preferences.get(user_id)
        kind = await self._photo_kind(prefs, len(photos))
        one_photo_mode = prefs.mode in (Kind.UPSCALE, Kind.BACKGROUND_REMOVAL)
        if not caption and one_photo_mode and prefs.mode is not None and len(photos) == 1:
            kind = prefs.mode
        if caption or not kind.needs_prompt:
            entry = await self._model(prefs, kind)
            files = tuple(photo.file_id for photo in photos)
            request = self._request(prefs, user_id, chat_id, entry, caption, (), files)
            return await self._submit(request, entry, job_id, photos)
        await self._pending.keep_photos(user_id, PendingPhotos(kind, tuple(photos)))
        if len(photos) > 1:
            entry = await self._model(prefs, kind)
            return PromptNeeded(kind, entry, len(photos), self._price(prefs, entry))
        return PhotoChoices(await self._choices(prefs, kind))

    async def choose(self, *, user_id: int, chat_id: int, kind: Kind, job_id: str) -> Outcome:
        """A button under a caption-less photo: run it now, or wait for the prompt."""
        waiting = await self._pending.photos(user_id)
        if waiting is None:
            raise PhotoExpired("no photo is waiting")
        prefs = await self._preferences.get(user_id)
        entry = await self._model(prefs, kind)
        if kind.needs_prompt:
            await self._pending.keep_photos(user_id, replace(waiting, kind=kind))
            return PromptNeeded(kind, entry, waiting.count, self._price(prefs, entry))
        files = tuple(photo.file_id for photo in waiting.photos)
        request = self._request(prefs, user_id, chat_id, entry, None, waiting.image_urls, files)
        outcome = await self._submit(request, entry, job_id, waiting.photos)
        await self._pending.drop_photos(user_id)
        return outcome

    # -- buttons under results and offers -------------------------------------------------

    async def result_action(
        self, *, user_id: int, chat_id: int, source_id: str, action: ResultAction, job_id: str
    ) -> Outcome | None:
        """Again / upscale / animate as a new job with the result as input; as file sends
        the original. None when nothing new was started (as file)."""
        source = await self._own_result(user_id, source_id)
        if action is ResultAction.AS_FILE:
            await self.send_original(source)
            return None
        if action is ResultAction.AGAIN:
            entry = self._catalog.get(source.model)
            return await self._submit(self._repeat(source, entry), entry, job_id)
        prefs = await self._preferences.get(user_id)
        kind = Kind.UPSCALE if action is ResultAction.UPSCALE else Kind.IMAGE_TO_VIDEO
        entry = await self._model(prefs, kind)
        urls, files = self._result_input(source)
        prompt = self._prompt_of(source) if kind.needs_prompt else None
        if kind.needs_prompt and not prompt:
            waiting = PendingPhotos(kind, tuple(PhotoRef(f, None) for f in files), urls)
            await self._pending.keep_photos(user_id, waiting)
            return PromptNeeded(kind, entry, 1, self._price(prefs, entry))
        request = self._request(prefs, user_id, chat_id, entry, prompt, urls, files)
        return await self._submit(request, entry, job_id)

    async def accept_offer(self, *, user_id: int, job_id: str) -> Outcome:
        """The user took the fallback the bot offered: submit the kept request."""
        offer = await self._pending.offer(user_id)
        if offer is None:
            raise PhotoExpired("no offer is waiting")
        entry = self._catalog.get(offer.request.model_id)
        outcome = await self._submit(offer.request, entry, job_id, offer_fallback=False)
        await self._pending.drop_offer(user_id)
        return outcome

    async def retry_with_fallback(self, *, user_id: int, source_id: str, job_id: str) -> Outcome:
        """A failed job's "try another model" button: the same request on the fallback."""
        source = await self._store_job(user_id, source_id)
        if source.state not in (JobState.FAILED, JobState.EXPIRED):
            raise NotYourResult("only a failed job is tried again")
        entry = self._catalog.get(source.model)
        fallback = await self._health.usable_fallback(entry)
        if fallback is None:
            raise ModelUnavailable(entry.kind.value)
        request = self._moved(self._repeat(source, entry), fallback)
        return await self._submit(request, fallback, job_id, offer_fallback=False)

    async def fallback_for(self, job: Job) -> tuple[ModelEntry, int] | None:
        """The model (and price) a failed job could be tried on instead, if any."""
        if job.model not in self._catalog:
            return None
        entry = self._catalog.get(job.model)
        fallback = await self._health.usable_fallback(entry)
        if fallback is None:
            return None
        request = self._moved(self._repeat(job, entry), fallback)
        return fallback, fallback.price_for(request.options)

    async def send_original(self, job: Job) -> None:
        """The result as a file, in the quality KIE made it; from Telegram's copy once
        KIE's link has expired."""
        kind: Literal["image", "video"] = "video" if job.job_class == "video" else "image"
        if job.result_urls and self._clock() - job.updated_at < RESULT_URL_TTL_S:
            await self._delivery.send_result(
                job.chat_id, job.result_urls[0], kind=kind, as_document=True
            )
            return
        method = _UPLOAD_METHODS.get(job.result_kind or "")
        if job.file_id and method is not None:
            await self._delivery.resend(job.chat_id, job.file_id, method=method)
            return
        raise JobNotFound(job_id=job.job_id)

    # -- the steps ------------------------------------------------------------------------

    async def _submit(
        self,
        request: JobRequest,
        entry: ModelEntry,
        job_id: str,
        photos: Sequence[PhotoRef] = (),
        *,
        offer_fallback: bool = True,
    ) -> Outcome:
        reason = await self._health.unavailable(entry)
        if reason is not None:
            return await self._offer(request, entry, photos, reason, offer_fallback)
        check_photos(photos, entry)
        try:
            return Submitted(await self._jobs.submit(request, job_id=job_id))
        except ModelOverBudget:
            # Another job reached the budget between the check above and the reservation.
            if not offer_fallback:
                raise
            return await self._offer(request, entry, photos, Unavailable.OUT_OF_BUDGET, True)

    async def _offer(
        self,
        request: JobRequest,
        entry: ModelEntry,
        photos: Sequence[PhotoRef],
        reason: Unavailable,
        offer_fallback: bool,
    ) -> Outcome:
        """Keep the request, moved to the fallback, for the user to accept with a button."""
        fallback = await self._alternative(entry) if offer_fallback else None
        if fallback is None:
            raise ModelUnavailable(entry.kind.value)
        moved = self._moved(request, fallback)
        check_photos(photos, fallback)
        sizes = tuple(photo.size for photo in photos)
        await self._pending.keep_offer(request.user_id, PendingOffer(moved, sizes))
        return FallbackOffer(entry, fallback, fallback.price_for(moved.options), reason)

    def _request(
        self,
        prefs: UserPreferences,
        user_id: int,
        chat_id: int,
        entry: ModelEntry,
        prompt: str | None,
        image_urls: Sequence[str] = (),
        input_files: Sequence[str] = (),
    ) -> JobRequest:
        return JobRequest(
            user_id=user_id,
            chat_id=chat_id,
            model_id=entry.id,
            prompt=prompt,
            options=prefs.options_for(entry),
            image_urls=tuple(image_urls),
            input_files=tuple(input_files),
        )

    @staticmethod
    def _price(prefs: UserPreferences, entry: ModelEntry) -> int:
        """What a job on `entry` costs this user, with their settings of the model."""
        return entry.price_for(prefs.options_for(entry))

    def _moved(self, request: JobRequest, target: ModelEntry) -> JobRequest:
        """The same request on another model: the options it shares carry over."""
        return replace(request, model_id=target.id, options=target.applicable(request.options))

    def _repeat(self, job: Job, entry: ModelEntry) -> JobRequest:
        """The request a job was made from: same model, prompt, options and photos."""
        options: dict[str, OptionValue] = {
            spec.name: job.input[spec.name] for spec in entry.options if spec.name in job.input
        }
        held = job.input.get(entry.image_field) if entry.image_field else None
        urls = [held] if isinstance(held, str) else list(held or [])
        return JobRequest(
            user_id=job.user_id,
            chat_id=job.chat_id,
            model_id=entry.id,
            prompt=self._prompt_of(job),
            options=options,
            image_urls=tuple(urls),
            input_files=tuple(job.input_files),
        )

    def _prompt_of(self, job: Job) -> str | None:
        if job.model not in self._catalog:
            return None
        field = self._catalog.get(job.model).prompt_field
        value = job.input.get(field) if field else None
        return value if isinstance(value, str) else None

    def _result_input(self, job: Job) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A result as the input of a new job: KIE's own URL while KIE keeps it (full
        quality, nothing to upload), else the copy Telegram keeps (uploaded again)."""
        if job.result_urls and self._clock() - job.updated_at < RESULT_URL_TTL_S:
            return (job.result_urls[0],), ()
        if job.file_id and job.result_kind in ("photo", "document"):
            return (), (job.file_id,)
        raise JobNotFound(job_id=job.job_id)

    async def _own_result(self, user_id: int, job_id: str) -> Job:
        job = await self._store_job(user_id, job_id)
        if job.state is not JobState.DONE:
            raise NotYourResult("not a delivered result")
        return job

    async def _store_job(self, user_id: int, job_id: str) -> Job:
        job = await self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise NotYourResult(f"job {job_id} is not the user's")
        return job

    async def _model(self, prefs: UserPreferences, kind: Kind) -> ModelEntry:
        """The user's chosen model of the kind even when it is off now (so they are told
        and offered another, at its price), else the kind's default."""
        chosen = prefs.models.get(kind.value)
        if chosen is not None and chosen in self._catalog:
            entry = self._catalog.get(chosen)
            if entry.kind is kind:
                return entry
        return prefs.model_for(self._catalog, kind, await self._switches.overrides())

    async def _alternative(self, entry: ModelEntry) -> ModelEntry | None:
        """The model to offer instead: the fallback chain first, else the kind's default
        or first model that can take a job now."""
        fallback = await self._health.usable_fallback(entry)
        if fallback is not None:
            return fallback
        default = self._catalog.default_model_id(entry.kind)
        candidates = [default] if default else []
        candidates += [e.id for e in self._catalog.models(kind=entry.kind, enabled_only=False)]
        for model_id in candidates:
            candidate = self._catalog.get(model_id)
            if candidate.id != entry.id and await self._health.unavailable(candidate) is None:
                return candidate
        return None

    async def _photo_kind(self, prefs: UserPreferences, count: int) -> Kind:
        """What photos with a prompt become: an animation in a video mode, a merge in
        merge mode or for an album too big for the edit model, else an edit."""
        if prefs.mode in _VIDEO_MODES:
            return Kind.IMAGE_TO_VIDEO
        if prefs.mode is Kind.MULTI_IMAGE:
            return Kind.MULTI_IMAGE
        if count > 1:
            edit = await self._model(prefs, Kind.IMAGE_EDIT)
            if count > edit.image_limits[1]:
                return Kind.MULTI_IMAGE
        return Kind.IMAGE_EDIT

    async def _choices(self, prefs: UserPreferences, first: Kind) -> tuple[Choice, ...]:
        overrides = await self._switches.overrides()
        kinds = [first, *(kind for kind in PHOTO_CHOICES if kind is not first)]
        choices = []
        for kind in kinds:
            try:
                entry = prefs.model_for(self._catalog, kind, overrides)
            except ModelUnavailable:
                continue
            choices.append(Choice(kind, entry, entry.price_for(prefs.options_for(entry))))
        return tuple(choices)
