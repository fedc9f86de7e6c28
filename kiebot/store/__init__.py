"""Redis: the client, the key schema and the Lua scripts. Nothing else talks to Redis."""

from kiebot.store.connection import StoreUnavailable, create_redis, ensure_reachable
from kiebot.store.keys import Keys
from kiebot.store.scripts import Scripts

__all__ = ["Keys", "Scripts", "StoreUnavailable", "create_redis", "ensure_reachable"]
