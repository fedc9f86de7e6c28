"""The control API under /_sim/: play users, read what the bot did, turn the knobs.

Everything the Python interface offers is here as JSON over HTTP, for tests and tools that
run the simulator in another process (`kiebot sim`, the benchmark). Requests name a bot by
its token in a `bot` field or query parameter; without one they address the default bot.
Files travel base64-encoded in JSON (or as multipart file parts for /_sim/photos).

| route | body / query | answer |
|---|---|---|
| POST /_sim/messages | user, text, chat?, reply_to? | {update_id, message} |
| POST /_sim/photos | user, photo (base64 or a multipart file), caption?, media_group_id? | ditto |
| POST /_sim/albums | user, photos [base64], caption? | {messages: [...]} |
| POST /_sim/documents | user, document (base64), file_name, mime_type? | {update_id, message} |
| POST /_sim/stickers, /_sim/voices | user, emoji? / duration? | {update_id, message} |
| POST /_sim/callbacks | user, message_id, data or text, chat_id? | {callback_query_id} |
| POST /_sim/blocks | user (or user_id), blocked, notify? | {blocked} |
| POST /_sim/users | user | {chat_id}: the user has started the bot |
| POST /_sim/payments | user, message_id or link, chat_id? | {pre_checkout_query_id} |
| POST /_sim/subscriptions/renew | charge_id (its first) | {telegram_payment_charge_id} |
| GET /_sim/chats/{chat_id} | | bot messages (edits, deleted), incoming, actions, callbacks |
| GET /_sim/callbacks, /_sim/payments | | button presses / payments with their answers |
| GET /_sim/subscriptions | | Stars subscriptions: expiry, cancelled, charges |
| GET /_sim/stats | | counters |
| GET, POST /_sim/config | {knob: value} | all knobs |
| POST /_sim/reset | {stats?: true} | forgets chats, updates and files |
| GET, POST /_sim/bots | {token, username} | bots with webhook and pending counts |
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kiebot.sim.telegram import incoming
from kiebot.sim.telegram.api.payments import renew_subscription
from kiebot.sim.telegram.config import SimChat, SimUser
from kiebot.sim.telegram.core import SimCore
from kiebot.sim.telegram.params import read_params
from kiebot.sim.telegram.state import BotState

Route = Callable[[web.Request], Awaitable[web.Response]]


class ControlError(Exception):
    """A control request that cannot be done; `status` is 400 or 404."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reply(body: Any, status: int = 200) -> web.Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return web.json_response(text=text, status=status)


