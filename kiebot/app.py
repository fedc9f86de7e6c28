"""The composition root: builds every part in one visible place, starts and stops them.

Start: logging, Redis (must answer, else exit 2), the store and billing, the catalog, the
KIE client, the Bot, delivery, the scheduler / poller / runner, the job service, the
Dispatcher, the admin server, recovery of unfinished jobs, then long polling.
Stop (SIGTERM/SIGINT): polling first (no new work), then in-flight jobs get a bounded
drain, then everything else closes in reverse order through one `AsyncExitStack`, so a
part is closed by whoever opened it and nothing is closed twice.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web
from loguru import logger
from redis.asyncio import Redis

from kiebot.account import AccountServices, Senders
from kiebot.billing import Billing
from kiebot.billing.usernames import Usernames
from kiebot.bot.account import publish_commands
from kiebot.bot.albums import AlbumCollector
from kiebot.bot.limits import LimitsMiddleware, UpdateGate, UpdateLimits
from kiebot.bot.middlewares import LogContextMiddleware, UserMiddleware
from kiebot.bot.payments import reconcile_payments
from kiebot.bot.refusals import RefusalGate
from kiebot.bot.results import ResultButtons
from kiebot.bot.rewards import LowBalanceNotifier, ReferralBonusNotice
from kiebot.bot.router import build_router
from kiebot.bot.status import StatusNotifier, fallback_finder
from kiebot.catalog import Catalog, load_catalog
from kiebot.catalog.switches import ModelSwitches
from kiebot.config import Settings
from kiebot.delivery import Delivery, Limit, Pacer, PacingLimits
from kiebot.delivery.session import BotSession
from kiebot.flows.surface import SurfaceServices
from kiebot.jobs import JobStore
from kiebot.jobs.durations import DurationBook
from kiebot.jobs.estimate import WaitEstimator
from kiebot.jobs.inputs import InputUploader
from kiebot.jobs.poller import Poller, PollSchedule
from kiebot.jobs.recovery import recover
from kiebot.jobs.runner import Runner
from kiebot.jobs.scheduler import ClassLimits, Scheduler
from kiebot.jobs.service import JobLimits, JobService
from kiebot.kie import Backoff, KeyPool, KieClient, create_kie_session
from kiebot.kie.budget import KeyRejectedHook
from kiebot.lifecycle import stop_event, tune_garbage_collector
from kiebot.logs import LogFile, Redactor, setup_logging
from kiebot.ops.activity import JobActivity
from kiebot.ops.health import HealthChecks
from kiebot.ops.metrics import Metrics
from kiebot.ops.recent_errors import RecentErrors
from kiebot.ops.runtime import (
    Operations,
    count_dropped,
    count_updates,
    instrument,
    start_operations,
)
from kiebot.ops.systemd import SystemdNotifier
from kiebot.payments import PaymentListener, Payments
from kiebot.payments.periodic import ReconcileLoop
from kiebot.rewards import RewardServices
from kiebot.store import Keys, Scripts, StoreUnavailable, create_redis, ensure_reachable
from kiebot.web.app import TELEGRAM_WEBHOOK_PATH, create_web_app
from kiebot.web.callbacks import callback_url
from kiebot.web.console import Console
from kiebot.web.credits import KieCredits
from kiebot.web.sessions import AdminSessions, LoginThrottle

EXIT_UNREACHABLE = 2
# Updates handled at once. Beyond it polling waits and the rest stay in Telegram's queue
# (not yet confirmed), instead of piling up as tasks that wait on the Redis pool until it
# times out: under overload, replies come later, none fail. Room for the handlers that
# wait on a chat's pacing (1 message/s) at 500 updates/s.
UPDATES_IN_HANDLING = 512


def create_bot(settings: Settings, token: str) -> Bot:
    session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_kie_client(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    metrics: Metrics | None = None,
    on_key_rejected: KeyRejectedHook | None = None,
) -> KieClient:
    session = create_kie_session(
        pool_size=settings.http_pool_size, timeout_s=settings.kie_timeout_s
    )
    stack.push_async_callback(session.close)
    pool = KeyPool(
        [k.get_secret_value() for k in settings.kie_api_keys],
        create_limit=settings.kie_create_limit,
        create_window_s=settings.kie_create_window_s,
        read_limit=settings.kie_read_limit,
        read_window_s=settings.kie_read_window_s,
        on_key_rejected=on_key_rejected,
    )
    return KieClient(
        session,
        pool,
        api_url=settings.kie_api_url,
        upload_url=settings.kie_upload_url,
        backoff=Backoff(max_attempts=settings.kie_max_attempts),
        metrics=metrics,
    )


async def open_redis(settings: Settings, stack: AsyncExitStack) -> Redis:
    redis = create_redis(
        settings.redis_url.get_secret_value(),
        pool_size=settings.redis_pool_size,
        timeout_s=settings.redis_timeout_s,
    )
    stack.push_async_callback(redis.aclose)
    await ensure_reachable(redis)
    return redis


@dataclass(slots=True)
class Process:
    """Every long-lived part of one kiebot process, built by `build_process`."""

    settings: Settings
    redis: Redis
    bot: Bot
    dispatcher: Dispatcher
    jobs: JobService
    store: JobStore
    billing: Billing
    scheduler: Scheduler
    poller: Poller
    metrics: Metrics
    admin_url: str
    payments: Payments
    operations: Operations
    surface: SurfaceServices


async def build_process(
    settings: Settings,
    redis: Redis,
    stack: AsyncExitStack,
    *,
    keys: Keys | None = None,
    poll_schedule: PollSchedule | None = None,
) -> Process:
    """Build and start everything but polling; `stack` stops it all in reverse.

    `poll_schedule` replaces KIE's advised check intervals; only tests pass one (a scaled
    schedule), so a generation of a fraction of a second is seen as fast as it ends.
    """
    keys = keys or Keys()
    scripts = Scripts(redis)
    billing = Billing(redis, keys, scripts, starting_credits=settings.starting_credits)
    metrics = Metrics()
    store = JobStore(redis, keys, scripts, metrics=metrics)
    catalog = load_catalog(settings.catalog_path)
    surface = SurfaceServices.build(redis, keys, catalog)
    # The alert hook binds late: the alerts are built with the other operations below.
    kie = create_kie_client(
        settings,
        stack,
        metrics=metrics,
        on_key_rejected=lambda k, why: ops.alerts.key_rejected(k, why),
    )
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    bot = create_bot(settings, token)
    stack.push_async_callback(bot.session.close)
    delivery = await _open_delivery(settings, bot, stack)
    rewards = RewardServices.build(
        redis, keys, scripts, billing,
        referral_bonus=settings.referral_bonus, low_balance=settings.low_balance,
    )  # fmt: skip
    referral_notice = ReferralBonusNotice(
        referrals=rewards.referrals, billing=billing, delivery=delivery
    )
    payments = build_payments(
        settings, redis, keys, scripts, billing, bot, listeners=[referral_notice]
    )
    parts = _build_jobs(
        settings, redis, keys, store, billing, catalog, kie, delivery, metrics, poll_schedule,
        rewards=rewards, surface=surface, bot=bot,
    )  # fmt: skip
    scheduler, poller, service = parts
    flows = surface.flows(service, delivery)
    usernames = Usernames(redis, keys)
    account = AccountServices.build(
        redis, keys, billing=billing, preferences=surface.preferences,  # one, for its cache
        spending=rewards.spending_caps, catalog=catalog, store=store, jobs=service,
        delivery=delivery,
        erasure_hooks=(surface.pending.forget, usernames.forget, rewards.referrals.forget),
    )  # fmt: skip
    console = build_console(
        settings, redis, keys, store, service, catalog, scheduler, kie,
        switches=surface.switches, usernames=usernames,
    )  # fmt: skip
    await console.errors.start()
    stack.push_async_callback(console.errors.aclose)
    _observe_scheduler(metrics, scheduler)
    dispatcher = build_dispatcher(
        settings, billing, catalog, service, delivery, payments, keys, scripts, rewards,
        usernames, account, surface=surface.workflow_data(flows), metrics=metrics,
    )  # fmt: skip
    await publish_commands(bot)
    instrument(bot, metrics)
    ops = await start_operations(
        settings, redis=redis, keys=keys, scripts=scripts, kie=kie, bot=bot,
        delivery=delivery, billing=billing, metrics=metrics, stack=stack,
    )  # fmt: skip
    dispatcher["broadcasts"], dispatcher["stats_reader"] = ops.broadcasts, ops.stats
    webhook = (dispatcher, bot) if settings.public_url else None
    admin_url = await _start_admin(
        settings, redis, billing, metrics, store, poller, stack, telegram=webhook,
        payments=payments, rewards=rewards, console=console, health=ops.health,
    )  # fmt: skip
    await _start_jobs(store, scheduler, poller, settings, stack)
    # Payments whose update was lost: a previous process's now, then every few minutes.
    await _start_reconciliation(payments, billing, delivery, stack)
    return Process(
        settings, redis, bot, dispatcher, service, store, billing, scheduler, poller, metrics,
        admin_url, payments=payments, operations=ops, surface=surface,
    )  # fmt: skip


def _observe_scheduler(metrics: Metrics, scheduler: Scheduler) -> None:
    """The gauges read the scheduler's counts at scrape time: nothing to keep in step."""
    for job_class in scheduler.job_classes:
        metrics.queue_depth.labels(job_class=job_class).set_function(
            partial(scheduler.queued, job_class)
        )
        metrics.in_flight.labels(job_class=job_class).set_function(
            partial(scheduler.in_flight, job_class)
        )


