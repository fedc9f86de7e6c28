"""The admin console's HTML pages. Thin handlers: check, call one service, render.

Every page reads the same data as its `/api/` twin (`queries`, `overview`). A form posts,
the action runs, and the browser is redirected (303) back to a page that says what
happened, so a reload never repeats an action; forms that move credits or create jobs
also carry a one-time `op` key, which makes even a double click apply once.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from kiebot.billing import InsufficientBalance
from kiebot.catalog.errors import UnknownModel
from kiebot.jobs import JobError, JobState
from kiebot.web import forms, queries
from kiebot.web.auth import require_page_admin
from kiebot.web.forms import BadInput
from kiebot.web.keys import BILLING, CONSOLE
from kiebot.web.overview import CHART_BAR_MINUTES, CHART_HOURS, overview_of
from kiebot.web.render import render

CHART_WIDTH, CHART_HEIGHT = 720, 120
# Fixed texts for the page a form redirects to (`?done=...`): a link cannot inject any.
_DONE = {
    "credits": "Credits applied; the ledger below shows the entry.",
    "banned": "The user is banned: the bot refuses their messages.",
    "unbanned": "The user is no longer banned.",
    "cancelled": "The job is cancelled; its credits went back to the user.",
    "retried": "Submitted again: this is the new job.",
    "switched": "The model's switch is set; the bot follows it from the next message.",
}


def _done(request: web.Request) -> dict[str, str]:
    return {"text": _DONE.get(request.query.get("done", ""), ""), "kind": "ok"}


def _failed(message: str) -> dict[str, str]:
    return {"text": message, "kind": "bad"}


def chart_geometry(chart: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar positions for the inline SVG (the template only draws)."""
    peak = max([1, *(bar["ended"] for bar in chart)])
    width = CHART_WIDTH / max(len(chart), 1)
    bars = [
        {
            **bar,
            "x": round(i * width, 1),
            "w": round(max(width - 1, 1), 1),
            "ended_h": round(bar["ended"] / peak * CHART_HEIGHT, 1),
            "errors_h": round(bar["errors"] / peak * CHART_HEIGHT, 1),
        }
        for i, bar in enumerate(chart)
    ]
    return {
        "bars": bars,
        "peak": peak,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "hours": CHART_HOURS,
        "bar_minutes": CHART_BAR_MINUTES,
        "first": chart[0]["start"] if chart else None,
    }


async def overview(request: web.Request) -> web.Response:
    require_page_admin(request)
    data = await overview_of(request.app)
    return render(request, "overview.html", o=data, chart=chart_geometry(data["chart"]))


async def jobs(request: web.Request) -> web.Response:
    require_page_admin(request)
    console = request.app[CONSOLE]
    try:
        wanted = forms.job_filter(request.query)
    except BadInput as exc:
        return render(request, "notfound.html", status=400, what=str(exc), flash=_failed(str(exc)))
    found = await queries.list_jobs(console, wanted)
    return render(
        request,
        "jobs.html",
        jobs=[queries.job_dict(job) for job in found],
        filter=wanted.as_dict(),
        states=[state.value for state in JobState if state is not JobState.CREATED],
        model_ids=[entry.id for entry in console.catalog],
    )


async def job(request: web.Request) -> web.Response:
    require_page_admin(request)
    return await _job_page(request, request.match_info["job_id"], _done(request))


async def _job_page(
    request: web.Request, job_id: str, flash: dict[str, str], status: int = 200
) -> web.Response:
    found = await request.app[CONSOLE].store.get(job_id)
    if found is None:
        return render(request, "notfound.html", status=404, what=f"No job {job_id}.", flash="")
    op = secrets.token_urlsafe(12)
    return render(
        request, "job.html", status=status, job=queries.job_dict(found), op=op, flash=flash
    )


async def cancel_job(request: web.Request) -> web.Response:
    require_page_admin(request)
    job_id = request.match_info["job_id"]
    try:
        await request.app[CONSOLE].jobs.cancel_by_operator(forms.job_id(job_id))
    except (JobError, BadInput) as exc:
        return await _job_page(request, job_id, _failed(f"Not cancelled: {exc}"), 409)
    raise web.HTTPSeeOther(f"/jobs/{job_id}?done=cancelled")


