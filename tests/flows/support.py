"""Playing the product surface through the Telegram simulator: menus, photos, buttons."""

from __future__ import annotations

import json
from typing import Any

from kiebot.sim.kie import KieSimulator
from kiebot.sim.media import png_bytes
from kiebot.sim.telegram import SentMessage, SimUser
from tests.e2e.harness import Harness

PHOTO = png_bytes(512, 512)


def buttons(message: SentMessage) -> list[dict[str, Any]]:
    return message.buttons()


def data_of(message: SentMessage, label_part: str) -> str:
    """The callback data of the message's button whose label contains `label_part`."""
    for button in message.buttons():
        if label_part in button["text"]:
            data = button["callback_data"]
            assert isinstance(data, str)
            return data
    raise AssertionError(f"no button with {label_part!r}: {message.buttons()}")


def labels(message: SentMessage) -> list[str]:
    return [str(button["text"]) for button in message.buttons()]


async def press(
    harness: Harness, user: SimUser, message: SentMessage, label_part: str
) -> dict[str, Any]:
    """Press a button by its label; the bot's answer to the press."""
    data = data_of(message, label_part)
    query = harness.telegram.press_button(user, message.message_id, data)
    return await harness.answer_of(query)


async def screen(
    harness: Harness, user: SimUser, message: SentMessage, text_part: str
) -> SentMessage:
    """The message once it (after edits) says `text_part`."""
    return await harness.wait_text(user, message.message_id, lambda t: text_part in t)


async def reply_after(harness: Harness, user: SimUser, after: int, part: str) -> SentMessage:
    return await harness.next_message(user, after, lambda m: part in (m.text or ""))


def task_bodies(kie: KieSimulator) -> list[dict[str, Any]]:
    """What KIE received for each task, in creation order."""
    tasks = sorted(kie.tasks.values(), key=lambda t: t.created_at)
    return [json.loads(task.param) for task in tasks]


def results(harness: Harness, user: SimUser) -> list[SentMessage]:
    return [
        m
        for m in harness.telegram.chat(user.id)
        if m.outgoing and m.kind in ("photo", "video", "document")
    ]