def _pacing(settings: Settings) -> PacingLimits:
    """Telegram's overall limit is about 30 messages/s; bots granted more (paid
    broadcasts, a local Bot API server) raise KIEBOT_TELEGRAM_RATE. The burst keeps the
    default's proportion, a little under the rate."""
    rate = settings.telegram_rate
    return PacingLimits(overall=Limit(rate=rate, burst=max(1.0, rate * 25 / 30)))


async def _open_delivery(settings: Settings, bot: Bot, stack: AsyncExitStack) -> Delivery:
    # One session for result media (KIE's CDN); the Bot has its own for Telegram.
    media = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=10, sock_read=60))
    stack.push_async_callback(media.close)
    delivery = Delivery(bot, media, Pacer(_pacing(settings)))
    stack.push_async_callback(delivery.aclose)
    return delivery


def _build_jobs(
    settings: Settings,
    redis: Redis,
    keys: Keys,
    store: JobStore,
    billing: Billing,
    catalog: Catalog,
    kie: KieClient,
    delivery: Delivery,
    metrics: Metrics,
    poll_schedule: PollSchedule | None,
    *,
    rewards: RewardServices,
    surface: SurfaceServices,
    bot: Bot,
) -> tuple[Scheduler, Poller, JobService]:
    # The scheduler and poller call back into the runner, built after them: the lambdas
    # bind late, which breaks the construction cycle without any mutable wiring.
    limits = {
        "image": ClassLimits(settings.queue_size, settings.image_concurrency),
        "video": ClassLimits(settings.queue_size, settings.video_concurrency),
    }
    scheduler = Scheduler(lambda job_id: runner.run(job_id), limits)
    durations = DurationBook(redis, keys)
    poller = Poller(
        kie,
        durations,
        lambda job_id, record: runner.on_result(job_id, record),
        on_error=lambda job_id, error: runner.on_error(job_id, error),
        schedule=poll_schedule,
    )
    status = StatusNotifier(
        delivery=delivery,
        billing=billing,
        store=store,
        catalog=catalog,
        position=lambda job: scheduler.position(job.job_class, job.job_id),
        estimate=WaitEstimator(
            scheduler, durations, catalog,
            concurrency={name: lim.concurrency for name, lim in limits.items()},
            creates_per_s=settings.kie_create_limit / settings.kie_create_window_s,
        ).wait_s,
        fallback=fallback_finder(catalog, surface.health),
    )  # fmt: skip
    # After a done job's status, the low-balance notice when one is due.
    notifier = LowBalanceNotifier(
        status, watch=rewards.low_balance, billing=billing, delivery=delivery
    )
    runner = Runner(
        store=store,
        kie=kie,
        catalog=catalog,
        poller=poller,
        durations=durations,
        delivery=delivery,
        notifier=notifier,
        metrics=metrics,
        callback_url=lambda job_id: callback_url(settings, job_id),
        uploader=InputUploader(bot, kie),
        health=surface.health,
        result_markup=ResultButtons(surface, catalog, billing),
    )
    service = JobService(
        store=store,
        billing=billing,
        catalog=catalog,
        scheduler=scheduler,
        runner=runner,
        notifier=notifier,
        limits=JobLimits(
            max_active_per_user=settings.max_active_per_user,
            rate_limit=settings.user_rate_limit,
            rate_window_s=settings.user_rate_window_s,
            max_queue=settings.queue_size,
        ),
    )
    return scheduler, poller, service


