"""Deleting a user's data on their request: the one place that knows what goes.

What goes (docs/privacy.md says why): every job record of the user (prompt, options,
input and result links, the kept Telegram file id, status message id) with its task
mapping and its place in the history and in the admin's recent-jobs index; the
preferences (models, options, aspect ratio, chosen language); the language and the
username kept on the account, and the username index entry; the daily spending cap;
conversation state waiting for the user's next message; and whatever other parts
register as `hooks` (each gets the user id).

What stays: the account's money fields, the ledger, the idempotency record of applied
operations, payments and the subscription. They are accounting records, keyed by the
numeric Telegram id, and hold nothing of what the user asked for.

A user with a job still running is refused (`ActiveJobsPending`): the runner needs the
record to deliver the result and settle the reservation, so deleting it would break
the job, and keeping it would make the deletion incomplete. The job records are deleted
in one transaction that watches the user's unfinished-jobs set and history, so a prompt
submitted while the deletion runs either makes it refuse or is not touched by it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import WatchError

from kiebot.account.errors import ActiveJobsPending
from kiebot.account.language import Languages
from kiebot.billing import Billing
from kiebot.billing.spending import SpendingCaps
from kiebot.preferences import Preferences
from kiebot.store.keys import Keys
from kiebot.store.replies import optional_text, texts

ErasureHook = Callable[[int], Awaitable[None]]
RESERVE_OP_PREFIX = "reserve:"  # the applied-ops key of a job's reservation: every job
PROFILE_FIELDS = ("username", "model")
WATCH_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What the user is told: how many generations went, and the balance that stays."""

    jobs: int
    balance: int


class DataEraser:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        billing: Billing,
        preferences: Preferences,
        languages: Languages,
        spending: SpendingCaps,
        hooks: Sequence[ErasureHook] = (),
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._billing = billing
        self._preferences = preferences
        self._languages = languages
        self._spending = spending
        self._hooks = tuple(hooks)

    async def erase(self, user_id: int) -> ErasureReport:
        """Delete the user's data (see the module doc); raises `ActiveJobsPending`.

        Safe to repeat: a second run finds nothing more to delete.
        """
        jobs = await self._erase_jobs(user_id)
        await self._preferences.forget(user_id)
        await self._languages.forget(user_id)
        await self._spending.set_cap(user_id, None)
        await self._forget_profile(user_id)
        await self._forget_conversations(user_id)
        for hook in self._hooks:
            await hook(user_id)
        account = await self._billing.account(user_id)
        return ErasureReport(jobs=jobs, balance=account.balance if account else 0)

    async def _erase_jobs(self, user_id: int) -> int:
        """Delete the user's job records; how many there were."""
        k = self._keys
        for _ in range(WATCH_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(k.user_jobs(user_id), k.user_history(user_id))
                    active = int(await pipe.scard(k.user_jobs(user_id)))
                    if active:
                        raise ActiveJobsPending(count=active)
                    job_ids = await self._job_ids(user_id)
                    task_keys = await self._task_keys(job_ids)
                    pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
                    pipe.delete(k.user_history(user_id))
                    for job_id in job_ids:
                        pipe.delete(k.job(job_id))
                    for task_key in task_keys:
                        pipe.delete(task_key)
                    if job_ids:
                        pipe.zrem(k.recent_jobs, *job_ids)
                    replies = await pipe.execute()
                except WatchError:
                    continue
            return sum(int(deleted) for deleted in replies[1 : 1 + len(job_ids)])
        raise ActiveJobsPending(count=1)  # the user kept submitting while we tried

    async def _job_ids(self, user_id: int) -> list[str]:
        """Every job the user ever had: each reserved its price once, under an op key
        that stays; the history list adds nothing new but costs nothing to include."""
        ops = texts(await self._redis.hkeys(self._keys.applied(user_id)))
        reserved = {op.removeprefix(RESERVE_OP_PREFIX) for op in ops if op.startswith("reserve:")}
        listed = texts(await self._redis.lrange(self._keys.user_history(user_id), 0, -1))
        return sorted(reserved.union(listed))

    async def _task_keys(self, job_ids: Sequence[str]) -> list[str]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(self._keys.job(job_id), "task_id")
            task_ids: list[bytes | str | None] = await pipe.execute()
        return [self._keys.task(t) for t in map(optional_text, task_ids) if t]

    async def _forget_profile(self, user_id: int) -> None:
        """The username (and the admin search's index entry, if it is still this
        user's) and any other non-money field that describes the person."""
        user_key = self._keys.user(user_id)
        username = optional_text(await self._redis.hget(user_key, "username"))
        async with self._redis.pipeline(transaction=True) as pipe:
            if username:
                index_owner = optional_text(
                    await self._redis.hget(self._keys.usernames, username.lower())
                )
                if index_owner == str(user_id):
                    pipe.hdel(self._keys.usernames, username.lower())
            pipe.hdel(user_key, *PROFILE_FIELDS)
            await pipe.execute()

    async def _forget_conversations(self, user_id: int) -> None:
        pattern = self._keys.conversation(user_id, "*")
        found = [key async for key in self._redis.scan_iter(match=pattern, count=500)]
        if found:
            await self._redis.delete(*found)
