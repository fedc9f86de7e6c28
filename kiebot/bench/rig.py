"""One scenario's surroundings: a private Redis, both simulators, the processes under test.

Everything is on loopback and owned by one `AsyncExitStack`, so a scenario that fails or
times out still stops its children and servers.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiebot.bench.procs import Child, base_env
from kiebot.bench.redis_server import RedisServer, find_redis_server, free_port
from kiebot.jobs.durations import DurationBook
from kiebot.sim.kie import KeySpec, KieSimConfig, KieSimulator
from kiebot.sim.telegram import TelegramSimConfig, TelegramSimulator
from kiebot.store import Keys, create_redis

KIE_KEY = "bench-key-1"
ECHO_USERNAME = "echo_bench_bot"
READY_TIMEOUT_S = 30.0
# A directory: the children's logs are copied there when they stop; with BENCH_CPROFILE=1
# too, the bot runs under cProfile (one file per start), for finding where the CPU goes.
KEEP_ENV = "BENCH_KEEP"
CPROFILE_ENV = "BENCH_CPROFILE"


def sim_token(bot_id: int) -> str:
    """A token shaped like a real one: digits, a colon, 35 URL-safe characters."""
    return f"{bot_id}:{secrets.token_urlsafe(27)[:35]}"


@dataclass(slots=True)
class RigOptions:
    telegram_knobs: dict[str, Any] = field(default_factory=dict)
    kie_limits: tuple[int, float, int, float] = (20, 10.0, 10, 1.0)
    hmac_key: str | None = None
    callbacks: bool = False
    bot_env: dict[str, str] = field(default_factory=dict)


class Rig:
    def __init__(self, options: RigOptions, stack: AsyncExitStack) -> None:
        self.options = options
        self._stack = stack
        self.workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kbench-")))
        self.redis: RedisServer | None = None
        self.telegram = TelegramSimulator(TelegramSimConfig(**options.telegram_knobs))
        create_limit, create_window, read_limit, read_window = options.kie_limits
        self.kie = KieSimulator(
            KieSimConfig(
                keys={KIE_KEY: KeySpec(credits=1e12)},
                hmac_key=options.hmac_key,
                seed=1,
                create_limit=create_limit,
                create_window_s=create_window,
                read_limit=read_limit,
                read_window_s=read_window,
            )
        )
        self.admin_port = free_port()

    @classmethod
    async def open(cls, options: RigOptions, stack: AsyncExitStack) -> Rig:
        rig = cls(options, stack)
        binary = find_redis_server()
        if binary is None:
            raise RuntimeError("redis-server not found (Debian: apt-get install redis-server)")
        rig.redis = RedisServer(binary, rig.workdir)
        await rig.redis.start()
        stack.push_async_callback(rig.redis.stop)
        await rig.telegram.start(host="127.0.0.1", port=0)
        stack.push_async_callback(rig.telegram.close)
        await rig.kie.start(host="127.0.0.1", port=0)
        stack.push_async_callback(rig.kie.close)
        return rig

    def kiebot_env(self) -> dict[str, str]:
        assert self.redis is not None  # noqa: S101 (set by open)
        create_limit, create_window, read_limit, read_window = self.options.kie_limits
        env = base_env()
        env.update(
            {
                "KIEBOT_BOT_TOKEN": self.telegram.token,
                "KIEBOT_TELEGRAM_API_URL": self.telegram.url,
                "KIEBOT_KIE_API_KEY": KIE_KEY,
                "KIEBOT_KIE_API_URL": self.kie.url,
                "KIEBOT_KIE_UPLOAD_URL": self.kie.url,
                "KIEBOT_REDIS_URL": self.redis.url,
                "KIEBOT_ADMIN_LISTEN": f"127.0.0.1:{self.admin_port}",
                "KIEBOT_DATA_DIR": str(self.workdir / "data"),
                "KIEBOT_LOG_LEVEL": "WARNING",
                "KIEBOT_STARTING_CREDITS": "1000",
                "KIEBOT_KIE_CREATE_LIMIT": str(create_limit),
                "KIEBOT_KIE_CREATE_WINDOW": str(create_window),
                "KIEBOT_KIE_READ_LIMIT": str(read_limit),
                "KIEBOT_KIE_READ_WINDOW": str(read_window),
            }
        )
        if self.options.callbacks:
            env["KIEBOT_PUBLIC_URL"] = f"http://127.0.0.1:{self.admin_port}"
            env["KIEBOT_WEBHOOK_SECRET"] = secrets.token_urlsafe(24)
            if self.options.hmac_key:
                env["KIEBOT_KIE_WEBHOOK_HMAC_KEY"] = self.options.hmac_key
        env.update(self.options.bot_env)
        return env

    async def redis_round_trips(self) -> int:
        assert self.redis is not None  # noqa: S101 (set by open)
        return await self.redis.round_trips()

    async def learned_durations(self, model: str, seconds: list[float]) -> None:
        """Leave in Redis what a bot that finished these jobs of `model` would have
        learned (written by `jobs.durations.DurationBook`, as the bot writes it)."""
        assert self.redis is not None  # noqa: S101 (set by open)
        redis = create_redis(self.redis.url)
        try:
            book = DurationBook(redis, Keys())
            for value in seconds:
                await book.record(model, value)
            await book.flush()
        finally:
            await redis.aclose()

    def bot_api_calls(self) -> int:
        """Bot API calls the simulator answered so far, long polls left out."""
        calls = self.telegram.stats.calls
        return sum(n for method, n in calls.items() if method.lower() != "getupdates")

    async def start_kiebot(self) -> Child:
        child = Child("kiebot", _kiebot_args(), self.kiebot_env(), self.workdir)
        await self._start(child, self.telegram.token)
        return child

    async def start_echo(self) -> tuple[Child, str]:
        token = sim_token(7_000_000_001)
        self.telegram.add_bot(token, ECHO_USERNAME)
        env = base_env()
        env.update({"BENCH_ECHO_TOKEN": token, "BENCH_ECHO_API": self.telegram.url})
        child = Child("echo", ["-m", "kiebot.bench.echo"], env, self.workdir)
        await self._start(child, token)
        return child, token

    async def _start(self, child: Child, token: str) -> None:
        await child.start()
        kept = os.environ.get(KEEP_ENV)
        if kept:  # after the child stopped (the stack unwinds in reverse): keep its log
            self._stack.callback(_keep_log, child, Path(kept))
        self._stack.push_async_callback(child.stop)
        state = self.telegram.core.bots[token]
        try:
            await self.telegram.until(
                lambda: state.poll.current is not None or bool(state.webhook.url) or child.exited,
                READY_TIMEOUT_S,
            )
        except TimeoutError:
            raise RuntimeError(
                f"{child.name} did not start polling nor set a webhook:\n{child.log_tail()}"
            ) from None
        if child.exited:
            raise RuntimeError(f"{child.name} exited at start:\n{child.log_tail()}")
        await asyncio.sleep(0.2)  # let it settle (first getUpdates, dispatcher set-up)


def _kiebot_args() -> list[str]:
    """`kiebot run`, under cProfile when asked (see KEEP_ENV): the profile is written when
    the bot exits (the rig stops it with SIGTERM), for `python -m pstats`."""
    run = ["-m", "kiebot", "run"]
    directory = os.environ.get(KEEP_ENV)
    if not directory or os.environ.get(CPROFILE_ENV) != "1":
        return run
    Path(directory).mkdir(parents=True, exist_ok=True)
    out = Path(directory) / f"kiebot-{time.strftime('%H%M%S')}.prof"
    return ["-m", "cProfile", "-o", str(out), *run]


def _keep_log(child: Child, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{child.name}-{time.strftime('%H%M%S')}.log"
    target.write_bytes(child.log_path.read_bytes() if child.log_path.exists() else b"")