def build_payments(
    settings: Settings,
    redis: Redis,
    keys: Keys,
    scripts: Scripts,
    billing: Billing,
    bot: Bot,
    *,
    listeners: Sequence[PaymentListener] = (),
) -> Payments:
    """Listeners (`payment_received`) are told of every successful payment."""
    return Payments(
        redis,
        keys,
        scripts,
        billing,
        bot,
        packs=settings.credit_packs,
        plan=settings.subscription,
        listeners=listeners,
    )


def build_console(
    settings: Settings,
    redis: Redis,
    keys: Keys,
    store: JobStore,
    jobs: JobService,
    catalog: Catalog,
    scheduler: Scheduler,
    kie: KieClient,
    *,
    switches: ModelSwitches,
    usernames: Usernames,
) -> Console:
    """The admin console's services (`web.console`); the switches are the bot's own, so
    a model turned off on the page is refused by the very next message."""
    return Console(
        redis=redis,
        keys=keys,
        store=store,
        jobs=jobs,
        catalog=catalog,
        switches=switches,
        queues=scheduler,
        activity=JobActivity(redis, keys),
        credits=KieCredits(kie.get_credits),
        errors=RecentErrors(Redactor(settings.secrets()), redis, keys),
        usernames=usernames,
        sessions=AdminSessions(redis, keys),
        throttle=LoginThrottle(redis, keys),
    )


