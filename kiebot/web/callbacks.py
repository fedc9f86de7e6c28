"""KIE's task callbacks: verified, then treated as a wake-up hint for the waiting job.

The callback's body is never trusted for the outcome: the job re-reads `recordInfo`, the
one source of truth. So a replayed genuine callback only causes one extra read, and a
forged one is refused before it can cause even that.

With a webhook HMAC key configured, KIE signs `taskId.timestamp`; without one, the
callback URL carries a per-job signature made with our own secret (`callback_url`), so
only KIE, which we gave the URL to, can wake a job.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson
from aiohttp import web
from loguru import logger

from kiebot.config import Settings
from kiebot.kie import KieCallbackRejected, verify_callback
from kiebot.web.keys import SETTINGS, WAKE_TASK

CALLBACK_PATH = "/kie/callback"
MAX_BODY = 256 * 1024


def _url_signature(settings: Settings, job_id: str) -> str:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    return hmac.new(secret.encode(), f"kie-callback:{job_id}".encode(), hashlib.sha256).hexdigest()


def callback_url(settings: Settings, job_id: str) -> str | None:
    """The URL to give KIE for a job's task, or None without a public URL."""
    if settings.public_url is None:
        return None
    url = f"{settings.public_url}{CALLBACK_PATH}?job={job_id}"
    if settings.kie_webhook_hmac_key is None:
        url += f"&sig={_url_signature(settings, job_id)}"
    return url


async def kie_callback(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await request.content.read(MAX_BODY + 1)
    try:
        task_id = _verified_task_id(settings, request, body)
    except KieCallbackRejected as exc:
        logger.warning("KIE callback refused from {}: {}", request.remote, exc)
        return web.json_response({"code": 401, "msg": "rejected"}, status=401)
    woken = await request.app[WAKE_TASK](task_id)
    logger.info("KIE callback for task {}: {}", task_id, "job woken" if woken else "no waiting job")
    return web.json_response({"code": 200, "msg": "ok"})


def _verified_task_id(settings: Settings, request: web.Request, body: bytes) -> str:
    if len(body) > MAX_BODY:
        raise KieCallbackRejected("body too large")
    if settings.kie_webhook_hmac_key is not None:
        return verify_callback(
            request.headers,
            body,
            hmac_key=settings.kie_webhook_hmac_key.get_secret_value(),
            now=time.time(),
        )
    job_id = request.query.get("job", "")
    given = request.query.get("sig", "")
    if not job_id or not hmac.compare_digest(given, _url_signature(settings, job_id)):
        raise KieCallbackRejected("bad or missing URL signature")
    return _task_id_of(body)


def _task_id_of(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise KieCallbackRejected("body is not JSON") from None
    inner = data.get("data") if isinstance(data, dict) else None
    task_id = (inner or {}).get("taskId") if isinstance(inner, dict) else None
    if not isinstance(task_id, str) or not task_id:
        raise KieCallbackRejected("no taskId in the body")
    return task_id
