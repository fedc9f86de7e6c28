"""Endpoint families: where a model's tasks are created and read, and how replies look.

Most KIE models live in the "market" family (`/api/v1/jobs/createTask` and
`recordInfo`); some (Veo 3.1, 4o Image, Flux Kontext, Runway, Suno) have endpoints and
record shapes of their own. The catalog names a family per model; the client only knows
how to send and retry, the family knows paths and shapes. Adding a family is adding an
`EndpointFamily` value and registering it in `FAMILIES`.

Record parsing is tolerant on purpose: a missing or oddly typed field becomes None or
empty rather than an error, because a task's state is read many times and one odd reply
should not fail a paid job. Only what cannot be done without (a task id on create) is
strict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from kiebot.kie.errors import KieUnexpectedReply
from kiebot.kie.models import TaskRecord, TaskState

# A number this large is a time in milliseconds (it would be the year 5138 in seconds).
_MS_THRESHOLD = 100_000_000_000

CreateBodyBuilder = Callable[[str, Mapping[str, Any], str | None], dict[str, Any]]
RecordParser = Callable[[Mapping[str, Any], str], TaskRecord]


@dataclass(frozen=True, slots=True)
class EndpointFamily:
    """How one family of models is driven. Paths are relative to the API base URL."""

    name: str
    create_path: str
    record_path: str
    build_create_body: CreateBodyBuilder
    parse_record: RecordParser

    def parse_created(self, data: object) -> str:
        """The task id out of a successful create reply's `data`."""
        task_id = data.get("taskId") if isinstance(data, Mapping) else None
        if not isinstance(task_id, str) or not task_id:
            raise KieUnexpectedReply(f"a {self.name} create reply without a taskId")
        return task_id


# -- tolerant field readers ----------------------------------------------------------


def json_object(value: object) -> dict[str, Any]:
    """A JSON object that may arrive as a string (KIE's `param`, `resultJson`) or as is."""
    if isinstance(value, str | bytes) and value:
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def _opt_str(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _opt_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _str_tuple(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v)


def _time(value: object) -> datetime | None:
    """Milliseconds or seconds since the epoch, or a "YYYY-MM-DD HH:MM:SS" string.

    KIE does not say which zone its date strings are in; they are read as UTC.
    """
    number = _opt_float(value)
    if number is not None:
        seconds = number / 1000 if number >= _MS_THRESHOLD else number
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# -- market ----------------------------------------------------------------------------


def _market_body(
    model: str, task_input: Mapping[str, Any], callback_url: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "input": dict(task_input)}
    if callback_url:
        body["callBackUrl"] = callback_url
    return body


def _market_record(data: Mapping[str, Any], task_id: str) -> TaskRecord:
    param = json_object(data.get("param"))
    result = json_object(data.get("resultJson"))
    return TaskRecord(
        task_id=_opt_str(data.get("taskId")) or task_id,
        state=TaskState.parse(data.get("state")),
        model=_opt_str(data.get("model")) or _opt_str(param.get("model")),
        param=param,
        result_urls=_str_tuple(result.get("resultUrls")),
        fail_code=_opt_str(data.get("failCode")),
        fail_msg=_opt_str(data.get("failMsg")),
        progress=_opt_float(data.get("progress")),
        create_time=_time(data.get("createTime")),
        update_time=_time(data.get("updateTime")),
        complete_time=_time(data.get("completeTime")),
        raw=dict(data),
    )


MARKET = EndpointFamily(
    name="market",
    create_path="/api/v1/jobs/createTask",
    record_path="/api/v1/jobs/recordInfo",
    build_create_body=_market_body,
    parse_record=_market_record,
)


# -- Veo 3.1 -----------------------------------------------------------------------------

# successFlag: 0 generating, 1 success, 2 failed, 3 generation failed.
_VEO_STATES = {0: TaskState.GENERATING, 1: TaskState.SUCCESS, 2: TaskState.FAIL, 3: TaskState.FAIL}


def _veo_body(
    model: str, task_input: Mapping[str, Any], callback_url: str | None
) -> dict[str, Any]:
    # Veo takes its fields at the top level, the model among them.
    body: dict[str, Any] = {**task_input, "model": model}
    if callback_url:
        body["callBackUrl"] = callback_url
    return body


def _veo_state(flag: object) -> TaskState:
    number = _opt_float(flag)
    return (
        _VEO_STATES.get(int(number), TaskState.UNKNOWN) if number is not None else TaskState.UNKNOWN
    )


def _veo_record(data: Mapping[str, Any], task_id: str) -> TaskRecord:
    param = json_object(data.get("paramJson"))
    response = json_object(data.get("response"))
    return TaskRecord(
        task_id=_opt_str(data.get("taskId")) or task_id,
        state=_veo_state(data.get("successFlag")),
        model=_opt_str(param.get("model")),
        param=param,
        result_urls=_str_tuple(response.get("resultUrls")),
        fail_code=_opt_str(data.get("errorCode")),
        fail_msg=_opt_str(data.get("errorMessage")),
        progress=_opt_float(data.get("progress")),
        create_time=_time(data.get("createTime")),
        update_time=_time(data.get("updateTime")),
        complete_time=_time(data.get("completeTime")),
        raw=dict(data),
    )


VEO = EndpointFamily(
    name="veo",
    create_path="/api/v1/veo/generate",
    record_path="/api/v1/veo/record-info",
    build_create_body=_veo_body,
    parse_record=_veo_record,
)

FAMILIES: dict[str, EndpointFamily] = {family.name: family for family in (MARKET, VEO)}
