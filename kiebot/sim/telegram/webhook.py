"""Pushing updates to a bot's webhook, the way the Bot API does.

Each update is POSTed as JSON, with `X-Telegram-Bot-Api-Secret-Token` when the bot set a
secret. Only a 2xx answer confirms it; anything else (an error status, a redirect, a
refused connection, a timeout) is recorded in getWebhookInfo's `last_error_*` and the same
update is retried with growing delays. Up to `max_connections` updates are in flight at
once, but never two of one chat, so each chat sees its updates in order. A 2xx answer may
carry a method call in its JSON body, which is executed as the real server executes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from kiebot.sim.telegram.core import SimCore
from kiebot.sim.telegram.errors import ApiError
from kiebot.sim.telegram.params import Params
from kiebot.sim.telegram.state import BotState
from kiebot.sim.telegram.updates import PendingUpdate

_SELF_REPLACING = frozenset({"setwebhook", "deletewebhook"})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class WebhookPusher:
    """Delivers one bot's pending updates to one webhook URL until stopped."""

    def __init__(self, core: SimCore, bot: BotState) -> None:
        self._core = core
        self._bot = bot
        self._url = bot.webhook.url
        self._secret = bot.webhook.secret_token
        self._slots = asyncio.Semaphore(bot.webhook.max_connections)
        self._busy_chats: set[int] = set()
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._track(self._core.spawn(self._run()))

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        queue = self._bot.updates
        while True:
            event = queue.changed.snapshot()
            update = self._next()
            if update is None:
                await event.wait()
                continue
            await self._slots.acquire()
            self._busy_chats.add(update.chat_key)
            self._in_flight.add(update.update_id)
            self._track(self._core.spawn(self._deliver(update)))

    def _next(self) -> PendingUpdate | None:
        """The oldest update that is not in flight and whose chat is not busy."""
        for update in self._bot.updates.view():
            if update.update_id not in self._in_flight and update.chat_key not in self._busy_chats:
                return update
        return None

    async def _deliver(self, update: PendingUpdate) -> None:
        config = self._core.config
        delay = config.webhook_retry_initial
        try:
            while self._still_pending(update):
                if await self._post(update):
                    self._bot.updates.remove(update.update_id)
                    self._core.stats.updates_delivered += 1
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, config.webhook_retry_max)
        finally:
            self._core.touch()
            self._busy_chats.discard(update.chat_key)
            self._in_flight.discard(update.update_id)
            self._slots.release()
            self._bot.updates.changed.notify()

    def _still_pending(self, update: PendingUpdate) -> bool:
        return update.update_id in self._bot.updates

    async def _post(self, update: PendingUpdate) -> bool:
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers[SECRET_HEADER] = self._secret
        timeout = aiohttp.ClientTimeout(total=self._core.config.webhook_timeout)
        body = json.dumps(update.body, ensure_ascii=False).encode()
        try:
            async with self._core.http().post(
                self._url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    reply = await response.read()
                    await self._run_reply(response.content_type, reply)
                    return True
                self._failed(
                    f"Wrong response from the webhook: {response.status} {response.reason}"
                )
        except TimeoutError:
            self._failed("Timeout expired")
        except aiohttp.ClientConnectorError:
            self._failed("Connection refused")
        except aiohttp.ClientError as exc:
            self._failed(f"Failed to send the update: {type(exc).__name__}")
        return False

    def _failed(self, message: str) -> None:
        self._bot.webhook.last_error_date = self._core.now_date()
        self._bot.webhook.last_error_message = message
        self._core.stats.webhook_failures += 1
        self._core.touch()

    async def _run_reply(self, content_type: str, body: bytes) -> None:
        """Execute a method the bot put in its webhook answer; its result goes nowhere."""
        if content_type != "application/json" or self._core.dispatcher is None:
            return
        with contextlib.suppress(ValueError):
            reply = json.loads(body)
            method = reply.pop("method", None) if isinstance(reply, dict) else None
            # Changing the webhook from inside its own delivery would cancel that delivery.
            if isinstance(method, str) and method.lower() not in _SELF_REPLACING:
                with contextlib.suppress(ApiError):
                    await self._core.dispatcher(self._bot, method, Params.from_json_object(reply))


async def stop_pusher(core: SimCore, bot: BotState) -> None:
    pusher = core.pushers.pop(bot.token, None)
    if isinstance(pusher, WebhookPusher):
        await pusher.stop()


async def restart_pusher(core: SimCore, bot: BotState) -> None:
    """Replace the bot's pusher with one for its current webhook settings."""
    await stop_pusher(core, bot)
    if bot.webhook.url:
        pusher = WebhookPusher(core, bot)
        core.pushers[bot.token] = pusher
        pusher.start()
