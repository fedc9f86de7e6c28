"""The four scenarios of the issue "job pipeline", item 12; targets as the issue sets them.

- burst: 300 users each send one prompt within 10 s; KIE limits as real; polling only.
- callbacks: the same with KIE callbacks on.
- scale: KIE limits 50x, 2,000 jobs in flight; RSS and CPU of the bot, reply latency.
- chat: 500 updates/s of /start and /balance from 5,000 users, against an echo bot.

Every scenario stops by itself: each wait has a deadline derived from its parameters.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass

from kiebot.bench.probe import KieProbe, TaskView, TelegramProbe
from kiebot.bench.procs import sample
from kiebot.bench.report import ScenarioResult, quantile
from kiebot.bench.rig import Rig, RigOptions
from kiebot.sim.telegram import SimUser

IMAGE_MODEL = "z-image"  # the catalog's default text-to-image model
MB = 1024 * 1024
USER_BASE = 6_000_000_000
PROBE_BASE = 8_000_000_000


def _users(count: int, base: int = USER_BASE) -> list[SimUser]:
    return [SimUser(id=base + i, first_name=f"U{i}", language_code="en") for i in range(count)]


def _prompt(index: int) -> str:
    return f"bench prompt {index}: a lighthouse on a cliff at dawn, oil painting"


async def _paced(count: int, seconds: float, action: Callable[[int], None]) -> None:
    """Call `action(i)` for i in 0..count-1, spread evenly over `seconds`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < count:
        due = min(count, int((loop.time() - start) / seconds * count) + 1) if seconds else count
        while sent < due:
            action(sent)
            sent += 1
        await asyncio.sleep(0.005)


def _create_utilisation(creates: list[float], limit: int, window: float) -> float:
    """Share of the create cap used while a backlog exists; NaN with too few creates.

    At the cap, the (i + limit)-th create comes exactly one window after the i-th (that
    is what "limit per window" allows), so the mean of `t[i + limit] - t[i]` over the run
    is the window stretched by however much the client left unused. The free burst of
    the first `limit` creates does not inflate it, as a plain count per second would.
    The burst's users all write within 10 s, far faster than 2 creates/s, so the backlog
    lasts until the last create.
    """
    gaps = [creates[i + limit] - creates[i] for i in range(len(creates) - limit)]
    return window / statistics.fmean(gaps) if gaps else math.nan


def _peak_in_flight(tasks: list[TaskView]) -> int:
    events = sorted([(t.created_at, 1) for t in tasks] + [(t.completed_at, -1) for t in tasks])
    peak = level = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def _delivery_delays(
    probe: TelegramProbe, users: list[SimUser], tasks: list[TaskView]
) -> list[float]:
    by_prompt = {t.prompt: t for t in tasks}  # a resubmitted job: its last task wins
    delays = []
    for index, user in enumerate(users):
        log = probe.chats.get(user.id)
        task = by_prompt.get(_prompt(index))
        if log is None or log.first_photo_at is None or task is None:
            continue
        delays.append(log.first_photo_at - task.completed_at)
    return delays


def _telegram_figures(result: ScenarioResult, rig: Rig) -> None:
    stats = rig.telegram.stats
    result.add("Telegram 429s answered", stats.responses_429)
    result.add("Telegram retry_after violations", stats.retry_after_violations, op="==", target=0)
    result.add("Telegram max messages in 1 s (all bots)", stats.max_rate_overall, "msg")


# --------------------------------------------------------------------------- burst


@dataclass(frozen=True, slots=True)
class BurstParams:
    users: int = 300
    spread_s: float = 10.0
    median_s: float = 15.0
    sigma: float = 0.4
    callbacks: bool = False

    def timeout_s(self) -> float:
        # creates at 2/s after the first 20, then the longest task, then deliveries
        return self.spread_s + max(self.users - 20, 0) / 2.0 + self.median_s * 4 + 120.0