def build_dispatcher(
    settings: Settings,
    billing: Billing,
    catalog: Catalog,
    jobs: JobService,
    delivery: Delivery,
    payments: Payments,
    keys: Keys,
    scripts: Scripts,
    rewards: RewardServices,
    usernames: Usernames,
    account: AccountServices,
    *,
    metrics: Metrics,
    surface: Mapping[str, Any] | None = None,
) -> Dispatcher:
    """Shared objects go in once, as workflow data; handlers get them by parameter name."""
    dispatcher = Dispatcher(
        # Conversation state lives in Redis (`flows.PendingInputs`), so aiogram's FSM,
        # which would build a context per update for nothing, is off.
        disable_fsm=True,
        settings=settings,
        billing=billing,
        catalog=catalog,
        jobs=jobs,
        delivery=delivery,
        refusals=RefusalGate(),
        payments=payments,
        **rewards.workflow_data(),
        **account.workflow_data(),
        **(surface or {}),
        albums=AlbumCollector(),
    )
    count_updates(dispatcher, metrics)  # first: the updates the gate drops count too
    dispatcher.update.outer_middleware(LogContextMiddleware())
    # Bans and per-user flood limits, before anything reads or writes for the update.
    limits = UpdateLimits(settings.user_message_limit, settings.user_press_limit)
    senders = Senders(keys, scripts, account.languages, usernames)
    dispatcher.update.outer_middleware(
        LimitsMiddleware(
            UpdateGate(keys, scripts, limits),
            senders=senders,
            billing=billing,
            delivery=delivery,
            unlimited=settings.admin_ids,
            on_drop=count_dropped(metrics),
        )
    )
    dispatcher.update.middleware(UserMiddleware(senders))
    dispatcher.include_router(build_router())
    return dispatcher


