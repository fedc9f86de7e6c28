"""Playing a user through the account screens."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from kiebot.jobs import Job
from kiebot.sim.telegram import SentMessage, SimUser
from tests.e2e.harness import Harness


async def generate(harness: Harness, user: SimUser, prompts: list[str]) -> list[Job]:
    """Run one generation per prompt, each to its end; the user's jobs, oldest first."""
    for prompt in prompts:
        after = harness.last_id(user)
        harness.telegram.send_text(user, prompt)
        status = await harness.next_message(user, after, lambda m: _is_status(m.text or ""))
        await harness.wait_text(user, status.message_id, _ended)
    jobs = await harness.jobs_of(user)
    assert all(job.is_final for job in jobs)
    return jobs


def _is_status(text: str) -> bool:
    """A job's status message (not a notice sent meanwhile, like the low balance one)."""
    return text.startswith(("⏳", "🎨", "📤", "✅", "❌"))


def _ended(text: str) -> bool:
    return text.startswith(("✅", "❌", "Cancelled", "Отменено"))


def labels(message: SentMessage) -> list[str]:
    return [str(button["text"]) for button in message.buttons()]


async def press(harness: Harness, user: SimUser, message: SentMessage, label: str) -> str:
    """Press the button with this label; the callback query id."""
    return harness.telegram.press_button(user, message.message_id, text=label)


async def press_then_edit(
    harness: Harness, user: SimUser, message: SentMessage, label: str
) -> tuple[str, SentMessage]:
    """Press the button with this label and wait until the message shows another text
    (the simulator's record is live: the text is read before the press). The callback
    query id and the message."""
    before = message.text or ""
    query = harness.telegram.press_button(user, message.message_id, text=label)
    shown = await harness.wait_text(user, message.message_id, lambda t: t != before)
    return query, shown


async def press_data_then_edit(
    harness: Harness, user: SimUser, message: SentMessage, data: str
) -> tuple[str, SentMessage]:
    before = message.text or ""
    query = harness.telegram.press_button(user, message.message_id, data)
    shown = await harness.wait_text(user, message.message_id, lambda t: t != before)
    return query, shown


async def leftover_button(harness: Harness, user: SimUser, *data: str) -> SentMessage:
    """A message in the user's chat with one button per `data`, as a forged client (or
    an old version of the bot) would leave: the way to press made-up data. Sent straight
    through the Bot, so one such message per test and chat (Telegram's flood limit)."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d)] for d in data]
    )
    sent = await harness.running.bot.send_message(user.id, "leftover", reply_markup=markup)
    messages = harness.telegram.chat(user.id)
    return next(m for m in messages if m.message_id == sent.message_id)
