"""`TelegramSimulator`: the Bot API simulator as one object, for tests, demo and benchmark.

It serves the Bot API over HTTP (point aiogram at `sim.url`) and offers the same control
as the HTTP control API directly in Python: play users (`send_text`, `send_photo`,
`press_button`, `block_user`, ...), read what the bot did (`chat`, `wait_for`, `stats`)
and change knobs (`sim.config`). Methods that take `bot=` / `token=` address a bot added
with `add_bot`; without them they address the default bot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from kiebot.sim.telegram import incoming
from kiebot.sim.telegram.api import make_dispatcher
from kiebot.sim.telegram.api.payments import renew_subscription
from kiebot.sim.telegram.config import SimChat, SimUser, TelegramSimConfig
from kiebot.sim.telegram.core import SimCore
from kiebot.sim.telegram.incoming import InjectedMessage
from kiebot.sim.telegram.records import (
    CallbackQueryRecord,
    ChargeRecord,
    ChatActionRecord,
    SentMessage,
    StarSubscriptionRecord,
)
from kiebot.sim.telegram.server import build_app
from kiebot.sim.telegram.state import BotState
from kiebot.sim.telegram.stats import SimStats
from kiebot.sim.telegram.webhook import stop_pusher


@dataclass(frozen=True)
class BotInfo:
    """A simulated bot's identity."""

    token: str
    id: int
    username: str
    first_name: str


