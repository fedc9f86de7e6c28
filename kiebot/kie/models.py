"""What the KIE client returns: plain frozen values, parsed once at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class CreatedTask:
    """A task KIE accepted, and the key that created it (the only key that can read it)."""

    task_id: str
    key_id: str


class TaskState(StrEnum):
    """A task's state as recordInfo reports it.

    `UNKNOWN` stands for a state KIE did not document (or none at all): not terminal, so
    the job keeps polling until its own timeout instead of failing on a new word.
    """

    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskState.SUCCESS, TaskState.FAIL)

    @classmethod
    def parse(cls, value: object) -> TaskState:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """One reading of a task, the one source of truth for its state.

    `param` is the create request KIE recorded (decoded from its JSON string);
    `result_urls` are the outputs, present on success. Missing fields are None or empty.
    `raw` keeps KIE's `data` object for fields the client does not model.
    """

    task_id: str
    state: TaskState
    model: str | None = None
    param: Mapping[str, Any] = field(default_factory=dict)
    result_urls: tuple[str, ...] = ()
    fail_code: str | None = None
    fail_msg: str | None = None
    progress: float | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    complete_time: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file KIE now hosts (for 3 days); `url` goes into a task's input."""

    url: str
    file_name: str | None = None
    size: int | None = None
    mime_type: str | None = None
    upload_path: str | None = None
