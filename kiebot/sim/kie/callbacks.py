"""Task-finished callbacks, signed the way KIE signs them, retried a few times.

KIE POSTs the same body recordInfo would return (plus the credits consumed and left) to
the task's callBackUrl when it finishes. With a webhook HMAC key on the account, the
request carries `X-Webhook-Timestamp` (Unix seconds) and `X-Webhook-Signature` =
base64(HMAC-SHA256(key, taskId + "." + timestamp)). A delivery counts when the receiver
answers 2xx; anything else (status, refused connection, timeout) is retried after a
growing delay, and counted as failed once the retries are spent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from kiebot.sim.kie.config import KieSimConfig
from kiebot.sim.kie.stats import SimStats


def sign(hmac_key: str, task_id: str, timestamp: str) -> str:
    """KIE's webhook signature for one callback."""
    digest = hmac.new(hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


class CallbackSender:
    """Delivers callbacks through the simulator's one outgoing ClientSession."""

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        config: KieSimConfig,
        stats: SimStats,
    ) -> None:
        self._session = session
        self._config = config
        self._stats = stats

    def _headers(self, task_id: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._config.hmac_key:
            timestamp = str(int(time.time()))
            headers["X-Webhook-Timestamp"] = timestamp
            headers["X-Webhook-Signature"] = sign(self._config.hmac_key, task_id, timestamp)
        return headers

    async def _post_once(self, url: str, body: bytes, task_id: str) -> bool:
        timeout = aiohttp.ClientTimeout(total=self._config.callback_timeout_s)
        try:
            async with self._session().post(
                url, data=body, headers=self._headers(task_id), timeout=timeout
            ) as resp:
                await resp.read()
                return 200 <= resp.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def deliver(self, url: str, payload: dict[str, Any], task_id: str, key: str) -> bool:
        """POST `payload` to `url`, retrying; True once a receiver accepted it."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in range(1 + max(self._config.callback_retries, 0)):
            if attempt:
                await asyncio.sleep(self._config.callback_retry_delay_s * attempt)
            self._stats.add(key, "callback_attempts")
            if await self._post_once(url, body, task_id):
                self._stats.add(key, "callbacks_sent")
                return True
        self._stats.add(key, "callbacks_failed")
        return False
