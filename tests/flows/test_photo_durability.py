"""A photo job keeps its Telegram file ids, so a failed upload or a restart in the middle
of one uploads again; the user is charged once and gets the result."""

from __future__ import annotations

import asyncio
import time

from kiebot.jobs import Job
from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser
from tests.e2e.harness import WAIT_S, Harness
from tests.flows.conftest import CREDITS
from tests.flows.support import PHOTO, results, task_bodies

UPLOAD = "file-stream-upload"


async def _job_in(harness: Harness, user: SimUser, state: str) -> Job:
    """The user's job once it is in `state` and its status message is on screen (the
    runner may reach the state before the status message's id is written)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        jobs = [
            j
            for j in await harness.jobs_of(user)
            if j.state == state and j.status_message_id is not None
        ]
        if jobs:
            return jobs[0]
        assert time.monotonic() < deadline, f"no job of {user.id} in {state}"
        await asyncio.sleep(0.01)


async def test_a_failed_upload_downloads_again_and_the_job_goes_on(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    kie.inject(UPLOAD, code=500, times=2)
    after = harness.last_id(user)
    harness.telegram.send_photo(user, PHOTO, caption="turn it into a watercolour")
    status = await harness.next_message(user, after, lambda m: m.kind == "text")
    assert (await harness.wait_final(user, status)).text == "✅ Done. 3 credits spent."
    assert kie.stats.totals.answered(UPLOAD, 500) == 2
    assert kie.stats.totals.uploads == 1
    assert kie.stats.totals.telegram_file_urls_seen == 0


async def test_a_restart_during_the_upload_uploads_again_and_charges_once(
    harness: Harness, kie: KieSimulator
) -> None:
    await harness.start()
    user = harness.new_user()
    kie.inject(UPLOAD, code=500, times=1000)  # KIE's upload is down for now
    harness.telegram.send_photo(user, PHOTO, caption="make it night")
    job = await _job_in(harness, user, "submitting")
    await harness.stop()  # as a SIGTERM without drain time: the job stays as written

    kie.faults.clear()
    await harness.start()
    status_id = job.status_message_id
    assert status_id is not None
    await harness.wait_text(user, status_id, lambda t: t.startswith(("✅", "❌")))

    (done,) = await harness.jobs_of(user)
    assert (done.job_id, done.state) == (job.job_id, "done")
    assert len(results(harness, user)) == 1
    (body,) = task_bodies(kie)
    assert body["input"]["prompt"] == "make it night"
    money = await harness.settled(user)
    assert money.balance == CREDITS - 3
    assert kie.stats.totals.telegram_file_urls_seen == 0
