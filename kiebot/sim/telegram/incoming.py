"""Playing the users: messages, photos, button presses, blocks and payments sent to a bot.

Each injection records the user's message in the chat (so message ids stay shared between
both sides, as in a real chat), builds the update exactly as the Bot API would deliver it
and enqueues it. Injections that only a real client could make are checked like a client
would: a button can be pressed only if the bot's message still shows it, an invoice can be
paid only if the bot sent one.
"""

from __future__ import annotations

import secrets
from typing import Any

from kiebot.sim.telegram.config import SimChat, SimUser
from kiebot.sim.telegram.core import SimCore
from kiebot.sim.telegram.entities import auto_entities
from kiebot.sim.telegram.errors import ApiError
from kiebot.sim.telegram.records import CallbackQueryRecord, PreCheckoutRecord, SentMessage
from kiebot.sim.telegram.state import BotState, ChatState
from kiebot.sim.telegram.storage import (
    StoredMedia,
    store_document,
    store_photo,
    store_sticker,
    store_voice,
)

# A 1x1 WebP, the body of an injected sticker when the test gives none.
_TINY_WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f0000001007101111888808")
_OGG_STUB = b"OggS" + bytes(60)


class InjectedMessage(dict[str, Any]):
    """The Message the bot will receive, plus `update_id` (None if allowed_updates dropped it)."""

    def __init__(self, message: dict[str, Any], update_id: int | None) -> None:
        super().__init__(message)
        self.update_id = update_id

    @property
    def message_id(self) -> int:
        return int(self["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self["chat"]["id"])


def push_update(core: SimCore, bot: BotState, kind: str, chat_key: int, payload: Any) -> int | None:
    """Enqueue an update for the bot, counting it (or its being filtered out)."""
    update_id = bot.updates.push(kind, chat_key, payload)
    if update_id is None:
        core.stats.updates_dropped += 1
    else:
        core.stats.updates_enqueued += 1
    core.touch()
    return update_id


def inject_message(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    chat: ChatState,
    kind: str,
    media: Any = None,
    **fields: Any,
) -> InjectedMessage:
    """Record a user's message in `chat` and send it to the bot as a `message` update."""
    message = SentMessage(
        chat_id=chat.id,
        message_id=chat.take_message_id(),
        kind=kind,
        date=core.now_date(),
        outgoing=False,
        sender=user.to_api(),
        media=media,
        **fields,
    )
    chat.add(message, core.config.max_messages_per_chat)
    api = message.to_api(chat.to_api())
    update_id = push_update(core, bot, "message", chat.id, api)
    bot.changed(chat.id)
    return InjectedMessage(api, update_id)


def _reply_fields(chat: ChatState, reply_to: int | None) -> dict[str, Any]:
    if reply_to is None:
        return {}
    target = chat.messages.get(reply_to)
    if target is None:
        msg = f"no message {reply_to} in chat {chat.id} to reply to"
        raise ValueError(msg)
    return {
        "reply_to_message_id": reply_to,
        "extra": {"reply_to_message": target.to_api(chat.to_api())},
    }


def send_text(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    text: str,
    group: SimChat | None = None,
    reply_to: int | None = None,
) -> InjectedMessage:
    """A text message; bot commands, mentions and links get their entities."""
    if not text.strip() or len(text) > core.config.max_text_length:
        msg = "a user's text must be 1-4096 characters and not blank"
        raise ValueError(msg)
    chat = bot.chat_for(user, group)
    return inject_message(
        core,
        bot,
        user,
        chat,
        "text",
        text=text,
        entities=auto_entities(text),
        **_reply_fields(chat, reply_to),
    )


def _media_fields(stored: StoredMedia, caption: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"file": stored.record}
    if caption:
        fields["caption"] = caption
        fields["caption_entities"] = auto_entities(caption)
    return fields


def _as_value_error(exc: ApiError) -> ValueError:
    return ValueError(f"Telegram would not accept this file: {exc.description}")


def send_photo(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    data: bytes,
    caption: str | None = None,
    media_group_id: str | None = None,
    group: SimChat | None = None,
) -> InjectedMessage:
    """A photo (PNG, JPEG, GIF or WebP bytes), stored so the bot can getFile it."""
    try:
        stored = store_photo(core.blobs, bot.files, data)
    except ApiError as exc:
        raise _as_value_error(exc) from None
    fields = _media_fields(stored, caption)
    if media_group_id:
        fields["extra"] = {"media_group_id": media_group_id}
    chat = bot.chat_for(user, group)
    return inject_message(core, bot, user, chat, "photo", stored.media, **fields)


def send_album(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    photos: list[bytes],
    caption: str | None = None,
    group: SimChat | None = None,
) -> list[InjectedMessage]:
    """2-10 photos sharing a media_group_id; the caption rides on the first, as clients do."""
    if not 2 <= len(photos) <= 10:
        msg = "an album has 2 to 10 photos"
        raise ValueError(msg)
    group_id = str(secrets.randbits(62))
    return [
        send_photo(core, bot, user, data, caption if i == 0 else None, group_id, group)
        for i, data in enumerate(photos)
    ]


def send_document(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    data: bytes,
    file_name: str,
    mime_type: str = "",
    caption: str | None = None,
    group: SimChat | None = None,
) -> InjectedMessage:
    stored = store_document(core.blobs, bot.files, data, file_name, mime_type)
    chat = bot.chat_for(user, group)
    fields = _media_fields(stored, caption)
    return inject_message(core, bot, user, chat, "document", stored.media, **fields)


def send_sticker(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    emoji: str = "👍",
    group: SimChat | None = None,
) -> InjectedMessage:
    stored = store_sticker(core.blobs, bot.files, _TINY_WEBP, emoji)
    chat = bot.chat_for(user, group)
    return inject_message(core, bot, user, chat, "sticker", stored.media, file=stored.record)


def send_voice(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    data: bytes | None = None,
    duration: int = 1,
    group: SimChat | None = None,
) -> InjectedMessage:
    stored = store_voice(core.blobs, bot.files, data or _OGG_STUB, duration)
    chat = bot.chat_for(user, group)
    return inject_message(core, bot, user, chat, "voice", stored.media, file=stored.record)


def _bot_message(bot: BotState, chat_id: int, message_id: int) -> tuple[ChatState, SentMessage]:
    chat = bot.chats.get(chat_id)
    message = None if chat is None else chat.messages.get(message_id)
    if chat is None or message is None or not message.outgoing or message.deleted:
        msg = f"the bot has no visible message {message_id} in chat {chat_id}"
        raise ValueError(msg)
    return chat, message


def _pressed(message: SentMessage, data: str | None, text: str | None) -> str:
    """The callback_data of the button a user can see and press."""
    for button in message.buttons():
        callback = button.get("callback_data")
        if isinstance(callback, str) and (
            callback == data or (data is None and button["text"] == text)
        ):
            return callback
    shown = [(b.get("text"), b.get("callback_data")) for b in message.buttons()]
    msg = f"message {message.message_id} shows no button {data or text!r}; it shows {shown}"
    raise ValueError(msg)


_MAX_QUERIES = 10_000


def _bounded_insert(records: dict[str, Any], key: str) -> None:
    """Make room for one more query record, forgetting the oldest (long expired by then)."""
    while len(records) >= _MAX_QUERIES:
        del records[next(iter(records))]


def press_button(
    core: SimCore,
    bot: BotState,
    user: SimUser,
    chat_id: int,
    message_id: int,
    data: str | None = None,
    text: str | None = None,
) -> str:
    """Press an inline button (by callback_data or by label); the callback query's id."""
    chat, message = _bot_message(bot, chat_id, message_id)
    callback_data = _pressed(message, data, text)
    bot.users.setdefault(user.id, user)
    query_id = str(secrets.randbits(63))
    _bounded_insert(bot.callbacks, query_id)
    bot.callbacks[query_id] = CallbackQueryRecord(
        query_id, chat.id, message_id, user.id, callback_data, core.clock()
    )
    payload = {
        "id": query_id,
        "from": user.to_api(),
        "message": message.to_api(chat.to_api()),
        "chat_instance": str((chat.id * 1_000_003 + bot.id) % (1 << 63)),
        "data": callback_data,
    }
    push_update(core, bot, "callback_query", chat.id, payload)
    return query_id


def set_blocked(core: SimCore, bot: BotState, user: SimUser, blocked: bool, notify: bool) -> None:
    """Block or unblock the bot as `user`; Telegram tells the bot with my_chat_member."""
    was_blocked = user.id in bot.blocked_by
    if blocked:
        bot.blocked_by.add(user.id)
    else:
        bot.blocked_by.discard(user.id)
    if not notify or was_blocked == blocked:
        return
    chat = bot.private_chat(user)
    me = bot.user_api()
    old = (
        {"status": "kicked", "user": me, "until_date": 0}
        if was_blocked
        else {"status": "member", "user": me}
    )
    new = (
        {"status": "kicked", "user": me, "until_date": 0}
        if blocked
        else {"status": "member", "user": me}
    )
    payload = {
        "chat": chat.to_api(),
        "from": user.to_api(),
        "date": core.now_date(),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    push_update(core, bot, "my_chat_member", chat.id, payload)


def pay_invoice(core: SimCore, bot: BotState, user: SimUser, chat_id: int, message_id: int) -> str:
    """Start paying an invoice the bot sent: a pre_checkout_query the bot must answer."""
    _, message = _bot_message(bot, chat_id, message_id)
    if message.kind != "invoice":
        msg = f"message {message_id} is not an invoice"
        raise ValueError(msg)
    invoice = message.extra["invoice"]
    query_id = str(secrets.randbits(63))
    record = PreCheckoutRecord(
        query_id,
        chat_id,
        user.to_api(),
        invoice["currency"],
        invoice["total_amount"],
        str(message.meta.get("payload", "")),
        core.clock(),
    )
    bot.users.setdefault(user.id, user)
    _bounded_insert(bot.pre_checkouts, query_id)
    bot.pre_checkouts[query_id] = record
    payload = {
        "id": query_id,
        "from": user.to_api(),
        "currency": record.currency,
        "total_amount": record.total_amount,
        "invoice_payload": record.payload,
    }
    push_update(core, bot, "pre_checkout_query", chat_id, payload)
    return query_id


def pay_invoice_link(core: SimCore, bot: BotState, user: SimUser, link: str) -> str:
    """Start paying an invoice link the bot made (createInvoiceLink), in the user's
    private chat with the bot; the pre_checkout_query id. A subscription link starts a
    subscription once the bot approves."""
    slug = link.removeprefix("https://t.me/$")
    invoice = bot.invoice_links.get(slug) if slug != link else None
    if invoice is None:
        msg = f"{link!r} is not an invoice link of this bot"
        raise ValueError(msg)
    chat = bot.private_chat(user)
    query_id = str(secrets.randbits(63))
    record = PreCheckoutRecord(
        query_id,
        chat.id,
        user.to_api(),
        invoice.currency,
        invoice.total_amount,
        invoice.payload,
        core.clock(),
        subscription_period=invoice.subscription_period,
    )
    _bounded_insert(bot.pre_checkouts, query_id)
    bot.pre_checkouts[query_id] = record
    payload = {
        "id": query_id,
        "from": user.to_api(),
        "currency": record.currency,
        "total_amount": record.total_amount,
        "invoice_payload": record.payload,
    }
    push_update(core, bot, "pre_checkout_query", chat.id, payload)
    return query_id
