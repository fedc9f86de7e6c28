"""The latest ERROR log records, kept in memory for the admin console's errors page.

A loguru sink fills a bounded ring (the oldest record falls off), so the page shows what
went wrong lately without anyone opening the log files; memory stays flat whatever the
error rate. The ring is per process and empty after a restart: the log files keep the
history. Every text is passed through the same `Redactor` as the log lines before it is
stored, so the page can never show a secret the logs would have hidden.
"""

from __future__ import annotations

import contextlib
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from loguru import Message

CAPACITY = 200


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One logged error: when, where, the message, its context and its traceback."""

    time: float
    level: str
    where: str  # module:line
    message: str
    context: dict[str, str]  # bound fields: job_id, user_id, model, update_id
    exception: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "time": self.time,
            "level": self.level,
            "where": self.where,
            "message": self.message,
            "context": self.context,
            "exception": self.exception,
        }


class RecentErrors:
    """A ring of the latest `capacity` records at ERROR or above, newest last."""

    def __init__(self, redact: Callable[[str], str], capacity: int = CAPACITY) -> None:
        self._redact = redact
        self._records: deque[ErrorRecord] = deque(maxlen=capacity)

    def install(self) -> Callable[[], None]:
        """Add the sink to loguru; returns the function that removes it again."""
        sink_id = logger.add(self._sink, level="ERROR", backtrace=False, diagnose=False)

        def remove() -> None:
            with contextlib.suppress(ValueError):  # already gone: logger.remove() cleared all
                logger.remove(sink_id)

        return remove

    def latest(self, limit: int = CAPACITY) -> list[ErrorRecord]:
        """Newest first."""
        return list(reversed(self._records))[:limit]

    def __len__(self) -> int:
        return len(self._records)

    def _sink(self, message: Message) -> None:
        record = message.record
        exc = record["exception"]
        trace = None
        if exc is not None and exc.type is not None:
            lines = traceback.format_exception(exc.type, exc.value, exc.traceback)
            trace = self._redact("".join(lines).rstrip())
        self._records.append(
            ErrorRecord(
                time=record["time"].timestamp(),
                level=record["level"].name,
                where=f"{record['name']}:{record['line']}",
                message=self._redact(record["message"]),
                context={k: self._redact(str(v)) for k, v in record["extra"].items()},
                exception=trace,
            )
        )
