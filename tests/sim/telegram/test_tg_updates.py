"""Update delivery: long polling, redelivery, conflicts, webhooks."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage

from kiebot.sim.telegram import SECRET_HEADER, SimUser, TelegramSimulator

from .conftest import WebhookReceiver, api

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def test_updates_are_redelivered_until_a_later_offset_confirms_them(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    first = sim.send_text(user, "one")
    sim.send_text(user, "two")
    assert first.update_id is not None
    batch = await bot.get_updates(timeout=0)
    assert [u.update_id for u in batch] == [first.update_id, first.update_id + 1]
    # A bot that dies here, before confirming, gets the same updates on restart.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [u.update_id for u in batch]
    confirmed = await bot.get_updates(offset=batch[0].update_id + 1, timeout=0)
    assert [u.message.text for u in confirmed if u.message] == ["two"]
    assert sim.pending_updates() == 1
    assert await bot.get_updates(offset=batch[-1].update_id + 1, timeout=0) == []
    assert sim.pending_updates() == 0


async def test_update_ids_increase_and_limit_and_negative_offset_work(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    ids = [sim.send_text(user, f"m{i}").update_id or 0 for i in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == ids[:2]
    last_two = await bot.get_updates(offset=-2, timeout=0)
    assert [u.update_id for u in last_two] == ids[3:]
    assert sim.pending_updates() == 2


async def test_long_poll_wakes_when_an_update_arrives(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await sim.until(lambda: sim.core.default_bot.poll.current is not None)
    sim.send_text(user, "wake up")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_second_poller_terminates_the_first_with_409(
    http: aiohttp.ClientSession, sim: TelegramSimulator, user: SimUser
) -> None:
    first = asyncio.create_task(api(http, sim, "getUpdates", timeout=30))
    await sim.until(lambda: sim.core.default_bot.poll.current is not None)
    second = asyncio.create_task(api(http, sim, "getUpdates", timeout=30))
    status, body = await asyncio.wait_for(first, 5)
    assert (status, body) == (409, {"ok": False, "error_code": 409, "description": TERMINATED})
    sim.send_text(user, "for the survivor")
    status, body = await asyncio.wait_for(second, 5)
    assert status == 200
    assert body["result"][0]["message"]["text"] == "for the survivor"


async def test_get_updates_while_webhook_is_set_is_a_conflict(
    http: aiohttp.ClientSession, sim: TelegramSimulator, receiver: WebhookReceiver
) -> None:
    status, body = await api(http, sim, "setWebhook", url=receiver.url)
    assert (status, body["description"]) == (200, "Webhook was set")
    status, body = await api(http, sim, "getUpdates")
    assert (status, body["description"]) == (409, WEBHOOK_ACTIVE)
    status, body = await api(http, sim, "deleteWebhook")
    assert body == {"ok": True, "result": True, "description": "Webhook was deleted"}
    status, body = await api(http, sim, "deleteWebhook")
    assert body["description"] == "Webhook is already deleted"
    assert (await api(http, sim, "getUpdates"))[0] == 200


async def test_set_webhook_ends_a_waiting_long_poll(
    http: aiohttp.ClientSession, sim: TelegramSimulator, receiver: WebhookReceiver
) -> None:
    poll = asyncio.create_task(api(http, sim, "getUpdates", timeout=30))
    await sim.until(lambda: sim.core.default_bot.poll.current is not None)
    await api(http, sim, "setWebhook", url=receiver.url)
    status, body = await asyncio.wait_for(poll, 5)
    assert (status, body["description"]) == (409, "Conflict: terminated by setWebhook request")


async def test_webhook_push_carries_the_secret_and_confirms_on_2xx(
    bot: Bot, sim: TelegramSimulator, user: SimUser, receiver: WebhookReceiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="s3cr3t_-token")
    sent = sim.send_text(user, "hook me")
    body = await asyncio.wait_for(receiver.arrived.get(), 5)
    assert body["update_id"] == sent.update_id
    assert body["message"]["text"] == "hook me"
    headers, _ = receiver.received[0]
    assert headers[SECRET_HEADER] == "s3cr3t_-token"
    await sim.until(lambda: sim.pending_updates() == 0)
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0


async def test_webhook_failures_are_retried_in_order_and_reported(
    bot: Bot, sim: TelegramSimulator, user: SimUser, receiver: WebhookReceiver
) -> None:
    receiver.fail_first = 2
    await bot.set_webhook(receiver.url)
    texts = ["first", "second", "third"]
    for text in texts:
        sim.send_text(user, text)
    got = [await asyncio.wait_for(receiver.arrived.get(), 5) for _ in texts]
    assert [u["message"]["text"] for u in got] == texts
    assert receiver.attempts == len(texts) + 2
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert sim.stats.webhook_failures == 2


async def test_webhook_to_a_closed_port_records_the_error(
    http: aiohttp.ClientSession, sim: TelegramSimulator, user: SimUser
) -> None:
    await api(http, sim, "setWebhook", url="http://127.0.0.1:9/hook")
    sim.send_text(user, "nobody home")
    await sim.until(lambda: sim.stats.webhook_failures > 0)
    _, body = await api(http, sim, "getWebhookInfo")
    assert body["result"]["last_error_message"] == "Connection refused"
    assert body["result"]["pending_update_count"] == 1


async def test_drop_pending_updates(
    bot: Bot, sim: TelegramSimulator, user: SimUser, receiver: WebhookReceiver
) -> None:
    sim.send_text(user, "stale")
    assert sim.pending_updates() == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert sim.pending_updates() == 0


async def test_a_webhook_reply_can_carry_a_method(
    sim: TelegramSimulator, user: SimUser, receiver: WebhookReceiver, bot: Bot
) -> None:
    receiver.reply = {"method": "sendMessage", "chat_id": user.id, "text": "answered inline"}
    await bot.set_webhook(receiver.url)
    sim.send_text(user, "hi")
    reply = await sim.wait_for(user.id, lambda m: m.text == "answered inline")
    assert reply.outgoing


async def test_allowed_updates_filter_new_updates(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    dropped = sim.send_text(user, "not wanted")
    assert dropped.update_id is None
    assert sim.stats.updates_dropped == 1
    await bot.get_updates(timeout=0, allowed_updates=[])
    assert sim.send_text(user, "wanted again").update_id is not None


async def test_block_sends_my_chat_member_kicked(
    bot: Bot, sim: TelegramSimulator, user: SimUser
) -> None:
    sim.send_text(user, "/start")
    sim.block_user(user.id)
    updates = await bot.get_updates(timeout=0)
    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    assert member.old_chat_member.status == "member"
    assert member.from_user.id == user.id


async def test_webhook_mode_with_aiogram_dispatcher(
    sim: TelegramSimulator, user: SimUser, bot: Bot, receiver: WebhookReceiver
) -> None:
    """Feed webhook bodies to an aiogram Dispatcher, as kiebot's web server will."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: object) -> SendMessage:
        return SendMessage(chat_id=user.id, text="via webhook")

    await bot.set_webhook(receiver.url)
    sim.send_text(user, "ping")
    body = await asyncio.wait_for(receiver.arrived.get(), 5)
    result = await dp.feed_raw_update(bot, body)
    assert isinstance(result, SendMessage)
    await bot(result)
    assert [m.text for m in sim.chat(user.id)] == ["via webhook"]