def _guard(route: Route) -> Route:
    """Turn ValueError / ControlError into a JSON error answer."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await route(request)
        except ControlError as exc:
            return _reply({"ok": False, "error": str(exc)}, exc.status)
        except (ValueError, KeyError, TypeError) as exc:
            return _reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 400)

    return guarded


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        msg = f"{what} must be a base64 string"
        raise ValueError(msg)
    return base64.b64decode(value, validate=True)


class ControlApi:
    """Route handlers bound to one simulator core."""

    def __init__(self, core: SimCore) -> None:
        self.core = core

    def bot(self, request: web.Request, body: dict[str, Any]) -> BotState:
        token = body.get("bot") or request.query.get("bot") or self.core.config.token
        bot = self.core.bots.get(str(token))
        if bot is None:
            raise ControlError(404, "no such bot")
        return bot

    async def body(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        if request.content_type == "multipart/form-data":
            return await self._multipart(request)
        data = await request.json()
        if not isinstance(data, dict):
            msg = "the body must be a JSON object"
            raise ValueError(msg)
        return data

    async def _multipart(self, request: web.Request) -> dict[str, Any]:
        """Form fields as strings (user and chat as JSON), file parts as base64."""
        params = await read_params(request, self.core.config.file_upload_max)
        data: dict[str, Any] = dict(params.values)
        for key in ("user", "chat"):
            if key in data:
                data[key] = json.loads(data[key])
        for key, upload in params.files.items():
            data[key] = base64.b64encode(upload.data).decode()
        return data

    def routes(self) -> list[web.RouteDef]:
        post = {
            "messages": self.messages,
            "photos": self.photos,
            "albums": self.albums,
            "documents": self.documents,
            "stickers": self.stickers,
            "voices": self.voices,
            "callbacks": self.callbacks,
            "blocks": self.blocks,
            "users": self.users,
            "payments": self.payments,
            "subscriptions/renew": self.renew_subscription,
            "config": self.set_config,
            "reset": self.reset,
            "bots": self.add_bot,
        }
        get = {
            "chats/{chat_id}": self.chat,
            "callbacks": self.list_callbacks,
            "payments": self.list_payments,
            "subscriptions": self.list_subscriptions,
            "stats": self.stats,
            "config": self.get_config,
            "bots": self.list_bots,
        }
        table = [web.post(f"/_sim/{path}", _guard(route)) for path, route in post.items()]
        table += [web.get(f"/_sim/{path}", _guard(route)) for path, route in get.items()]
        return table

    @staticmethod
    def _injected(message: incoming.InjectedMessage) -> dict[str, Any]:
        return {"update_id": message.update_id, "message": dict(message)}

    async def messages(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        reply_to = body.get("reply_to")
        message = incoming.send_text(
            self.core, self.bot(request, body), user, str(body["text"]), chat, reply_to
        )
        return _reply(self._injected(message))

    async def photos(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        message = incoming.send_photo(
            self.core,
            self.bot(request, body),
            user,
            _b64(body.get("photo"), "photo"),
            body.get("caption"),
            body.get("media_group_id"),
            chat,
        )
        return _reply(self._injected(message))

    async def albums(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        photos = [_b64(item, "photos[]") for item in body.get("photos", [])]
        sent = incoming.send_album(
            self.core, self.bot(request, body), user, photos, body.get("caption"), chat
        )
        return _reply({"messages": [self._injected(message) for message in sent]})

    async def documents(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        message = incoming.send_document(
            self.core,
            self.bot(request, body),
            user,
            _b64(body.get("document"), "document"),
            str(body.get("file_name", "file")),
            str(body.get("mime_type", "")),
            body.get("caption"),
            chat,
        )
        return _reply(self._injected(message))

    async def stickers(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        emoji = str(body.get("emoji", "👍"))
        message = incoming.send_sticker(self.core, self.bot(request, body), user, emoji, chat)
        return _reply(self._injected(message))

    async def voices(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user, chat = SimUser.from_json(body.get("user")), SimChat.from_json(body.get("chat"))
        data = _b64(body["voice"], "voice") if "voice" in body else None
        duration = int(body.get("duration", 1))
        bot = self.bot(request, body)
        message = incoming.send_voice(self.core, bot, user, data, duration, chat)
        return _reply(self._injected(message))

    async def callbacks(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        user = SimUser.from_json(body.get("user"))
        chat_id = int(body.get("chat_id", user.id))
        query_id = incoming.press_button(
            self.core,
            self.bot(request, body),
            user,
            chat_id,
            int(body["message_id"]),
            body.get("data"),
            body.get("text"),
        )
        return _reply({"callback_query_id": query_id})

    def _user(self, bot: BotState, body: dict[str, Any]) -> SimUser:
        if "user" in body:
            return SimUser.from_json(body["user"])
        user_id = int(body["user_id"])
        return bot.users.get(user_id) or SimUser(user_id, f"User{user_id}")

    async def blocks(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        bot = self.bot(request, body)
        user = self._user(bot, body)
        blocked = bool(body.get("blocked", True))
        incoming.set_blocked(self.core, bot, user, blocked, bool(body.get("notify", True)))
        return _reply({"user_id": user.id, "blocked": blocked})

    async def users(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        chat = self.bot(request, body).private_chat(SimUser.from_json(body.get("user")))
        return _reply({"chat_id": chat.id})

    async def payments(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        bot = self.bot(request, body)
        user = self._user(bot, body)
        if "link" in body:
            query_id = incoming.pay_invoice_link(self.core, bot, user, str(body["link"]))
            return _reply({"pre_checkout_query_id": query_id})
        chat_id = int(body.get("chat_id", user.id))
        query_id = incoming.pay_invoice(self.core, bot, user, chat_id, int(body["message_id"]))
        return _reply({"pre_checkout_query_id": query_id})

    async def renew_subscription(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        bot = self.bot(request, body)
        charge_id = renew_subscription(self.core, bot, str(body["charge_id"]))
        return _reply({"telegram_payment_charge_id": charge_id})

    async def list_subscriptions(self, request: web.Request) -> web.Response:
        bot = self.bot(request, {})
        return _reply({"subscriptions": [s.to_json() for s in bot.subscriptions.values()]})

    async def chat(self, request: web.Request) -> web.Response:
        bot = self.bot(request, {})
        chat_id = int(request.match_info["chat_id"])
        state = bot.chats.get(chat_id)
        if state is None:
            raise ControlError(404, f"no chat {chat_id}")
        messages = list(state.messages.values())
        return _reply(
            {
                "chat": state.to_api(),
                "messages": [m.to_json() for m in messages if m.outgoing],
                "incoming": [m.to_json() for m in messages if not m.outgoing],
                "actions": [a.to_json() for a in state.actions],
                "callbacks": [q.to_json() for q in bot.callbacks.values() if q.chat_id == chat_id],
                "blocked": state.user is not None and state.user.id in bot.blocked_by,
            }
        )

    async def list_callbacks(self, request: web.Request) -> web.Response:
        bot = self.bot(request, {})
        return _reply({"callbacks": [q.to_json() for q in bot.callbacks.values()]})

    async def list_payments(self, request: web.Request) -> web.Response:
        bot = self.bot(request, {})
        return _reply({"payments": [p.to_json() for p in bot.pre_checkouts.values()]})

    async def stats(self, request: web.Request) -> web.Response:
        return _reply(self.core.stats.snapshot())

    async def get_config(self, request: web.Request) -> web.Response:
        return _reply(self.core.config.knobs())

    async def set_config(self, request: web.Request) -> web.Response:
        return _reply(self.core.config.update(await self.body(request)))

    async def reset(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        for bot in self.core.bots.values():
            bot.reset()
        self.core.blobs.clear()
        if body.get("stats", True):
            self.core.stats.reset()
        return _reply({"ok": True})

    async def add_bot(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        username = str(body.get("username") or "sim_bot")
        bot = self.core.add_bot(str(body["token"]), username, str(body.get("first_name", username)))
        return _reply({"token": bot.token, "id": bot.id, "username": bot.username})

    async def list_bots(self, request: web.Request) -> web.Response:
        bots = [
            {
                "id": bot.id,
                "username": bot.username,
                "token": bot.token,
                "webhook_url": bot.webhook.url,
                "pending_update_count": len(bot.updates),
                "chats": len(bot.chats),
            }
            for bot in self.core.bots.values()
        ]
        return _reply({"bots": bots})


def add_control_routes(app: web.Application, core: SimCore) -> None:
    app.router.add_routes(ControlApi(core).routes())