async def retry_job(request: web.Request) -> web.Response:
    require_page_admin(request)
    job_id = request.match_info["job_id"]
    form = await request.post()
    try:
        op = forms.op_key(form.get("op")) or secrets.token_urlsafe(12)
        new = await request.app[CONSOLE].jobs.retry(forms.job_id(job_id), op_key=op)
    except (JobError, BadInput) as exc:
        return await _job_page(request, job_id, _failed(f"Not retried: {exc}"), 409)
    raise web.HTTPSeeOther(f"/jobs/{new.job_id}?done=retried")


async def users(request: web.Request) -> web.Response:
    require_page_admin(request)
    query = request.query.get("q", "").strip()
    if not query:
        return render(request, "users.html", query="", flash="")
    found = await queries.find_user(request.app[CONSOLE], query)
    if found is None:
        return render(
            request, "users.html", status=404, query=query, flash=_failed(f"No user {query}.")
        )
    raise web.HTTPSeeOther(f"/users/{found}")


async def user(request: web.Request) -> web.Response:
    require_page_admin(request)
    return await _user_page(request, _done(request))


async def _user_page(
    request: web.Request, flash: dict[str, str], status: int = 200
) -> web.Response:
    raw = request.match_info["user_id"]
    try:
        user_id = forms.user_id(raw)
    except BadInput as exc:
        return render(request, "notfound.html", status=404, what=str(exc), flash="")
    details = await queries.user_details(request.app[CONSOLE], request.app[BILLING], user_id)
    if details is None:
        return render(request, "notfound.html", status=404, what=f"No user {user_id}.", flash="")
    op = secrets.token_urlsafe(12)
    return render(request, "user.html", status=status, user=details, op=op, flash=flash)


async def adjust_credits(request: web.Request) -> web.Response:
    require_page_admin(request)
    form = await request.post()
    try:
        user_id = forms.user_id(request.match_info["user_id"])
        amount, reason = forms.adjustment(
            forms.whole_number(form.get("amount")), form.get("reason")
        )
        op = forms.op_key(form.get("op"))
        await request.app[BILLING].adjust(
            user_id, amount, reason=reason, actor="admin-web", op_key=op
        )
    except BadInput as exc:
        return await _user_page(request, _failed(f"Nothing changed: {exc}."), 400)
    except InsufficientBalance as exc:
        message = f"Nothing changed: the balance is {exc.balance}, it cannot go below 0."
        return await _user_page(request, _failed(message), 409)
    raise web.HTTPSeeOther(f"/users/{user_id}?done=credits")


async def set_banned(request: web.Request) -> web.Response:
    require_page_admin(request)
    form = await request.post()
    try:
        user_id = forms.user_id(request.match_info["user_id"])
        banned = forms.flag(form.get("banned"))
    except BadInput as exc:
        return await _user_page(request, _failed(f"Nothing changed: {exc}."), 400)
    await request.app[BILLING].set_banned(user_id, banned)
    raise web.HTTPSeeOther(f"/users/{user_id}?done={'banned' if banned else 'unbanned'}")


async def models(request: web.Request) -> web.Response:
    require_page_admin(request)
    found = await queries.models(request.app[CONSOLE])
    return render(request, "models.html", models=found, flash=_done(request))


async def switch_model(request: web.Request) -> web.Response:
    require_page_admin(request)
    form = await request.post()
    try:
        enabled = forms.flag(form.get("enabled"))
        await request.app[CONSOLE].switches.set_enabled(request.match_info["model"], enabled)
    except (BadInput, UnknownModel) as exc:
        found = await queries.models(request.app[CONSOLE])
        return render(request, "models.html", status=400, models=found, flash=_failed(str(exc)))
    raise web.HTTPSeeOther("/models?done=switched")


async def errors(request: web.Request) -> web.Response:
    require_page_admin(request)
    records = await queries.errors(request.app[CONSOLE])
    return render(request, "errors.html", errors=records, flash="")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", overview)
    r.add_get("/jobs", jobs)
    r.add_get("/jobs/{job_id}", job)
    r.add_post("/jobs/{job_id}/cancel", cancel_job)
    r.add_post("/jobs/{job_id}/retry", retry_job)
    r.add_get("/users", users)
    r.add_get("/users/{user_id}", user)
    r.add_post("/users/{user_id}/credits", adjust_credits)
    r.add_post("/users/{user_id}/ban", set_banned)
    r.add_get("/models", models)
    r.add_post("/models/{model}", switch_model)
    r.add_get("/errors", errors)
