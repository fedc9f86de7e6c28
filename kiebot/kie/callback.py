"""Verification of KIE's task callbacks.

KIE signs a callback with the account's webhook HMAC key: header `X-Webhook-Signature`
is base64(HMAC-SHA256(key, taskId + "." + timestamp)), with the timestamp (Unix seconds)
in `X-Webhook-Timestamp` and the task id in the JSON body. A callback is only a wake-up
hint -- the job re-reads recordInfo for the real state -- but an unverified one would let
anyone make us poll at will, and a replayed one is just as bad, hence the age check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import orjson

from kiebot.kie.errors import KieCallbackRejected

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"


def callback_signature(hmac_key: str, task_id: str, timestamp: str) -> str:
    """The signature KIE sends for this task id and timestamp (also used by tests)."""
    digest = hmac.new(hmac_key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_callback(
    headers: Mapping[str, str],
    body: bytes,
    *,
    hmac_key: str,
    now: float,
    max_age_s: float = 300.0,
    max_skew_s: float = 60.0,
) -> str:
    """Return the callback's task id, or raise `KieCallbackRejected(reason)`.

    `now` is Unix time in seconds (passed in, so tests need no clock). A timestamp older
    than `max_age_s` is a replay; one more than `max_skew_s` ahead is forged or from a
    badly wrong clock. The signature is compared in constant time.
    """
    timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise KieCallbackRejected("missing signature headers")
    _check_fresh(timestamp, now, max_age_s, max_skew_s)
    task_id = _task_id(body)
    expected = callback_signature(hmac_key, task_id, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise KieCallbackRejected("bad signature")
    return task_id


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # aiohttp's headers are case-insensitive already; a plain dict is searched by hand.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value.strip() if value else None


def _check_fresh(timestamp: str, now: float, max_age_s: float, max_skew_s: float) -> None:
    try:
        sent_at = float(timestamp)
    except ValueError:
        raise KieCallbackRejected("malformed timestamp") from None
    if now - sent_at > max_age_s:
        raise KieCallbackRejected("stale timestamp")
    if sent_at - now > max_skew_s:
        raise KieCallbackRejected("timestamp in the future")


def _task_id(body: bytes) -> str:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise KieCallbackRejected("body is not JSON") from None
    if not isinstance(payload, dict):
        raise KieCallbackRejected("body is not a JSON object")
    data = payload.get("data")
    task_id = data.get("taskId") if isinstance(data, dict) else None
    task_id = task_id or payload.get("taskId")
    if not isinstance(task_id, str) or not task_id:
        raise KieCallbackRejected("no taskId in the body")
    return task_id