async def test_repeating_an_offset_quickly_waits_at_least_the_floor(
    http: aiohttp.ClientSession, sim: TelegramSimulator
) -> None:
    sim.config.repeat_poll_min_timeout = 0.2
    loop = asyncio.get_running_loop()
    await api(http, sim, "getUpdates", offset=5, timeout=0)
    started = loop.time()
    status, body = await api(http, sim, "getUpdates", offset=5, timeout=0)
    assert (status, body["result"]) == (200, [])
    assert loop.time() - started >= 0.15


async def test_set_webhook_rules(
    http: aiohttp.ClientSession, sim: TelegramSimulator, receiver: WebhookReceiver
) -> None:
    sim.config.webhook_require_https = True
    status, body = await api(http, sim, "setWebhook", url=receiver.url)
    assert (status, body["description"]) == (
        400,
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    )
    status, body = await api(http, sim, "setWebhook", url="https://example.com:8080/hook")
    assert body["description"] == (
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    sim.config.webhook_require_https = False
    bad_secret = await api(http, sim, "setWebhook", url=receiver.url, secret_token="a+b")
    assert bad_secret[1]["description"] == "Bad Request: secret token contains unallowed characters"
    sim.config.set_webhook_interval = 1.0
    assert (await api(http, sim, "setWebhook", url=receiver.url))[1]["result"] is True
    again = await api(http, sim, "setWebhook", url=receiver.url + "2")
    assert again == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )


async def test_until_times_out(sim: TelegramSimulator) -> None:
    with pytest.raises(TimeoutError):
        await sim.until(lambda: False, timeout=0.05)
