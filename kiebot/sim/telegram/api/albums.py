"""sendMediaGroup: 1-10 photos and videos (or only documents) as one album.

Items name their file in `media` the same three ways as single sends (`attach://<part>`,
an HTTP URL, a file id). An album takes one flood-control token however many items it
has, which keeps a 10-photo album possible under the one-message-a-second chat limit, as it
is on the real service.
"""

from __future__ import annotations

import secrets
from typing import Any

from kiebot.sim.telegram.api.common import (
    Handler,
    admit,
    ensure_writable,
    find_chat,
    reply_target,
    store_outgoing,
)
from kiebot.sim.telegram.api.media import MediaSource, fetch, resolve_source, store_media
from kiebot.sim.telegram.api.messages import reply_extra
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.entities import check_length, format_text
from kiebot.sim.telegram.errors import CAPTION_TOO_LONG, bad_request, parameter_required

_MAX_ITEMS = 10
_GROUPS = {"photo": "visual", "video": "visual", "document": "document"}


def _items(call: Call) -> list[dict[str, Any]]:
    raw = call.params.json_value("media", "media")
    if raw is None:
        raise parameter_required("media")
    if not isinstance(raw, list):
        raise bad_request("expected an Array of InputMedia")
    if not raw:
        raise bad_request("there are no messages to send")
    if len(raw) > _MAX_ITEMS:
        raise bad_request("too much messages to send as an album")
    for item in raw:
        if not isinstance(item, dict) or item.get("type") not in _GROUPS:
            raise bad_request(f'type "{_type_of(item)}" is unsupported')
    if len({_GROUPS[item["type"]] for item in raw}) > 1:
        raise bad_request("can't use the media of the specified type in the album")
    return raw


def _type_of(item: Any) -> str:
    return str(item.get("type", "")) if isinstance(item, dict) else ""


def _source(call: Call, item: dict[str, Any]) -> MediaSource:
    value = str(item.get("media", ""))
    upload = call.params.attached(value)
    return resolve_source(call, item["type"], value, upload, "media not found")


def _caption(item: dict[str, Any]) -> tuple[str, Any]:
    return format_text(
        str(item.get("caption", "")), str(item.get("parse_mode", "")), item.get("caption_entities")
    )


async def send_media_group(call: Call) -> Answer:
    items = _items(call)
    sources = [_source(call, item) for item in items]
    captions = [_caption(item) for item in items]
    chat = find_chat(call)
    reply_to = reply_target(call, chat)
    stored = []
    for item, source in zip(items, sources, strict=True):
        fetched = await fetch(call, source, item["type"])
        hints = {k: int(item.get(k) or 0) for k in ("width", "height", "duration")}
        stored.append(store_media(call, item["type"], fetched, hints))
    for caption, _ in captions:
        check_length(caption, call.core.config.max_caption_length, CAPTION_TOO_LONG)
    ensure_writable(call, chat)
    admit(call, chat)
    group_id = str(secrets.randbits(62))
    sent = [
        store_outgoing(
            call,
            chat,
            item["type"],
            caption=caption or None,
            caption_entities=entities,
            file=media.record,
            media=media.media,
            reply_to_message_id=reply_to,
            extra={"media_group_id": group_id, **reply_extra(chat, reply_to)},
        )
        for item, (caption, entities), media in zip(items, captions, stored, strict=True)
    ]
    return Answer([message.to_api(chat.to_api()) for message in sent])


ALBUM_METHODS: dict[str, Handler] = {"sendMediaGroup": send_media_group}
