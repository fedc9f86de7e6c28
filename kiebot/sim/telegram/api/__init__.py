"""Bot API methods: one handler per method, found through a table.

`METHODS` maps the lower-cased method name (the Bot API is case-insensitive about them) to
a coroutine taking a `Call`. `dispatch` is the single entry point used by the HTTP server
and by webhook replies that carry a method.
"""

from __future__ import annotations

from kiebot.sim.telegram.api.albums import ALBUM_METHODS
from kiebot.sim.telegram.api.bot import BOT_METHODS
from kiebot.sim.telegram.api.common import Handler
from kiebot.sim.telegram.api.edits import EDIT_METHODS
from kiebot.sim.telegram.api.media import MEDIA_METHODS
from kiebot.sim.telegram.api.messages import MESSAGE_METHODS
from kiebot.sim.telegram.api.payments import PAYMENT_METHODS
from kiebot.sim.telegram.api.polling import UPDATE_METHODS
from kiebot.sim.telegram.core import Answer, Call, Dispatcher, SimCore
from kiebot.sim.telegram.errors import not_found
from kiebot.sim.telegram.params import Params
from kiebot.sim.telegram.state import BotState

METHODS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler)
    for table in (
        BOT_METHODS,
        MESSAGE_METHODS,
        EDIT_METHODS,
        MEDIA_METHODS,
        ALBUM_METHODS,
        UPDATE_METHODS,
        PAYMENT_METHODS,
    )
    for name, handler in table.items()
}


def make_dispatcher(core: SimCore) -> Dispatcher:
    """The function that runs one method for one bot, counting the call."""

    async def dispatch(bot: BotState, method: str, params: Params) -> Answer:
        entry = METHODS.get(method.lower())
        if entry is None:
            core.stats.calls[method] += 1
            raise not_found()
        name, handler = entry
        core.stats.calls[name] += 1
        try:
            return await handler(Call(core, bot, params, name))
        finally:
            core.touch()

    return dispatch


__all__ = ["METHODS", "Dispatcher", "make_dispatcher"]
