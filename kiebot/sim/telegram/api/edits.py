"""editMessageText, editMessageCaption, editMessageReplyMarkup.

An edit that changes nothing is refused ("message is not modified"), and an edit without
reply_markup removes the message's inline keyboard: both are real behaviours that bots
trip over when they refresh a status message.
"""

from __future__ import annotations

from typing import Any

from kiebot.sim.telegram.api.common import (
    Handler,
    admit,
    find_chat,
    formatted,
    message_answer,
    reply_markup,
)
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.entities import check_length
from kiebot.sim.telegram.errors import (
    CAPTION_TOO_LONG,
    MESSAGE_CANT_BE_EDITED,
    MESSAGE_ID_NOT_SPECIFIED,
    MESSAGE_MUST_BE_NON_EMPTY,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TEXT_EMPTY,
    MESSAGE_TO_EDIT_NOT_FOUND,
    MESSAGE_TOO_LONG,
    NO_CAPTION_TO_EDIT,
    NO_TEXT_TO_EDIT,
    bad_request,
)
from kiebot.sim.telegram.records import SentMessage
from kiebot.sim.telegram.state import ChatState


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Edits take inline keyboards only; anything else leaves the message without one."""
    if markup is not None and "inline_keyboard" in markup:
        return markup
    return None


def editable(call: Call) -> tuple[ChatState, SentMessage]:
    """The bot's own, undeleted message named by chat_id and message_id."""
    params = call.params
    message_id = params.integer("message_id")
    if not params.text("chat_id").strip() and message_id == 0:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        raise bad_request(MESSAGE_ID_NOT_SPECIFIED)
    chat = find_chat(call)
    if message_id <= 0:
        raise bad_request(MESSAGE_ID_NOT_SPECIFIED)
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request(MESSAGE_TO_EDIT_NOT_FOUND)
    if not message.outgoing:
        raise bad_request(MESSAGE_CANT_BE_EDITED)
    return chat, message


def admit_edit(call: Call, chat: ChatState) -> None:
    """Edits count against flood control too (unless the knob says otherwise)."""
    if call.core.config.count_edits:
        admit(call, chat)


def commit(call: Call, chat: ChatState, message: SentMessage, method: str) -> Answer:
    """Record an applied edit and wake anyone waiting on the chat."""
    message.record_edit(method)
    call.core.stats.edits += 1
    call.bot.changed(chat.id)
    return message_answer(chat, message)


async def edit_message_text(call: Call) -> Answer:
    if not call.params.text("text"):
        raise bad_request(MESSAGE_TEXT_EMPTY)
    text, entities = formatted(call, "text", "parse_mode", "entities")
    markup = inline_only(reply_markup(call))
    chat, message = editable(call)
    if message.kind != "text":
        raise bad_request(NO_TEXT_TO_EDIT)
    if not text:
        raise bad_request(MESSAGE_MUST_BE_NON_EMPTY)
    check_length(text, call.core.config.max_text_length, MESSAGE_TOO_LONG)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    admit_edit(call, chat)
    message.text, message.entities, message.reply_markup = text, entities, markup
    return commit(call, chat, message, call.method)


async def edit_message_caption(call: Call) -> Answer:
    caption, entities = formatted(call, "caption", "parse_mode", "caption_entities")
    markup = inline_only(reply_markup(call))
    chat, message = editable(call)
    if message.kind in ("text", "invoice"):
        raise bad_request(NO_CAPTION_TO_EDIT)
    check_length(caption, call.core.config.max_caption_length, CAPTION_TOO_LONG)
    new_caption = caption or None
    current = (message.caption, message.caption_entities, message.reply_markup)
    if (new_caption, entities, markup) == current:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    admit_edit(call, chat)
    message.caption, message.caption_entities, message.reply_markup = new_caption, entities, markup
    return commit(call, chat, message, call.method)


async def edit_message_reply_markup(call: Call) -> Answer:
    markup = inline_only(reply_markup(call))
    chat, message = editable(call)
    if markup == message.reply_markup:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    admit_edit(call, chat)
    message.reply_markup = markup
    return commit(call, chat, message, call.method)


EDIT_METHODS: dict[str, Handler] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
}
