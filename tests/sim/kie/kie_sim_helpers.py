"""Helpers for the KIE simulator's tests: a thin API client, a fast config, a receiver.

A plain module rather than conftest.py, so test files can import it by name.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from kiebot.sim.kie import KeySpec, KieSimConfig, KieSimulator

KEY = "sim-key"
OTHER_KEY = "other-key"
HMAC_KEY = "test-hmac-key"
Z_INPUT = {"prompt": "a red fox in the snow", "aspect_ratio": "1:1"}


@dataclass
class Answer:
    """One HTTP answer: status line, body code (if JSON) and the parsed body."""

    status: int
    body: Any
    content_type: str

    @property
    def code(self) -> Any:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def msg(self) -> Any:
        return self.body.get("msg") if isinstance(self.body, dict) else None


class Kie:
    """A thin client for the simulator, speaking KIE's API the way the bot will."""

    def __init__(self, session: aiohttp.ClientSession, sim: KieSimulator) -> None:
        self.session = session
        self.sim = sim
        self.base = ""  # empty: the simulator's own URL

    @staticmethod
    def auth(key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}

    async def call(self, method: str, path: str, *, key: str | None = KEY, **kw: Any) -> Answer:
        headers = {**self.auth(key), **kw.pop("headers", {})}
        async with self.session.request(
            method, (self.base or self.sim.url) + path, headers=headers, **kw
        ) as resp:
            if resp.content_type == "application/json":
                body: Any = await resp.json()
            else:
                body = await resp.text()
            return Answer(resp.status, body, resp.content_type)

    async def create(
        self,
        model: str = "z-image",
        input: dict[str, Any] | None = None,
        *,
        key: str | None = KEY,
        **extra: Any,
    ) -> Answer:
        body = {"model": model, "input": Z_INPUT if input is None else input, **extra}
        return await self.call("POST", "/api/v1/jobs/createTask", key=key, json=body)

    async def record(self, task_id: str, *, key: str | None = KEY) -> Answer:
        return await self.call(
            "GET", "/api/v1/jobs/recordInfo", key=key, params={"taskId": task_id}
        )

    async def task_id(
        self, model: str = "z-image", input: dict[str, Any] | None = None, **extra: Any
    ) -> str:
        answer = await self.create(model, input, **extra)
        assert answer.code == 200, answer.body
        return str(answer.data["taskId"])


def fast_config(**overrides: Any) -> KieSimConfig:
    """Fixed durations (sigma 0) and quick callback retries, for exact assertions."""
    config = KieSimConfig(
        keys={
            KEY: KeySpec(credits=1000),
            OTHER_KEY: KeySpec(credits=1000),
        },
        hmac_key=HMAC_KEY,
        seed=7,
        callback_retry_delay_s=0.01,
        callback_timeout_s=2.0,
        input_fetch_timeout_s=2.0,
    )
    for model in config.models:
        model.median_s, model.sigma = 10.0, 0.0
    for name, value in overrides.items():
        setattr(config, name, value)
    return config


@dataclass
class Receiver:
    """A small HTTP server standing in for the bot's callback endpoint and for file hosts."""

    url: str = ""
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    delay_s: float = 0.0
    got: asyncio.Event = field(default_factory=asyncio.Event)

    async def callback(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        self.got.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status == 200}, status=status)

    async def file(self, request: web.Request) -> web.Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404, text="missing")
        data, mime = found
        return web.Response(body=data, content_type=mime)

    async def wait(self, count: int = 1, within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while len(self.calls) < count:
                self.got.clear()
                await self.got.wait()
