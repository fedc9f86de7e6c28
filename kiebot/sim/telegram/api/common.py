"""What most methods share: finding the chat, reply targets, text, markup, limits.

Checks run in the order the real server runs them, because that order decides which
refusal a bot sees when a request is wrong in two ways: text and markup are parsed first,
then the chat is looked up, then the reply target, and only then does Telegram itself
refuse (blocked user, message too long, flood control).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.entities import format_text
from kiebot.sim.telegram.errors import (
    BOT_BLOCKED,
    CHAT_ID_EMPTY,
    CHAT_NOT_FOUND,
    MESSAGE_ID_NOT_SPECIFIED,
    MESSAGE_TO_REPLY_NOT_FOUND,
    bad_request,
    forbidden,
)
from kiebot.sim.telegram.markup import parse_reply_markup
from kiebot.sim.telegram.records import SentMessage
from kiebot.sim.telegram.state import ChatState

Handler = Callable[[Call], Awaitable[Answer]]


def parse_chat_id(raw: str) -> int | None:
    """A numeric chat id, or None for anything else (usernames, garbage)."""
    raw = raw.strip()
    if raw.startswith(("-", "+")):
        sign, digits = raw[0], raw[1:]
    else:
        sign, digits = "", raw
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(sign + digits)


def find_chat(call: Call, *, empty_reason: str = CHAT_ID_EMPTY) -> ChatState:
    """The chat named by chat_id: "chat_id is empty" / "chat not found" otherwise.

    A user's private chat exists once the user has written to the bot (or been introduced
    with `open_chat`); a bot cannot start a conversation, as on the real service.
    """
    raw = call.params.text("chat_id")
    if not raw.strip():
        raise bad_request(empty_reason)
    chat_id = parse_chat_id(raw)
    chat = None if chat_id is None else call.bot.chats.get(chat_id)
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    return chat


def ensure_writable(call: Call, chat: ChatState) -> None:
    """403 when the user of a private chat has blocked the bot."""
    if chat.user is not None and chat.user.id in call.bot.blocked_by:
        raise forbidden(BOT_BLOCKED)


def reply_target(call: Call, chat: ChatState) -> int | None:
    """The message being replied to (reply_parameters or the legacy fields), checked."""
    params = call.params
    reply = params.json_value("reply_parameters", "reply parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow = bool(reply.get("allow_sending_without_reply", False))
    else:
        message_id = params.integer("reply_to_message_id")
        allow = params.flag("allow_sending_without_reply")
    if not isinstance(message_id, int) or message_id <= 0:
        return None
    target = chat.messages.get(message_id)
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request(MESSAGE_TO_REPLY_NOT_FOUND)
    return message_id


def reply_markup(call: Call) -> dict[str, Any] | None:
    return parse_reply_markup(call.params, call.core.config.max_callback_data)


def formatted(call: Call, text_field: str, mode_field: str, entities_field: str) -> tuple[str, Any]:
    """Text of a field parsed with its parse_mode (or explicit entities)."""
    params = call.params
    raw_entities = params.json_value(entities_field, "entities")
    return format_text(params.text(text_field), params.text(mode_field), raw_entities)


def message_id_param(call: Call) -> int:
    """message_id, refused as the server refuses a missing or non-positive one."""
    message_id = call.params.integer("message_id")
    if message_id <= 0:
        raise bad_request(MESSAGE_ID_NOT_SPECIFIED)
    return message_id


def admit(call: Call, chat: ChatState) -> None:
    """Flood control for one message to `chat` (raises 429)."""
    call.bot.flood.admit(chat.id, chat.is_group)


def store_outgoing(call: Call, chat: ChatState, kind: str, **fields: Any) -> SentMessage:
    """Record a message the bot sent and wake anyone waiting on the chat."""
    message = SentMessage(
        chat_id=chat.id,
        message_id=chat.take_message_id(),
        kind=kind,
        date=call.core.now_date(),
        outgoing=True,
        sender=call.bot.user_api(),
        **fields,
    )
    chat.add(message, call.core.config.max_messages_per_chat)
    call.core.stats.messages_sent += 1
    call.bot.changed(chat.id)
    return message


def message_answer(chat: ChatState, message: SentMessage) -> Answer:
    return Answer(message.to_api(chat.to_api()))
