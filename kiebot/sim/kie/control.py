"""The /_sim/ control API: the simulator's knobs and counters over JSON.

For what cannot reach the simulator object in-process: the demo's operator, the
benchmark driving a separately started `kiebot sim`, a curl during debugging. Replies are
plain JSON (not KIE's envelope), errors are HTTP 400 `{"error": ...}`. There is no auth:
the simulator is meant for loopback only.

| route | body | does |
|---|---|---|
| GET /_sim/stats | | counters, accounts, pending injections |
| GET, POST /_sim/config | {knob: value, ...} | read / set knobs |
| POST /_sim/inject | {endpoint, code, http_status?, times?, msg?, html?} | forced replies |
| POST /_sim/keys | {key, credits?, cap?, account?} | add a key |
| POST /_sim/models | {name, kind?, median_s?, sigma?, cost?, enabled?, ...} | add/tune a model |
| GET /_sim/tasks | ?limit= | most recent tasks |
| GET /_sim/tasks/{id} | | one task, with what clients cannot see |
| POST /_sim/tasks/{id}/finish | | end a task now |
| POST /_sim/advance | {seconds} | move the clock |
| POST /_sim/fail-next | {count?, failCode?, failMsg?} | the next tasks fail |
| POST /_sim/reset | | forget tasks, counters, uploads; refill accounts |
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kiebot.sim.kie.config import apply_updates, knobs_as_dict
from kiebot.sim.kie.models import ModelSpec

if TYPE_CHECKING:
    from kiebot.sim.kie.simulator import KieSimulator

JsonHandler = Callable[[dict[str, Any]], dict[str, Any] | None]

_MODEL_KNOBS = {
    "cost": float,
    "median_s": float,
    "sigma": float,
    "enabled": bool,
    "accept_any_input": bool,
    "progress": bool,
}


def _bad(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _body(request: web.Request) -> dict[str, Any] | None:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


class _Control:
    def __init__(self, sim: KieSimulator) -> None:
        self.sim = sim

    async def stats(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                **self.sim.stats.as_dict(),
                "accounts": self.sim.accounts.as_dict(),
                "injections": self.sim.faults.pending(),
                "tasks": len(self.sim.tasks),
            }
        )

    async def get_config(self, _: web.Request) -> web.Response:
        return web.json_response(knobs_as_dict(self.sim.config))

    async def post_json(self, request: web.Request, action: JsonHandler) -> web.Response:
        """Parse the body, run `action`, turn ValueError/KeyError/TypeError into 400."""
        body = await _body(request)
        if body is None:
            return _bad("body must be a JSON object")
        try:
            result = action(body)
        except (ValueError, KeyError, TypeError) as exc:
            return _bad(str(exc))
        return web.json_response({"ok": True, **(result or {})})

    def set_config(self, body: dict[str, Any]) -> dict[str, Any]:
        apply_updates(self.sim.config, body)
        return {"config": knobs_as_dict(self.sim.config)}

    def inject(self, body: dict[str, Any]) -> None:
        self.sim.inject(
            endpoint=str(body.get("endpoint", "createTask")),
            code=int(body.get("code", 500)),
            http_status=int(body["http_status"]) if body.get("http_status") else None,
            times=int(body.get("times", 1)),
            msg=str(body["msg"]) if body.get("msg") is not None else None,
            html=bool(body.get("html", False)),
        )

    def add_key(self, body: dict[str, Any]) -> None:
        key = body.get("key")
        if not isinstance(key, str) or not key:
            raise ValueError("key is required")
        cap = body.get("cap")
        self.sim.add_key(
            key,
            credits=float(body.get("credits", 10_000.0)),
            cap=float(cap) if cap is not None else None,
            account=str(body["account"]) if body.get("account") else None,
        )

    def model(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("name is required")
        if name not in self.sim.models:
            kind = body.get("kind", "image")
            if kind not in ("image", "video"):
                raise ValueError("kind must be image or video")
            # A model added at run time has no schema: it accepts any input.
            self.sim.add_model(ModelSpec(name, kind, accept_any_input=True))
        spec = self.sim.models[name]
        for knob, kind_of in _MODEL_KNOBS.items():
            if knob in body:
                setattr(spec, knob, kind_of(body[knob]))
        if "failure_rate" in body:
            rate = body["failure_rate"]
            spec.failure_rate = float(rate) if rate is not None else None
        return {
            "model": {
                "name": spec.name,
                "kind": spec.kind,
                "cost": spec.cost,
                "median_s": spec.median_s,
                "sigma": spec.sigma,
                "enabled": spec.enabled,
                "accept_any_input": spec.accept_any_input,
            }
        }

    def advance(self, body: dict[str, Any]) -> None:
        self.sim.advance(float(body.get("seconds", 0.0)))

    def fail_next(self, body: dict[str, Any]) -> None:
        args: dict[str, Any] = {"count": int(body.get("count", 1))}
        if "failCode" in body:
            args["fail_code"] = str(body["failCode"])
        if "failMsg" in body:
            args["fail_msg"] = str(body["failMsg"])
        self.sim.fail_next(**args)

    async def tasks(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            return _bad("limit must be an integer")
        now = self.sim.now()
        recent = list(self.sim.tasks.values())[-max(limit, 0) :] if limit else []
        return web.json_response(
            {"count": len(self.sim.tasks), "tasks": [t.debug_view(now) for t in recent]}
        )

    async def task(self, request: web.Request) -> web.Response:
        task = self.sim.tasks.get(request.match_info["task_id"])
        if task is None:
            return web.json_response({"error": "no such task"}, status=404)
        return web.json_response(task.debug_view(self.sim.now()))

    async def finish(self, request: web.Request) -> web.Response:
        task_id = request.match_info["task_id"]
        if task_id not in self.sim.tasks:
            return web.json_response({"error": "no such task"}, status=404)
        self.sim.finish_now(task_id)
        return web.json_response({"ok": True})

    async def reset(self, _: web.Request) -> web.Response:
        self.sim.reset()
        return web.json_response({"ok": True})


def add_control_routes(app: web.Application, sim: KieSimulator) -> None:
    """Mount /_sim/ on `app`."""
    control = _Control(sim)

    def posting(action: JsonHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            return await control.post_json(request, action)

        return handler

    router = app.router
    router.add_get("/_sim/stats", control.stats)
    router.add_get("/_sim/config", control.get_config)
    router.add_post("/_sim/config", posting(control.set_config))
    router.add_post("/_sim/inject", posting(control.inject))
    router.add_post("/_sim/keys", posting(control.add_key))
    router.add_post("/_sim/models", posting(control.model))
    router.add_post("/_sim/advance", posting(control.advance))
    router.add_post("/_sim/fail-next", posting(control.fail_next))
    router.add_get("/_sim/tasks", control.tasks)
    router.add_get("/_sim/tasks/{task_id}", control.task)
    router.add_post("/_sim/tasks/{task_id}/finish", control.finish)
    router.add_post("/_sim/reset", control.reset)
