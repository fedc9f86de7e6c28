"""Where the bot's Telegram traffic is counted: one Dispatcher middleware for updates, one
aiogram session middleware for Bot API calls.

Both sit at the one place every event passes, so no handler and no caller of the Bot has
to remember to count: an update is counted once whatever handles it, a Bot API call once
per HTTP request (a retry after a 429 is a second call, as Telegram sees it).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from kiebot.ops.metrics import Metrics

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Checked in order: the first class an exception is an instance of names the outcome.
_OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (TelegramRetryAfter, "flood_wait"),
    (TelegramForbiddenError, "forbidden"),
    (TelegramMigrateToChat, "migrated"),
    (TelegramEntityTooLarge, "too_large"),
    (TelegramNotFound, "not_found"),
    (TelegramBadRequest, "bad_request"),
    (TelegramConflictError, "conflict"),
    (TelegramUnauthorizedError, "unauthorized"),
    (TelegramServerError, "server_error"),
    (TelegramNetworkError, "network"),
)


def call_outcome(exc: BaseException) -> str:
    return next((name for kind, name in _OUTCOMES if isinstance(exc, kind)), "error")


class UpdateMetrics(BaseMiddleware):
    """Counts each update by type and times its handling (an outer middleware: first in,
    last out, so the time covers every other middleware and the handler)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__.lower()
        self._metrics.updates.labels(type=kind).inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self._metrics.update_latency.observe(time.perf_counter() - started)


class TelegramCallMetrics(BaseRequestMiddleware):
    """Counts each Bot API request by method and outcome (`ok`, `flood_wait`, ...)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        try:
            response = await make_request(bot, method)
        except Exception as exc:
            self._metrics.telegram_calls.labels(method=name, outcome=call_outcome(exc)).inc()
            raise
        self._metrics.telegram_calls.labels(method=name, outcome="ok").inc()
        return response
