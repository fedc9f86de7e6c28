"""The KIE simulator: accounts, tasks, limits, faults and callbacks behind one object.

`KieSimulator` holds the state and the rules; `kiebot.sim.kie.app` turns HTTP requests
into calls on it and its `Reply` values back into responses. Tests drive it both ways:
over real HTTP like the bot does, and in-process through its attributes and methods
(`config`, `stats`, `tasks`, `inject`, `advance`, ...).

Time. The simulator has its own clock: the monotonic clock plus an offset that `advance`
moves forward. Task states, rate-limit windows and expiries all read this clock, so a test
can jump a 90-second video to its end without waiting. One timer (`loop.call_later`)
sleeps until the next task ends, to finalise it (refund, callback); there is no coroutine
per waiting task.

Ownership. The simulator owns one `aiohttp.ClientSession` for everything it sends out
(callbacks, URL uploads, probing input URLs) and a set of background tasks (callback
deliveries), all closed by `close()` or by the web app's cleanup.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import itertools
import json
import math
import random
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Coroutine
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import web

from kiebot.sim.kie.accounts import Accounts, ApiKey
from kiebot.sim.kie.callbacks import CallbackSender
from kiebot.sim.kie.config import IMAGE_TYPES, KieSimConfig
from kiebot.sim.kie.faults import Faults
from kiebot.sim.kie.limits import PeakMeter, SlidingWindow
from kiebot.sim.kie.models import (
    FieldSpec,
    ModelSpec,
    input_urls,
    telegram_file_urls,
    validate_input,
)
from kiebot.sim.kie.replies import Reply, error, ok
from kiebot.sim.kie.stats import SimStats
from kiebot.sim.kie.tasks import FAILURE_WEIGHTS, FAILURES, SimTask, credit_number
from kiebot.sim.kie.uploads import StoredFile, UploadStore
from kiebot.sim.media import EXTENSIONS, color_for, mp4_bytes, png_bytes, png_size, sniff_mime

_ANY_HOST = ("", "0.0.0.0", "::")  # noqa: S104 - compared against, never bound here
_MEDIA_CACHE_ENTRIES = 64
_MAX_TASKS = 200_000
# Endpoints that count against the per-key create and read budgets (KIE counts every
# family's creates and reads alike).
CREATE_ENDPOINTS = frozenset({"createTask", "veo/generate"})
READ_ENDPOINTS = frozenset({"recordInfo", "veo/record-info"})


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    """The JSON object in `raw`, or None if it is not valid JSON or not an object."""
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


class KieSimulator:
    """A KIE.ai API (market tasks, credits, file uploads) that behaves like the real one."""

    def __init__(self, config: KieSimConfig | None = None) -> None:
        self.config = config if config is not None else KieSimConfig()
        seed = self.config.seed
        self.stats = SimStats()
        self.tasks: dict[str, SimTask] = {}
        # Copies, so that tuning one simulator's models never leaks into another's.
        self.models: dict[str, ModelSpec] = {
            m.name: dataclasses.replace(m) for m in self.config.models
        }
        self.accounts = Accounts(self.config.keys)
        self.uploads = UploadStore()
        self.faults = Faults(random.Random(f"{seed}/faults"))
        self._rng = random.Random(f"{seed}/tasks")
        self._id_rng = random.Random(f"{seed}/ids")
        self.reply_rng = random.Random(f"{seed}/replies")
        self._create_limiter = SlidingWindow()
        self._read_limiter = SlidingWindow()
        self._create_meter = PeakMeter()
        self._read_meter = PeakMeter()
        self._forced_failures: deque[tuple[str, str]] = deque()
        self._due: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._offset = 0.0
        self._background: set[asyncio.Task[Any]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._url = ""
        self._media_cache: OrderedDict[str, bytes] = OrderedDict()
        self.callbacks = CallbackSender(self.session, self.config, self.stats)

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the API on host:port (0 picks a free port); return the base URL."""
        from kiebot.sim.kie.app import create_app  # the app module imports this one

        # A short shutdown timeout: close() should not wait a minute for a client that
        # is still mid-request (a URL upload downloading, say).
        self._runner = web.AppRunner(create_app(self), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        if host in _ANY_HOST:  # listening everywhere: loopback reaches it
            bound_host = "127.0.0.1"
        shown = f"[{bound_host}]" if ":" in str(bound_host) else str(bound_host)
        self._url = f"http://{shown}:{bound_port}"
        return self._url

    @property
    def url(self) -> str:
        """Base URL, both as the KIE API base and as the upload base; "" before start()."""
        return self._url

    async def open_resources(self) -> None:
        """Create the outgoing ClientSession; called by the web app's startup."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()

    async def close_resources(self) -> None:
        """Stop the timer, cancel callback deliveries, close the session. Idempotent."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending = list(self._background)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def close(self) -> None:
        """Stop serving and release everything the simulator owns."""
        if self._runner is not None:
            await self._runner.cleanup()  # runs the app's cleanup: close_resources()
            self._runner = None
        await self.close_resources()

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("the simulator is not started")
        return self._session

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain_callbacks(self) -> None:
        """Wait until every callback delivery in flight has finished (tests use this)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    # --------------------------------------------------------------------- clock

    def now(self) -> float:
        """The simulator's clock, in seconds."""
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward: tasks progress, windows slide, callbacks fire.

        Call it from code running on the simulator's event loop.
        """
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        self._process_due()
        self._arm()

    def _arm(self) -> None:
        """(Re)set the one timer to the next task end."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._due:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: the next request settles due tasks itself
        delay = max(self._due[0][0] - self.now(), 0.0)
        self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._process_due()
        self._arm()

    def _process_due(self) -> None:
        now = self.now()
        while self._due and self._due[0][0] <= now:
            _, _, task_id = heapq.heappop(self._due)
            task = self.tasks.get(task_id)
            if task is not None and not task.finalized:
                self._finalize(task)

    def _finalize(self, task: SimTask) -> None:
        """A task just ended: count it, refund a failure, send its callback."""
        task.finalized = True
        failed = task.failure is not None
        self.stats.add(task.key, "tasks_failed" if failed else "tasks_succeeded")
        if failed and self.config.refund_failed:
            self.accounts.refund(task.key, task.cost)
            task.refunded = True
        if task.callback_url:
            self._spawn(self._send_callback(task))

    # ------------------------------------------------------------ configuration

    def add_key(
        self,
        key: str,
        credits: float = 10_000.0,
        cap: float | None = None,
        account: str | None = None,
    ) -> None:
        """Register an API key (its own account unless `account` names a shared one)."""
        self.accounts.add(key, credits, cap, account)

    def set_credits(self, key: str, credits: float) -> None:
        self.accounts.set_credits(key, credits)

    def credits(self, key: str) -> float:
        api_key = self.accounts.get(key)
        if api_key is None:
            raise KeyError(key)
        return api_key.account.credits

    def add_model(self, spec: ModelSpec) -> None:
        """Add or replace a model."""
        self.models[spec.name] = spec

    def model(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise KeyError(f"unknown model {name!r}") from None

    def set_model_duration(self, model: str, median_s: float, sigma: float = 0.0) -> None:
        """Fixed (sigma 0) or log-normal duration of a model's tasks, before time_scale."""
        spec = self.model(model)
        spec.median_s, spec.sigma = float(median_s), float(sigma)

    def set_model_enabled(self, model: str, enabled: bool) -> None:
        """A disabled model answers 505 to createTask."""
        self.model(model).enabled = enabled

    def set_model_accept_any(self, model: str, accept: bool = True) -> None:
        """Skip input validation for a model (the Telegram-URL guard still applies)."""
        self.model(model).accept_any_input = accept

    def set_model_cost(self, model: str, cost: float) -> None:
        self.model(model).cost = float(cost)

    def inject(
        self,
        endpoint: str = "createTask",
        code: int = 500,
        http_status: int | None = None,
        times: int = 1,
        msg: str | None = None,
        html: bool = False,
    ) -> None:
        """The next `times` calls to `endpoint` ("*": any) answer `code`.

        `http_status` forces the status line (None: follow `error_http_status`);
        `html=True` makes it a raw HTML page, as a proxy in front of KIE would send.
        """
        reply = Reply(code, msg, None, http_status, html)
        self.faults.inject(endpoint, reply, times)

    def inject_proxy_error(self, endpoint: str = "createTask", times: int = 1) -> None:
        """The next calls answer HTTP 502 with nginx's HTML page instead of JSON."""
        self.inject(endpoint, code=502, http_status=502, times=times, html=True)

    def fail_next(
        self, count: int = 1, fail_code: str = FAILURES[0][0], fail_msg: str = FAILURES[0][1]
    ) -> None:
        """The next `count` tasks created end in `fail` with this failCode/failMsg."""
        self._forced_failures.extend([(fail_code, fail_msg)] * count)

    def finish_now(self, task_id: str) -> None:
        """End a task at once (its planned outcome stands). Call from the event loop."""
        task = self.tasks[task_id]
        task.duration_s = max(self.now() - task.created_at, 0.0)
        heapq.heappush(self._due, (task.ends_at, next(self._seq), task_id))
        self._process_due()
        self._arm()

    def reset(self) -> None:
        """Forget tasks, uploads, counters, injections and windows; refill every account.

        Keys, models and knobs stay as they are.
        """
        self.tasks.clear()
        self.uploads.clear()
        self.faults.clear()
        self._forced_failures.clear()
        self._due.clear()
        self._media_cache.clear()
        for limiter in (self._create_limiter, self._read_limiter):
            limiter.reset()
        for meter in (self._create_meter, self._read_meter):
            meter.reset()
        self.accounts.reset()
        self.stats.reset()
        self._arm()

    # ------------------------------------------------------------ request gate

    def known_key(self, key: str | None) -> str | None:
        return key if self.accounts.get(key) is not None else None

    def admit(self, key: str | None, endpoint: str) -> Reply | None:
        """Everything before the endpoint's own work: meters, faults, auth, limits.

        Returns the reply that ends the request early, or None to go on.
        """
        known = self.known_key(key)
        self._note_attempt(known, endpoint)
        fault = self.faults.take(endpoint) or self.faults.roll(
            self.config.server_error_rate, self.config.proxy_error_rate
        )
        if fault is not None:
            return fault
        if known is None:
            self.stats.unauthorized += 1
            return error(401)
        return self._check_limits(known, endpoint)

    def _note_attempt(self, key: str | None, endpoint: str) -> None:
        now = self.now()
        if endpoint in CREATE_ENDPOINTS:
            self.stats.add(key, "create_attempts")
            if key:
                peak = self._create_meter.note(key, now, self.config.create_window_s)
                self.stats.peak(key, "max_creates_in_window", peak)
        elif endpoint in READ_ENDPOINTS:
            self.stats.add(key, "read_attempts")
            if key:
                peak = self._read_meter.note(key, now, self.config.read_window_s)
                self.stats.peak(key, "max_reads_in_window", peak)

    def _check_limits(self, key: str, endpoint: str) -> Reply | None:
        cfg, now = self.config, self.now()
        if endpoint in CREATE_ENDPOINTS:
            allowed = self._create_limiter.allow(key, now, cfg.create_limit, cfg.create_window_s)
        elif endpoint in READ_ENDPOINTS:
            allowed = self._read_limiter.allow(key, now, cfg.read_limit, cfg.read_window_s)
        else:
            allowed = True
        return None if allowed else error(429)

    def base_url_for(self, request: web.Request) -> str:
        """Where handed-out URLs point: the configured public base, else this server."""
        base = self.config.public_base_url or self._url or f"{request.scheme}://{request.host}"
        return base.rstrip("/")

    # --------------------------------------------------------------- createTask

    async def create_task(self, key: str, raw: bytes, base_url: str) -> Reply:
        """POST /api/v1/jobs/createTask: validate, charge, and start a task."""
        return await self._create(key, raw, base_url, family="market", default_model=None)

    async def _create(
        self, key: str, raw: bytes, base_url: str, *, family: str, default_model: str | None
    ) -> Reply:
        """Both families' create: the same checks in the same order, KIE's own codes."""
        body = parse_json_object(raw)
        if body is None:
            return error(422, "Invalid request body: a JSON object is required")
        leak = self.telegram_guard(key, body, "")
        if leak is not None:
            return leak
        spec = self._model_for(body.get("model", default_model), family)
        if isinstance(spec, Reply):
            return spec
        problem = await self._validate_create(spec, body, base_url)
        if problem:
            return error(422, problem)
        refusal = self.accounts.charge(key, spec.cost)
        if refusal:
            return error(refusal)
        task = self._spawn_task(key, spec, body, base_url)
        return ok({"taskId": task.task_id})

    def telegram_guard(self, key: str, value: object, path: str, code: int = 422) -> Reply | None:
        """Count and refuse any Telegram file URL (it carries the bot token)."""
        leaks = list(telegram_file_urls(value, path))
        if not leaks:
            return None
        self.stats.add(key, "telegram_file_urls_seen", len(leaks))
        return error(code, f"{leaks[0]}: Telegram file URLs are not accepted")

    def _model_for(self, name: object, family: str) -> ModelSpec | Reply:
        if not isinstance(name, str) or not name:
            return error(422, "model is required")
        spec = self.models.get(name)
        if spec is None and self.config.accept_unknown_models and family == "market":
            spec = self.models[name] = ModelSpec(name, "image", accept_any_input=True)
        if spec is None or spec.family != family:
            # KIE serves each model on its own family's endpoints only.
            return error(422, f"model name not supported: {name}")
        if not spec.enabled or name in self.config.disabled_models:
            return error(505, f"The model {name} is currently disabled")
        return spec

    async def _validate_create(
        self, spec: ModelSpec, body: dict[str, Any], base_url: str
    ) -> str | None:
        callback = body.get("callBackUrl")
        if callback is not None and not _is_http_url(callback):
            return "callBackUrl must be an http(s) URL"
        if spec.accept_any_input:
            return None
        data, prefix = body.get("input"), "input."
        if spec.family == "veo":  # Veo's fields sit at the top level of the body
            data, prefix = body, ""
        if not isinstance(data, dict):
            return "input is required and must be an object"
        problem = validate_input(spec, data, prefix)
        if problem or not self.config.check_input_urls:
            return problem
        for path, url, fspec in input_urls(spec, data, prefix):
            problem = await self._probe_input(url, base_url, fspec)
            if problem:
                return f"{path}: {problem}"
        return None

    def _draw_duration(self, spec: ModelSpec) -> float:
        base = spec.median_s
        if spec.sigma > 0 and base > 0:
            base = self._rng.lognormvariate(math.log(base), spec.sigma)
        return max(base * self.config.time_scale, 0.0)

    def _draw_failure(self, spec: ModelSpec) -> tuple[str, str] | None:
        if self._forced_failures:
            return self._forced_failures.popleft()
        rate = spec.failure_rate if spec.failure_rate is not None else self.config.failure_rate
        if rate > 0 and self._rng.random() < rate:
            return self._rng.choices(FAILURES, weights=FAILURE_WEIGHTS)[0]
        return None

    def _new_task_id(self) -> str:
        return uuid.UUID(int=self._id_rng.getrandbits(128), version=4).hex

    def _spawn_task(
        self, key: str, spec: ModelSpec, body: dict[str, Any], base_url: str
    ) -> SimTask:
        api_key: ApiKey | None = self.accounts.get(key)
        if api_key is None:  # admit() lets only known keys through
            raise KeyError(key)
        callback = body.get("callBackUrl")
        task = SimTask(
            task_id=self._new_task_id(),
            model=spec.name,
            kind=spec.kind,
            key=key,
            account=api_key.account.name,
            param=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            callback_url=callback if isinstance(callback, str) else None,
            cost=spec.cost,
            created_at=self.now(),
            created_ms=int(time.time() * 1000),
            duration_s=self._draw_duration(spec),
            failure=self._draw_failure(spec),
            progress=spec.progress,
            base_url=base_url,
            family=spec.family,
        )
        self._evict_old_tasks()
        self.tasks[task.task_id] = task
        self.stats.add(key, "creates")
        heapq.heappush(self._due, (task.ends_at, next(self._seq), task.task_id))
        self._arm()
        return task

    def _evict_old_tasks(self) -> None:
        """Keep the task table bounded for long benchmarks: drop the oldest finished."""
        if len(self.tasks) < _MAX_TASKS:
            return
        for task_id in [t for t, task in self.tasks.items() if task.finalized][:1000]:
            del self.tasks[task_id]

    # ------------------------------------------------------------ input URLs

    def _own_netlocs(self, base_url: str) -> set[str]:
        bases = (self._url, base_url, self.config.public_base_url or "")
        return {urlsplit(b).netloc for b in bases if b}

    async def _probe_input(self, url: str, base_url: str, spec: FieldSpec) -> str | None:
        """Why KIE could not use this image URL as an input, or None if it can."""
        parts = urlsplit(url)
        if parts.netloc in self._own_netlocs(base_url):
            if parts.path.startswith("/files/"):
                return self._probe_upload(unquote(parts.path[len("/files/") :]), spec)
            if parts.path.startswith("/media/"):
                return self._probe_media(parts.path[len("/media/") :], spec)
        return await self._probe_remote(url, spec)

    def _probe_upload(self, path: str, spec: FieldSpec) -> str | None:
        item = self.uploads.get(path, self.now(), self.config.upload_ttl_s)
        if item is None:
            return "file not found or expired"
        return self._image_problem(item.data, item.mime, len(item.data), spec)

    def _probe_media(self, name: str, spec: FieldSpec) -> str | None:
        task = self.tasks.get(name.rpartition(".")[0])
        if task is None or task.state_at(self.now()) != "success":
            return "file not found"
        if task.kind != "image":
            return "unsupported file type video/mp4"
        px = self.config.result_image_px
        return self._side_problem(px, px, spec)

    def _image_problem(self, head: bytes, mime: str, size: int, spec: FieldSpec) -> str | None:
        accepted = spec.mime_types or IMAGE_TYPES
        if mime not in accepted:
            return f"unsupported file type {mime}; accepted: {', '.join(accepted)}"
        limit = min(spec.max_bytes or self.config.input_max_bytes, self.config.input_max_bytes)
        if size > limit:
            return f"file is larger than {limit} bytes"
        try:
            width, height = png_size(head)
        except ValueError:
            return None  # sides are checked where the simulator can read them (PNG)
        return self._side_problem(width, height, spec)

    @staticmethod
    def _side_problem(width: int, height: int, spec: FieldSpec) -> str | None:
        if spec.min_side is not None and min(width, height) < spec.min_side:
            return f"image is {width}x{height}, sides must be at least {spec.min_side} px"
        if spec.max_side is not None and max(width, height) > spec.max_side:
            return f"image is {width}x{height}, sides must be at most {spec.max_side} px"
        return None

    async def _probe_remote(self, url: str, spec: FieldSpec) -> str | None:
        fetched = await self.fetch(
            url, self.config.input_fetch_timeout_s, self.config.input_max_bytes, keep=64
        )
        if isinstance(fetched, str):
            return f"image url is not fetchable ({fetched})"
        data, size = fetched
        return self._image_problem(data, sniff_mime(data), size, spec)

    async def fetch(
        self, url: str, timeout_s: float, limit: int, keep: int | None = None
    ) -> tuple[bytes, int] | str:
        """GET `url`: (the first `keep` bytes, size) or a problem.

        Reading stops once the body is known to exceed `limit` (the size returned is then
        `limit + 1`), so a huge or endless file costs at most `keep` bytes of memory.
        """
        keep = limit + 1 if keep is None else keep
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with self.session().get(url, timeout=timeout) as resp:
                if resp.status != 200:
                    return f"HTTP {resp.status}"
                kept = bytearray()
                total = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    total += len(chunk)
                    kept += chunk[: max(keep - len(kept), 0)]
                    if total > limit:
                        return bytes(kept), limit + 1
                return bytes(kept), total
        except TimeoutError:
            return f"download timed out after {timeout_s:g} s"
        except aiohttp.ClientError as exc:
            return f"download failed: {type(exc).__name__}"

    # ------------------------------------------------------------ recordInfo

    def _empty(self) -> str | None:
        return "" if self.config.empty_style == "empty" else None

    def _not_found(self) -> Reply:
        if self.config.not_found_style == "404":
            return error(404, "Task not found")
        return error(422, "recordInfo is null")

    def record_info(self, key: str, task_id: str | None) -> Reply:
        """GET /api/v1/jobs/recordInfo: the task as KIE reports it, to its account only."""
        if not task_id:
            return error(400, "taskId parameter is required")
        self._process_due()
        task = self.tasks.get(task_id)
        api_key = self.accounts.get(key)
        if task is None or api_key is None or task.account != api_key.account.name:
            return self._not_found()
        if task.family != "market":
            return self._not_found()
        self.stats.add(key, "reads")
        return ok(task.record(self.now(), empty=self._empty()))

    async def veo_generate(self, key: str, raw: bytes, base_url: str) -> Reply:
        """POST /api/v1/veo/generate: Veo 3.1's flat body, validated and started."""
        return await self._create(key, raw, base_url, family="veo", default_model="veo3_fast")

    def veo_record_info(self, key: str, task_id: str | None) -> Reply:
        """GET /api/v1/veo/record-info: Veo's own record shape (successFlag, response)."""
        if not task_id:
            return error(400, "taskId parameter is required")
        self._process_due()
        task = self.tasks.get(task_id)
        api_key = self.accounts.get(key)
        if task is None or api_key is None or task.account != api_key.account.name:
            return error(422, "record is null")
        if task.family != "veo":
            return error(422, "record is null")
        self.stats.add(key, "reads")
        return ok(task.veo_record(self.now()))

    def credit(self, key: str) -> Reply:
        """GET /api/v1/chat/credit: the account's balance as a bare number."""
        return ok(credit_number(self.credits(key)))

    async def _send_callback(self, task: SimTask) -> None:
        if task.callback_url is None:
            return
        api_key = self.accounts.get(task.key)
        left = credit_number(api_key.account.credits) if api_key else 0
        if task.family == "veo":
            payload = task.veo_callback_body(self.now())
        else:
            payload = task.callback_body(self.now(), self.config.callback_style, left)
        await self.callbacks.deliver(task.callback_url, payload, task.task_id, task.key)

    # ------------------------------------------------------------------ uploads

    def store_upload(
        self,
        key: str,
        data: bytes,
        size: int,
        upload_path: str,
        file_name: str | None,
        base_url: str,
    ) -> Reply:
        """Check an uploaded file against the knobs and store it; the upload reply."""
        cfg = self.config
        if size > cfg.upload_max_bytes:
            return error(400, f"File size exceeds the limit of {cfg.upload_max_bytes} bytes")
        if size == 0:
            return error(400, "File is empty")
        mime = sniff_mime(data)
        allowed = cfg.upload_allowed_types
        if allowed is not None and mime not in allowed:
            return error(400, f"Unsupported file type {mime}; allowed: {', '.join(allowed)}")
        name = file_name or f"{self._id_rng.getrandbits(64):016x}.{EXTENSIONS.get(mime, 'bin')}"
        path = f"{upload_path}/{name}"
        api_key = self.accounts.get(key)
        account = api_key.account.name if api_key else ""
        now = self.now()
        self.uploads.put(StoredFile(path, data, mime, now, account), cfg.upload_store_max_bytes)
        self.stats.add(key, "uploads")
        self.stats.add(key, "upload_bytes", size)
        return ok(
            self._upload_data(path, name, mime, size, upload_path, base_url),
            msg="File uploaded successfully",
        )

    def _upload_data(
        self, path: str, name: str, mime: str, size: int, upload_path: str, base_url: str
    ) -> dict[str, Any]:
        """Both shapes KIE's docs show for an upload's `data`, merged."""
        url = f"{base_url}/files/{path}"
        now_wall = time.time()
        return {
            "fileId": f"file_{uuid.uuid5(uuid.NAMESPACE_URL, url).hex[:12]}",
            "fileName": name,
            "originalName": name,
            "filePath": path,
            "uploadPath": upload_path,
            "fileSize": size,
            "mimeType": mime,
            "fileUrl": url,
            "downloadUrl": url,
            "uploadedAt": _iso(now_wall),
            "uploadTime": _iso(now_wall),
            "expiresAt": _iso(now_wall + self.config.upload_ttl_s),
        }

    def stored_file(self, path: str) -> StoredFile | None:
        return self.uploads.get(path, self.now(), self.config.upload_ttl_s)

    # -------------------------------------------------------------------- media

    async def media(self, name: str) -> tuple[bytes, str] | None:
        """The result file behind a result URL ({taskId}.png / .mp4), or None (404)."""
        self._process_due()
        task_id, _, ext = name.rpartition(".")
        task = self.tasks.get(task_id)
        now = self.now()
        if task is None or task.state_at(now) != "success":
            return None
        ttl = self.config.media_ttl_s
        if ttl is not None and now - task.ends_at > ttl:
            return None
        mime = "video/mp4" if task.kind == "video" else "image/png"
        if ext != EXTENSIONS[mime]:
            return None
        data = self._media_cache.get(task_id)
        if data is None:
            data = await asyncio.get_running_loop().run_in_executor(None, self._build, task)
            self._cache_media(task_id, data)
        self.stats.media_served += 1
        return data, mime

    def _build(self, task: SimTask) -> bytes:
        cfg = self.config
        if task.kind == "video":
            return mp4_bytes(cfg.result_video_bytes, task.task_id)
        px = cfg.result_image_px
        noise = task.task_id if cfg.result_image_noise else None
        return png_bytes(px, px, color_for(task.task_id), noise_seed=noise)

    def _cache_media(self, task_id: str, data: bytes) -> None:
        self._media_cache[task_id] = data
        while len(self._media_cache) > _MEDIA_CACHE_ENTRIES:
            self._media_cache.popitem(last=False)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts % 1 * 1000):03d}Z"
