"""The end-to-end harness: the whole kiebot process, in this test's event loop.

The real `build_process` (Dispatcher with long polling, scheduler, runner, poller, KIE
client, delivery, billing, admin server) runs against the Telegram simulator, the KIE
simulator and the session's real redis-server. Tests play users through the Telegram
simulator and assert on what a user or operator sees: the chat, the balance, the ledger.

Importable on purpose (not only fixtures in conftest.py), so other end-to-end tests
(crash and restart tests) can build processes the same way:

    harness = Harness(telegram, kie, redis_url, tmp_path)
    process = await harness.start(queue_size=1)     # Settings overrides
    ...
    await harness.stop()                            # the AsyncExitStack closes, state stays
    process = await harness.start()                 # a new process on the same Redis
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import count
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from kiebot.app import Process, build_process, open_redis
from kiebot.billing import LedgerEntry
from kiebot.config import ListenAddress, Settings
from kiebot.jobs import Job
from kiebot.jobs.poller import PollSchedule
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SentMessage, SimUser, TelegramSimConfig, TelegramSimulator

MODEL = "z-image"
STARTING_CREDITS = 10
# KIE's advised schedule, 20 times faster: first check 0.1 s after the start at the
# earliest, then every 0.1-0.15 s; failed reads retried after 0.25 s.
FAST_POLL = PollSchedule().scaled(0.05)
# How long a generation takes at the KIE simulator unless a test says otherwise.
GENERATION_S = 0.3
WAIT_S = 10.0
_USER_IDS = count(2**32 + 7_000_001)  # above 2**32, as real Telegram ids can be


def fast_telegram_config(**overrides: Any) -> TelegramSimConfig:
    """Real limits, none of the server's deliberate slow-downs (as in tests/sim/telegram)."""
    knobs: dict[str, Any] = {
        "repeat_poll_min_timeout": 0.0,
        "conflict_repeat_delay": 0.0,
        "set_webhook_interval": 0.0,
        "webhook_retry_initial": 0.01,
        "webhook_retry_max": 0.05,
    }
    knobs.update(overrides)
    return TelegramSimConfig(**knobs)


def write_catalog(
    directory: Path, *, timeout_s: float = 600, typical_s: float = GENERATION_S
) -> Path:
    """The bundled catalog with z-image's timeout and typical duration replaced.

    A short `typical_s` makes the poller's first check come soon after the (short)
    simulated generation instead of after z-image's real 8 s.
    """
    text = resources.files("kiebot.catalog").joinpath("catalog.toml").read_text("utf-8")
    head, sep, rest = text.partition(f'[models."{MODEL}"]\n')
    section, nxt, tail = rest.partition("\n[")
    section = re.sub(r"(?m)^timeout_s = .*$", f"timeout_s = {timeout_s}", section)
    section = re.sub(r"(?m)^typical_s = .*$", f"typical_s = {typical_s}", section)
    path = directory / "catalog.toml"
    path.write_text(head + sep + section + nxt + tail, "utf-8")
    return path


@dataclass(frozen=True, slots=True)
class Money:
    """What the operator sees of one user's credits."""

    balance: int
    held: int
    ledger: list[LedgerEntry]  # oldest first

    def entries(self, kind: str, job_id: str | None = None) -> list[LedgerEntry]:
        return [e for e in self.ledger if e.type == kind and (job_id is None or e.ref == job_id)]

    def check(self) -> None:
        """DESIGN invariant 1: the balance is the sum of the ledger, never negative."""
        assert self.balance == sum(e.amount for e in self.ledger), self.ledger
        assert self.balance >= 0
        assert self.held >= 0


