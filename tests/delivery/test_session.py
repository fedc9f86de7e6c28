"""The Bot API session keeps aiogram's answer models alive (`delivery/session.py`)."""

from __future__ import annotations

import gc
import weakref

import orjson
import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from aiogram.types import Message

from kiebot.delivery.session import BotSession

TOKEN = "42:" + "a" * 35
ANSWER = {
    "ok": True,
    "result": {"message_id": 7, "date": 1_700_000_000, "chat": {"id": 5, "type": "private"}},
}


@pytest.fixture
def bot() -> Bot:
    return Bot(TOKEN, session=BotSession())


def test_an_answer_is_parsed_into_the_methods_type(bot: Bot) -> None:
    answer = bot.session.check_response(
        bot, SendMessage(chat_id=5, text="hi"), 200, orjson.dumps(ANSWER).decode()
    )
    assert isinstance(answer.result, Message)
    assert answer.result.message_id == 7


def test_the_answer_model_outlives_garbage_collection(bot: Bot) -> None:
    """Without the session's reference, pydantic's weak cache loses `Response[Message]`
    at the next collection and every later answer pays for building it again."""
    bot.session.check_response(
        bot, SendMessage(chat_id=5, text="hi"), 200, orjson.dumps(ANSWER).decode()
    )
    model = weakref.ref(Response[Message])
    gc.collect()
    assert model() is not None
    assert Response[Message] is model()
