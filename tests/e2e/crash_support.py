"""Helpers for the crash tests: `kiebot run` as a killable subprocess, reads of its Redis
state from the test process, and a KIE proxy that can hold a createTask reply.

The bot runs as a real process (`python -m kiebot run`); the simulators, Redis and these
helpers live in the test process. Cross-process state is read from Redis with a short,
deadline-bounded polling loop (`eventually`): there is no event to wait on across a
process boundary, and a fixed sleep would be either flaky or slow.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from kiebot.billing import Billing
from kiebot.billing.service import Account, LedgerEntry
from kiebot.jobs import JobStore
from kiebot.jobs.record import Job
from kiebot.jobs.states import JobState
from kiebot.sim.kie import KieSimulator, SimTask
from kiebot.sim.telegram import SentMessage, TelegramSimulator
from kiebot.store import Keys, Scripts
from tests.support.redis_server import free_port

T = TypeVar("T")

RESULT_KINDS = frozenset({"photo", "document", "video"})


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float, what: str, every: float = 0.05
) -> T:
    """The first truthy value `probe()` returns, re-asked every `every` s for `within` s."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not within {within}s: {what}")
        await asyncio.sleep(every)


# -- the bot process ----------------------------------------------------------------------


def bot_env(
    telegram: TelegramSimulator,
    telegram_url: str,
    kie_url: str,
    kie_keys: list[str],
    redis_url: str,
    **knobs: str,
) -> dict[str, str]:
    """The environment of `kiebot run` against the simulators; `knobs` are KIEBOT_* extras."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KIEBOT_")}
    return {
        **clean,
        "KIEBOT_BOT_TOKEN": telegram.token,
        "KIEBOT_TELEGRAM_API_URL": telegram_url,
        "KIEBOT_KIE_API_KEY": ",".join(kie_keys),
        "KIEBOT_KIE_API_URL": kie_url,
        "KIEBOT_KIE_UPLOAD_URL": kie_url,
        "KIEBOT_REDIS_URL": redis_url,
        # A port of its own: the default 8080 may be taken, and port 0 is refused.
        "KIEBOT_ADMIN_LISTEN": f"127.0.0.1:{free_port()}",
        "KIEBOT_LOG_LEVEL": "DEBUG",
        **{f"KIEBOT_{name.upper()}": value for name, value in knobs.items()},
    }


@dataclass
class BotProcess:
    """One `kiebot run`; its output goes to a file (a full pipe would block the bot)."""

    process: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no handler runs, no state is written, like an OOM kill or power loss."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM, as `systemctl stop` sends."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    async def wait(self, within: float) -> int:
        return await asyncio.wait_for(self.process.wait(), within)


@dataclass
class BotLauncher:
    """Starts `kiebot run` processes with one environment; stops any left at teardown."""

    env: Mapping[str, str]
    workdir: Path
    started: list[BotProcess] = field(default_factory=list)

    async def start(self) -> BotProcess:
        log = self.workdir / f"kiebot-{len(self.started) + 1}.log"
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kiebot", "run",
                env=dict(self.env), cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=sink,
            )  # fmt: skip
        bot = BotProcess(process, log)
        self.started.append(bot)
        return bot

    def problems(self) -> list[str]:
        """Error lines and tracebacks any of the processes logged: a crash test expects none."""
        return [
            line
            for bot in self.started
            for line in bot.output().splitlines()
            if "Traceback" in line or "| ERROR" in line or "| CRITICAL" in line
        ]

    async def stop_all(self) -> None:
        for bot in self.started:
            if bot.process.returncode is None:
                bot.kill()
                await bot.wait(10)


# -- the bot's Redis state, read from the test process ------------------------------------


class State:
    """Read-only views of what the bot process wrote to Redis, through the product's API."""

    def __init__(self, redis: Redis, starting_credits: int) -> None:
        keys, scripts = Keys(), Scripts(redis)
        self.redis = redis
        self.store = JobStore(redis, keys, scripts)
        self.billing = Billing(redis, keys, scripts, starting_credits=starting_credits)

    async def jobs_of(self, user_id: int) -> list[Job]:
        """The user's jobs, oldest first."""
        return list(reversed(await self.store.user_history(user_id, limit=100)))

    async def only_job(self, user_id: int) -> Job | None:
        jobs = await self.jobs_of(user_id)
        assert len(jobs) <= 1, f"user {user_id} has {len(jobs)} jobs: {jobs}"
        return jobs[0] if jobs else None

    async def wait_job(
        self, user_id: int, states: set[JobState] | JobState, *, within: float
    ) -> Job:
        """The user's only job, once it is in one of `states`."""
        wanted = {states} if isinstance(states, JobState) else states

        async def probe() -> Job | None:
            job = await self.only_job(user_id)
            return job if job is not None and job.state in wanted else None

        return await eventually(probe, within=within, what=f"user {user_id}'s job in {wanted}")

    async def account(self, user_id: int) -> Account:
        account = await self.billing.account(user_id)
        assert account is not None, f"user {user_id} has no account"
        return account

    async def ledger(self, user_id: int) -> list[LedgerEntry]:
        return list(reversed(await self.billing.ledger(user_id, limit=1000)))

    async def assert_charged_once(self, job: Job, *, starting: int) -> None:
        """One reservation and one capture for the job, no release; nothing held."""
        entries = await self.ledger(job.user_id)
        mine = [(e.type, e.amount) for e in entries if e.ref == job.job_id]
        assert mine == [("reservation", -job.price), ("capture", 0)], entries
        account = await self.account(job.user_id)
        assert (account.balance, account.held) == (starting - job.price, 0), account
        assert account.balance == sum(e.amount for e in entries), entries  # invariant 1

    async def assert_held_not_settled(self, job: Job, *, starting: int) -> None:
        """The reservation is open: reserved, neither captured nor released."""
        entries = await self.ledger(job.user_id)
        mine = [(e.type, e.amount) for e in entries if e.ref == job.job_id]
        assert mine == [("reservation", -job.price)], entries
        account = await self.account(job.user_id)
        assert (account.balance, account.held) == (starting - job.price, job.price), account