@dataclass
class Harness:
    """Builds, starts and stops kiebot processes against the simulators; plays users."""

    telegram: TelegramSimulator
    kie: KieSimulator
    redis_url: str
    workdir: Path
    base: Settings = field(init=False)
    process: Process | None = None
    _stack: AsyncExitStack | None = None
    _polling: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.base = Settings(
            bot_token=SecretStr(self.telegram.token),
            telegram_api_url=self.telegram.url,
            kie_api_keys=tuple(SecretStr(k) for k in self.kie.config.keys),
            kie_api_url=self.kie.url,
            kie_upload_url=self.kie.url,
            redis_url=SecretStr(self.redis_url),
            admin_listen=ListenAddress("127.0.0.1", 0),
            admin_token=SecretStr("e2e-admin-token"),
            catalog_path=write_catalog(self.workdir),
            data_dir=self.workdir,
            redis_timeout_s=2.0,
            drain_timeout_s=0.0,
            starting_credits=STARTING_CREDITS,
        )

    # -- the process -------------------------------------------------------------------

    async def start(self, *, poll_schedule: PollSchedule = FAST_POLL, **overrides: Any) -> Process:
        """Build a process with `Settings` overrides and start long polling."""
        if self.process is not None:
            raise RuntimeError("a process is already running; stop() it first")
        settings = replace(self.base, **overrides)
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            redis = await open_redis(settings, stack)
            process = await build_process(settings, redis, stack, poll_schedule=poll_schedule)
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self.process = stack, process
        self._polling = asyncio.create_task(
            process.dispatcher.start_polling(
                process.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
            ),
            name="e2e-polling",
        )
        return process

    async def stop(self) -> None:
        """Stop polling, then close everything (in-flight runners are cancelled; their jobs
        stay in Redis as they were, as after a SIGTERM with no drain time)."""
        process, stack, polling = self.process, self._stack, self._polling
        self.process, self._stack, self._polling = None, None, None
        if process is None or stack is None:
            return
        try:
            if polling is not None and not polling.done():
                await process.dispatcher.stop_polling()
            if polling is not None:
                await polling
        finally:
            await stack.aclose()

    @property
    def running(self) -> Process:
        if self.process is None:
            raise RuntimeError("no process is running")
        return self.process

    # -- playing users -------------------------------------------------------------------

    def new_user(self, first_name: str = "Anna", language_code: str = "en") -> SimUser:
        return SimUser(id=next(_USER_IDS), first_name=first_name, language_code=language_code)

    def last_id(self, user: SimUser) -> int:
        messages = self.telegram.chat(user.id)
        return messages[-1].message_id if messages else 0

    async def next_message(
        self,
        user: SimUser,
        after: int,
        predicate: Callable[[SentMessage], bool] = lambda m: True,
        timeout: float = WAIT_S,  # noqa: ASYNC109 (like TelegramSimulator.wait_for)
    ) -> SentMessage:
        """The first bot message sent after message `after` that matches."""
        return await self.telegram.wait_for(
            user.id, lambda m: m.message_id > after and predicate(m), timeout=timeout
        )

    async def say(self, user: SimUser, text: str) -> SentMessage:
        """Send a text; the bot's first reply to it (a status message or a refusal)."""
        after = self.last_id(user)
        self.telegram.send_text(user, text)
        return await self.next_message(user, after, lambda m: m.kind == "text")

    async def start_chat(self, user: SimUser) -> SentMessage:
        return await self.say(user, "/start")

    async def wait_text(
        self,
        user: SimUser,
        message_id: int,
        predicate: Callable[[str], bool],
        timeout: float = WAIT_S,  # noqa: ASYNC109
    ) -> SentMessage:
        """Message `message_id` once its text (after edits) matches."""
        return await self.telegram.wait_for(
            user.id,
            lambda m: m.message_id == message_id and predicate(m.text or ""),
            timeout=timeout,
        )

    async def wait_final(self, user: SimUser, status: SentMessage) -> SentMessage:
        """The job's status message once it shows an end: done, failed or cancelled."""
        return await self.wait_text(user, status.message_id, is_final_text)

    def photos(self, user: SimUser) -> list[SentMessage]:
        return [m for m in self.telegram.chat(user.id) if m.kind in ("photo", "document")]

    def press_cancel(self, user: SimUser, status: SentMessage) -> str:
        data = cancel_data(status)
        return self.telegram.press_button(user, status.message_id, data)

    async def answer_of(self, query_id: str, timeout: float = WAIT_S) -> dict[str, Any]:  # noqa: ASYNC109
        """The bot's answer to a button press (text, show_alert)."""
        await self.telegram.until(
            lambda: self.telegram.callback_query(query_id).answered, timeout=timeout
        )
        answer = self.telegram.callback_query(query_id).answer
        assert answer is not None
        return answer

    # -- what the operator sees ----------------------------------------------------------

    async def money(self, user: SimUser) -> Money:
        billing = self.running.billing
        account = await billing.account(user.id)
        assert account is not None, f"user {user.id} has no account"
        ledger = list(reversed(await billing.ledger(user.id, limit=10_000)))
        return Money(account.balance, account.held, ledger)

    async def jobs_of(self, user: SimUser) -> list[Job]:
        """Every job of the user, oldest first (from the user's history in Redis)."""
        jobs = await self.running.store.user_history(user.id, limit=1000)
        return sorted(jobs, key=lambda j: j.created_at)

    async def wait_running(self, user: SimUser, count: int = 1) -> list[Job]:
        """Until `count` of the user's jobs are running at KIE (their task id written)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            jobs = [j for j in await self.jobs_of(user) if j.state == "running"]
            if len(jobs) >= count:
                return jobs
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} jobs of user {user.id} not running in {WAIT_S} s")
            await asyncio.sleep(0.01)

    async def settled(self, user: SimUser) -> Money:
        """The money once every job of the user ended, with DESIGN invariants 1 and 2
        checked: nothing held, and one capture (done) or one release (any other end) per
        job, and one reservation each."""
        jobs = await self.jobs_of(user)
        assert all(job.is_final for job in jobs), [(j.job_id, j.state) for j in jobs]
        money = await self.money(user)
        money.check()
        assert money.held == 0
        for job in jobs:
            assert len(money.entries("reservation", job.job_id)) == 1
            ends = money.entries("capture", job.job_id) + money.entries("release", job.job_id)
            assert len(ends) == 1, (job.state, ends)
            assert ends[0].type == ("capture" if job.state == "done" else "release")
        return money


def is_final_text(text: str) -> bool:
    return text.startswith(("✅", "❌", "Cancelled"))


def cancel_data(status: SentMessage) -> str:
    (button,) = status.buttons()
    data = button["callback_data"]
    assert isinstance(data, str)
    assert data.startswith("cancel:")
    return data


async def eventually(
    condition: Callable[[], bool],
    timeout: float = WAIT_S,  # noqa: ASYNC109
    what: str = "condition",
) -> None:
    """For state with no change notification (the KIE simulator's counters): check it
    every few milliseconds. Telegram-side waits use the simulator's own events."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not hold within {timeout} s")
        await asyncio.sleep(0.01)
