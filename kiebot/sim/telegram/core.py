"""The simulator's shared services: config, stats, bots, the outgoing HTTP session, tasks.

Method handlers, the control API and the webhook pushers all work on a `SimCore`; the
public `TelegramSimulator` owns one and adds the HTTP server and the Python conveniences.
Keeping this layer free of aiohttp's server side lets handlers be called in-process (a
webhook reply that carries a method is executed this way).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp

from kiebot.sim.telegram.config import TelegramSimConfig
from kiebot.sim.telegram.errors import unauthorized
from kiebot.sim.telegram.files import BlobStore
from kiebot.sim.telegram.notify import Signal
from kiebot.sim.telegram.params import Params
from kiebot.sim.telegram.state import BotState
from kiebot.sim.telegram.stats import SimStats


@dataclass
class Answer:
    """A successful result and, for a few methods, the server's `description` beside it."""

    result: Any
    description: str | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": True, "result": self.result}
        if self.description:
            body["description"] = self.description
        return body


@dataclass
class Call:
    """One Bot API call being handled."""

    core: SimCore
    bot: BotState
    params: Params
    method: str


Dispatcher = Callable[[BotState, str, Params], Awaitable[Answer]]


class SimCore:
    """State and services shared by every part of one simulator."""

    def __init__(self, config: TelegramSimConfig, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.clock = clock
        self.stats = SimStats()
        self.blobs = BlobStore()
        self.bots: dict[str, BotState] = {}
        self.session: aiohttp.ClientSession | None = None
        self.dispatcher: Dispatcher | None = None
        self.pushers: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closing = False
        self.activity = Signal()
        self.add_bot(config.token, config.bot_username, config.bot_first_name)

    def add_bot(self, token: str, username: str, first_name: str) -> BotState:
        if token in self.bots:
            msg = f"bot {username!r} already exists"
            raise ValueError(msg)
        bot = BotState(token, username, first_name, self.config, self.stats, self.clock)
        self.bots[token] = bot
        return bot

    def bot(self, token: str) -> BotState:
        """The bot for a token, or 401 Unauthorized."""
        bot = self.bots.get(token)
        if bot is None:
            raise unauthorized()
        return bot

    @property
    def default_bot(self) -> BotState:
        return self.bots[self.config.token]

    def http(self) -> aiohttp.ClientSession:
        """The one session for outgoing calls (URL fetches, webhook pushes)."""
        if self.session is None or self.session.closed:
            msg = "the simulator is not started"
            raise RuntimeError(msg)
        return self.session

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a background task that `close()` cancels and awaits."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def touch(self) -> None:
        """Wake `TelegramSimulator.until` waiters: something was handled or changed."""
        self.activity.notify()

    def now_date(self) -> int:
        """Unix time for `date` fields."""
        return int(time.time())
