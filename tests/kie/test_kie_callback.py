"""Callback verification: the signature KIE documents, freshness, and malformed input."""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
import pytest
from multidict import CIMultiDict

from kiebot.kie import KieCallbackRejected, callback_signature, verify_callback

HMAC_KEY = "webhook-hmac-key"
NOW = 1_750_000_000.0
TASK = "task_abc123"


def _body(task_id: str | None = TASK, *, top_level: bool = False) -> bytes:
    if top_level:
        return orjson.dumps({"code": 200, "taskId": task_id})
    return orjson.dumps(
        {"code": 200, "msg": "done", "data": {"taskId": task_id, "state": "success"}}
    )


def _headers(timestamp: float = NOW, task_id: str = TASK, key: str = HMAC_KEY) -> dict[str, str]:
    stamp = str(int(timestamp))
    return {
        "X-Webhook-Timestamp": stamp,
        "X-Webhook-Signature": callback_signature(key, task_id, stamp),
    }


def _reason(headers: dict[str, str] | CIMultiDict[str], body: bytes) -> str:
    with pytest.raises(KieCallbackRejected) as caught:
        verify_callback(headers, body, hmac_key=HMAC_KEY, now=NOW)
    return caught.value.reason


def test_the_signature_is_the_documented_construction() -> None:
    digest = hmac.new(HMAC_KEY.encode(), f"{TASK}.123".encode(), hashlib.sha256).digest()
    assert callback_signature(HMAC_KEY, TASK, "123") == base64.b64encode(digest).decode()


def test_a_valid_callback_yields_its_task_id() -> None:
    assert verify_callback(_headers(), _body(), hmac_key=HMAC_KEY, now=NOW) == TASK


def test_a_top_level_task_id_is_accepted() -> None:
    assert verify_callback(_headers(), _body(top_level=True), hmac_key=HMAC_KEY, now=NOW) == TASK


def test_header_names_are_case_insensitive() -> None:
    lowered = {k.lower(): v for k, v in _headers().items()}
    assert verify_callback(lowered, _body(), hmac_key=HMAC_KEY, now=NOW) == TASK
    assert verify_callback(CIMultiDict(lowered), _body(), hmac_key=HMAC_KEY, now=NOW) == TASK


def test_a_recent_timestamp_within_the_window_passes() -> None:
    headers = _headers(NOW - 299)
    assert verify_callback(headers, _body(), hmac_key=HMAC_KEY, now=NOW) == TASK


def test_a_bad_signature_is_rejected() -> None:
    assert _reason(_headers(key="another-key"), _body()) == "bad signature"


def test_a_signature_for_another_task_is_rejected() -> None:
    assert _reason(_headers(task_id="task_other"), _body()) == "bad signature"


def test_a_non_ascii_signature_is_rejected_not_crashed() -> None:
    headers = {**_headers(), "X-Webhook-Signature": "подпись"}
    assert _reason(headers, _body()) == "bad signature"


def test_a_stale_timestamp_is_rejected() -> None:
    assert _reason(_headers(NOW - 301), _body()) == "stale timestamp"


def test_a_future_timestamp_is_rejected() -> None:
    assert _reason(_headers(NOW + 120), _body()) == "timestamp in the future"


@pytest.mark.parametrize("missing", ["X-Webhook-Timestamp", "X-Webhook-Signature"])
def test_missing_headers_are_rejected(missing: str) -> None:
    headers = _headers()
    del headers[missing]
    assert _reason(headers, _body()) == "missing signature headers"


def test_a_malformed_timestamp_is_rejected() -> None:
    headers = {**_headers(), "X-Webhook-Timestamp": "yesterday"}
    assert _reason(headers, _body()) == "malformed timestamp"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_body(None), "no taskId in the body"),
        (orjson.dumps({"code": 200, "data": {}}), "no taskId in the body"),
        (orjson.dumps({"data": {"taskId": 42}}), "no taskId in the body"),
        (b"[1, 2]", "body is not a JSON object"),
        (b"<html>", "body is not JSON"),
    ],
)
def test_a_body_without_a_task_id_is_rejected(body: bytes, reason: str) -> None:
    assert _reason(_headers(), body) == reason
