"""The console's data, as JSON and as pages, after real jobs went through the real bot:
what the operator reads (overview, jobs, users, models, errors) and what they can do
(cancel, retry, ban, switch a model off)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from loguru import logger

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser
from tests.e2e.harness import MODEL, STARTING_CREDITS, Harness, is_final_text
from tests.web.console_client import TOKEN, Operator, csrf_of, op_of

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PRICE = 1  # z-image in the bundled catalog


@pytest.fixture
async def operator(harness: Harness) -> AsyncIterator[Operator]:
    process = await harness.start()
    op = Operator(process.admin_url)
    yield op
    await op.close()


async def _api(op: Operator, path: str) -> Any:
    reply = await op.http.get(path, headers=AUTH)
    assert reply.status == 200, await reply.text()
    return await reply.json()


async def _post(op: Operator, path: str, body: dict[str, Any], status: int = 200) -> Any:
    reply = await op.http.post(path, json=body, headers=AUTH)
    assert reply.status == status, await reply.text()
    return await reply.json()


async def _done_job(harness: Harness, user: SimUser, prompt: str = "a red fox") -> None:
    status = await harness.say(user, prompt)
    await harness.wait_final(user, status)


async def _one_done_one_failed(harness: Harness, kie: KieSimulator) -> tuple[SimUser, SimUser]:
    anna, boris = harness.new_user("Anna"), harness.new_user("Boris")
    await _done_job(harness, anna)
    kie.fail_next(1, fail_code="500", fail_msg="internal error")
    await _done_job(harness, boris, "a storm")
    return anna, boris


async def test_the_overview_counts_jobs_errors_users_and_waits(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    await _one_done_one_failed(harness, kie)
    o = await _api(operator, "/api/overview")
    assert (o["ended_last_hour"], o["errors_last_hour"], o["success_rate"]) == (2, 1, 0.5)
    assert sum(bar["ended"] for bar in o["chart"]) == 2
    assert sum(bar["errors"] for bar in o["chart"]) == 1
    assert o["new_users"] == {"today": 2, "week": 2}
    assert {q["job_class"]: (q["queued"], q["in_flight"]) for q in o["queues"]} == {
        "image": (0, 0),
        "video": (0, 0),
    }
    [wait] = o["waits"]
    assert (wait["model"], wait["samples"]) == (MODEL, 1)
    assert 0 < wait["p50"] == wait["p95"]
    assert o["provider"]["calls"] >= 4  # two creates, their reads, the credit read
    assert o["kie_credits"]["error"] is None
    assert len(o["kie_credits"]["per_key"]) == len(kie.config.keys)
    assert o["revenue_stars"] == {"today": 0, "week": 0}


async def test_jobs_filter_by_state_model_and_user_and_show_their_timeline(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    anna, boris = await _one_done_one_failed(harness, kie)
    failed = (await _api(operator, "/api/jobs?state=failed"))["jobs"]
    assert [(j["user_id"], j["error"]) for j in failed] == [(boris.id, "kie.generation_failed")]
    assert len((await _api(operator, f"/api/jobs?model={MODEL}"))["jobs"]) == 2
    [mine] = (await _api(operator, f"/api/jobs?user={anna.id}"))["jobs"]
    job = await _api(operator, f"/api/jobs/{mine['job_id']}")
    assert [step["state"] for step in job["timeline"]] == [
        "created", "queued", "submitting", "running", "delivering", "done",
    ]  # fmt: skip
    assert job["task_id"]
    assert (job["cancellable"], job["retryable"]) == (False, False)


async def test_cancelling_a_running_job_gives_the_user_their_credits_back(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    kie.set_model_duration(MODEL, 60)
    user = harness.new_user()
    status = await harness.say(user, "a slow sunrise")
    [running] = await harness.wait_running(user)
    cancelled = await _post(operator, f"/api/jobs/{running.job_id}/cancel", {})
    assert cancelled["state"] == "cancelled"
    assert (await harness.wait_final(user, status)).text
    money = await harness.settled(user)
    assert (money.balance, money.held) == (STARTING_CREDITS, 0)
    # Cancelling again changes nothing (the release happened once: `settled` checked it).
    again = await _post(operator, f"/api/jobs/{running.job_id}/cancel", {})
    assert again["state"] == "cancelled"
    assert (await harness.money(user)).balance == STARTING_CREDITS


async def test_a_failed_job_is_retried_once_per_op_and_the_user_pays_for_the_new_one(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    anna, boris = await _one_done_one_failed(harness, kie)
    [failed] = (await _api(operator, "/api/jobs?state=failed"))["jobs"]
    before = harness.last_id(boris)
    first = await _post(operator, f"/api/jobs/{failed['job_id']}/retry", {"op": "retry-op-1"})
    second = await _post(operator, f"/api/jobs/{failed['job_id']}/retry", {"op": "retry-op-1"})
    assert first["job_id"] == second["job_id"] != failed["job_id"]
    assert first["input"] == failed["input"]
    [done] = (await _api(operator, f"/api/jobs?user={anna.id}"))["jobs"]
    refused = await operator.http.post(
        f"/api/jobs/{done['job_id']}/retry", json={"op": "retry-op-2"}, headers=AUTH
    )
    assert refused.status == 409  # only a failed or expired job is retried
    # The new job has its own status message, which ends as any job's does.
    await harness.next_message(boris, before, lambda m: is_final_text(m.text or ""))
    assert len(harness.photos(boris)) == 1
    money = await harness.settled(boris)
    assert (money.balance, money.held) == (STARTING_CREDITS - PRICE, 0)
    assert [e.type for e in money.ledger] == [
        "grant", "reservation", "release", "reservation", "capture",
    ]  # fmt: skip


async def test_a_user_is_found_by_username_and_banned(operator: Operator, harness: Harness) -> None:
    user = SimUser(id=2**33 + 77, first_name="Kate", username="Kate_Draws")
    await harness.start_chat(user)
    found = await _api(operator, "/api/users?q=@kate_draws")
    assert (found["user_id"], found["username"], found["balance"]) == (
        user.id, "Kate_Draws", STARTING_CREDITS,
    )  # fmt: skip
    assert [e["type"] for e in found["ledger"]] == ["grant"]
    assert (await _api(operator, f"/api/users?q={user.id}"))["user_id"] == user.id
    assert (await operator.http.get("/api/users?q=@nobody", headers=AUTH)).status == 404
    await _post(operator, f"/api/users/{user.id}/ban", {"banned": True})
    assert (await _api(operator, f"/api/users/{user.id}"))["banned"] is True
    await harness.say(user, "a prompt while banned")  # answered once, politely
    assert await harness.jobs_of(user) == []
    await _post(operator, f"/api/users/{user.id}/ban", {"banned": False})
    status = await harness.say(user, "a prompt once unbanned")
    await harness.wait_final(user, status)
    assert len(await harness.jobs_of(user)) == 1


async def test_a_model_switched_off_is_not_used_by_the_bot_until_switched_on(
    operator: Operator, harness: Harness
) -> None:
    user = harness.new_user()
    await harness.start_chat(user)
    await _post(operator, f"/api/models/{MODEL}", {"enabled": False})
    [row] = [m for m in (await _api(operator, "/api/models"))["models"] if m["id"] == MODEL]
    assert (row["enabled"], row["overridden"], row["price"]) == (False, True, PRICE)
    assert (row["spent_today"], row["daily_budget"]) == (0, None)

    off = await harness.say(user, "a cat while the model is off")
    assert "Z-Image" not in (off.text or "")
    assert MODEL not in {job.model for job in await harness.jobs_of(user)}

    await _post(operator, f"/api/models/{MODEL}", {"enabled": True})
    on = await harness.say(user, "a cat once it is back")
    assert "Z-Image" in (on.text or "")
    assert MODEL in {job.model for job in await harness.jobs_of(user)}
    [row] = [m for m in (await _api(operator, "/api/models"))["models"] if m["id"] == MODEL]
    assert row["spent_today"] == PRICE  # reserved counts, as against a daily budget


async def test_the_pages_show_the_same_data(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    anna, _ = await _one_done_one_failed(harness, kie)
    logger.error("KIE said no to e2e-admin-token, oddly")
    await operator.login()
    status, page = await operator.page("/")
    assert status == 200
    assert 'data-figure="errors"><b>1</b>' in page
    assert "<svg" in page
    [job] = (await _api(operator, f"/api/jobs?user={anna.id}"))["jobs"]
    _, jobs_page = await operator.page(f"/jobs?user={anna.id}")
    assert job["job_id"][:12] in jobs_page
    _, job_page = await operator.page(f"/jobs/{job['job_id']}")
    assert f'data-field="task_id">{job["task_id"]}<' in job_page
    _, user_page = await operator.page(f"/users/{anna.id}")
    assert f'data-field="balance">{STARTING_CREDITS - PRICE}<' in user_page
    _, models_page = await operator.page("/models")
    assert f'id="model-{MODEL}"' in models_page
    _, errors_page = await operator.page("/errors")
    assert "KIE said no to ***, oddly" in errors_page
    assert "e2e-admin-token" not in errors_page
    status, _ = await operator.page("/jobs/0123456789abcdef0123456789abcdef")
    assert status == 404


async def test_the_page_forms_cancel_retry_once_and_switch_a_model(
    operator: Operator, harness: Harness, kie: KieSimulator
) -> None:
    await operator.login()
    kie.set_model_duration(MODEL, 60)
    user = harness.new_user()
    await harness.say(user, "a slow one")
    [running] = await harness.wait_running(user)
    page = f"/jobs/{running.job_id}"
    cancelled = await operator.submit(page, f"{page}/cancel")
    assert cancelled.headers["Location"] == f"{page}?done=cancelled"
    _, shown = await operator.page(f"{page}?done=cancelled")
    assert "its credits went back to the user" in shown
    assert '<span class="state-cancelled">cancelled</span>' in shown

    kie.set_model_duration(MODEL, 0.3)
    kie.fail_next(1, fail_code="500", fail_msg="internal error")
    status = await harness.say(user, "one that fails")
    await harness.wait_final(user, status)
    [failed] = [j for j in await harness.jobs_of(user) if j.state == "failed"]
    _, job_page = await operator.page(f"/jobs/{failed.job_id}")
    form = {"csrf_token": csrf_of(job_page), "op": op_of(job_page)}
    retry = f"/jobs/{failed.job_id}/retry"
    first = await operator.http.post(retry, data=form, allow_redirects=False)
    twice = await operator.http.post(retry, data=form, allow_redirects=False)  # double click
    assert first.status == twice.status == 303
    assert first.headers["Location"] == twice.headers["Location"]
    assert len(await harness.jobs_of(user)) == 3

    switched = await operator.submit("/models", f"/models/{MODEL}", enabled=0)
    assert switched.headers["Location"] == "/models?done=switched"
    _, models_page = await operator.page("/models")
    row = models_page.split(f'id="model-{MODEL}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>off" in row
