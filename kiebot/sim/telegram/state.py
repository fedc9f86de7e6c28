"""Everything the simulator knows about one bot: its chats, updates, webhook and files.

Each bot (the default one and any added with `add_bot`) has its own `BotState`, so two bots
never see each other's updates, chats, file ids or flood limits, as on the real service.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiebot.sim.telegram.config import SimChat, SimUser, TelegramSimConfig, bot_id_from_token
from kiebot.sim.telegram.files import FileIndex
from kiebot.sim.telegram.limits import FloodControl
from kiebot.sim.telegram.notify import Signal
from kiebot.sim.telegram.records import (
    CallbackQueryRecord,
    ChargeRecord,
    ChatActionRecord,
    InvoiceRecord,
    PreCheckoutRecord,
    SentMessage,
    StarSubscriptionRecord,
)
from kiebot.sim.telegram.stats import SimStats
from kiebot.sim.telegram.updates import UpdateQueue

_MAX_ACTIONS = 200


@dataclass
class ChatState:
    """A chat the bot can write to: private (id == the user's id) or a group."""

    id: int
    type: str
    user: SimUser | None = None
    title: str | None = None
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)
    actions: deque[ChatActionRecord] = field(default_factory=lambda: deque(maxlen=_MAX_ACTIONS))

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_api(self) -> dict[str, Any]:
        """The Bot API `Chat` object."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat["first_name"] = self.user.first_name
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
        if self.title is not None:
            chat["title"] = self.title
        return chat

    def take_message_id(self) -> int:
        """Message ids count up per chat, shared by the bot's and the users' messages."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def add(self, message: SentMessage, keep: int) -> None:
        self.messages[message.message_id] = message
        while len(self.messages) > keep:
            del self.messages[next(iter(self.messages))]


@dataclass
class WebhookState:
    """The webhook as setWebhook left it, and how delivery last went."""

    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    ip_address: str = ""
    last_error_date: int = 0
    last_error_message: str = ""
    next_set_allowed: float = 0.0


@dataclass
class PollState:
    """The long poll in progress, if any, and what the anti-spin and conflict rules need."""

    current: PollWaiter | None = None
    previous_offset: int | None = None
    previous_start: float = 0.0
    next_conflict: float = 0.0


@dataclass
class PollWaiter:
    """One waiting getUpdates; `aborted` carries the 409 description that ends it."""

    aborted: str | None = None


class BotState:
    """One simulated bot."""

    def __init__(
        self,
        token: str,
        username: str,
        first_name: str,
        config: TelegramSimConfig,
        stats: SimStats,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.id = bot_id_from_token(token)
        self.username = username
        self.first_name = first_name
        self.config = config
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, SimUser] = {}
        self.blocked_by: set[int] = set()
        self.updates = UpdateQueue(config.first_update_id)
        self.webhook = WebhookState()
        self.poll = PollState()
        self.files = FileIndex()
        self.flood = FloodControl(config, stats, clock)
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.pre_checkouts: dict[str, PreCheckoutRecord] = {}
        self.charges: dict[str, ChargeRecord] = {}
        # Invoice links from createInvoiceLink, by their slug; subscriptions by first charge.
        self.invoice_links: dict[str, InvoiceRecord] = {}
        self.subscriptions: dict[str, StarSubscriptionRecord] = {}
        # The bot's Stars transactions, oldest first (getStarTransactions).
        self.star_transactions: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.description: dict[str, str] = {}
        self._chat_signals: dict[int, Signal] = {}

    def user_api(self) -> dict[str, Any]:
        """The bot as a Bot API `User` (what getMe returns, minus the capability flags)."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def chat_signal(self, chat_id: int) -> Signal:
        """Fired on every change to a chat's messages; exists before the chat does."""
        signal = self._chat_signals.get(chat_id)
        if signal is None:
            signal = self._chat_signals[chat_id] = Signal()
        return signal

    def changed(self, chat_id: int) -> None:
        self.chat_signal(chat_id).notify()

    def private_chat(self, user: SimUser) -> ChatState:
        """The user's private chat with the bot, created on first contact."""
        self.users[user.id] = user
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = ChatState(user.id, "private", user=user)
        else:
            chat.user = user
        return chat

    def group_chat(self, group: SimChat, member: SimUser) -> ChatState:
        """A group the bot is in; its members become known users."""
        self.users[member.id] = member
        chat = self.chats.get(group.id)
        if chat is None:
            chat = self.chats[group.id] = ChatState(group.id, group.type, title=group.title)
        return chat

    def chat_for(self, user: SimUser, group: SimChat | None) -> ChatState:
        return self.private_chat(user) if group is None else self.group_chat(group, user)

    def outgoing(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat, oldest first, deleted ones included."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.outgoing]

    def reset(self) -> None:
        """Forget chats, updates, files and limits; keep identity and webhook settings."""
        self.chats.clear()
        self.users.clear()
        self.blocked_by.clear()
        self.updates.clear()
        self.files.clear()
        self.flood.reset()
        self.callbacks.clear()
        self.pre_checkouts.clear()
        self.charges.clear()
        self.invoice_links.clear()
        self.subscriptions.clear()
        self.star_transactions.clear()
        for signal in self._chat_signals.values():
            signal.notify()
