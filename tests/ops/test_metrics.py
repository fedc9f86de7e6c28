"""`/metrics`: Prometheus text that moves with real work, and a Grafana dashboard that
only asks for metrics the process exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kiebot.sim.kie import KieSimulator
from tests.e2e.harness import MODEL, Harness
from tests.ops.support import get, parse_metrics, total, value

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana" / "kiebot.json"
PRICE = 1  # z-image in the bundled catalog


async def _one_delivered_job(harness: Harness) -> None:
    user = harness.new_user()
    await harness.start_chat(user)
    status = await harness.say(user, "a lighthouse on a cliff at dawn")
    final = await harness.wait_final(user, status)
    assert (final.text or "").startswith("✅"), final.text


async def test_counters_move_after_a_real_job(harness: Harness, kie: KieSimulator) -> None:
    await harness.start()
    status, before_text = await get(harness, "/metrics")
    assert status == 200
    _, before = parse_metrics(before_text)

    await _one_delivered_job(harness)

    status, after_text = await get(harness, "/metrics")
    assert status == 200
    names, after = parse_metrics(after_text)  # raises unless it is valid exposition text
    assert value(after, "kiebot_jobs_total", model=MODEL, outcome="done") == 1
    assert value(after, "kiebot_job_duration_seconds_count", model=MODEL) == 1
    assert value(after, "kiebot_delivery_delay_seconds_count") == 1
    assert value(after, "kiebot_credits_total", movement="reserved") == PRICE
    assert value(after, "kiebot_credits_total", movement="captured") == PRICE
    assert value(after, "kiebot_credits_total", movement="released") == 0
    assert value(after, "kiebot_updates_total", type="message") >= 2  # /start, the prompt
    assert total(after, "kiebot_update_handling_seconds_count") >= 2
    creates = total(after, "kiebot_provider_calls_total", code="200")
    assert creates > total(before, "kiebot_provider_calls_total", code="200")
    assert any("createTask" in dict(labels).get("endpoint", "") for (_, labels) in after)
    assert total(after, "kiebot_telegram_calls_total", method="sendPhoto", outcome="ok") == 1
    assert total(after, "kiebot_telegram_calls_total", method="sendMessage", outcome="ok") >= 2
    assert value(after, "kiebot_users") >= 1
    assert value(after, "kiebot_revenue_stars_total") == 0
    assert {"kiebot_queue_depth", "kiebot_jobs_in_flight", "kiebot_event_loop_lag_seconds"} <= names
    assert value(after, "kiebot_jobs_in_flight", job_class="image") == 0


async def test_every_metric_on_the_dashboard_is_exported(
    harness: Harness, kie: KieSimulator
) -> None:
    dashboard = json.loads(DASHBOARD.read_text("utf-8"))
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bkiebot_[a-z_]+", expr)}
    assert len(used) >= 10

    await harness.start()
    await _one_delivered_job(harness)
    _, text = await get(harness, "/metrics")
    _, samples = parse_metrics(text)
    exported = {name for (name, _) in samples}
    assert used <= exported, sorted(used - exported)


async def test_updates_the_flood_gate_drops_are_counted_with_their_reason(
    harness: Harness,
) -> None:
    limit, flood = 2, 5
    await harness.start(user_message_limit=limit)
    user = harness.new_user()
    for _ in range(flood):
        harness.telegram.send_text(user, "/balance")
    await harness.telegram.until(lambda: harness.telegram.pending_updates() == 0)
    probe = harness.new_user("Probe")  # answered: every update before it was handled
    assert "Balance:" in ((await harness.say(probe, "/balance")).text or "")

    _, text = await get(harness, "/metrics")
    _, samples = parse_metrics(text)
    assert value(samples, "kiebot_updates_total", type="message") == flood + 1
    assert value(samples, "kiebot_updates_dropped_total", reason="limited") == flood - limit
