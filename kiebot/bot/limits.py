"""The gate every update of a user passes first: bans and per-user flood limits.

One place decides whether a user's update is handled at all, before anything else reads
or writes for it (the user middleware, the handlers):

- a banned user (`Billing.set_banned`, the `banned` field of the account) gets one polite
  reply a day and nothing of theirs is processed;
- a user may send `messages` messages and press `presses` buttons per sliding window
  (defaults 20 and 30 a minute, from the operator docs this product replaces; the 5
  generations a minute are counted where jobs are reserved, in `job_submit.lua`). Over
  the limit the update is dropped; a message gets at most one reply per window saying
  when to try again, a button press is always answered with the wait (a press left
  unanswered keeps the user's client spinning).

Payment updates pass untouched: a pre-checkout query must be answered within 10 s (the
payments handler refuses a banned user there, with its own words) and a successful
payment is money received that must be credited whoever sent it. Operators
(`KIEBOT_ADMIN_IDS`) are not flood-limited.

The state is in Redis (one Lua call per update, `update_gate.lua`), so the windows hold
across a restart, and an update Telegram delivers twice is counted once (the window's
members are update ids; an album's photos share their media group's id and count as one
message). The same call remembers the sender's language and username when the process
has not stored them yet (`account.Senders.unwritten`), which the user middleware would
otherwise do in a call of its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from loguru import logger

from kiebot.account.sender import SenderNote, Senders
from kiebot.billing import Billing
from kiebot.bot.texts import language_of, text
from kiebot.delivery import Delivery
from kiebot.store.keys import Keys
from kiebot.store.replies import text as as_text
from kiebot.store.scripts import Scripts

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Kind = Literal["message", "press"]
BANNED_REPLY_S = 86_400  # a banned user is told once a day


@dataclass(frozen=True, slots=True)
class UpdateLimits:
    messages: int = 20
    presses: int = 30
    window_s: float = 60.0

    def __post_init__(self) -> None:
        if self.messages < 1 or self.presses < 1 or self.window_s <= 0:
            raise ValueError("per-user limits must be at least 1 per a positive window")

    def of(self, kind: Kind) -> int:
        """Updates of this kind allowed per window."""
        return self.messages if kind == "message" else self.presses


@dataclass(frozen=True, slots=True)
class Verdict:
    """`outcome` ok: handle it. banned / limited: drop it, and reply only when `tell`.
    `sender`: the (language, choice) the script wrote for the sender's note, if given."""

    outcome: Literal["ok", "banned", "limited"]
    tell: bool = False
    retry_after: float = 0.0
    sender: tuple[str, str] | None = None


class UpdateGate:
    """The Redis side of the gate: one atomic check-and-count per update."""

    def __init__(
        self,
        keys: Keys,
        scripts: Scripts,
        limits: UpdateLimits,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._scripts = scripts
        self._limits = limits
        self._clock = clock

    async def check(
        self,
        user_id: int,
        kind: Kind,
        member: str,
        *,
        limited: bool = True,
        sender: SenderNote | None = None,
    ) -> Verdict:
        """Count the update (`member`: its id) and say whether to handle it; with
        `sender`, an update let through also has its sender remembered, in the same call."""
        k = self._keys
        keys = [k.user(user_id), k.flood(user_id, kind), k.flood_told(user_id, kind)]
        keys.append(k.banned_told(user_id))
        limit = self._limits.of(kind) if limited else 0
        window = self._limits.window_s
        args = [repr(self._clock()), member, str(limit), repr(window), str(BANNED_REPLY_S)]
        if sender is not None:
            keys.extend(sender.keys)
            args.extend(sender.args)
        reply: list[Any] = await self._scripts.update_gate(keys=keys, args=args)
        if reply[0] == "banned":
            return Verdict("banned", tell=int(reply[1]) == 1)
        if reply[0] == "limited":
            return Verdict("limited", tell=int(reply[2]) == 1, retry_after=float(reply[1]))
        if len(reply) == 3:
            return Verdict("ok", sender=(as_text(reply[1]), as_text(reply[2])))
        return Verdict("ok")


def classify(update: Update) -> tuple[Kind, str] | None:
    """The kind of a user's update and the id it is counted by; None: let it pass
    untouched (payments, see the module doc; and what a user does not send to be
    answered, such as blocking the bot)."""
    if update.pre_checkout_query is not None:
        return None
    message = update.message or update.edited_message
    if message is not None:
        if message.successful_payment is not None or message.refunded_payment is not None:
            return None
        if message.media_group_id:
            return "message", f"album:{message.media_group_id}"
        return "message", str(update.update_id)
    if update.callback_query is not None:
        return "press", str(update.update_id)
    return None


class LimitsMiddleware(BaseMiddleware):
    """Outer middleware on updates: runs before routing and before the user middleware."""

    def __init__(
        self,
        gate: UpdateGate,
        *,
        senders: Senders,
        billing: Billing,
        delivery: Delivery,
        unlimited: frozenset[int] = frozenset(),
        on_drop: Callable[[str], None] | None = None,
    ) -> None:
        self._gate = gate
        self._senders = senders
        self._billing = billing
        self._delivery = delivery
        self._unlimited = unlimited
        self._on_drop = on_drop  # told the reason (banned, limited): the metrics count it

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update):
            return await handler(event, data)
        counted = classify(event)
        if counted is None:
            return await handler(event, data)
        kind, member = counted
        limited = user.id not in self._unlimited
        note = self._senders.unwritten(user.id, user.language_code, user.username)
        verdict = await self._gate.check(user.id, kind, member, limited=limited, sender=note)
        if verdict.outcome == "ok":
            if note is not None and verdict.sender is not None:
                self._senders.written(note, *verdict.sender)
            return await handler(event, data)
        logger.info("{} dropped: {}", kind, verdict.outcome)
        if self._on_drop is not None:
            self._on_drop(verdict.outcome)
        await self._answer(event, user, verdict, data["bot"])
        return None

    async def _answer(self, update: Update, user: User, verdict: Verdict, bot: Bot) -> None:
        query = update.callback_query
        if query is None and not verdict.tell:
            return  # told already: this window (flood) or today (banned)
        language = await self._billing.language(user.id, language_of(user.language_code))
        key = _REPLIES[verdict.outcome, "press" if query is not None else "message"]
        reply = text(key, language, retry_after=max(1, math.ceil(verdict.retry_after)))
        if query is not None:
            # Always answered, or the user's client keeps spinning; a banned user's words
            # still come once a day.
            shown = reply if verdict.outcome == "limited" or verdict.tell else None
            await bot.answer_callback_query(query.id, text=shown, show_alert=shown is not None)
            return
        message = update.message or update.edited_message
        if message is not None:
            await self._delivery.send_text(message.chat.id, reply)


_REPLIES = {
    ("limited", "message"): "limits.messages",
    ("limited", "press"): "limits.presses",
    ("banned", "message"): "limits.banned",
    ("banned", "press"): "limits.banned",
}
