"""Inputs waiting for the user's next step, in Redis so a restart does not forget them.

Two per user, each expiring after `TTL_S`:
- `photos`: photos sent without a caption (or an action that needs a prompt), with the
  kind of job the next text will start;
- `offer`: a request whose model could not take it, waiting for the user to accept the
  fallback model the bot offered.

Kept under `Keys.conversation(user_id, name)` as JSON with a TTL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis

from kiebot.catalog import Kind
from kiebot.flows.photos import PhotoRef
from kiebot.jobs.service import JobRequest
from kiebot.store.keys import Keys

TTL_S = 15 * 60


@dataclass(frozen=True, slots=True)
class PendingPhotos:
    """Photos (Telegram file ids, or URLs of earlier results) and what the next text does."""

    kind: Kind
    photos: tuple[PhotoRef, ...] = ()
    image_urls: tuple[str, ...] = ()
    prompt_hint: str | None = None  # an earlier job's prompt, for "animate"

    @property
    def count(self) -> int:
        return len(self.photos) + len(self.image_urls)


@dataclass(frozen=True, slots=True)
class PendingOffer:
    request: JobRequest
    sizes: tuple[int | None, ...] = field(default_factory=tuple)


class PendingInputs:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def photos(self, user_id: int) -> PendingPhotos | None:
        raw = await self._redis.get(self._keys.conversation(user_id, "photos"))
        if raw is None:
            return None
        data = orjson.loads(raw)
        return PendingPhotos(
            kind=Kind(data["kind"]),
            photos=tuple(PhotoRef(**photo) for photo in data["photos"]),
            image_urls=tuple(data["image_urls"]),
            prompt_hint=data.get("prompt_hint"),
        )

    async def keep_photos(self, user_id: int, pending: PendingPhotos) -> None:
        data = {**asdict(pending), "kind": pending.kind.value}
        await self._redis.set(
            self._keys.conversation(user_id, "photos"), orjson.dumps(data), ex=TTL_S
        )

    async def drop_photos(self, user_id: int) -> None:
        await self._redis.delete(self._keys.conversation(user_id, "photos"))

    async def offer(self, user_id: int) -> PendingOffer | None:
        raw = await self._redis.get(self._keys.conversation(user_id, "offer"))
        if raw is None:
            return None
        data: dict[str, Any] = orjson.loads(raw)
        request = data["request"]
        return PendingOffer(
            JobRequest(
                user_id=request["user_id"],
                chat_id=request["chat_id"],
                model_id=request["model_id"],
                prompt=request["prompt"],
                options=request["options"],
                image_urls=tuple(request["image_urls"]),
                input_files=tuple(request["input_files"]),
            ),
            tuple(data["sizes"]),
        )

    async def keep_offer(self, user_id: int, offer: PendingOffer) -> None:
        request = {**asdict(offer.request), "options": dict(offer.request.options)}
        data = {"request": request, "sizes": list(offer.sizes)}
        await self._redis.set(
            self._keys.conversation(user_id, "offer"), orjson.dumps(data), ex=TTL_S
        )

    async def drop_offer(self, user_id: int) -> None:
        await self._redis.delete(self._keys.conversation(user_id, "offer"))

    async def forget(self, user_id: int) -> None:
        """Both, for a user's data-deletion request."""
        await self._redis.delete(
            self._keys.conversation(user_id, "photos"), self._keys.conversation(user_id, "offer")
        )
