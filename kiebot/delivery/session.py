"""The Bot API session: aiogram's aiohttp session, with the answer models kept alive.

aiogram parses every Bot API answer with `Response[method.__returning__]`, a pydantic
generic model made on first use. pydantic caches such models in a `WeakValueDictionary`,
and a model class sits in reference cycles, so every run of the cyclic garbage collector
drops them and the next answer builds the model again (a schema build: about 1-3 ms of
CPU each, measured as 8 % of the bot's CPU in `scripts/bench chat`, where the many
short-lived objects of 500 updates a second make the collector run often). Holding one
strong reference per answer type keeps pydantic's cache warm for the process's life; the
set is small and fixed (one entry per Bot API method the bot calls).

JSON goes through orjson (already the project's JSON library) rather than aiogram's
default, the standard library's: every answer is parsed and every keyboard serialised.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class BotSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_loads", orjson.loads)
        kwargs.setdefault("json_dumps", _dumps)
        super().__init__(**kwargs)
        self._answer_models: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._answer_models:
            self._answer_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
