"""The Bot API calls of a job's messages, answered with only what the bot reads back.

aiogram parses each answer into its method's return type: a full `Message` (sender, chat,
entities, the keyboard) for `sendMessage` and `editMessageText`. The bot reads back only
the id of a message it sent, and only success of an edit, while a job in flight costs
one send and two or three edits: pydantic building those `Message` models was 9 % of the
bot's CPU in `scripts/bench scale`. These methods call the same Bot API methods with the
parameters the bot uses and take the answer as aiogram's `MessageId`, which keeps the
other fields unparsed. The bot's default parse mode applies as in aiogram's methods; the
other defaults of `DefaultBotProperties` are not used by kiebot and not carried here.

The result's upload (one per job) is answered with a `Message` too, the caption's
entities and the keyboard included, of which the bot keeps the file Telegram stored.
Parsing that answer was a third of the upload's CPU (py-spy, `scripts/bench scale`); the
media methods here read the message id and the stored file, and ignore the rest.
"""

from __future__ import annotations

from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, InputFile, MessageId
from pydantic import BaseModel, ConfigDict


class StoredFile(BaseModel):
    """A file Telegram keeps: what a re-send and the size check need."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    file_id: str
    file_size: int | None = None


class SentMedia(BaseModel):
    """A sent result: its message id and the file kept, under the kind Telegram kept it
    as (a photo as its sizes, smallest first)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int
    photo: list[StoredFile] | None = None
    video: StoredFile | None = None
    document: StoredFile | None = None


class _SendMedia(TelegramMethod[SentMedia]):
    __returning__ = SentMedia

    chat_id: int
    caption: str | None = None
    parse_mode: str | Default | None = Default("parse_mode")
    reply_markup: InlineKeyboardMarkup | None = None


class SendResultPhoto(_SendMedia):
    """`sendPhoto` of an upload or a file id."""

    __api_method__ = "sendPhoto"

    photo: InputFile | str


class SendResultVideo(_SendMedia):
    """`sendVideo`, playable while it downloads."""

    __api_method__ = "sendVideo"

    video: InputFile | str
    supports_streaming: bool = True


class SendResultDocument(_SendMedia):
    """`sendDocument`: the fallback for a result Telegram will not take as media."""

    __api_method__ = "sendDocument"

    document: InputFile | str


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
