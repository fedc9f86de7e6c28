"""Knobs of the Telegram Bot API simulator, and the people and groups that talk to it.

Every limit the real Bot API enforces is a field here with the real value as its default,
so a test or the benchmark can tighten or relax one without touching code. The object is
mutable on purpose: `sim.config.per_chat_rate = 5` takes effect on the next request,
which is how the benchmark turns flood control up and down while a run is going.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Literal

DEFAULT_TOKEN = "123456:TEST-sim-token-0123456789abcdefghij"  # noqa: S105 (a fake, by design)
"""A token shaped like a real one (`<bot id>:<35 url-safe characters>`)."""

MB = 1024 * 1024
_TOKEN_RE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$")


def bot_id_from_token(token: str) -> int:
    """The bot's user id, which a real token carries before its colon."""
    if not _TOKEN_RE.match(token):
        msg = f"not a bot token: {token[:12]!r}..."
        raise ValueError(msg)
    return int(token.split(":", 1)[0])


@dataclass
class TelegramSimConfig:
    """Every knob of the simulator; the defaults are the real Bot API's.

    Flood control is three token buckets per bot (overall, per chat, per group), each a
    rate and a burst. `violation_grace` is how long after a 429 a request to the same
    scope still counts as "already in flight" rather than "ignored retry_after".
    """

    token: str = DEFAULT_TOKEN
    bot_username: str = "kiebot_sim_bot"
    bot_first_name: str = "KieBot Sim"

    flood_control: bool = True
    global_rate: float = 30.0
    global_burst: float = 30.0
    per_chat_rate: float = 1.0
    per_chat_burst: float = 3.0
    group_rate: float = 20.0 / 60.0
    group_burst: float = 20.0
    count_edits: bool = True
    retry_after_min: int = 1
    violation_grace: float = 0.05

    long_poll_max: float = 50.0
    repeat_poll_min_timeout: float = 3.0
    conflict_repeat_delay: float = 3.0
    first_update_id: int = 1

    max_text_length: int = 4096
    max_caption_length: int = 1024
    max_callback_data: int = 64
    callback_query_ttl: float = 15.0
    pre_checkout_ttl: float = 10.0
    # Telegram's bounds for a Stars price (an invoice, a subscription's monthly price).
    max_invoice_stars: int = 10_000
    max_subscription_stars: int = 10_000
    max_messages_per_chat: int = 2000

    photo_upload_max: int = 10 * MB
    photo_url_max: int = 5 * MB
    file_upload_max: int = 50 * MB
    file_url_max: int = 20 * MB
    download_max: int = 20 * MB
    url_fetch_timeout: float = 10.0
    document_url_strict: bool = True

    webhook_require_https: bool = False
    webhook_timeout: float = 10.0
    webhook_retry_initial: float = 0.1
    webhook_retry_max: float = 5.0
    set_webhook_interval: float = 1.0

    def __post_init__(self) -> None:
        bot_id_from_token(self.token)
        self.validate()

    def validate(self) -> None:
        """Refuse values that would make the simulator divide by zero or never answer."""
        positive = (
            "global_rate",
            "global_burst",
            "per_chat_rate",
            "per_chat_burst",
            "group_rate",
            "group_burst",
            "long_poll_max",
            "webhook_timeout",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                msg = f"{name} must be positive"
                raise ValueError(msg)
        if self.retry_after_min < 1:
            msg = "retry_after_min must be at least 1 (the Bot API never says 'retry after 0')"
            raise ValueError(msg)

    def knobs(self) -> dict[str, Any]:
        """Every field and its current value, for the control API."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Set knobs by name, coercing JSON numbers to each field's type; all or nothing."""
        types = {f.name: f.type for f in fields(self)}
        coerced: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in types or name == "token":
                msg = f"unknown knob {name!r}"
                raise ValueError(msg)
            coerced[name] = _coerce(name, types[name], value)
        old = self.knobs()
        for name, value in coerced.items():
            setattr(self, name, value)
        try:
            self.validate()
        except ValueError:
            for name in coerced:
                setattr(self, name, old[name])
            raise
        return self.knobs()


def _coerce(name: str, type_name: object, value: Any) -> Any:
    """A JSON value turned into the knob's declared type (annotations are strings here)."""
    kind = str(type_name)
    if kind == "bool":
        if not isinstance(value, bool):
            msg = f"{name} takes true or false"
            raise ValueError(msg)
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{name} takes a number"
            raise ValueError(msg)
        return int(value) if kind == "int" else float(value)
    if not isinstance(value, str):
        msg = f"{name} takes a string"
        raise ValueError(msg)
    return value


@dataclass(frozen=True)
class SimUser:
    """A person on the other side of the chat. Ids may exceed 2**32, as real ones do."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    last_name: str | None = None
    is_premium: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API `User` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    @classmethod
    def from_json(cls, data: Any) -> SimUser:
        """A user from a control-API JSON object; `id` and `first_name` are required."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            msg = "user must be an object with an integer id"
            raise ValueError(msg)
        return cls(
            id=data["id"],
            first_name=str(data.get("first_name") or f"User{data['id']}"),
            username=data.get("username"),
            language_code=data.get("language_code", "en"),
            last_name=data.get("last_name"),
            is_premium=bool(data.get("is_premium", False)),
        )


@dataclass(frozen=True)
class SimChat:
    """A group or supergroup the bot is a member of (private chats need no object)."""

    id: int
    title: str = "Sim group"
    type: Literal["group", "supergroup"] = "supergroup"

    def __post_init__(self) -> None:
        if self.id >= 0:
            msg = "group chat ids are negative"
            raise ValueError(msg)

    @classmethod
    def from_json(cls, data: Any) -> SimChat | None:
        """A group from a control-API JSON object, or None for a private chat."""
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            msg = "chat must be an object with an integer id"
            raise ValueError(msg)
        kind = data.get("type", "supergroup")
        if kind not in ("group", "supergroup"):
            msg = "chat type must be group or supergroup"
            raise ValueError(msg)
        return cls(id=data["id"], title=str(data.get("title", "Sim group")), type=kind)