async def _start_admin(
    settings: Settings,
    redis: Redis,
    billing: Billing,
    metrics: Metrics,
    store: JobStore,
    poller: Poller,
    stack: AsyncExitStack,
    *,
    telegram: tuple[Dispatcher, Bot] | None,
    payments: Payments,
    rewards: RewardServices,
    console: Console,
    health: HealthChecks,
) -> str:
    async def wake_task(task_id: str) -> bool:
        job_id = await store.job_for_task(task_id)
        return job_id is not None and poller.wake(job_id)

    app = create_web_app(
        settings=settings,
        redis=redis,
        billing=billing,
        metrics=metrics,
        wake_task=wake_task,
        telegram=telegram,
        payments=payments,
        promos=rewards.promos,
        console=console,
        health_checks=health,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    listen = settings.admin_listen
    site = web.TCPSite(runner, listen.host, listen.port)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else listen.port
    host = f"[{listen.host}]" if ":" in listen.host else listen.host
    return f"http://{host}:{port}"


async def _start_reconciliation(
    payments: Payments, billing: Billing, delivery: Delivery, stack: AsyncExitStack
) -> None:
    """The start-up pass, then the periodic one (docs/payments.md, Reconciliation)."""
    loop = ReconcileLoop(partial(reconcile_payments, payments, billing, delivery))
    await loop.run_once()
    loop.start()
    stack.push_async_callback(loop.stop)


async def _start_jobs(
    store: JobStore,
    scheduler: Scheduler,
    poller: Poller,
    settings: Settings,
    stack: AsyncExitStack,
) -> None:
    poll_task = asyncio.create_task(poller.run(), name="poller")

    async def stop_jobs() -> None:
        await scheduler.stop(settings.drain_timeout_s)
        await poller.stop()
        await asyncio.gather(poll_task, return_exceptions=True)

    stack.push_async_callback(stop_jobs)
    await recover(store, scheduler)
    scheduler.start()


async def run_app(settings: Settings) -> int:
    log_file = (
        LogFile(
            settings.data_dir / "logs" / "kiebot.log", retention_days=settings.log_retention_days
        )
        if settings.log_file
        else None
    )
    setup_logging(
        level=settings.log_level, json=settings.log_json, secrets=settings.secrets(), file=log_file
    )
    async with AsyncExitStack() as stack:
        # Entered first, so closed last: watchdog pings go on through the whole drain.
        systemd = await stack.enter_async_context(SystemdNotifier.from_environ(os.environ))
        try:
            redis = await open_redis(settings, stack)
        except StoreUnavailable as exc:
            print(f"kiebot: {exc} (KIEBOT_REDIS_URL)", file=sys.stderr)
            return EXIT_UNREACHABLE
        process = await build_process(settings, redis, stack)
        tune_garbage_collector()
        _announce(process)
        if settings.public_url:
            await start_webhook(process)
            systemd.ready()
            await stop_event().wait()
            logger.info("signal received: stopping")
        else:
            systemd.ready()
            await _poll_until_signalled(process.dispatcher, process.bot)
        systemd.stopping()
    logger.info("stopped")
    return 0


def _announce(process: Process) -> None:
    logger.info("admin server at {}", process.admin_url)
    token = process.settings.admin_token
    if process.settings.admin_token_generated and token is not None:
        # Printed, never logged: the log redactor would hide it, and logs are kept.
        print(f"kiebot: admin token for this run: {token.get_secret_value()}", file=sys.stderr)


async def start_webhook(process: Process) -> None:
    """Ask Telegram to push updates to our public URL (behind the reverse proxy).

    The webhook is left in place at stop: Telegram keeps the updates that arrive while we
    restart and delivers them when we answer again.
    """
    settings = process.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    url = f"{settings.public_url}{TELEGRAM_WEBHOOK_PATH}"
    await process.bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=process.dispatcher.resolve_used_update_types(),
    )
    logger.info("Telegram webhook set to {}", url)


async def _poll_until_signalled(dispatcher: Dispatcher, bot: Bot) -> None:
    # A webhook left from webhook mode would make Telegram refuse getUpdates (409).
    await bot.delete_webhook(drop_pending_updates=False)
    stop = stop_event()
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            tasks_concurrency_limit=UPDATES_IN_HANDLING,
        )
    )
    logger.info("polling Telegram for updates")
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not polling.done():
        logger.info("signal received: stopping")
        await dispatcher.stop_polling()
    stopped.cancel()
    await polling