async def burst(params: BurstParams, result: ScenarioResult) -> None:
    options = RigOptions(callbacks=params.callbacks, hmac_key="bench-hmac-key")
    async with AsyncExitStack() as stack:
        rig = await Rig.open(options, stack)
        rig.kie.set_model_duration(IMAGE_MODEL, params.median_s, params.sigma)
        kie_probe = KieProbe(rig.kie)
        bot = await rig.start_kiebot()
        probe = TelegramProbe(rig.telegram, rig.telegram.token)
        users = _users(params.users)
        cpu0 = bot.sample().cpu_s
        started = time.time()
        await _paced(
            params.users, params.spread_s, lambda i: probe.send(users[i], _prompt(i), "prompt")
        )
        all_in = await probe.wait_photos(params.users, params.timeout_s())
        elapsed = time.time() - started
        sample = bot.sample()
        await rig.kie.drain_callbacks()
        _burst_figures(result, rig, probe, kie_probe, users, params)
        result.add(
            "bot CPU per delivered job", (sample.cpu_s - cpu0) * 1000 / max(probe.photos, 1), "ms"
        )
        result.add("bot peak RSS", sample.peak_rss / MB, "MB")
        result.extra["all_delivered_before_deadline"] = all_in
        result.extra["seconds_to_last_delivery"] = elapsed
        result.extra["bot_exit_code"] = await bot.stop()


def _burst_figures(
    result: ScenarioResult,
    rig: Rig,
    probe: TelegramProbe,
    kie_probe: KieProbe,
    users: list[SimUser],
    params: BurstParams,
) -> None:
    tasks = kie_probe.tasks()
    totals = rig.kie.stats.totals
    result.add("jobs delivered", probe.photos, op=">=", target=params.users)
    result.add("KIE 429s answered", totals.rate_limited, op="==", target=0)
    creates = [t.created_at for t in tasks]
    limit, window = rig.options.kie_limits[0], rig.options.kie_limits[1]
    util = _create_utilisation(creates, limit, window)
    result.extra["create_offsets_s"] = [round(t - creates[0], 3) for t in creates]
    result.add("creates while backlog, share of the cap", util * 100, "%", ">=", 95)
    result.add("KIE max creates in any window", totals.max_creates_in_window, op="<=", target=limit)
    result.add(
        "KIE max reads in any window",
        totals.max_reads_in_window,
        op="<=",
        target=rig.options.kie_limits[2],
    )
    delays = _delivery_delays(probe, users, tasks)
    if params.callbacks:
        result.add("delivery delay p50", quantile(delays, 0.5), "s")
        result.add("delivery delay p95", quantile(delays, 0.95), "s", "<=", 1.0)
        result.add("KIE callbacks sent", totals.callbacks_sent)
        result.add("KIE callbacks failed", totals.callbacks_failed, op="==", target=0)
    else:
        result.add("delivery delay p50", quantile(delays, 0.5), "s", "<=", 5.0)
        result.add("delivery delay p95", quantile(delays, 0.95), "s", "<=", 15.0)
    result.add("delivery delay max", max(delays, default=math.nan), "s")
    reads = [float(t.reads) for t in tasks]
    result.add("state reads per job, median", quantile(reads, 0.5), op="<=", target=4)
    result.add("state reads per job, p90", quantile(reads, 0.9))
    result.add("state reads per job, mean (KIE counter / jobs)", totals.reads / max(len(tasks), 1))
    result.add("tasks created (KIE)", len(tasks))
    first = probe.latencies("prompt")
    result.add("prompt -> status message p50", quantile(first, 0.5), "s")
    result.add("prompt -> status message p99", quantile(first, 0.99), "s")
    _telegram_figures(result, rig)
    result.extra["delay_samples"] = len(delays)


# --------------------------------------------------------------------------- scale


@dataclass(frozen=True, slots=True)
class ScaleParams:
    jobs: int = 2000
    spread_s: float = 10.0
    median_s: float = 60.0
    sigma: float = 0.25
    probe_rate: float = 5.0
    echo_messages: int = 300
    # A bot in service knows how long its models take (it learns that from finished
    # jobs and keeps it in Redis across restarts), so its first check of a task comes
    # near the task's end. Without it, at a 60 s median against the catalog's 8 s guess,
    # every job is read every 2-3 s for its first 30 s: 12.7 reads per job instead of 3.
    learned_durations: int = 50

    def timeout_s(self) -> float:
        # status messages and photos are paced by Telegram's ~30 messages/s
        return self.spread_s + self.median_s * 3 + self.jobs * 3 / 25.0 + 60.0


