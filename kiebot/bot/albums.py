"""Albums: Telegram sends each photo of an album as its own message with one
`media_group_id`; the bot makes one job of them.

The first photo's handler waits until no more photos of its group have arrived for
`window_s`, then takes them all; the later photos' handlers hand theirs over and return.
This relies on updates being handled concurrently (aiogram's default for polling and
for the webhook). The collection lives in memory for about a second: a crash inside it
loses the album before anything was charged, and the user sends it again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiogram.types import Message

WINDOW_S = 1.0
MAX_PHOTOS = 10  # Telegram's album limit


@dataclass(slots=True)
class _Album:
    messages: list[Message]
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class AlbumCollector:
    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_s = window_s
        self._albums: dict[tuple[int, str], _Album] = {}

    async def collect(self, message: Message) -> list[Message] | None:
        """Every photo of the message's album, oldest first, to the first photo's
        handler; None to the others (and for a message without an album: itself)."""
        group = message.media_group_id
        if group is None:
            return [message]
        key = (message.chat.id, group)
        album = self._albums.get(key)
        if album is not None:
            if len(album.messages) < MAX_PHOTOS:
                album.messages.append(message)
            album.arrived.set()
            return None
        album = self._albums[key] = _Album([message])
        try:
            while True:
                album.arrived.clear()
                try:
                    await asyncio.wait_for(album.arrived.wait(), self._window_s)
                except TimeoutError:
                    break
        finally:
            del self._albums[key]
        return sorted(album.messages, key=lambda m: m.message_id)
