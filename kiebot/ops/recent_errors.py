"""The latest ERROR log records for the admin console's errors page, kept across restarts.

A loguru sink redacts each record with the same `Redactor` as the log lines (so the page
can never show a secret the logs would have hidden), cuts its texts to a bounded size and
hands it over; a task of ours writes it to a capped Redis list (`Keys.recent_errors`).
The sink never touches Redis itself: it runs inside the logging call, which must not wait
on the network nor fail because Redis is down. What Redis cannot take yet waits in a
bounded queue and is retried; the oldest falls off first. A per-process ring of the same
records answers the page while Redis is unreachable, when the errors matter most.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kiebot.store.keys import Keys

if TYPE_CHECKING:
    from loguru import Message

CAPACITY = 200
# Bounds of one stored record: the list stays under a few MB whatever gets logged.
MESSAGE_CHARS = 2_000
TRACE_CHARS = 8_000
CONTEXT_CHARS = 200
WRITE_TIMEOUT_S = 2.0
RETRY_S = 5.0  # while Redis refuses, try again this often (and at the next error)


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One logged error: when, where, the message, its context and its traceback."""

    time: float
    level: str
    where: str  # module:line
    message: str
    context: dict[str, str]  # bound fields: job_id, user_id, model, update_id
    exception: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "time": self.time,
            "level": self.level,
            "where": self.where,
            "message": self.message,
            "context": self.context,
            "exception": self.exception,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ErrorRecord:
        return cls(
            time=float(raw["time"]),
            level=str(raw["level"]),
            where=str(raw["where"]),
            message=str(raw["message"]),
            context={str(k): str(v) for k, v in dict(raw.get("context") or {}).items()},
            exception=None if raw.get("exception") is None else str(raw["exception"]),
        )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecentErrors:
    """The latest `capacity` records at ERROR or above, newest first, in Redis."""

    def __init__(
        self,
        redact: Callable[[str], str],
        redis: Redis,
        keys: Keys,
        capacity: int = CAPACITY,
    ) -> None:
        self._redact = redact
        self._redis = redis
        self._key = keys.recent_errors
        self._capacity = capacity
        self._ring: deque[ErrorRecord] = deque(maxlen=capacity)  # this process's, newest last
        self._pending: deque[str] = deque(maxlen=capacity)  # JSON not yet in Redis, oldest first
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._sink_id: int | None = None
        self._failing = False
        self._writing: list[str] = []  # the batch being written
        self._closing = False

    async def start(self) -> None:
        """Add the sink to loguru and start the task that writes to Redis."""
        self._loop = asyncio.get_running_loop()
        self._sink_id = logger.add(self._sink, level="ERROR", backtrace=False, diagnose=False)
        self._task = asyncio.create_task(self._drain(), name="recent-errors")

    async def aclose(self) -> None:
        """Remove the sink, write what is still queued (once), stop the task."""
        if self._sink_id is not None:
            with contextlib.suppress(ValueError):  # already gone: logger.remove() cleared all
                logger.remove(self._sink_id)
            self._sink_id = None
        if self._task is not None:
            # Not cancelled: a write under way finishes (each is bounded by its timeout).
            self._closing = True
            self._wake.set()
            await self._task
            self._task = None
        await self._flush()

    async def latest(self, limit: int = CAPACITY) -> list[ErrorRecord]:
        """Newest first: from Redis (every process's, across restarts), or this process's
        own while Redis cannot answer."""
        unsaved = self._unsaved()
        try:
            stored = await asyncio.wait_for(
                self._redis.lrange(self._key, 0, limit - 1), WRITE_TIMEOUT_S
            )
        except (RedisError, OSError, TimeoutError):
            return list(reversed(self._ring))[:limit]
        # Logged a moment ago and not written yet (or written meanwhile: seen once).
        unsaved += [item for item in self._unsaved() if item not in unsaved]
        saved = [str(item) for item in stored]
        known = set(saved)
        fresh = [item for item in reversed(unsaved) if item not in known]
        records = []
        for item in (fresh + saved)[:limit]:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                records.append(ErrorRecord.from_dict(json.loads(item)))
        return records

    def _unsaved(self) -> list[str]:
        """Records not known to be in Redis yet, oldest first."""
        return [*self._writing, *self._pending]

    def _sink(self, message: Message) -> None:
        record = message.record
        exc = record["exception"]
        trace = None
        if exc is not None and exc.type is not None:
            lines = traceback.format_exception(exc.type, exc.value, exc.traceback)
            # The end of a traceback says what failed: keep that when cutting.
            full = self._redact("".join(lines).rstrip())
            trace = full if len(full) <= TRACE_CHARS else "…" + full[-(TRACE_CHARS - 1) :]
        error = ErrorRecord(
            time=record["time"].timestamp(),
            level=record["level"].name,
            where=f"{record['name']}:{record['line']}",
            message=_cut(self._redact(record["message"]), MESSAGE_CHARS),
            context={
                k: _cut(self._redact(str(v)), CONTEXT_CHARS) for k, v in record["extra"].items()
            },
            exception=trace,
        )
        self._ring.append(error)
        self._pending.append(json.dumps(error.as_dict(), ensure_ascii=False))
        loop = self._loop
        if loop is not None:
            # From any thread; a loop already closed (late shutdown logging) just misses it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    async def _drain(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RETRY_S if self._failing else None)
            self._wake.clear()
            await self._flush()

    async def _flush(self) -> None:
        batch = []
        while self._pending:
            batch.append(self._pending.popleft())
        if not batch:
            return
        self._writing = batch
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.lpush(self._key, *batch)  # the last pushed ends first: newest first
            pipe.ltrim(self._key, 0, self._capacity - 1)
            await asyncio.wait_for(pipe.execute(), WRITE_TIMEOUT_S)
        except (RedisError, OSError, TimeoutError) as exc:
            # Kept for the next try, newest first to stay if the queue is full by then.
            room = self._capacity - len(self._pending)
            if room > 0:
                self._pending.extendleft(reversed(batch[-room:]))
            if not self._failing:  # WARNING: below the sink's level, so no loop of errors
                logger.warning("errors page: Redis refused the latest errors: {!r}", exc)
            self._failing = True
            return
        finally:
            self._writing = []
        self._failing = False
