"""Logging: loguru, human-readable or JSON lines, with every secret redacted.

Redaction happens on the final text of each line, after formatting, so a secret is
removed wherever it would appear: the message, bound context fields, an exception's
message or traceback, a URL. Besides the configured secrets, anything shaped like a
Telegram bot token (which also sits inside Telegram file URLs) is masked, so a token
that reaches a log through a library's message is caught too.

Context (user_id, job_id, model) is bound with `logger.bind()` or
`logger.contextualize()` per update and per job; both formats print it.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC
from typing import TYPE_CHECKING, Any, TextIO

import orjson
from loguru import logger

if TYPE_CHECKING:
    from loguru import Message, Record

REDACTED = "***"
# <bot id>:<35 chars>, as @BotFather issues them; also matches inside /bot<token>/ URLs.
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
# Secrets shorter than this are not redacted by value: masking "1" would garble every line.
_MIN_SECRET_LEN = 6


class Redactor:
    """Replaces known secret values and bot-token-shaped strings with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted({s for s in secrets if len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True)
        patterns = [re.escape(v) for v in values] + [_BOT_TOKEN.pattern]
        self._pattern = re.compile("|".join(patterns))

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text)


class _RedactingSink:
    """A loguru sink that formats a record, redacts the line, then writes it."""

    def __init__(self, stream: TextIO, redactor: Redactor, *, json: bool) -> None:
        self._stream = stream
        self._redact = redactor
        self._json = json

    def __call__(self, message: Message) -> None:
        record = message.record
        line = _json_line(record) if self._json else _human_line(record)
        self._stream.write(self._redact(line) + "\n")
        self._stream.flush()


def _human_line(record: Record) -> str:
    context = " ".join(f"{k}={v}" for k, v in record["extra"].items())
    line = (
        f"{record['time']:%Y-%m-%d %H:%M:%S.%f}"[:-3]
        + f" | {record['level'].name:<7} | {record['name']}:{record['line']} | "
        + record["message"]
        + (f" | {context}" if context else "")
    )
    if record["exception"] is not None:
        line += "\n" + _format_exception(record)
    return line


def _json_line(record: Record) -> str:
    entry: dict[str, Any] = {
        "ts": record["time"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "level": record["level"].name,
        "logger": record["name"],
        "msg": record["message"],
    }
    entry.update(record["extra"])
    if record["exception"] is not None:
        entry["exc"] = _format_exception(record)
    return orjson.dumps(entry, default=str).decode()


def _format_exception(record: Record) -> str:
    exc = record["exception"]
    if exc is None:
        return ""
    return "".join(traceback.format_exception(exc.type, exc.value, exc.traceback)).rstrip()


class _InterceptHandler(logging.Handler):
    """Routes the standard library's logging (aiogram, aiohttp, asyncio) into loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def setup_logging(
    *, level: str, json: bool, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> Redactor:
    """Install the one sink for the process; returns the redactor for other outputs."""
    redactor = Redactor(secrets)
    logger.remove()
    logger.add(
        _RedactingSink(stream or sys.stderr, redactor, json=json),
        level=level,
        # Variable values in tracebacks could hold secrets; we print plain tracebacks.
        backtrace=False,
        diagnose=False,
        catch=True,
    )
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.INFO, force=True)
    # aiohttp's access log repeats what the admin metrics already count.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return redactor
