"""A Telegram Bot API simulator, written from the Bot API documentation alone.

It serves the real wire protocol (so aiogram talks to it unchanged), enforces the real
limits and refusals (flood control, sizes, parse errors, "message is not modified", ...),
and lets tests, the demo and the benchmark play the users. It imports nothing from the
rest of kiebot: a simulator built on the client's own models would share their mistakes.

    sim = TelegramSimulator(TelegramSimConfig(per_chat_rate=5))
    await sim.start()                      # sim.url -> KIEBOT_TELEGRAM_API_URL
    sim.send_text(SimUser(id=42, first_name="Ann"), "/start")
    reply = await sim.wait_for(42, lambda m: "Welcome" in (m.text or ""))

See docs/sim-telegram.md.
"""

from kiebot.sim.telegram.config import DEFAULT_TOKEN, SimChat, SimUser, TelegramSimConfig
from kiebot.sim.telegram.errors import ApiError
from kiebot.sim.telegram.incoming import InjectedMessage
from kiebot.sim.telegram.records import (
    CallbackQueryRecord,
    ChatActionRecord,
    MessageEdit,
    PreCheckoutRecord,
    SentMessage,
)
from kiebot.sim.telegram.simulator import BotInfo, TelegramSimulator
from kiebot.sim.telegram.stats import SimStats
from kiebot.sim.telegram.webhook import SECRET_HEADER

__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "ApiError",
    "BotInfo",
    "CallbackQueryRecord",
    "ChatActionRecord",
    "InjectedMessage",
    "MessageEdit",
    "PreCheckoutRecord",
    "SentMessage",
    "SimChat",
    "SimStats",
    "SimUser",
    "TelegramSimConfig",
    "TelegramSimulator",
]