@dataclass(frozen=True, slots=True)
class EchoBaseline:
    peak_rss: int
    latencies: list[float]
    cpu_ms_per_update: float  # how fast this machine is right now, for reading the rest


async def _echo_baseline(rig: Rig, messages: int) -> EchoBaseline:
    echo, token = await rig.start_echo()
    probe = TelegramProbe(rig.telegram, token)
    users = _users(messages, PROBE_BASE)
    # The first updates build aiogram's models (pydantic defers that to first use): the
    # CPU figure starts after them.
    warmup = min(30, messages // 2)
    await _paced(warmup, warmup / 25.0, lambda i: probe.send(users[i], "/start", "echo"))
    await probe.settle(15.0)
    cpu0 = echo.sample().cpu_s
    rest = messages - warmup
    await _paced(rest, rest / 25.0, lambda i: probe.send(users[warmup + i], "/start", "echo"))
    await probe.settle(15.0)
    sample = echo.sample()
    await echo.stop()
    cpu_ms = (sample.cpu_s - cpu0) * 1000 / max(rest, 1)
    return EchoBaseline(sample.peak_rss, probe.latencies("echo"), cpu_ms)


async def scale(params: ScaleParams, result: ScenarioResult) -> None:
    limits = (20 * 50, 10.0, 10 * 50, 1.0)
    # 2,000 prompts in 10 s need 2,000 first replies: at Telegram's real 30 messages/s that
    # is over a minute of queue for any bot, so "first reply p99 <= 100 ms meanwhile" can
    # only measure the bot if Telegram's overall limit is raised too (as chat does); the
    # per-chat limits stay real. docs/benchmark.md says so.
    env = {
        "KIEBOT_IMAGE_CONCURRENCY": str(params.jobs + 100),
        "KIEBOT_QUEUE_SIZE": str(params.jobs * 2),
        "KIEBOT_TELEGRAM_RATE": "100000",
    }
    async with AsyncExitStack() as stack:
        rig = await Rig.open(
            RigOptions(kie_limits=limits, bot_env=env, telegram_knobs=CHAT_KNOBS), stack
        )
        rig.kie.set_model_duration(IMAGE_MODEL, params.median_s, params.sigma)
        echo = await _echo_baseline(rig, params.echo_messages)
        kie_probe = KieProbe(rig.kie)
        rng = random.Random(1)  # the same durations in every run
        learned = [
            rng.lognormvariate(math.log(params.median_s), params.sigma)
            for _ in range(params.learned_durations)
        ]
        await rig.learned_durations(IMAGE_MODEL, learned)
        bot = await rig.start_kiebot()
        idle, trips0 = bot.sample(), await rig.redis_round_trips()
        calls0, by_method0 = rig.bot_api_calls(), dict(rig.telegram.stats.calls)
        probe = TelegramProbe(rig.telegram, rig.telegram.token)
        users = _users(params.jobs)
        probers = _users(1000, PROBE_BASE + 10_000)
        done = asyncio.Event()
        prober = asyncio.create_task(_probe_chat(probe, probers, params.probe_rate, done))
        await _paced(
            params.jobs, params.spread_s, lambda i: probe.send(users[i], _prompt(i), "prompt")
        )
        all_in = await probe.wait_photos(params.jobs, params.timeout_s())
        done.set()
        await prober
        await probe.settle(5.0)  # the last probe's reply may still be on its way
        end, trips = bot.sample(), await rig.redis_round_trips() - trips0
        calls = rig.bot_api_calls() - calls0
        tasks = kie_probe.tasks()
        result.add("jobs delivered", probe.photos, op=">=", target=params.jobs)
        result.add("KIE tasks in flight, peak", _peak_in_flight(tasks))
        result.add("KIE 429s answered", rig.kie.stats.totals.rate_limited, op="==", target=0)
        result.add("bare echo bot peak RSS", echo.peak_rss / MB, "MB")
        result.add("kiebot peak RSS", end.peak_rss / MB, "MB")
        result.add("kiebot idle RSS (after start)", idle.rss / MB, "MB")
        result.add(
            "kiebot peak RSS - echo peak RSS", (end.peak_rss - echo.peak_rss) / MB, "MB", "<=", 40
        )
        cpu_ms = (end.cpu_s - idle.cpu_s) * 1000 / max(probe.photos, 1)
        result.add("kiebot CPU per delivered job", cpu_ms, "ms", "<=", 10)
        # the chatting users' updates included, as in the CPU figure
        result.add("Redis round trips per delivered job", trips / max(probe.photos, 1))
        result.add("Bot API calls per delivered job", calls / max(probe.photos, 1))
        reads = rig.kie.stats.totals.reads
        result.add("KIE state reads per delivered job", reads / max(probe.photos, 1))
        result.extra["bot_api_calls_by_method"] = {
            method: n - by_method0.get(method, 0)
            for method, n in rig.telegram.stats.calls.items()
            if n > by_method0.get(method, 0)
        }
        side = probe.latencies("probe")
        result.add("update -> first reply p50 (/start, /balance)", quantile(side, 0.5) * 1000, "ms")
        result.add(
            "update -> first reply p99 (/start, /balance)",
            quantile(side, 0.99) * 1000,
            "ms",
            "<=",
            100,
        )
        result.add(
            "probe updates unanswered",
            sum(
                1
                for r in probe.chats
                if r >= PROBE_BASE and probe.chats[r].pending_since is not None
            ),
        )
        first = probe.latencies("prompt")
        result.add("prompt -> status message p50", quantile(first, 0.5), "s")
        result.add("prompt -> status message p99", quantile(first, 0.99), "s")
        result.add("echo bot update -> reply p50", quantile(echo.latencies, 0.5) * 1000, "ms")
        # The machine's speed varies between runs (a shared VM): the same code measured
        # 9.7 to 13.5 ms per job. The echo bot's CPU per update, measured just before,
        # tells a slow run from a regression.
        result.add("echo bot CPU per update (machine speed)", echo.cpu_ms_per_update, "ms")
        _telegram_figures(result, rig)
        result.extra["all_delivered_before_deadline"] = all_in
        result.extra["bot_exit_code"] = await bot.stop()


async def _probe_chat(
    probe: TelegramProbe, users: list[SimUser], rate: float, done: asyncio.Event
) -> None:
    """Users who only chat (/start, /balance) while the jobs run; one chat per send."""
    index = 0
    while not done.is_set():
        user = users[index % len(users)]
        probe.send(user, "/start" if index % 2 == 0 else "/balance", "probe")
        index += 1
        try:
            async with asyncio.timeout(1.0 / rate):
                await done.wait()
        except TimeoutError:
            pass


# ---------------------------------------------------------------------------- chat


@dataclass(frozen=True, slots=True)
class ChatParams:
    rate: float = 500.0
    users: int = 5000
    seconds: float = 20.0
    warmup_s: float = 2.0


CHAT_KNOBS = {"global_rate": 100_000.0, "global_burst": 100_000.0}


async def _chat_load(
    probe: TelegramProbe, users: list[SimUser], params: ChatParams, label: str
) -> None:
    count = int(params.rate * params.seconds)

    def send(i: int) -> None:
        rounds = i // len(users)
        probe.send(users[i % len(users)], "/start" if rounds % 2 == 0 else "/balance", label)

    await _paced(count, params.seconds, send)
    await probe.settle(10.0)


async def _chat_phase(
    params: ChatParams, probe: TelegramProbe, base: int
) -> tuple[list[float], int, float]:
    warm = ChatParams(params.rate, params.users, params.warmup_s)
    await _chat_load(probe, _users(params.users, base + 1_000_000), warm, "warm")
    cpu0, t0 = sample(os.getpid()).cpu_s, time.monotonic()
    await _chat_load(probe, _users(params.users, base), params, "load")
    own_load = (sample(os.getpid()).cpu_s - cpu0) / (time.monotonic() - t0)
    return probe.latencies("load"), probe.pending(), own_load


async def chat(params: ChatParams, result: ScenarioResult) -> None:
    async with AsyncExitStack() as stack:
        rig = await Rig.open(
            RigOptions(telegram_knobs=CHAT_KNOBS, bot_env={"KIEBOT_TELEGRAM_RATE": "100000"}),
            stack,
        )
        echo, token = await rig.start_echo()
        echo_probe = TelegramProbe(rig.telegram, token)
        e0 = echo.sample().cpu_s
        echo_lat, echo_lost, echo_load = await _chat_phase(params, echo_probe, USER_BASE)
        echo_cpu = echo.sample().cpu_s - e0
        await echo.stop()
        bot = await rig.start_kiebot()
        probe = TelegramProbe(rig.telegram, rig.telegram.token)
        c0, r0 = bot.sample().cpu_s, await rig.redis_round_trips()
        lat, lost, load = await _chat_phase(params, probe, USER_BASE)
        sample, trips = bot.sample(), await rig.redis_round_trips() - r0
        sent = int(params.rate * params.seconds)
        result.add("updates sent (measured phase)", sent)
        result.add("kiebot replies", len(lat), op=">=", target=sent)
        result.add("kiebot update -> reply p50", quantile(lat, 0.5) * 1000, "ms")
        result.add("kiebot update -> reply p99", quantile(lat, 0.99) * 1000, "ms", "<=", 50)
        result.add("echo update -> reply p50", quantile(echo_lat, 0.5) * 1000, "ms")
        result.add("echo update -> reply p99", quantile(echo_lat, 0.99) * 1000, "ms")
        ratio = quantile(lat, 0.5) / quantile(echo_lat, 0.5)
        result.add("p50 ratio kiebot / echo", ratio, op="<=", target=2)
        result.add("kiebot CPU per update", (sample.cpu_s - c0) * 1000 / max(len(lat), 1), "ms")
        result.add("echo CPU per update", echo_cpu * 1000 / max(len(echo_lat), 1), "ms")
        # warm-up included, as in the CPU figure: both per measured reply
        result.add("kiebot Redis round trips per update", trips / max(len(lat), 1))
        result.add("kiebot peak RSS", sample.peak_rss / MB, "MB")
        result.add("unanswered (kiebot / echo)", lost + echo_lost)
        result.add("bench process CPU (sims + users), echo phase", echo_load * 100, "%")
        result.add("bench process CPU (sims + users), kiebot phase", load * 100, "%")
        _telegram_figures(result, rig)
        result.extra["bot_exit_code"] = await bot.stop()


Scenario = Callable[[bool, ScenarioResult], Awaitable[None]]


def _burst(quick: bool, result: ScenarioResult, callbacks: bool) -> Awaitable[None]:
    if quick:
        params = BurstParams(users=60, spread_s=5.0, callbacks=callbacks)
    else:
        params = BurstParams(callbacks=callbacks)
    result.params = asdict(params)
    return burst(params, result)


def run_burst(quick: bool, result: ScenarioResult) -> Awaitable[None]:
    return _burst(quick, result, callbacks=False)


def run_callbacks(quick: bool, result: ScenarioResult) -> Awaitable[None]:
    return _burst(quick, result, callbacks=True)


def run_scale(quick: bool, result: ScenarioResult) -> Awaitable[None]:
    params = (
        ScaleParams(jobs=300, spread_s=5.0, median_s=20.0, echo_messages=100)
        if quick
        else ScaleParams()
    )
    result.params = asdict(params)
    return scale(params, result)


def run_chat(quick: bool, result: ScenarioResult) -> Awaitable[None]:
    params = (
        ChatParams(rate=200.0, users=1000, seconds=5.0, warmup_s=1.0) if quick else ChatParams()
    )
    result.params = asdict(params)
    return chat(params, result)


SCENARIOS: dict[str, Scenario] = {
    "burst": run_burst,
    "callbacks": run_callbacks,
    "scale": run_scale,
    "chat": run_chat,
}
