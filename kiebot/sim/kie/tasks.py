"""A simulated task: its state is a function of the clock, not of a background job.

At creation the simulator draws the task's whole future (total duration, outcome) from its
seeded RNG. From then on `state_at(now)` answers waiting -> queuing -> generating ->
success | fail purely from the elapsed time, so ten thousand waiting tasks cost ten
thousand small records and no coroutines. Only the moment a task ends needs a timer (for
its callback and its refund), and one scheduler in the simulator serves all of them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from kiebot.sim.kie.models import Family, ModelKind

TaskState = Literal["waiting", "queuing", "generating", "success", "fail"]

# Share of a task's duration spent in each phase before it ends.
_WAITING_SHARE = 0.10
_QUEUING_SHARE = 0.15

# Failures a task ends with, as (failCode, failMsg); failCode is a string in KIE's schema.
# "500" and "GENERATION_FAILED" are the values KIE's docs show; "400" is the code image
# models' callbacks document for "content violates policy" (moderation, the most common).
FAILURES: tuple[tuple[str, str], ...] = (
    (
        "400",
        "Your request was rejected by the content moderation system: the prompt or image "
        "violates the content policy. Please modify it and try again.",
    ),
    ("500", "Internal server error"),
    ("GENERATION_FAILED", "The generation task failed."),
)
FAILURE_WEIGHTS = (6, 3, 1)


def credit_number(value: float) -> float | int:
    """Credits as KIE prints them: whole numbers without a fraction."""
    return int(value) if float(value).is_integer() else round(value, 4)


@dataclass
class SimTask:
    """Everything the simulator knows about one task; times are the simulator's clock."""

    task_id: str
    model: str
    kind: ModelKind
    key: str
    account: str
    param: str
    callback_url: str | None
    cost: float
    created_at: float
    created_ms: int
    duration_s: float
    failure: tuple[str, str] | None
    progress: bool
    base_url: str
    family: Family = "market"
    finalized: bool = False
    refunded: bool = False

    @property
    def ends_at(self) -> float:
        return self.created_at + self.duration_s

    def _boundaries(self) -> tuple[float, float]:
        waiting_end = self.duration_s * _WAITING_SHARE
        return waiting_end, waiting_end + self.duration_s * _QUEUING_SHARE

    def state_at(self, now: float) -> TaskState:
        """The state KIE would report at simulator time `now`."""
        elapsed = now - self.created_at
        if elapsed >= self.duration_s:
            return "fail" if self.failure else "success"
        waiting_end, queuing_end = self._boundaries()
        if elapsed < waiting_end:
            return "waiting"
        return "queuing" if elapsed < queuing_end else "generating"

    def progress_at(self, now: float) -> int:
        """0-100: 0 until generation starts, then linear, 100 only on success."""
        state = self.state_at(now)
        if state == "success":
            return 100
        if state in ("waiting", "queuing", "fail"):
            return 0
        _, gen_start = self._boundaries()
        span = max(self.duration_s - gen_start, 1e-9)
        done = (now - self.created_at - gen_start) / span
        return max(0, min(99, int(done * 100)))

    def _changed_at_ms(self, now: float) -> int:
        """Wall-clock ms of the last state change (updateTime)."""
        elapsed = now - self.created_at
        waiting_end, queuing_end = self._boundaries()
        marks = [0.0, waiting_end, queuing_end, self.duration_s]
        last = max(m for m in marks if m <= max(elapsed, 0.0))
        return self.created_ms + int(last * 1000)

    def result_urls(self) -> list[str]:
        ext = "mp4" if self.kind == "video" else "png"
        return [f"{self.base_url}/media/{self.task_id}.{ext}"]

    def record(self, now: float, *, empty: str | None = "") -> dict[str, Any]:
        """recordInfo's `data`, in the field order KIE documents.

        `param` and `resultJson` are JSON strings, as KIE sends them; `empty` is what KIE
        puts in fields that do not apply yet ("" in the docs' examples, null in others).
        """
        state = self.state_at(now)
        done = state in ("success", "fail")
        record: dict[str, Any] = {
            "taskId": self.task_id,
            "model": self.model,
            "state": state,
            "param": self.param,
            "resultJson": empty,
            "failCode": empty,
            "failMsg": empty,
            "costTime": int(self.duration_s * 1000) if done else None,
            "completeTime": self.created_ms + int(self.duration_s * 1000) if done else None,
            "createTime": self.created_ms,
            "updateTime": self._changed_at_ms(now),
        }
        if state == "success":
            record["resultJson"] = json.dumps(
                {"resultUrls": self.result_urls()}, separators=(",", ":")
            )
        elif state == "fail" and self.failure:
            record["failCode"], record["failMsg"] = self.failure
        if self.progress:
            record["progress"] = self.progress_at(now)
        return record

    def callback_body(self, now: float, style: str, credits_left: float) -> dict[str, Any]:
        """What KIE POSTs to callBackUrl when the task ends, in one of its two documented forms.

        "new" (current docs): msg "Playground task completed successfully." / "... failed.",
        `param`'s `input` double-encoded as a JSON string, `costTime` in *seconds*,
        null fail fields on success, `creditsConsumed`. "old": the recordInfo record plus
        `consumeCredits` / `remainedCredits`, msg "success" or the failMsg.
        """
        failed = self.failure is not None
        consumed = 0 if self.refunded else credit_number(self.cost)
        if style == "old":
            data = {**self.record(now), "consumeCredits": consumed, "remainedCredits": credits_left}
            return {
                "code": 501 if failed else 200,
                "msg": self._fail_msg() or "success",
                "data": data,
            }
        record = self.record(now, empty=None)
        param = json.loads(self.param)
        if isinstance(param, dict) and "input" in param:
            param["input"] = json.dumps(param["input"], separators=(",", ":"))
        record["param"] = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
        record["costTime"] = round(self.duration_s)
        record["creditsConsumed"] = consumed
        msg = "Playground task failed." if failed else "Playground task completed successfully."
        return {"code": 501 if failed else 200, "msg": msg, "data": record}

    # -- Veo 3.1 shapes (docs/kie-models.md section 10) ----------------------------------

    def _veo_flag(self, now: float) -> int:
        """successFlag: 0 generating, 1 success, 3 generation failed (task created)."""
        state = self.state_at(now)
        if state == "success":
            return 1
        return 3 if state == "fail" else 0

    def veo_record(self, now: float) -> dict[str, Any]:
        """record-info's `data`: dates as "YYYY-MM-DD HH:MM:SS" strings, as the docs show."""
        flag = self._veo_flag(now)
        done_ms = self.created_ms + int(self.duration_s * 1000)
        response = {"taskId": self.task_id, "resultUrls": self.result_urls(), "resolution": "720p"}
        failure = self.failure if flag == 3 else None
        return {
            "taskId": self.task_id,
            "paramJson": self.param,
            "completeTime": _date(done_ms) if flag else None,
            "response": response if flag == 1 else None,
            "successFlag": flag,
            "errorCode": int(failure[0]) if failure and failure[0].isdigit() else None,
            "errorMessage": failure[1] if failure else "",
            "createTime": _date(self.created_ms),
            "fallbackFlag": False,
        }

    def veo_callback_body(self, now: float) -> dict[str, Any]:
        """Veo's callback: `info.resultUrls` on success, the error as code and msg."""
        if self.failure is None:
            info = {"resultUrls": self.result_urls(), "resolution": "720p"}
            data = {"taskId": self.task_id, "info": info, "fallbackFlag": False}
            return {"code": 200, "msg": "Veo3.1 video generated successfully.", "data": data}
        code = int(self.failure[0]) if self.failure[0].isdigit() else 501
        data = {"taskId": self.task_id, "fallbackFlag": False}
        return {"code": code, "msg": self.failure[1], "data": data}

    def _fail_msg(self) -> str | None:
        return self.failure[1] if self.failure else None

    def debug_view(self, now: float) -> dict[str, Any]:
        """The control API's view: the record plus what a client cannot see."""
        return {
            **self.record(now),
            "account": self.account,
            "callbackUrl": self.callback_url,
            "cost": self.cost,
            "durationS": self.duration_s,
            "secondsLeft": max(self.ends_at - now, 0.0),
            "plannedFailure": list(self.failure) if self.failure else None,
            "finalized": self.finalized,
            "refunded": self.refunded,
        }


def _date(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000))
