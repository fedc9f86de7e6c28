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

A call without a file goes out as one JSON body (the Bot API takes `application/json`)
instead of aiogram's form: building a form costs aiohttp a multipart writer with a random
boundary, then URL-encoding, for every status edit. py-spy put form building at 8 % of
the bot's CPU in `scripts/bench scale`. Uploads keep aiogram's multipart form.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import ClientError, ClientTimeout

_JSON_HEADERS = {"Content-Type": "application/json"}


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

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        """aiogram's request, with a JSON body when the call carries no file. A call with
        a file (the result's upload, one per job) is handed to aiogram, which prepares its
        parameters again: a few fields, next to the streamed upload."""
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":  # as aiogram's form leaves them out
                body[key] = prepared
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=orjson.dumps(body),
                headers=_JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as response:
                content = await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise TelegramNetworkError(method=method, message=message) from exc
        answer = self.check_response(
            bot=bot, method=method, status_code=response.status, content=content
        )
        return cast(TelegramType, answer.result)
