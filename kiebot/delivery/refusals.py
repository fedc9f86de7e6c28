"""What a Telegram refusal means for delivery, read from its description.

aiogram turns the HTTP status into an exception class, but within one class (400 Bad
Request) the outcomes differ: "message is not modified" is success for a status edit,
"message to edit not found" means the status message is gone, "chat not found" means
nobody is there to deliver to. The Bot API says which only in the description text, so
these tables of lower-case markers are matched against it. The wording is the Bot API
server's (tdlib/telegram-bot-api `Client.cpp`), as the simulator reproduces it.
"""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError

# The chat cannot receive from the bot at all: retrying or falling back will not help.
RECIPIENT_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "chat_id is empty",
    "user is deactivated",
    "bot was blocked",
    "bot was kicked",
    "bot is not a member",
    "not enough rights",
    "have no rights to send",
    "chat_write_forbidden",
    "need administrator rights",
    "can't initiate conversation",
    "group chat was upgraded",
    "chat_restricted",
    "channel_private",
)

# The message an edit or delete names no longer exists (or was never the bot's).
MESSAGE_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message to delete not found",
    "message can't be deleted",
    "message_id_invalid",
)

NOT_MODIFIED = ("message is not modified",)


def says(exc: TelegramAPIError, markers: tuple[str, ...]) -> bool:
    """Whether Telegram's description of `exc` contains any of `markers`."""
    text = exc.message.lower()
    return any(marker in text for marker in markers)