class TelegramSimulator:
    """A Telegram Bot API server on loopback, with a control API to play the users."""

    def __init__(
        self,
        config: TelegramSimConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._core = SimCore(config or TelegramSimConfig(), clock)
        self._core.dispatcher = make_dispatcher(self._core)
        self._runner: web.AppRunner | None = None
        self._url = ""

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (0 picks a free port); `url` is then the API base."""
        if self._runner is not None:
            msg = "already started"
            raise RuntimeError(msg)
        self._core.closing = False
        self._core.session = aiohttp.ClientSession()
        runner = web.AppRunner(build_app(self._core), handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self._url = f"http://{_url_host(str(bound_host))}:{bound_port}"

    async def close(self) -> None:
        """Stop serving: end long polls, stop webhook pushers and every background task."""
        core = self._core
        core.closing = True
        for bot in core.bots.values():
            bot.updates.changed.notify()
            await stop_pusher(core, bot)
        await core.cancel_tasks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if core.session is not None:
            await core.session.close()
            core.session = None

    async def __aenter__(self) -> TelegramSimulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ---------------------------------------------------------------- identity

    @property
    def url(self) -> str:
        """The Bot API base URL (`KIEBOT_TELEGRAM_API_URL`), e.g. http://127.0.0.1:PORT."""
        if not self._url:
            msg = "the simulator is not started"
            raise RuntimeError(msg)
        return self._url

    @property
    def token(self) -> str:
        """The default bot's token."""
        return self._core.config.token

    @property
    def config(self) -> TelegramSimConfig:
        """The live knobs; assigning a field takes effect on the next request."""
        return self._core.config

    @property
    def stats(self) -> SimStats:
        """Live counters across all bots."""
        return self._core.stats

    @property
    def core(self) -> SimCore:
        """The internals, for tools that need them (tests of the simulator itself)."""
        return self._core

    def add_bot(self, token: str, username: str, first_name: str | None = None) -> BotInfo:
        """Another bot with its own updates, chats, files and limits."""
        bot = self._core.add_bot(token, username, first_name or username)
        return _info(bot)

    def bot_info(self, bot: str | BotInfo | None = None, *, token: str | None = None) -> BotInfo:
        return _info(self._bot(bot, token))

    def _bot(self, bot: str | BotInfo | None, token: str | None) -> BotState:
        chosen = token or (bot.token if isinstance(bot, BotInfo) else bot) or self.token
        state = self._core.bots.get(chosen)
        if state is None:
            msg = "no bot with that token"
            raise KeyError(msg)
        return state

    # ---------------------------------------------------------------- playing users

    def open_chat(
        self, user: SimUser, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> int:
        """Make `user` known to the bot (as after /start) without sending an update."""
        return self._bot(bot, token).private_chat(user).id

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat: SimChat | None = None,
        reply_to: int | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> InjectedMessage:
        """`user` sends `text` (to their private chat, or to `chat`); the incoming Message."""
        state = self._bot(bot, token)
        return incoming.send_text(self._core, state, user, text, chat, reply_to)

    def send_photo(
        self,
        user: SimUser,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        chat: SimChat | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> InjectedMessage:
        """`user` sends a photo; the bytes must be a PNG, JPEG, GIF or WebP image."""
        state = self._bot(bot, token)
        return incoming.send_photo(self._core, state, user, data, caption, media_group_id, chat)

    def send_album(
        self,
        user: SimUser,
        photos: list[bytes],
        caption: str | None = None,
        *,
        chat: SimChat | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> list[InjectedMessage]:
        """`user` sends 2-10 photos as one album (one update each, one media_group_id)."""
        state = self._bot(bot, token)
        return incoming.send_album(self._core, state, user, photos, caption, chat)

    def send_document(
        self,
        user: SimUser,
        data: bytes,
        file_name: str,
        mime_type: str = "",
        caption: str | None = None,
        *,
        chat: SimChat | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> InjectedMessage:
        state = self._bot(bot, token)
        return incoming.send_document(
            self._core, state, user, data, file_name, mime_type, caption, chat
        )

    def send_sticker(
        self,
        user: SimUser,
        emoji: str = "👍",
        *,
        chat: SimChat | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> InjectedMessage:
        return incoming.send_sticker(self._core, self._bot(bot, token), user, emoji, chat)

    def send_voice(
        self,
        user: SimUser,
        data: bytes | None = None,
        duration: int = 1,
        *,
        chat: SimChat | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> InjectedMessage:
        state = self._bot(bot, token)
        return incoming.send_voice(self._core, state, user, data, duration, chat)

    def press_button(
        self,
        user: SimUser,
        message_id: int,
        data: str | None = None,
        *,
        text: str | None = None,
        chat_id: int | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> str:
        """Press a button the bot's message shows (by callback_data, or by `text`).

        Returns the callback query id. Raises ValueError when the message does not show
        such a button, since no real user could press it.
        """
        state = self._bot(bot, token)
        chat = user.id if chat_id is None else chat_id
        return incoming.press_button(self._core, state, user, chat, message_id, data, text)

    def block_user(
        self,
        user_id: int | SimUser,
        blocked: bool = True,
        *,
        notify: bool = True,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> None:
        """The user blocks (or unblocks) the bot: sends then get 403, and with `notify` the
        bot receives my_chat_member "kicked" ("member" on unblock)."""
        state = self._bot(bot, token)
        if isinstance(user_id, SimUser):
            user = user_id
        else:
            user = state.users.get(user_id) or SimUser(user_id, f"User{user_id}")
        incoming.set_blocked(self._core, state, user, blocked, notify)

    def pay_invoice(
        self,
        user: SimUser,
        message_id: int,
        *,
        chat_id: int | None = None,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> str:
        """Start paying an invoice the bot sent; the pre_checkout_query id."""
        state = self._bot(bot, token)
        chat = user.id if chat_id is None else chat_id
        return incoming.pay_invoice(self._core, state, user, chat, message_id)

    def pay_invoice_link(
        self,
        user: SimUser,
        link: str,
        *,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> str:
        """Start paying an invoice link (createInvoiceLink); the pre_checkout_query id."""
        return incoming.pay_invoice_link(self._core, self._bot(bot, token), user, link)

    def renew_subscription(
        self, charge_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> str:
        """Telegram charges the next month of the subscription named by its first charge
        id: a recurring successful_payment; the new charge id. ValueError once the bot
        cancelled the subscription (it then just runs out)."""
        return renew_subscription(self._core, self._bot(bot, token), charge_id)

    def payment_status(
        self, query_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> str:
        """pending, approved, refused, or expired (not answered within 10 s: it failed)."""
        record = self._bot(bot, token).pre_checkouts[query_id]
        return record.status(self._core.clock(), self._core.config.pre_checkout_ttl)

    def charge(
        self, charge_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> ChargeRecord:
        """A payment that went through: its user, amount, refunded flag."""
        return self._bot(bot, token).charges[charge_id]

    def star_subscription(
        self, charge_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> StarSubscriptionRecord:
        """A subscription by its first charge id: expiry, cancelled flag, its charges."""
        return self._bot(bot, token).subscriptions[charge_id]

    # ------------------------------------------------------------------ reading

    def chat(
        self, chat_id: int, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> list[SentMessage]:
        """The bot's messages in a chat, oldest first: current content, edits, deleted flag."""
        return self._bot(bot, token).outgoing(chat_id)

    def history(
        self, chat_id: int, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> list[SentMessage]:
        """Every message in a chat, the users' included."""
        chat = self._bot(bot, token).chats.get(chat_id)
        return [] if chat is None else list(chat.messages.values())

    def chat_actions(
        self, chat_id: int, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> list[ChatActionRecord]:
        chat = self._bot(bot, token).chats.get(chat_id)
        return [] if chat is None else list(chat.actions)

    def callback_queries(
        self, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> list[CallbackQueryRecord]:
        """Every button press and, once the bot answered, its answer."""
        return list(self._bot(bot, token).callbacks.values())

    def callback_query(
        self, query_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> CallbackQueryRecord:
        return self._bot(bot, token).callbacks[query_id]

    def pending_updates(self, *, bot: str | BotInfo | None = None, token: str | None = None) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self._bot(bot, token).updates)

    def webhook_url(self, *, bot: str | BotInfo | None = None, token: str | None = None) -> str:
        return self._bot(bot, token).webhook.url

    def file_bytes(
        self, file_id: str, *, bot: str | BotInfo | None = None, token: str | None = None
    ) -> bytes:
        """The bytes behind a file id the bot knows."""
        return self._bot(bot, token).files.by_id[file_id].blob.data

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (the documented interface; asyncio.timeout inside)
        *,
        bot: str | BotInfo | None = None,
        token: str | None = None,
    ) -> SentMessage:
        """The first bot message in the chat matching `predicate`, now or once it appears.

        Messages are checked in their current state, so an edit that makes a message match
        is seen too. Event-driven: it wakes on every change to the chat, never polls.
        Raises TimeoutError listing what the chat holds.
        """
        state = self._bot(bot, token)
        signal = state.chat_signal(chat_id)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = signal.snapshot()
                    for message in state.outgoing(chat_id):
                        if predicate(message):
                            return message
                    await event.wait()
        except TimeoutError:
            seen = [(m.message_id, m.kind, m.text or m.caption) for m in state.outgoing(chat_id)]
            msg = f"no bot message in chat {chat_id} matched within {timeout}s; bot sent {seen}"
            raise TimeoutError(msg) from None

    async def until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (mirrors wait_for; asyncio.timeout inside)
    ) -> None:
        """Return once `condition()` holds, re-checking after every call the simulator
        handles and every delivery it makes (no polling); TimeoutError otherwise."""
        async with asyncio.timeout(timeout):
            while True:
                event = self._core.activity.snapshot()
                if condition():
                    return
                await event.wait()

    # ------------------------------------------------------------------ control

    def set_knobs(self, **knobs: Any) -> None:
        """Change several knobs at once, validated (all or nothing)."""
        self._core.config.update(knobs)

    def reset(self, *, stats: bool = True) -> None:
        """Forget every chat, update and file (bots and knobs stay); zero the stats."""
        for bot in self._core.bots.values():
            bot.reset()
        self._core.blobs.clear()
        if stats:
            self._core.stats.reset()


def _info(bot: BotState) -> BotInfo:
    return BotInfo(bot.token, bot.id, bot.username, bot.first_name)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
