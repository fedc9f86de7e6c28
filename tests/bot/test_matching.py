from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.types import Chat, Message

from kiebot.bot.matching import Matches
from kiebot.bot.router import build_router


def _callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    for name, observer in router.observers.items():
        for handler in observer.handlers:
            yield f"{router.name}.{name} handler {handler.callback}", handler
            for flt in handler.filters or []:
                yield f"{router.name}.{name} filter {flt.callback}", flt
    for sub in router.sub_routers:
        yield from _callables(sub)


def test_no_handler_or_filter_is_run_in_a_worker_thread() -> None:
    """aiogram sends any sync callable through `asyncio.to_thread`: one hop per update."""
    on_a_thread = [where for where, c in _callables(build_router()) if not c.awaitable]
    assert on_a_thread == []


def _message(**fields: object) -> Message:
    chat = Chat(id=1, type="private")
    return Message(message_id=1, date=dt.datetime.now(dt.UTC), chat=chat, **fields)


async def test_matches_resolves_on_the_calling_thread() -> None:
    seen: list[threading.Thread] = []

    def text_of(message: Message) -> str | None:
        seen.append(threading.current_thread())
        return message.text

    prompt = Matches(F.text & ~F.text.startswith("/"))
    assert await prompt(_message(text="a red fox"))
    assert not await prompt(_message(text="/start"))
    assert not await prompt(_message(caption="no text"))
    assert await Matches(F.func(text_of))(_message(text="x"))
    assert seen == [threading.current_thread()]
