"""sendMessage, deleteMessage, sendChatAction."""

from __future__ import annotations

import time

from kiebot.sim.telegram.api.common import (
    Handler,
    admit,
    ensure_writable,
    find_chat,
    formatted,
    message_answer,
    reply_markup,
    reply_target,
    store_outgoing,
)
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.entities import check_length
from kiebot.sim.telegram.errors import (
    CHAT_IDENTIFIER_NOT_SPECIFIED,
    MESSAGE_ID_NOT_SPECIFIED,
    MESSAGE_MUST_BE_NON_EMPTY,
    MESSAGE_TEXT_EMPTY,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TOO_LONG,
    WRONG_CHAT_ACTION,
    bad_request,
)
from kiebot.sim.telegram.records import ChatActionRecord
from kiebot.sim.telegram.state import ChatState

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def reply_extra(chat: ChatState, reply_to: int | None) -> dict[str, object]:
    """The `reply_to_message` field of a reply, as the Bot API nests it."""
    if reply_to is None:
        return {}
    target = chat.messages[reply_to]
    return {"reply_to_message": target.to_api(chat.to_api())}


async def send_message(call: Call) -> Answer:
    if not call.params.text("text"):
        raise bad_request(MESSAGE_TEXT_EMPTY)
    text, entities = formatted(call, "text", "parse_mode", "entities")
    markup = reply_markup(call)
    chat = find_chat(call)
    reply_to = reply_target(call, chat)
    if not text:
        raise bad_request(MESSAGE_MUST_BE_NON_EMPTY)
    check_length(text, call.core.config.max_text_length, MESSAGE_TOO_LONG)
    ensure_writable(call, chat)
    admit(call, chat)
    message = store_outgoing(
        call,
        chat,
        "text",
        text=text,
        entities=entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        extra=reply_extra(chat, reply_to),
    )
    return message_answer(chat, message)


async def delete_message(call: Call) -> Answer:
    if not call.params.text("chat_id").strip():
        raise bad_request(CHAT_IDENTIFIER_NOT_SPECIFIED)
    message_id = call.params.integer("message_id")
    if message_id <= 0:
        raise bad_request(MESSAGE_ID_NOT_SPECIFIED)
    chat = find_chat(call)
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(MESSAGE_TO_DELETE_NOT_FOUND)
    message.deleted = True
    call.bot.changed(chat.id)
    return Answer(True)


async def send_chat_action(call: Call) -> Answer:
    action = call.params.text("action").strip().lower()
    if action not in CHAT_ACTIONS:
        raise bad_request(WRONG_CHAT_ACTION)
    chat = find_chat(call)
    ensure_writable(call, chat)
    chat.actions.append(ChatActionRecord(time.time(), action))
    call.bot.changed(chat.id)
    return Answer(True)


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
}
