"""The two Bot API calls of a status message, answered with the message's id only.

aiogram parses each answer into its method's return type: a full `Message` (sender, chat,
entities, the keyboard) for `sendMessage` and `editMessageText`. The bot reads back only
the id of a message it sent, and only success of an edit, while a job in flight costs
one send and two or three edits: pydantic building those `Message` models was 9 % of the
bot's CPU in `scripts/bench scale`. These methods call the same Bot API methods with the
parameters the bot uses and take the answer as aiogram's `MessageId`, which keeps the
other fields unparsed. The bot's default parse mode applies as in aiogram's methods; the
other defaults of `DefaultBotProperties` are not used by kiebot and not carried here.
"""

from __future__ import annotations

from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, MessageId


class SendText(TelegramMethod[MessageId]):
    """`sendMessage`, answered with the sent message's id."""

    __returning__ = MessageId
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    parse_mode: str | Default | None = Default("parse_mode")
    reply_markup: InlineKeyboardMarkup | None = None


class EditText(TelegramMethod[MessageId | bool]):
    """`editMessageText` of a message in a chat, answered with its id (or `True`)."""

    __returning__ = MessageId | bool
    __api_method__ = "editMessageText"

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | Default | None = Default("parse_mode")
    reply_markup: InlineKeyboardMarkup | None = None
