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
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

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


@dataclass(frozen=True, slots=True)
class LogFile:
    """A log file beside stderr: rotated at `max_bytes`, rotated files kept `retention_days`.

    Under systemd, journald already keeps stderr with its own rotation, so the file is
    off by default (`KIEBOT_LOG_FILE`); it is for hosts without a journal, or operators
    who want the JSON lines in the data dir.
    """

    path: Path
    max_bytes: int = 50 * 1024 * 1024
    retention_days: int = 14


class RotatingFile:
    """An append-only text file that rotates itself by size and prunes old rotations.

    Written to from the sink, line by line, like stderr: loguru's own file sink cannot
    be used because the line must be redacted after formatting, and loguru would parse
    the finished line as a format template.
    """

    def __init__(self, spec: LogFile, clock: Any = time.time) -> None:
        self._spec = spec
        self._clock = clock
        spec.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = spec.path.open("a", encoding="utf-8")
        self._size = spec.path.stat().st_size

    def write(self, text: str) -> int:
        if self._size and self._size + len(text) > self._spec.max_bytes:
            self._rotate()
        self._size += len(text.encode())
        return self._file.write(text)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def _rotate(self) -> None:
        self._file.close()
        path = self._spec.path
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self._clock()))
        rotated = path.with_name(f"{path.name}.{stamp}")
        n = 1
        while rotated.exists():
            rotated = path.with_name(f"{path.name}.{stamp}.{n}")
            n += 1
        path.rename(rotated)
        self._prune()
        self._file = path.open("a", encoding="utf-8")
        self._size = 0

    def _prune(self) -> None:
        cutoff = self._clock() - self._spec.retention_days * 86_400
        for old in self._spec.path.parent.glob(self._spec.path.name + ".*"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)


class _RedactingSink:
    """A loguru sink that formats a record, redacts the line, then writes it."""

    def __init__(self, stream: TextIO | RotatingFile, redactor: Redactor, *, json: bool) -> None:
        self._stream = stream
        self._redact = redactor
        self._json = json

    def write(self, message: Message) -> None:
        record = message.record
        line = _json_line(record) if self._json else _human_line(record)
        self._stream.write(self._redact(line) + "\n")
        self._stream.flush()

    def stop(self) -> None:
        """Called by loguru when the sink is removed: a log file is closed, stderr is not."""
        if isinstance(self._stream, RotatingFile):
            self._stream.close()


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
    *,
    level: str,
    json: bool,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    file: LogFile | None = None,
) -> Redactor:
    """Install the process's sink (and the file's, if any); returns the redactor for
    other outputs."""
    redactor = Redactor(secrets)
    logger.remove()
    outputs: list[TextIO | RotatingFile] = [stream or sys.stderr]
    if file is not None:
        outputs.append(RotatingFile(file))
    for output in outputs:
        logger.add(
            _RedactingSink(output, redactor, json=json),
            level=level,
            # Variable values in tracebacks could hold secrets; we print plain tracebacks.
            backtrace=False,
            diagnose=False,
            catch=True,
        )
    # Records below the sink's level are dropped by the standard library itself, before
    # the handler builds a loguru record for nothing (aiogram logs one line per update).
    stdlib_level = logging.getLevelName(level.upper())
    floor = max(logging.INFO, stdlib_level if isinstance(stdlib_level, int) else logging.INFO)
    logging.basicConfig(handlers=[_InterceptHandler()], level=floor, force=True)
    # aiohttp's access log repeats what the admin metrics already count.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return redactor
