"""Lua scripts, kept as `.lua` files beside this module and registered once.

Each script is headed by a comment naming its KEYS, ARGV and return value. Registering
with `register_script` means the client sends EVALSHA and falls back to EVAL after a
Redis restart has emptied the script cache, so callers never see NOSCRIPT.
"""

from __future__ import annotations

from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


def _source(name: str) -> str:
    return resources.files("kiebot.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


class Scripts:
    """The registered scripts; one attribute per `.lua` file."""

    def __init__(self, redis: Redis) -> None:
        self.ledger_apply: AsyncScript = redis.register_script(_source("ledger_apply"))
