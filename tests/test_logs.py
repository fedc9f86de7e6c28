"""A secret never reaches the logs (DESIGN.md invariant 7)."""

from __future__ import annotations

import io

import orjson
from loguru import logger

from kiebot.logs import REDACTED, setup_logging

TOKEN = "123456789:AAE_fake-token-for-tests-0123456789ab"
SECRETS = [TOKEN, "kie-secret-key-1", "admin-secret-token", "hmac-secret-key"]


def _capture(*, json: bool) -> io.StringIO:
    stream = io.StringIO()
    setup_logging(level="DEBUG", json=json, secrets=SECRETS, stream=stream)
    return stream


def _emit_everywhere() -> None:
    logger.info("calling https://api.telegram.org/bot{}/getMe", TOKEN)
    logger.bind(user_id=42, key="kie-secret-key-1").warning("KIE rejected a key")
    logger.info("file at https://api.telegram.org/file/bot{}/photos/1.jpg", TOKEN)
    try:
        raise RuntimeError("Authorization: Bearer admin-secret-token hmac=hmac-secret-key")
    except RuntimeError:
        logger.exception("request failed")


def test_human_logs_redact_every_secret() -> None:
    stream = _capture(json=False)
    _emit_everywhere()
    text = stream.getvalue()
    assert "request failed" in text
    assert "user_id=42" in text
    assert text.count(REDACTED) >= 5
    for secret in SECRETS:
        assert secret not in text


def test_json_logs_are_one_object_per_line_with_context() -> None:
    stream = _capture(json=True)
    with logger.contextualize(job_id="j-1", model="z-image"):
        _emit_everywhere()
    lines = stream.getvalue().splitlines()
    entries = [orjson.loads(line) for line in lines]
    assert all(e["job_id"] == "j-1" and e["model"] == "z-image" for e in entries)
    assert entries[1]["user_id"] == 42
    assert "exc" in entries[-1]
    for secret in SECRETS:
        assert secret not in stream.getvalue()


def test_an_unknown_bot_token_shape_is_still_masked() -> None:
    stream = io.StringIO()
    setup_logging(level="INFO", json=False, secrets=[], stream=stream)
    logger.info("GET /bot987654321:ZZZ_other-token-not-configured-xyz1/getUpdates")
    assert "ZZZ_other" not in stream.getvalue()


def test_standard_logging_goes_through_the_redactor() -> None:
    import logging

    stream = _capture(json=False)
    logging.getLogger("aiogram.event").warning("token %s leaked", TOKEN)
    assert "leaked" in stream.getvalue()
    assert TOKEN not in stream.getvalue()
