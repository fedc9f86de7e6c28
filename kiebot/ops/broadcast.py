"""Broadcasts: one admin's message to every user, paced, resumable, at most once each.

Starting one takes a snapshot of the audience (`kb:users`) into the broadcast's recipient
list, so users who arrive meanwhile do not shift the cursor. Recipients are then sent to
in chunks: each chunk's sends run together and the pacer spreads them under Telegram's
limits, in delivery's bulk share, so direct replies to users keep their room. After
each send the recipient's outcome is written once (`broadcast_mark.lua`); after each
chunk the cursor moves past it. A restart resumes at the cursor and skips recipients who
already have an outcome, so nobody gets it twice; the one exception is a process killed
between Telegram's reply and that write, DESIGN's accepted duplicate.

A recipient Telegram answers 403 for (blocked the bot, account deleted) is added to
`kb:users:blocked`, and later broadcasts skip them without a request. Only one broadcast
runs at a time (`kb:broadcast:current`). The admin sees progress in one message, edited
at most every few seconds (`delivery.status`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kiebot.bot.texts import text
from kiebot.delivery import Delivery, DeliveryError, RecipientUnavailable, StatusMessage
from kiebot.errors import KiebotError
from kiebot.store import Keys, Scripts
from kiebot.store.keys import BROADCAST_TTL_S
from kiebot.store.replies import optional_text, text_map, texts

CHUNK = 25
STORE_RETRY_S = 1.0
STORE_RETRY_MAX_S = 30.0
_STORE_DOWN = (RedisError, OSError)
# Stop waits this long for the chunk in progress before cancelling it.
STOP_GRACE_S = 10.0
_SSCAN_COUNT = 1000


class BroadcastBusy(KiebotError):
    """Another broadcast is being sent; one at a time."""

    user_message_key = "admin.broadcast.busy"


class BroadcastUsage(KiebotError):
    """`/broadcast` without a text and not replying to a text message."""

    user_message_key = "admin.broadcast.usage"


class NoAudience(KiebotError):
    """Nobody to send to: no user has talked to the bot yet."""

    user_message_key = "admin.broadcast.nobody"


@dataclass(frozen=True, slots=True)
class Progress:
    broadcast_id: str
    state: str
    total: int
    sent: int
    blocked: int
    skipped: int
    failed: int

    @property
    def handled(self) -> int:
        return self.sent + self.blocked + self.skipped + self.failed

    @classmethod
    def from_hash(cls, broadcast_id: str, data: dict[str, str]) -> Progress:
        def number(name: str) -> int:
            return int(data.get(name) or 0)

        return cls(
            broadcast_id,
            data.get("state", "sending"),
            number("total"),
            number("sent"),
            number("blocked"),
            number("skipped"),
            number("failed"),
        )


class Broadcasts:
    """Starts, runs and resumes broadcasts; `aclose()` stops the running one cleanly."""

    def __init__(self, *, redis: Redis, keys: Keys, scripts: Scripts, delivery: Delivery) -> None:
        self._redis = redis
        self._keys = keys
        self._scripts = scripts
        self._delivery = delivery
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self, *, admin_chat: int, message: str, language: str) -> Progress:
        """Snapshot the audience, post the progress message, and start sending."""
        broadcast_id = uuid.uuid4().hex[:12]
        claimed = await self._redis.set(self._keys.current_broadcast, broadcast_id, nx=True)
        if not claimed:
            raise BroadcastBusy()
        try:
            total = await self._snapshot(broadcast_id)
            if total == 0:
                raise NoAudience()
            progress = Progress(broadcast_id, "sending", total, 0, 0, 0, 0)
            status_id = await self._delivery.send_text(
                admin_chat, _progress_text(progress, language)
            )
        except BaseException:
            # Not begun: free the slot, or every later /broadcast says "busy" until a restart.
            recipients = self._keys.broadcast_recipients(broadcast_id)
            await self._redis.delete(self._keys.current_broadcast, recipients)
            raise
        await self._redis.hset(
            self._keys.broadcast(broadcast_id),
            mapping={
                "text": message,
                "admin_chat": admin_chat,
                "status_message": status_id,
                "lang": language,
                "state": "sending",
                "total": total,
                "cursor": 0,
                "created_at": repr(time.time()),
            },
        )
        logger.info("broadcast {} to {} users started by {}", broadcast_id, total, admin_chat)
        self._launch(broadcast_id)
        return progress

    async def resume(self) -> str | None:
        """At start-up: carry on with the broadcast a stop or crash interrupted."""
        broadcast_id = optional_text(await self._redis.get(self._keys.current_broadcast))
        if broadcast_id is None:
            return None
        if not await self._redis.exists(self._keys.broadcast(broadcast_id)):
            await self._redis.delete(self._keys.current_broadcast)  # claimed, never begun
            return None
        logger.info("broadcast {} resumes", broadcast_id)
        self._launch(broadcast_id)
        return broadcast_id

    async def membership_changed(self, user_id: int, *, blocked: bool) -> None:
        """Telegram's `my_chat_member`: the user blocked (or unblocked) the bot."""
        if blocked:
            await self._redis.sadd(self._keys.blocked_users, user_id)
        else:
            await self._redis.srem(self._keys.blocked_users, user_id)

    async def progress(self, broadcast_id: str) -> Progress | None:
        data = text_map(await self._redis.hgetall(self._keys.broadcast(broadcast_id)))
        return Progress.from_hash(broadcast_id, data) if data else None

    async def wait(self) -> None:
        """Until the running broadcast (if any) has ended or stopped."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        """Finish the chunk in progress (bounded), leave the rest for the next start."""
        task = self._task
        if task is None or task.done():
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_S)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # -- sending -------------------------------------------------------------------------

    def _launch(self, broadcast_id: str) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._keep_running(broadcast_id), name="broadcast")
        self._task.add_done_callback(_log_crash)

    async def _keep_running(self, broadcast_id: str) -> None:
        """Redis going away pauses the broadcast; it carries on from the stored cursor
        once Redis answers, as it would after a restart."""
        delay = STORE_RETRY_S
        while not self._stop.is_set():
            try:
                await self._run(broadcast_id)
                return
            except _STORE_DOWN as exc:
                logger.warning("broadcast {} paused, Redis: {!r}", broadcast_id, exc)
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                delay = min(delay * 2, STORE_RETRY_MAX_S)

    async def _snapshot(self, broadcast_id: str) -> int:
        """Copy the audience into the recipient list, in batches (no huge reply)."""
        recipients = self._keys.broadcast_recipients(broadcast_id)
        total = 0
        async for batch in _batches(self._redis, self._keys.users):
            await self._redis.rpush(recipients, *batch)
            total += len(batch)
        return total

    async def _run(self, broadcast_id: str) -> None:
        record = text_map(await self._redis.hgetall(self._keys.broadcast(broadcast_id)))
        message, language = record["text"], record.get("lang", "en")
        status = self._delivery.status(int(record["admin_chat"]), int(record["status_message"]))
        cursor = int(record.get("cursor") or 0)
        recipients = self._keys.broadcast_recipients(broadcast_id)
        while not self._stop.is_set():
            chunk = texts(await self._redis.lrange(recipients, cursor, cursor + CHUNK - 1))
            if not chunk:
                await self._finish(broadcast_id, status, language)
                return
            await self._send_chunk(broadcast_id, [int(c) for c in chunk], message)
            cursor += len(chunk)
            await self._redis.hset(self._keys.broadcast(broadcast_id), "cursor", cursor)
            progress = await self.progress(broadcast_id)
            if progress is not None:
                status.update(_progress_text(progress, language))
        logger.info("broadcast {} paused at {} for the next start", broadcast_id, cursor)

    async def _send_chunk(self, broadcast_id: str, users: Sequence[int], message: str) -> None:
        outcomes = self._keys.broadcast_sent(broadcast_id)
        done = await self._redis.hmget(outcomes, [str(u) for u in users])
        blocked = await self._redis.smismember(self._keys.blocked_users, list(users))
        pending = []
        for user_id, outcome, is_blocked in zip(users, done, blocked, strict=True):
            if outcome is not None:
                continue  # handled before the restart
            if is_blocked:
                await self._mark(broadcast_id, user_id, "skipped")
            else:
                pending.append(user_id)
        await asyncio.gather(*(self._send_one(broadcast_id, u, message) for u in pending))

    async def _send_one(self, broadcast_id: str, user_id: int, message: str) -> None:
        try:
            await self._delivery.send_text(user_id, message, bulk=True)
        except RecipientUnavailable:
            await self._mark(broadcast_id, user_id, "blocked")
        except DeliveryError as exc:
            logger.info("broadcast {}: user {} not reached: {}", broadcast_id, user_id, exc)
            await self._mark(broadcast_id, user_id, "failed")
        else:
            await self._mark(broadcast_id, user_id, "sent")

    async def _mark(self, broadcast_id: str, user_id: int, outcome: str) -> None:
        k = self._keys
        await self._scripts.broadcast_mark(
            keys=[k.broadcast_sent(broadcast_id), k.broadcast(broadcast_id), k.blocked_users],
            args=[str(user_id), outcome],
        )

    async def _finish(self, broadcast_id: str, status: StatusMessage, language: str) -> None:
        k = self._keys
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                k.broadcast(broadcast_id),
                mapping={"state": "done", "finished_at": repr(time.time())},
            )
            for key in (k.broadcast(broadcast_id), k.broadcast_recipients(broadcast_id)):
                pipe.expire(key, BROADCAST_TTL_S)
            pipe.expire(k.broadcast_sent(broadcast_id), BROADCAST_TTL_S)
            pipe.delete(k.current_broadcast)
            await pipe.execute()
        progress = await self.progress(broadcast_id)
        if progress is not None:
            try:
                await status.finish(_progress_text(progress, language))
            except DeliveryError as exc:
                logger.warning("broadcast {}: progress message failed: {}", broadcast_id, exc)
        logger.info("broadcast {} done: {}", broadcast_id, progress)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.opt(exception=task.exception()).error("the broadcast task failed")


def _progress_text(progress: Progress, language: str) -> str:
    key = "admin.broadcast.done" if progress.state == "done" else "admin.broadcast.progress"
    return text(
        key,
        language,
        handled=progress.handled,
        total=progress.total,
        sent=progress.sent,
        blocked=progress.blocked + progress.skipped,
        failed=progress.failed,
    )


async def _batches(redis: Redis, key: str) -> AsyncIterator[list[str]]:
    cursor = 0
    while True:
        cursor, members = await redis.sscan(key, cursor, count=_SSCAN_COUNT)
        if members:
            yield texts(members)
        if cursor == 0:
            return
