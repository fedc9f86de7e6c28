"""What the simulators saw, timed at the moment they saw it.

`TelegramProbe` hooks one simulated bot's change signal (fired synchronously when a
message is stored in a chat), so a reply's arrival is timed inside the simulator's
request handler, not when some waiter of the bench gets round to looking. `KieProbe`
counts recordInfo reads per task. Both read the simulators' internals through their
documented `core` / instance attributes; neither changes what the simulators answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

from kiebot.sim.kie import KieSimulator
from kiebot.sim.telegram import SimUser, TelegramSimulator


@dataclass(slots=True)
class ChatLog:
    """One chat as the probe saw it: the pending update's send time and what came back."""

    pending_since: float | None = None
    last_outgoing_id: int = 0
    first_photo_at: float | None = None


@dataclass(slots=True)
class Reply:
    chat_id: int
    kind: str
    latency_s: float
    label: str


class TelegramProbe:
    """Sends users' texts to one bot and times the bot's replies and photos."""

    def __init__(self, sim: TelegramSimulator, token: str) -> None:
        self.sim = sim
        self.token = token
        self.chats: dict[int, ChatLog] = {}
        self.replies: list[Reply] = []
        self.photos = 0
        self._labels: dict[int, str] = {}
        self._photo_target = 0
        self._pending = 0
        self._photos_done = asyncio.Event()
        state = sim.core.bots[token]
        original = state.changed

        def changed(chat_id: int) -> None:
            self._seen(chat_id)
            original(chat_id)

        setattr(state, "changed", changed)  # noqa: B010 (instance hook, not a class change)
        self._state = state

    def send(self, user: SimUser, text: str, label: str = "") -> None:
        """`user` sends `text` now; the next new bot message in the chat is its reply."""
        log = self.chats.setdefault(user.id, ChatLog())
        if log.pending_since is None:
            self._pending += 1
        log.pending_since = time.time()
        self._labels[user.id] = label
        self.sim.send_text(user, text, token=self.token)

    def _seen(self, chat_id: int) -> None:
        chat = self._state.chats.get(chat_id)
        if chat is None or not chat.messages:
            return
        message = chat.messages[next(reversed(chat.messages))]
        log = self.chats.setdefault(chat_id, ChatLog())
        if not message.outgoing or message.message_id <= log.last_outgoing_id:
            return  # the user's own message, or an edit of one already seen
        now = time.time()
        log.last_outgoing_id = message.message_id
        if log.pending_since is not None:
            label = self._labels.get(chat_id, "")
            self.replies.append(Reply(chat_id, message.kind, now - log.pending_since, label))
            log.pending_since = None
            self._pending -= 1
        if message.kind == "photo" and log.first_photo_at is None:
            log.first_photo_at = now
            self.photos += 1
            if self._photo_target and self.photos >= self._photo_target:
                self._photos_done.set()

    async def wait_photos(self, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `count` chats got a photo; False on timeout."""
        self._photo_target = count
        if self.photos >= count:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._photos_done.wait()
        except TimeoutError:
            return False
        return True

    def latencies(self, label: str | None = None) -> list[float]:
        return [r.latency_s for r in self.replies if label is None or r.label == label]

    def pending(self) -> int:
        """Chats whose last update got no reply yet."""
        return self._pending

    async def settle(self, timeout: float) -> None:  # noqa: ASYNC109
        """Until every update sent got its reply, or `timeout` passed."""
        with contextlib.suppress(TimeoutError):
            await self.sim.until(lambda: self._pending == 0, timeout)


@dataclass(slots=True)
class TaskView:
    """A KIE simulator task as the bench needs it; times are Unix seconds."""

    task_id: str
    prompt: str
    created_at: float
    completed_at: float
    reads: int


@dataclass(slots=True)
class KieProbe:
    """Counts recordInfo answers per task (after the rate limit let the read through)."""

    sim: KieSimulator
    reads: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        original = self.sim.record_info

        def record_info(key: str, task_id: str | None) -> object:
            if task_id:
                self.reads[task_id] = self.reads.get(task_id, 0) + 1
            return original(key, task_id)

        setattr(self.sim, "record_info", record_info)  # noqa: B010

    def tasks(self) -> list[TaskView]:
        views = []
        for task in self.sim.tasks.values():
            try:
                prompt = str(json.loads(task.param)["input"]["prompt"])
            except (ValueError, KeyError, TypeError):
                prompt = ""
            created = task.created_ms / 1000.0
            views.append(
                TaskView(
                    task.task_id,
                    prompt,
                    created,
                    created + task.duration_s,
                    self.reads.get(task.task_id, 0),
                )
            )
        return sorted(views, key=lambda v: v.created_at)
