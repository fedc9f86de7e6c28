"""KIE's reply envelope, decoded into data or a typed error.

The body's `code` is what counts: KIE may answer HTTP 200 with an error code inside.
It may also answer with the HTTP status set to the code, with or without a JSON body,
and name the text `msg` or `message`. A body that is not KIE's JSON at all (an HTML 502
page from a proxy, an empty 504) is a transport problem, not an answer from KIE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from kiebot.kie.errors import ERRORS_BY_CODE, KieTransportError, error_for_code

SUCCESS = 200
_REDACTED = "***"


def _as_code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _envelope(body: bytes) -> Mapping[str, Any] | None:
    try:
        decoded = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, Mapping) else None


def _message(envelope: Mapping[str, Any]) -> str:
    text = envelope.get("msg") or envelope.get("message") or ""
    return text if isinstance(text, str) else str(text)


def parse_retry_after(value: str | None) -> float | None:
    """The `Retry-After` header in seconds, when it is a number (dates are ignored)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def parse_reply(
    status: int,
    body: bytes,
    *,
    key_id: str | None = None,
    secret: str | None = None,
    retry_after: float | None = None,
) -> Any:
    """Return the envelope's `data` on success; raise the typed error otherwise.

    `secret` is scrubbed out of any message KIE sends back, in case it echoes the key.
    """
    envelope = _envelope(body)
    code = _as_code(envelope.get("code")) if envelope is not None else None
    if envelope is not None and code is None and 200 <= status < 300:
        # A JSON reply with no code at all but a 2xx status: take it as success.
        code = SUCCESS
    if code is None:
        code = status if status in ERRORS_BY_CODE else None
    if code is None:
        raise KieTransportError(
            f"HTTP {status} without a KIE reply",
            request_sent=True,
            key_id=key_id,
            http_status=status,
        )
    if code == SUCCESS:
        return envelope.get("data") if envelope is not None else None
    message = _message(envelope) if envelope is not None else ""
    message = message or f"HTTP {status}"
    if secret:
        message = message.replace(secret, _REDACTED)
    raise error_for_code(code, message, key_id=key_id, http_status=status, retry_after=retry_after)
