"""A bot's pending updates: numbered, kept until confirmed, filtered by allowed_updates.

The Bot API keeps an update until the bot confirms it, either by asking getUpdates for a
later offset or by answering its webhook POST with 2xx. A bot killed between receiving an
update and confirming it therefore gets the same update again, which is exactly what the
simulator does. Updates of a type the bot did not allow are dropped when they happen, as on
the real server ("doesn't affect updates created before the call").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kiebot.sim.telegram.notify import Signal

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass(frozen=True)
class PendingUpdate:
    """One update as delivered, with the chat it belongs to (webhooks keep chats in order)."""

    update_id: int
    kind: str
    chat_key: int
    body: dict[str, Any]


class UpdateQueue:
    """Unconfirmed updates in id order."""

    def __init__(self, first_id: int) -> None:
        self._next_id = first_id
        self._pending: OrderedDict[int, PendingUpdate] = OrderedDict()
        self.allowed: frozenset[str] | None = None
        self.changed = Signal()

    def allows(self, kind: str) -> bool:
        if self.allowed is None or not self.allowed:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def set_allowed(self, raw: Any) -> None:
        """Apply an allowed_updates list; anything not a list leaves the setting alone."""
        if isinstance(raw, list):
            self.allowed = frozenset(str(kind) for kind in raw if str(kind) in UPDATE_TYPES)

    def push(self, kind: str, chat_key: int, payload: Any) -> int | None:
        """Enqueue `{kind: payload}`; its update id, or None when the bot does not allow it."""
        if not self.allows(kind):
            return None
        update_id = self._next_id
        self._next_id += 1
        body = {"update_id": update_id, kind: payload}
        self._pending[update_id] = PendingUpdate(update_id, kind, chat_key, body)
        self.changed.notify()
        return update_id

    def confirm_below(self, offset: int) -> None:
        """Forget every update with an id below `offset` (getUpdates' confirmation)."""
        while self._pending:
            first = next(iter(self._pending))
            if first >= offset:
                return
            self._pending.popitem(last=False)

    def confirm_for_offset(self, offset: int) -> None:
        """The getUpdates rule: positive confirms below it, negative keeps the last -offset."""
        if offset > 0:
            self.confirm_below(offset)
        elif offset < 0 and self._pending:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popitem(last=False)

    def remove(self, update_id: int) -> None:
        """Confirm one update (a webhook delivery that got 2xx)."""
        self._pending.pop(update_id, None)

    def peek(self, limit: int) -> list[PendingUpdate]:
        result: list[PendingUpdate] = []
        for update in self._pending.values():
            if len(result) >= limit:
                break
            result.append(update)
        return result

    def pending(self) -> list[PendingUpdate]:
        return list(self._pending.values())

    def view(self) -> Iterator[PendingUpdate]:
        """The pending updates in order, without copying (do not mutate while iterating)."""
        return iter(self._pending.values())

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._pending

    def clear(self) -> None:
        self._pending.clear()
        self.changed.notify()

    def __len__(self) -> int:
        return len(self._pending)
