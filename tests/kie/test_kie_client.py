"""The client against a scripted KIE: replies, retries, ambiguity, and the key pool."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import orjson
import pytest
from loguru import logger

from kiebot.kie import (
    VEO,
    KeyState,
    KieCreateOutcomeUnknown,
    KieError,
    KieKeyLimitExceeded,
    KieMaintenance,
    KieNoKeyAvailable,
    KieServerError,
    KieTaskNotFound,
    KieTransportError,
    KieUnauthorized,
    KieUnexpectedReply,
    KieUnsafeInput,
    KieValidationError,
    TaskState,
    fingerprint,
)
from tests.kie.conftest import KEY_A, KEY_B, KEY_C, ClientFactory, SleepLog
from tests.kie.fake_kie import (
    CREATE,
    CREDIT,
    RECORD,
    VEO_CREATE,
    VEO_RECORD,
    FakeKie,
    Reply,
    envelope,
)

ID_A, ID_B, ID_C = fingerprint(KEY_A), fingerprint(KEY_B), fingerprint(KEY_C)


def _created(task_id: str) -> Reply:
    return envelope(200, {"taskId": task_id}, text="success")


# -- the happy paths -------------------------------------------------------------------------


async def test_create_sends_the_market_body_and_names_its_key(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, _created("task_1"))
    client = make_client()
    created = await client.create_task(
        "flux-2/pro", {"prompt": "a cat"}, callback_url="https://bot.example/kie/callback"
    )
    assert (created.task_id, created.key_id) == ("task_1", ID_A)
    [call] = fake.calls(CREATE)
    assert call.method == "POST"
    assert call.headers["Authorization"] == f"Bearer {KEY_A}"
    assert call.json == {
        "model": "flux-2/pro",
        "input": {"prompt": "a cat"},
        "callBackUrl": "https://bot.example/kie/callback",
    }


async def test_create_without_callback_leaves_the_field_out(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    await make_client().create_task("m", {"prompt": "p"})
    assert "callBackUrl" not in fake.calls(CREATE)[0].json


async def test_a_telegram_file_url_never_leaves(fake: FakeKie, make_client: ClientFactory) -> None:
    url = "https://api.telegram.org/file/bot123456:AAE-secret_token-value/photos/file_1.jpg"
    with pytest.raises(KieUnsafeInput):
        await make_client().create_task("m", {"prompt": "p", "image_urls": [url]})
    assert fake.seen == []


async def test_get_task_parses_a_full_record(fake: FakeKie, make_client: ClientFactory) -> None:
    data = {
        "taskId": "task_1",
        "model": "flux-2/pro",
        "state": "success",
        "param": orjson.dumps({"model": "flux-2/pro", "input": {"prompt": "a cat"}}).decode(),
        "resultJson": orjson.dumps({"resultUrls": ["https://r.example/1.png"]}).decode(),
        "failCode": "",
        "failMsg": "",
        "progress": 100,
        "createTime": 1_700_000_000_000,
        "updateTime": 1_700_000_005_000,
        "completeTime": 1_700_000_010_000,
    }
    fake.script(RECORD, envelope(200, data))
    client = make_client()
    record = await client.get_task("task_1", ID_A)
    assert fake.calls(RECORD)[0].query == {"taskId": "task_1"}
    assert record.state is TaskState.SUCCESS
    assert record.state.is_terminal
    assert record.model == "flux-2/pro"
    assert record.param == {"model": "flux-2/pro", "input": {"prompt": "a cat"}}
    assert record.result_urls == ("https://r.example/1.png",)
    assert record.fail_code is None
    assert record.fail_msg is None
    assert record.progress == 100.0
    assert record.create_time == datetime.fromtimestamp(1_700_000_000, UTC)
    assert record.complete_time == datetime.fromtimestamp(1_700_000_010, UTC)


@pytest.mark.parametrize(
    "data",
    [
        {"state": "waiting"},
        {"state": "generating", "param": None, "resultJson": None, "progress": None},
        {"state": "queuing", "param": "{not json", "resultJson": "[]", "createTime": "soon"},
    ],
)
async def test_get_task_tolerates_missing_and_odd_fields(
    fake: FakeKie, make_client: ClientFactory, data: dict[str, object]
) -> None:
    fake.script(RECORD, envelope(200, data))
    record = await make_client().get_task("task_9", ID_A)
    assert record.task_id == "task_9"
    assert not record.state.is_terminal
    assert record.param == {}
    assert record.result_urls == ()
    assert record.create_time is None
    assert record.progress is None


async def test_a_failed_task_carries_its_reason(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(
        RECORD, envelope(200, {"state": "fail", "failCode": 400, "failMsg": "nsfw content"})
    )
    record = await make_client().get_task("t", ID_A)
    assert (record.state, record.fail_code, record.fail_msg) == (
        TaskState.FAIL,
        "400",
        "nsfw content",
    )


async def test_an_undocumented_state_is_unknown_not_an_error(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(RECORD, envelope(200, {"state": "thinking"}))
    record = await make_client().get_task("t", ID_A)
    assert record.state is TaskState.UNKNOWN
    assert not record.state.is_terminal


@pytest.mark.parametrize(
    "reply", [envelope(422, text="recordInfo is null"), envelope(404), envelope(200, None)]
)
async def test_an_unknown_task_is_not_found(
    fake: FakeKie, make_client: ClientFactory, reply: Reply
) -> None:
    fake.script(RECORD, reply)
    with pytest.raises(KieTaskNotFound) as caught:
        await make_client().get_task("task_nope", ID_A)
    assert caught.value.blame == "provider"  # a read's 422 is never the user's fault
    assert len(fake.calls(RECORD)) == 1


async def test_veo_family_paths_body_and_record(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(VEO_CREATE, _created("veo_1"))
    fake.script(
        VEO_RECORD,
        envelope(
            200,
            {
                "taskId": "veo_1",
                "paramJson": '{"prompt": "sunset", "model": "veo3_fast"}',
                "completeTime": "2025-06-06 10:30:00",
                "response": {"taskId": "veo_1", "resultUrls": ["https://r.example/v.mp4"]},
                "successFlag": 1,
                "errorCode": None,
                "errorMessage": "",
                "createTime": "2025-06-06 10:25:00",
            },
        ),
    )
    client = make_client()
    created = await client.create_task("veo3_fast", {"prompt": "sunset"}, family=VEO)
    assert fake.calls(VEO_CREATE)[0].json == {"prompt": "sunset", "model": "veo3_fast"}
    record = await client.get_task(created.task_id, created.key_id, family=VEO)
    assert record.state is TaskState.SUCCESS
    assert record.model == "veo3_fast"
    assert record.result_urls == ("https://r.example/v.mp4",)
    assert record.complete_time == datetime(2025, 6, 6, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("flag", "state"), [(0, "generating"), (2, "fail"), (3, "fail"), (None, "unknown")]
)
async def test_veo_success_flags(
    fake: FakeKie, make_client: ClientFactory, flag: int | None, state: str
) -> None:
    fake.script(VEO_RECORD, envelope(200, {"successFlag": flag}))
    record = await make_client().get_task("v", ID_A, family=VEO)
    assert record.state == state


async def test_an_accepted_create_without_task_id_is_an_unknown_outcome(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(200, {}))
    with pytest.raises(KieCreateOutcomeUnknown):
        await make_client().create_task("m", {})
    assert len(fake.calls(CREATE)) == 1


async def test_credits_per_key(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(CREDIT, envelope(200, 12.5), envelope(200, 40))
    client = make_client([KEY_A, KEY_B])
    credits = await client.get_credits()
    assert sorted(credits.values()) == [12.5, 40.0]
    assert set(credits) == {ID_A, ID_B}


async def test_credits_leave_out_a_key_that_turns_out_unusable(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREDIT, envelope(401), envelope(200, 40))
    client = make_client([KEY_A, KEY_B])
    credits = await client.get_credits()
    assert list(credits.values()) == [40.0]
    assert len(client.pool.active_key_ids()) == 1


# -- retries -------------------------------------------------------------------------------


async def test_retryable_errors_back_off_growing_capped_until_attempts_run_out(
    fake: FakeKie, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    fake.script(RECORD, *[envelope(500)] * 6)
    client = make_client(max_attempts=5, base=0.5, cap=2.0)
    with pytest.raises(KieServerError):
        await client.get_task("t", ID_A)
    assert len(fake.calls(RECORD)) == 5
    assert sleeps.waits == [0.5, 1.0, 2.0, 2.0]


async def test_a_retryable_error_then_success(
    fake: FakeKie, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    fake.script(CREATE, envelope(455), Reply(status=500, json={"code": 500, "message": "x"}))
    fake.script(CREATE, _created("task_ok"))
    created = await make_client().create_task("m", {})
    assert created.task_id == "task_ok"
    assert len(fake.calls(CREATE)) == 3
    assert len(sleeps.waits) == 2


async def test_maintenance_that_lasts_gives_up_typed(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, *[envelope(455)] * 3)
    with pytest.raises(KieMaintenance):
        await make_client(max_attempts=3).create_task("m", {})
    assert len(fake.calls(CREATE)) == 3


@pytest.mark.parametrize("code", [401, 402, 404, 422, 433, 501, 505])
async def test_non_retryable_errors_are_not_retried(
    fake: FakeKie, make_client: ClientFactory, sleeps: SleepLog, code: int
) -> None:
    fake.script(RECORD, envelope(code))
    with pytest.raises(KieError) as caught:
        await make_client().get_task("t", ID_A)
    assert caught.value.code == code
    assert len(fake.calls(RECORD)) == 1
    assert sleeps.waits == []


async def test_validation_message_reaches_the_caller(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(422, text="prompt is too long (max 5000)"))
    with pytest.raises(KieValidationError) as caught:
        await make_client().create_task("m", {"prompt": "x" * 6000})
    assert caught.value.message == "prompt is too long (max 5000)"
    assert caught.value.blame == "user"


async def test_a_read_timeout_is_retried(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(RECORD, Reply(delay_s=2.0), envelope(200, {"state": "generating"}))
    record = await make_client().get_task("t", ID_A)
    assert record.state is TaskState.GENERATING
    assert len(fake.calls(RECORD)) == 2


async def test_an_html_502_on_a_read_is_retried(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(RECORD, Reply(status=502, body=b"<html>502</html>", content_type="text/html"))
    record = await make_client().get_task("t", ID_A)
    assert record.state is TaskState.WAITING
    assert len(fake.calls(RECORD)) == 2


# -- creates are not blindly retried ---------------------------------------------------------


async def test_a_create_timeout_after_sending_is_an_unknown_outcome(
    fake: FakeKie, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    fake.script(CREATE, Reply(delay_s=2.0, json={"code": 200, "data": {"taskId": "late"}}))
    with pytest.raises(KieCreateOutcomeUnknown) as caught:
        await make_client().create_task("m", {})
    assert len(fake.calls(CREATE)) == 1
    assert sleeps.waits == []
    assert caught.value.key_id == ID_A
    assert not caught.value.retryable
    assert isinstance(caught.value.__cause__, KieTransportError)


async def test_a_dropped_connection_during_a_create_is_an_unknown_outcome(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, Reply(drop=True))
    with pytest.raises(KieCreateOutcomeUnknown):
        await make_client().create_task("m", {})
    assert len(fake.calls(CREATE)) == 1


async def test_an_html_502_on_a_create_is_an_unknown_outcome(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, Reply(status=502, body=b"<html>502</html>", content_type="text/html"))
    with pytest.raises(KieCreateOutcomeUnknown):
        await make_client().create_task("m", {})
    assert len(fake.calls(CREATE)) == 1


async def test_a_create_that_could_not_connect_is_retried(
    make_client: ClientFactory, sleeps: SleepLog, unused_tcp_port: int
) -> None:
    client = make_client(url=f"http://127.0.0.1:{unused_tcp_port}", max_attempts=3)
    with pytest.raises(KieTransportError) as caught:
        await client.create_task("m", {})
    assert not caught.value.request_sent
    assert len(sleeps.waits) == 2


# -- 429: never a hot loop -------------------------------------------------------------------


async def test_a_429_on_a_read_waits_out_the_key_budget_window(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(RECORD, envelope(429))
    client = make_client(read_limit=10, read_window_s=0.3)
    await client.get_task("t", ID_A)
    first, second = fake.calls(RECORD)
    assert second.time - first.time >= 0.3


async def test_a_429_on_a_create_moves_to_a_key_with_budget(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(429), _created("task_2"))
    client = make_client([KEY_A, KEY_B], create_window_s=30.0)
    created = await client.create_task("m", {})
    first, second = fake.calls(CREATE)
    assert first.headers["Authorization"] != second.headers["Authorization"]
    assert created.key_id == fingerprint(second.headers["Authorization"].removeprefix("Bearer "))


async def test_a_429_on_the_only_key_waits_a_full_window(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(429), envelope(429))
    client = make_client(create_limit=20, create_window_s=0.25)
    await client.create_task("m", {})
    times = [c.time for c in fake.calls(CREATE)]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.25
    assert times[2] - times[1] >= 0.25


# -- the key pool ----------------------------------------------------------------------------


async def test_a_401_removes_the_key_reports_it_and_the_create_moves_on(
    fake: FakeKie, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    rejected: list[tuple[str, str]] = []
    fake.script(CREATE, envelope(401), _created("task_b"))
    client = make_client(
        [KEY_A, KEY_B], on_key_rejected=lambda key_id, why: rejected.append((key_id, why))
    )
    created = await client.create_task("m", {})
    assert created.key_id == ID_B
    assert rejected == [(ID_A, "unauthorized (401)")]
    assert sleeps.waits == []  # a key fault switches keys at once
    assert client.pool.active_key_ids() == [ID_B]
    # the next create uses the remaining key only
    await client.create_task("m", {})
    assert fake.calls(CREATE)[-1].headers["Authorization"] == f"Bearer {KEY_B}"


async def test_a_433_suspends_the_key_and_it_comes_back(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    rejected: list[str] = []
    fake.script(CREATE, envelope(433), _created("task_b"))
    client = make_client(
        [KEY_A, KEY_B], suspend_s=0.2, on_key_rejected=lambda key_id, why: rejected.append(why)
    )
    assert (await client.create_task("m", {})).key_id == ID_B
    assert rejected == ["key usage limit exceeded (433)"]
    status = {s.key_id: s for s in client.pool.status()}
    assert status[ID_A].state is KeyState.SUSPENDED
    await asyncio.sleep(0.25)
    assert set(client.pool.active_key_ids()) == {ID_A, ID_B}


async def test_when_every_key_is_gone_creates_fail_typed(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(401), envelope(401), envelope(401))
    client = make_client([KEY_A, KEY_B, KEY_C])
    with pytest.raises(KieNoKeyAvailable) as caught:
        await client.create_task("m", {})
    assert isinstance(caught.value.__cause__, KieUnauthorized)
    assert caught.value.blame == "operator"
    assert len(fake.calls(CREATE)) == 3
    with pytest.raises(KieNoKeyAvailable):
        await client.create_task("m", {})
    assert len(fake.calls(CREATE)) == 3  # nothing more was sent


async def test_a_read_with_a_rejected_or_unknown_key_fails_without_a_request(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(RECORD, envelope(401))
    client = make_client([KEY_A, KEY_B])
    with pytest.raises(KieUnauthorized):
        await client.get_task("t", ID_A)
    with pytest.raises(KieNoKeyAvailable):
        await client.get_task("t", ID_A)
    with pytest.raises(KieNoKeyAvailable):
        await client.get_task("t", "key-00000000")
    assert len(fake.calls(RECORD)) == 1


async def test_a_suspended_key_can_still_read_its_tasks(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(402))
    client = make_client([KEY_A, KEY_B])
    await client.create_task("m", {})
    assert client.pool.active_key_ids() == [ID_B]
    record = await client.get_task("t", ID_A)
    assert record.state is TaskState.WAITING


async def test_a_create_answered_433_on_the_only_key_is_typed(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREATE, envelope(433))
    with pytest.raises(KieNoKeyAvailable) as caught:
        await make_client().create_task("m", {})
    assert isinstance(caught.value.__cause__, KieKeyLimitExceeded)


async def test_keys_never_reach_logs_or_errors(fake: FakeKie, make_client: ClientFactory) -> None:
    sink = io.StringIO()
    logger.add(sink, level="DEBUG", format="{message} {extra} {exception}")
    fake.script(CREATE, envelope(401, text=f"invalid key {KEY_A}"), envelope(429), envelope(500))
    fake.script(CREATE, Reply(delay_s=2.0))
    client = make_client([KEY_A, KEY_B], create_window_s=0.05)
    with pytest.raises(KieCreateOutcomeUnknown) as caught:
        await client.create_task("m", {})
    texts = [sink.getvalue(), str(caught.value), repr(caught.value), repr(client.pool.status())]
    cause: BaseException | None = caught.value
    while cause is not None:
        texts.append(str(cause))
        cause = cause.__cause__
    for text in texts:
        assert KEY_A not in text
        assert KEY_B not in text
    assert ID_A in sink.getvalue()


async def test_replies_of_the_wrong_shape_are_unexpected(
    fake: FakeKie, make_client: ClientFactory
) -> None:
    fake.script(CREDIT, envelope(200, "lots"))
    fake.script(RECORD, envelope(200, ["not", "a", "record"]))
    client = make_client()
    with pytest.raises(KieUnexpectedReply):
        await client.get_key_credits(ID_A)
    with pytest.raises(KieUnexpectedReply):
        await client.get_task("t", ID_A)
