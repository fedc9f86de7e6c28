"""The one `aiohttp.ClientSession` for KIE: pooled connections, bounded waits.

Owned by the composition root (opened at start-up, closed at shutdown) and handed to
`KieClient`; the client never opens sessions of its own.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_kie_session(
    *,
    pool_size: int = 100,
    per_host: int = 0,
    connect_timeout_s: float = 10.0,
    timeout_s: float = 30.0,
    total_timeout_s: float | None = None,
) -> aiohttp.ClientSession:
    """A session sized for KIE. Call it inside the running event loop.

    `timeout_s` bounds each wait for bytes from KIE (not the whole call), so a slow
    upload or a long reply is fine while a dead connection is not; `total_timeout_s`
    optionally bounds a whole call. `pool_size` must stay above the calls in flight (the
    budgets keep that near (creates + reads per second) x latency per key): a call that
    queues for a connection after taking its budget slot would be sent late, bunched with
    later ones. `per_host` 0 means no cap below `pool_size` (KIE is one host per base).
    Connect timeouts are kept apart from read timeouts
    because only the former prove a create was never sent.
    """
    connector = aiohttp.TCPConnector(limit=pool_size, limit_per_host=per_host, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(
        total=total_timeout_s,
        connect=connect_timeout_s,
        sock_connect=connect_timeout_s,
        sock_read=timeout_s,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        json_serialize=_dumps,
        raise_for_status=False,
        headers={"Accept": "application/json"},
    )
