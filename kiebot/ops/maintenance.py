"""Housekeeping in the background: what would otherwise only grow.

Every `every_s` (and once shortly after start) one pass:
- temp files: anything in `{KIEBOT_DATA_DIR}/tmp` not modified for `TEMP_MAX_AGE_S` (an
  hour) is deleted; whoever writes temp files puts them there, and a crash may leave them;
- finished job records older than `KIEBOT_JOB_RETENTION_DAYS`: the job hash goes, and its
  id leaves the user's history list, the admin's recent-jobs index and the task map. The
  ledger is never touched: its entries name the job id and stay the record of the money;
  a job id whose record is gone can never be charged again (`job_submit.lua` checks the
  idempotency key, not the record);
- stale conversation state: keys under `kb:conv:` without a TTL that nobody touched for
  `KIEBOT_CONVERSATION_TTL` (see `clean_conversations`);
- once per database: users who opened an account before `kb:users` existed are added to
  it, so broadcasts reach them.

Redis is walked with SCAN in small batches: no command blocks it for long, and the pass
costs nothing in memory however many jobs there are. Filesystem work runs in a thread.
A failing pass is logged and retried at the next one; it never stops the process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kiebot.jobs.states import FINAL_STATES
from kiebot.store import Keys
from kiebot.store.replies import text, texts

TEMP_SUBDIR = "tmp"
TEMP_MAX_AGE_S = 3600.0
FIRST_PASS_AFTER_S = 30.0
SCAN_COUNT = 500
_FINAL = frozenset(state.value for state in FINAL_STATES)


@dataclass(frozen=True, slots=True)
class Swept:
    """What one pass removed."""

    temp_files: int = 0
    jobs: int = 0
    conversations: int = 0
    users_added: int = 0


def temp_dir(data_dir: Path) -> Path:
    """Where temporary files go: cleaned of anything older than an hour."""
    return data_dir / TEMP_SUBDIR


class Maintenance:
    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        data_dir: Path,
        job_retention_days: int,
        conversation_ttl_s: float,
        every_s: float = 900.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._temp = temp_dir(data_dir)
        self._job_retention_s = job_retention_days * 86_400
        self._conversation_ttl_s = conversation_ttl_s
        self._every_s = every_s
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self._temp.mkdir, parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._run(), name="maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        await asyncio.sleep(min(FIRST_PASS_AFTER_S, self._every_s))
        while True:
            try:
                swept = await self.run_once()
                logger.info("maintenance: {}", swept)
            except (RedisError, OSError) as exc:
                logger.warning(
                    "maintenance failed, next pass in {:.0f} s: {!r}", self._every_s, exc
                )
            await asyncio.sleep(self._every_s)

    async def run_once(self) -> Swept:
        return Swept(
            temp_files=await self.clean_temp_files(),
            jobs=await self.clean_jobs(),
            conversations=await self.clean_conversations(),
            users_added=await self.backfill_users(),
        )

    async def clean_temp_files(self) -> int:
        return await asyncio.to_thread(_delete_older, self._temp, self._clock() - TEMP_MAX_AGE_S)

    async def clean_jobs(self) -> int:
        """Delete finished job records older than the retention; the ledger stays."""
        cutoff = self._clock() - self._job_retention_s
        removed = 0
        async for batch in self._scan(self._keys.job("*")):
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.hmget(key, ["job_id", "state", "updated_at", "user_id", "task_id"])
                rows = await pipe.execute()
            old = [row for row in (texts_or_none(r) for r in rows) if _expired(row, cutoff)]
            for job_id, _, _, user_id, task_id in old:
                await self._delete_job(job_id or "", int(user_id or 0), task_id)
            removed += len(old)
        return removed

    async def _delete_job(self, job_id: str, user_id: int, task_id: str | None) -> None:
        k = self._keys
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(k.job(job_id))
            pipe.lrem(k.user_history(user_id), 0, job_id)
            pipe.zrem(k.recent_jobs, job_id)
            if task_id:
                pipe.delete(k.task(task_id))
            await pipe.execute()

    async def clean_conversations(self) -> int:
        """Delete conversation state left without a TTL and untouched for the TTL.

        Keys written with a TTL expire on their own; one written without (a bug, or an
        older version) would stay forever, so its idle time (`OBJECT IDLETIME`, the
        seconds since it was last read or written) decides.
        """
        removed = 0
        async for batch in self._scan(self._keys.conversation_pattern):
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.ttl(key)
                    pipe.object("idletime", key)
                replies = await pipe.execute()
            stale = [
                key
                for key, ttl, idle in zip(batch, replies[::2], replies[1::2], strict=True)
                if ttl == -1 and idle is not None and idle > self._conversation_ttl_s
            ]
            if stale:
                removed += await self._redis.delete(*stale)
        return removed

    async def backfill_users(self) -> int:
        """Once per database: accounts opened by the bot before `kb:users` existed."""
        flag = self._keys.users_backfilled
        if await self._redis.exists(flag):
            return 0
        prefix = self._keys.user(0).removesuffix("0")
        added = 0
        async for batch in self._scan(prefix + "*"):
            accounts = [key for key in batch if key.removeprefix(prefix).isdigit()]
            if not accounts:
                continue
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in accounts:
                    pipe.hget(key, "granted")
                granted = await pipe.execute()
            ids = [
                key.removeprefix(prefix)
                for key, mark in zip(accounts, granted, strict=True)
                if mark is not None and text(mark) == "1"
            ]
            if ids:
                added += await self._redis.sadd(self._keys.users, *ids)
        await self._redis.set(flag, "1")
        return added

    async def _scan(self, pattern: str) -> AsyncIterator[list[str]]:
        cursor = 0
        while True:
            cursor, keys = await self._redis.scan(cursor, match=pattern, count=SCAN_COUNT)
            if keys:
                yield texts(keys)
            if cursor == 0:
                return


def texts_or_none(row: list[bytes | str | None]) -> tuple[str | None, ...]:
    return tuple(None if value is None else text(value) for value in row)


def _expired(row: tuple[str | None, ...], cutoff: float) -> bool:
    job_id, state, updated_at, user_id, _ = row
    return (
        bool(job_id)
        and state in _FINAL
        and user_id is not None
        and updated_at is not None
        and float(updated_at) < cutoff
    )


def _delete_older(directory: Path, cutoff: float) -> int:
    """Files under `directory` last modified before `cutoff` (unix s); runs in a thread."""
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # removed meanwhile by its owner
    return removed
