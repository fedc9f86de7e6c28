"""getMe, command lists, descriptions, getChat, close/logOut and answerCallbackQuery."""

from __future__ import annotations

import re
import time
from typing import Any

from kiebot.sim.telegram.api.common import Handler, find_chat
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.errors import QUERY_TOO_OLD, bad_request

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


async def get_me(call: Call) -> Answer:
    me = call.bot.user_api()
    me.update(
        can_join_groups=True,
        can_read_all_group_messages=False,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return Answer(me)


def _commands_key(call: Call) -> str:
    """Command lists are kept per scope and language, as the Bot API keeps them."""
    scope = call.params.json_value("scope", "scope")
    scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
    chat = scope.get("chat_id", "") if isinstance(scope, dict) else ""
    user = scope.get("user_id", "") if isinstance(scope, dict) else ""
    return f"{scope_type}:{chat}:{user}:{call.params.text('language_code')}"


def _command(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise bad_request("can't parse BotCommand: expected an Object")
    command, description = item.get("command"), item.get("description")
    if not isinstance(command, str) or not isinstance(description, str):
        raise bad_request('can\'t parse BotCommand: Field "command" must be of type String')
    if not _COMMAND_RE.match(command.removeprefix("/")) or not 1 <= len(description) <= 256:
        raise bad_request("BOT_COMMAND_INVALID")
    return {"command": command.removeprefix("/"), "description": description}


async def set_my_commands(call: Call) -> Answer:
    raw = call.params.json_value("commands", "commands")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise bad_request("expected an Array of BotCommand")
    call.bot.commands[_commands_key(call)] = [_command(item) for item in raw]
    return Answer(True)


async def delete_my_commands(call: Call) -> Answer:
    call.bot.commands.pop(_commands_key(call), None)
    return Answer(True)


async def get_my_commands(call: Call) -> Answer:
    return Answer(call.bot.commands.get(_commands_key(call), []))


def _text_setting(field: str) -> tuple[Handler, Handler]:
    """A setter and getter pair for setMyDescription and its siblings."""

    async def setter(call: Call) -> Answer:
        call.bot.description[f"{field}:{call.params.text('language_code')}"] = call.params.text(
            field
        )
        return Answer(True)

    async def getter(call: Call) -> Answer:
        key = f"{field}:{call.params.text('language_code')}"
        value = call.bot.description.get(key, call.bot.first_name if field == "name" else "")
        return Answer({field: value})

    return setter, getter


async def get_chat(call: Call) -> Answer:
    chat = find_chat(call)
    info = chat.to_api()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
        },
    )
    return Answer(info)


async def answer_callback_query(call: Call) -> Answer:
    """Answer a button press once, within the time Telegram waits for it."""
    query = call.bot.callbacks.get(call.params.text("callback_query_id").strip())
    ttl = call.core.config.callback_query_ttl
    if query is None or query.answered or call.core.clock() - query.created > ttl:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    query.answer = {
        "text": call.params.text("text") or None,
        "show_alert": call.params.flag("show_alert"),
        "url": call.params.text("url") or None,
        "cache_time": call.params.integer("cache_time"),
        "at": time.time(),
    }
    call.bot.changed(query.chat_id)
    return Answer(True)


async def always_true(call: Call) -> Answer:
    """Methods the simulator accepts without keeping anything (close, logOut, menu button)."""
    return Answer(True)


async def get_chat_menu_button(call: Call) -> Answer:
    return Answer({"type": "commands"})


_DESCRIPTION = _text_setting("description")
_SHORT = _text_setting("short_description")
_NAME = _text_setting("name")

BOT_METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "setMyCommands": set_my_commands,
    "deleteMyCommands": delete_my_commands,
    "getMyCommands": get_my_commands,
    "setMyDescription": _DESCRIPTION[0],
    "getMyDescription": _DESCRIPTION[1],
    "setMyShortDescription": _SHORT[0],
    "getMyShortDescription": _SHORT[1],
    "setMyName": _NAME[0],
    "getMyName": _NAME[1],
    "setChatMenuButton": always_true,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "answerCallbackQuery": answer_callback_query,
    "close": always_true,
    "logOut": always_true,
}
