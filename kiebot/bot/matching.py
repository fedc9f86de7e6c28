"""`Matches`: aiogram's `F` expressions, checked on the event loop.

aiogram runs any filter that is not a coroutine function through `asyncio.to_thread`,
and a bare `F.text` is one: every handler tried for an update cost a hop to a worker
thread and back. A text prompt was tried against five of them before it reached its
handler; in the scale benchmark the thread pool held 6 % of the bot's CPU samples.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter


class Matches(Filter):
    """True when the magic expression resolves to a truthy value for the event."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))