# -- the simulators' side -----------------------------------------------------------------


def tasks_for(kie: KieSimulator, prompt: str) -> list[SimTask]:
    """Every task KIE created for this prompt (each test's prompts are unique)."""
    return [task for task in kie.tasks.values() if prompt in task.param]


async def wait_task_ended(kie: KieSimulator, task_id: str, *, within: float) -> SimTask:
    async def probe() -> SimTask | None:
        task = kie.tasks[task_id]
        return task if task.finalized else None

    return await eventually(probe, within=within, what=f"KIE task {task_id} to end")


def results_in(telegram: TelegramSimulator, chat_id: int) -> list[SentMessage]:
    """The result media the bot sent to the chat (status messages are text)."""
    return [m for m in telegram.chat(chat_id) if m.kind in RESULT_KINDS]


# -- proxies that hold a request at the moment a crash test needs -------------------------


class _Proxy:
    """Forwards every request to `upstream` as it is; subclasses hold some of them."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    def release(self) -> None:
        self._release.set()

    async def close(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        payload, status, content_type = await self._pass(request)
        return web.Response(body=payload, status=status, content_type=content_type)

    async def _pass(self, request: web.Request) -> tuple[bytes, int, str]:
        assert self._session is not None
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("authorization", "content-type")
        }
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body, headers=headers
        ) as reply:
            return await reply.read(), reply.status, reply.content_type


class HoldingKieProxy(_Proxy):
    """While `hold_creates` is set, a createTask reaches KIE (the task exists and is paid
    for) but its reply is held back.

    That is the create-outcome ambiguity made deterministic: the bot wrote `submitting`,
    KIE took the task, and the bot never learns its id. `created` fires when KIE has
    answered a held create; `release()` lets held replies go (to a dead process, usually).
    """

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.hold_creates = False
        self.created = asyncio.Event()

    async def _forward(self, request: web.Request) -> web.Response:
        held = self.hold_creates and request.path.endswith("/jobs/createTask")
        payload, status, content_type = await self._pass(request)
        if held:
            self.created.set()
            await self._release.wait()
        return web.Response(body=payload, status=status, content_type=content_type)


class UnconfirmedUpdatesProxy(_Proxy):
    """While `blocking` is set, once a getUpdates reply carried an update, every later
    getUpdates is held and never reaches Telegram.

    A bot confirms updates only by asking getUpdates for a later offset, so this keeps the
    update it is handling unconfirmed, as a bot killed right after handling an update
    leaves it: Telegram delivers the same update again to the next process. `release()`
    answers held calls with no updates (without forwarding, so nothing is confirmed).
    """

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.blocking = True
        self.delivered = asyncio.Event()

    async def _forward(self, request: web.Request) -> web.Response:
        polling = request.path.endswith("/getUpdates")
        if polling and self.blocking and self.delivered.is_set():
            await self._release.wait()
            return web.json_response({"ok": True, "result": []})
        payload, status, content_type = await self._pass(request)
        if polling and b'"update_id"' in payload:
            self.delivered.set()
        return web.Response(body=payload, status=status, content_type=content_type)
