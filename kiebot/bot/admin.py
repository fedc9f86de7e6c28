"""The operators' commands in the bot: `/stats`, `/grant`, `/broadcast`.

Only for `KIEBOT_ADMIN_IDS`: for anyone else the filter does not match, the command falls
through to the catch-all like any unknown command, and nothing hints that it exists.

The router also follows `my_chat_member` for everyone: a user who blocks the bot is
marked so that broadcasts skip them, and unmarked when they unblock it.
"""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import ChatMemberUpdated, Message

from kiebot.billing import Billing
from kiebot.bot.texts import text
from kiebot.config import Settings
from kiebot.delivery import Delivery
from kiebot.ops.broadcast import Broadcasts, BroadcastUsage
from kiebot.ops.grants import grant
from kiebot.ops.stats import StatsReader


class IsAdmin(Filter):
    """The sender is one of `KIEBOT_ADMIN_IDS` (from the settings in workflow data)."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        user = message.from_user
        return user is not None and user.id in settings.admin_ids


def build_admin_router() -> Router:
    router = Router(name="admin")
    router.message.register(stats, Command("stats"), IsAdmin())
    router.message.register(grant_credits, Command("grant"), IsAdmin())
    router.message.register(broadcast, Command("broadcast"), IsAdmin())
    router.my_chat_member.register(membership)
    return router


async def stats(
    message: Message, stats_reader: StatsReader, delivery: Delivery, language: str
) -> None:
    figures = await stats_reader.read()
    none = text("admin.stats.none", language)
    reply = text(
        "admin.stats",
        language,
        users=figures.users,
        new_today=figures.new_today,
        blocked=figures.blocked,
        jobs_today=_counts(figures.jobs_today) or none,
        queued=_counts(figures.queued) or none,
        in_flight=_counts(figures.in_flight) or none,
        revenue_today=figures.revenue_today,
        revenue_week=figures.revenue_week,
    )
    await delivery.send_text(message.chat.id, reply)


async def grant_credits(
    message: Message, command: CommandObject, billing: Billing, delivery: Delivery, language: str
) -> None:
    if message.from_user is None:  # IsAdmin has checked; this narrows the type
        return
    done = await grant(
        billing,
        admin_id=message.from_user.id,
        args=command.args,
        op_key=f"tg:{message.chat.id}:{message.message_id}",
    )
    reply = text(
        "admin.grant.done",
        language,
        amount=done.amount,
        user_id=done.user_id,
        reason=escape(done.reason),
        balance=done.balance,
    )
    await delivery.send_text(message.chat.id, reply)


async def broadcast(message: Message, broadcasts: Broadcasts, language: str) -> None:
    """The text after the command, or the text message it replies to (formatting kept)."""
    await broadcasts.start(
        admin_chat=message.chat.id, message=_broadcast_text(message), language=language
    )


async def membership(event: ChatMemberUpdated, broadcasts: Broadcasts) -> None:
    if event.chat.type != "private":
        return
    await broadcasts.membership_changed(
        event.from_user.id, blocked=event.new_chat_member.status == "kicked"
    )


def _broadcast_text(message: Message) -> str:
    reply = message.reply_to_message
    if reply is not None and reply.text:
        return reply.html_text
    # html_text keeps the admin's formatting; the command itself is its first word.
    parts = message.html_text.split(maxsplit=1)
    if len(parts) < 2:
        raise BroadcastUsage()
    return parts[1]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
