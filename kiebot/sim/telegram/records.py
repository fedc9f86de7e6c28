"""What the simulator remembers about messages, button presses and chat actions.

These records are the simulator's public read side: `sim.chat(chat_id)` returns the bot's
`SentMessage`s with their current content, every edit made to them and whether they were
deleted, so a test can assert on what a user would have seen and on how it got there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kiebot.sim.telegram.files import FileRecord


@dataclass(frozen=True)
class MessageEdit:
    """One successful edit: the method and the message's content right after it."""

    at: float
    method: str
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "method": self.method,
            "text": self.text,
            "caption": self.caption,
            "reply_markup": self.reply_markup,
        }


@dataclass
class SentMessage:
    """A message in a chat, sent by the bot (`outgoing`) or by a user, in its current state.

    `kind` is text, photo, video, document, sticker, voice or invoice; `file` is the stored
    file behind a media message (`file.size` is its byte count); `media` is the Bot API
    object for it (the PhotoSize list, Video, Document, ...). `extra` holds the remaining
    Message fields (invoice, media_group_id, ...); `meta` holds what the simulator knows
    but the Bot API does not show (an invoice's payload).
    """

    chat_id: int
    message_id: int
    kind: str
    date: int
    outgoing: bool
    sender: dict[str, Any]
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file: FileRecord | None = None
    media: Any = None
    reply_to_message_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None

    @property
    def file_size(self) -> int | None:
        """Bytes of the file behind a media message, None for text."""
        return None if self.file is None else self.file.size

    @property
    def file_bytes(self) -> bytes | None:
        """The bytes behind a media message (what a user would download)."""
        return None if self.file is None else self.file.blob.data

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows, empty when the message has none."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    def record_edit(self, method: str) -> None:
        now = time.time()
        self.edit_date = int(now)
        self.edits.append(MessageEdit(now, method, self.text, self.caption, self.reply_markup))

    def to_api(self, chat: dict[str, Any]) -> dict[str, Any]:
        """The Bot API `Message` object."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.kind not in ("text", "invoice") and self.media is not None:
            message[self.kind] = self.media
        if self.caption:
            message["caption"] = self.caption
            if self.caption_entities:
                message["caption_entities"] = self.caption_entities
        message.update(self.extra)
        markup = self.reply_markup or {}
        if "inline_keyboard" in markup:
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return message

    def to_json(self) -> dict[str, Any]:
        """The control API's view: current content, file facts, edit history, deletion."""
        file = None
        if self.file is not None:
            file = {
                "file_id": self.file.file_id,
                "file_unique_id": self.file.blob.unique_id,
                "file_path": self.file.file_path,
                "size": self.file.size,
                "mime_type": self.file.mime_type,
                "width": self.file.width,
                "height": self.file.height,
            }
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "kind": self.kind,
            "date": self.date,
            "outgoing": self.outgoing,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "reply_markup": self.reply_markup,
            "reply_to_message_id": self.reply_to_message_id,
            "file": file,
            "extra": self.extra,
            "deleted": self.deleted,
            "edits": [edit.to_json() for edit in self.edits],
        }


@dataclass
class CallbackQueryRecord:
    """A button press and, once the bot answers, its answer."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "user_id": self.user_id,
            "data": self.data,
            "answered": self.answered,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class ChatActionRecord:
    """A sendChatAction call ("typing", "upload_photo", ...)."""

    at: float
    action: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "action": self.action}


@dataclass(frozen=True)
class InvoiceRecord:
    """What a user pays: an invoice message's or an invoice link's terms."""

    title: str
    description: str
    payload: str
    currency: str
    total_amount: int
    subscription_period: int | None = None


@dataclass
class PreCheckoutRecord:
    """A Stars payment waiting for answerPreCheckoutQuery.

    `status` is pending (no answer yet), approved (the payment went through), refused
    (the bot said no) or expired (no answer within `pre_checkout_ttl`: Telegram fails
    the payment and nothing is charged).
    """

    id: str
    chat_id: int
    user: dict[str, Any]
    currency: str
    total_amount: int
    payload: str
    created: float
    answered: bool = False
    ok: bool | None = None
    error_message: str | None = None
    charge_id: str | None = None
    subscription_period: int | None = None

    def status(self, now: float, ttl: float) -> str:
        if self.answered:
            return "approved" if self.ok else "refused"
        return "expired" if now - self.created > ttl else "pending"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "user_id": self.user["id"],
            "currency": self.currency,
            "total_amount": self.total_amount,
            "invoice_payload": self.payload,
            "answered": self.answered,
            "ok": self.ok,
            "error_message": self.error_message,
            "telegram_payment_charge_id": self.charge_id,
            "subscription_period": self.subscription_period,
        }


@dataclass
class ChargeRecord:
    """A Stars payment that went through; `subscription` is the first charge id of the
    subscription it paid for, if any."""

    charge_id: str
    user_id: int
    total_amount: int
    refunded: bool = False
    subscription: str | None = None
    # The TransactionPartnerUser of its Stars transactions.
    partner: dict[str, Any] = field(default_factory=dict)


@dataclass
class StarSubscriptionRecord:
    """A user's Stars subscription to the bot, named by its first charge id.

    `canceled_by_bot` stops renewals (editUserStarSubscription); the period already paid
    for stays, as Telegram keeps it active until `expires`.
    """

    charge_id: str
    user_id: int
    chat_id: int
    invoice: InvoiceRecord
    expires: int
    canceled_by_bot: bool = False
    charges: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "charge_id": self.charge_id,
            "user_id": self.user_id,
            "invoice_payload": self.invoice.payload,
            "total_amount": self.invoice.total_amount,
            "period": self.invoice.subscription_period,
            "expires": self.expires,
            "canceled_by_bot": self.canceled_by_bot,
            "charges": list(self.charges),
        }
