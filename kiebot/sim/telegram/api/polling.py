"""getUpdates (long polling), setWebhook, deleteWebhook, getWebhookInfo.

One bot has one consumer of updates. A long poll that finds nothing waits until an update
arrives or its timeout ends; a second long poll ends the first with 409 "terminated by
other getUpdates request", and setWebhook ends it with "terminated by setWebhook request".
While a webhook is set, getUpdates is refused with 409. Like the real server, conflicts
are answered at most once per `conflict_repeat_delay`, later ones after that delay, and a
poll that repeats its offset within 3 seconds with a short timeout is made to wait at
least 3 seconds, so a bot spinning on getUpdates does not spin the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

from yarl import URL

from kiebot.sim.telegram.api.common import Handler
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.errors import (
    TERMINATED_BY_GET_UPDATES,
    TERMINATED_BY_SET_WEBHOOK,
    WEBHOOK_ACTIVE,
    ApiError,
    bad_request,
    conflict,
    too_many_requests,
)
from kiebot.sim.telegram.state import BotState, PollWaiter
from kiebot.sim.telegram.webhook import restart_pusher, stop_pusher

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]*$")
_WEBHOOK_PORTS = (80, 88, 443, 8443)


async def conflict_answer(call: Call, description: str) -> ApiError:
    """A 409, delayed when another conflict was answered moments ago."""
    poll = call.bot.poll
    now = call.core.clock()
    if now < poll.next_conflict:
        await asyncio.sleep(call.core.config.conflict_repeat_delay)
    else:
        poll.next_conflict = now + call.core.config.conflict_repeat_delay
    return conflict(description)


def abort_long_poll(bot: BotState, reason: str) -> None:
    """End the waiting getUpdates, if any, with a 409 `reason`."""
    if bot.poll.current is not None:
        bot.poll.current.aborted = reason
        bot.poll.current = None
        bot.updates.changed.notify()


def _poll_timeout(call: Call, offset: int) -> float:
    """The long-poll timeout, clamped, with the server's anti-spin floor applied."""
    config = call.core.config
    timeout = min(max(call.params.integer("timeout"), 0), config.long_poll_max)
    poll, now = call.bot.poll, call.core.clock()
    repeat = offset == poll.previous_offset and now < poll.previous_start + 3.0
    if repeat and timeout < config.repeat_poll_min_timeout:
        timeout = config.repeat_poll_min_timeout
    poll.previous_offset, poll.previous_start = offset, now
    return float(timeout)


async def get_updates(call: Call) -> Answer:
    bot = call.bot
    if bot.webhook.url:
        raise await conflict_answer(call, WEBHOOK_ACTIVE)
    offset = call.params.integer("offset")
    limit = min(max(call.params.integer("limit", 100), 1), 100)
    bot.updates.set_allowed(call.params.json_value("allowed_updates", "allowed updates"))
    timeout = _poll_timeout(call, offset)
    bot.updates.confirm_for_offset(offset)
    found = bot.updates.peek(limit)
    if found or timeout <= 0 or call.core.closing:
        return Answer([update.body for update in found])
    return await _long_poll(call, limit, timeout)


async def _long_poll(call: Call, limit: int, seconds: float) -> Answer:
    bot, core = call.bot, call.core
    abort_long_poll(bot, TERMINATED_BY_GET_UPDATES)
    waiter = PollWaiter()
    bot.poll.current = waiter
    core.touch()
    deadline = core.clock() + seconds
    try:
        while True:
            event = bot.updates.changed.snapshot()
            if waiter.aborted is not None:
                raise await conflict_answer(call, waiter.aborted)
            found = bot.updates.peek(limit)
            remaining = deadline - core.clock()
            if found or remaining <= 0 or core.closing:
                return Answer([update.body for update in found])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
    finally:
        if bot.poll.current is waiter:
            bot.poll.current = None


def _check_webhook_url(call: Call, raw: str) -> None:
    try:
        url = URL(raw)
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise bad_request("invalid webhook URL specified")
    if call.core.config.webhook_require_https:
        if url.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if url.port not in _WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )


def _secret_token(call: Call) -> str:
    secret = call.params.text("secret_token")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    return secret


def _throttle_set_webhook(call: Call) -> None:
    """The server accepts one new webhook URL a second; faster is 429 retry after 1."""
    hook, now = call.bot.webhook, call.core.clock()
    if now < hook.next_set_allowed:
        call.core.stats.responses_429 += 1
        raise too_many_requests(1)
    hook.next_set_allowed = now + call.core.config.set_webhook_interval


async def set_webhook(call: Call) -> Answer:
    """setWebhook and deleteWebhook (the latter is setWebhook with no URL)."""
    bot, core = call.bot, call.core
    url = call.params.text("url") if call.method == "setWebhook" else ""
    if url:
        _throttle_set_webhook(call)
    secret = _secret_token(call) if url else ""
    max_connections = min(max(call.params.integer("max_connections", 40), 1), 100)
    drop = call.params.flag("drop_pending_updates")
    hook = bot.webhook
    if not drop and (url, secret, max_connections) == (
        hook.url,
        hook.secret_token,
        hook.max_connections if hook.url else max_connections,
    ):
        bot.updates.set_allowed(call.params.json_value("allowed_updates", "allowed updates"))
        return Answer(True, "Webhook is already set" if url else "Webhook is already deleted")
    if url:
        _check_webhook_url(call, url)
        abort_long_poll(bot, TERMINATED_BY_SET_WEBHOOK)
    was_set = bool(hook.url)
    if drop:
        bot.updates.clear()
    hook.url, hook.secret_token, hook.max_connections = url, secret, max_connections
    hook.ip_address = call.params.text("ip_address") if url else ""
    hook.last_error_date, hook.last_error_message = 0, ""
    bot.updates.set_allowed(call.params.json_value("allowed_updates", "allowed updates"))
    await restart_pusher(core, bot)
    if url:
        return Answer(True, "Webhook was set")
    return Answer(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


async def get_webhook_info(call: Call) -> Answer:
    hook = call.bot.webhook
    info: dict[str, object] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.updates),
    }
    if hook.last_error_date:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    if hook.url:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
    if call.bot.updates.allowed is not None:
        info["allowed_updates"] = sorted(call.bot.updates.allowed)
    return Answer(info)


UPDATE_METHODS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": set_webhook,
    "getWebhookInfo": get_webhook_info,
}

__all__ = ["UPDATE_METHODS", "abort_long_poll", "stop_pusher"]
