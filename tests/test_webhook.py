"""Webhook mode: with KIEBOT_PUBLIC_URL, Telegram pushes updates to /telegram/webhook."""

from __future__ import annotations

from contextlib import AsyncExitStack

import aiohttp
from redis.asyncio import Redis

from kiebot.app import build_process, start_webhook
from kiebot.config import load_settings
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator
from tests.support.redis_server import free_port

SECRET = "webhook_secret_123"


async def test_updates_arrive_by_webhook_and_forged_ones_are_refused(
    telegram: TelegramSimulator, kie: KieSimulator, redis: Redis
) -> None:
    port = free_port()
    settings = load_settings(
        {
            "KIEBOT_BOT_TOKEN": telegram.token,
            "KIEBOT_TELEGRAM_API_URL": telegram.url,
            "KIEBOT_KIE_API_KEY": ",".join(kie.config.keys),
            "KIEBOT_KIE_API_URL": kie.url,
            "KIEBOT_KIE_UPLOAD_URL": kie.url,
            "KIEBOT_ADMIN_LISTEN": f"127.0.0.1:{port}",
            "KIEBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "KIEBOT_WEBHOOK_SECRET": SECRET,
        }
    )
    async with AsyncExitStack() as stack:
        process = await build_process(settings, redis, stack)
        await start_webhook(process)
        assert telegram.webhook_url() == f"http://127.0.0.1:{port}/telegram/webhook"
        user = SimUser(id=2**35, first_name="Wei", language_code="en")
        telegram.send_text(user, "/start")
        greeting = await telegram.wait_for(user.id, lambda m: bool(m.text), timeout=10)
        assert greeting.text is not None
        assert greeting.text.startswith("Hi, Wei!")
        forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                  "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": False,
                  "first_name": "Mallory"}}}  # fmt: skip
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            async with session.post(url, json=forged) as reply:
                assert reply.status == 401
            headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with session.post(url, json=forged, headers=headers) as reply:
                assert reply.status == 401
        assert telegram.chat(1) == []
