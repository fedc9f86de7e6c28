"""sendPhoto, sendVideo, sendDocument and getFile, with the Bot API's file rules.

A file arrives three ways: uploaded in the multipart body, by HTTP URL (the simulator
fetches it, as Telegram's servers do), or by a file id the bot got earlier. Each way has
its own size limit: 10 MB for an uploaded photo, 5 MB for a photo by URL, 50 MB for any
other upload, 20 MB for any other file by URL. Documents by URL work only for PDF, ZIP and
GIF, as the Bot API documentation warns; a file id keeps its type (a photo's id cannot be
sent as a document).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp

from kiebot.sim.telegram.api.common import (
    Handler,
    admit,
    ensure_writable,
    find_chat,
    formatted,
    message_answer,
    reply_markup,
    reply_target,
    store_outgoing,
)
from kiebot.sim.telegram.api.messages import reply_extra
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.entities import check_length
from kiebot.sim.telegram.errors import (
    CAPTION_TOO_LONG,
    FILE_TOO_BIG,
    FILE_TYPE_MISMATCH,
    INVALID_FILE_ID,
    PHOTO_TOO_BIG,
    URL_FETCH_FAILED,
    URL_WRONG_CONTENT,
    WRONG_FILE_ID,
    bad_request,
    too_large,
)
from kiebot.sim.telegram.files import FileRecord
from kiebot.sim.telegram.media import sniff_mime
from kiebot.sim.telegram.params import UploadedFile
from kiebot.sim.telegram.storage import (
    StoredMedia,
    document_object,
    reuse_photo,
    store_document,
    store_photo,
    store_video,
    video_object,
)

_DOCUMENT_URL_TYPES = frozenset({"application/pdf", "application/zip", "image/gif"})


@dataclass(frozen=True)
class MediaSource:
    """Where a file comes from: bytes in hand, a URL still to fetch, or a known file id."""

    data: bytes = b""
    filename: str = ""
    mime: str = ""
    url: str = ""
    existing: FileRecord | None = None


def media_source(call: Call, kind: str) -> MediaSource:
    """The file parameter named like the kind, or "there is no <kind> in the request"."""
    upload = call.params.file(kind)
    missing = f"there is no {kind} in the request"
    return resolve_source(call, kind, call.params.text(kind), upload, missing)


def resolve_source(
    call: Call, kind: str, value: str, upload: UploadedFile | None, missing: str
) -> MediaSource:
    """An uploaded part, a URL to fetch later, or a file id the bot already has."""
    config = call.core.config
    if upload is not None:
        limit = config.photo_upload_max if kind == "photo" else config.file_upload_max
        if len(upload.data) > limit:
            raise bad_request(PHOTO_TOO_BIG) if kind == "photo" else too_large()
        return MediaSource(upload.data, upload.filename, upload.content_type)
    value = value.strip()
    if not value or value.startswith("attach://"):
        raise bad_request(missing)
    if value.lower().startswith(("http://", "https://")):
        return MediaSource(url=value)
    record = call.bot.files.by_id.get(value)
    if record is None:
        raise bad_request(WRONG_FILE_ID)
    if record.kind != kind:
        raise bad_request(FILE_TYPE_MISMATCH)
    return MediaSource(record.blob.data, record.file_name or "", record.mime_type, existing=record)


async def fetch(call: Call, source: MediaSource, kind: str) -> MediaSource:
    """Download a by-URL file as Telegram would, refusing what it would refuse."""
    if not source.url:
        return source
    config = call.core.config
    limit = config.photo_url_max if kind == "photo" else config.file_url_max
    timeout = aiohttp.ClientTimeout(total=config.url_fetch_timeout)
    try:
        async with call.core.http().get(source.url, timeout=timeout) as response:
            if response.status != 200:
                raise bad_request(URL_FETCH_FAILED)
            mime = response.content_type
            data = await _read_limited(response, limit)
    except (aiohttp.ClientError, TimeoutError):
        raise bad_request(URL_FETCH_FAILED) from None
    filename = unquote(urlsplit(source.url).path.rsplit("/", 1)[-1])
    _check_url_type(call, kind, mime, sniff_mime(data, filename))
    return MediaSource(data, filename, mime)


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise bad_request(URL_FETCH_FAILED)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_url_type(call: Call, kind: str, declared: str, sniffed: str) -> None:
    types = {declared, sniffed}
    if kind == "photo":
        ok = any(t.startswith("image/") for t in types)
    elif kind == "video":
        ok = "video/mp4" in types
    else:
        ok = not call.core.config.document_url_strict or bool(types & _DOCUMENT_URL_TYPES)
    if not ok:
        raise bad_request(URL_WRONG_CONTENT)


def store_media(call: Call, kind: str, source: MediaSource, hints: dict[str, int]) -> StoredMedia:
    """The media object for a fetched source; `hints` are the sender's video facts."""
    core, files = call.core, call.bot.files
    existing = source.existing
    if kind == "photo":
        return reuse_photo(existing) if existing else store_photo(core.blobs, files, source.data)
    if kind == "video":
        if existing:
            return StoredMedia(video_object(existing), existing)
        return store_video(core.blobs, files, source.data, source.filename, hints)
    if existing:
        return StoredMedia(document_object(existing), existing)
    return store_document(core.blobs, files, source.data, source.filename, source.mime)


async def send_media(call: Call, kind: str) -> Answer:
    """The shared body of sendPhoto, sendVideo and sendDocument."""
    source = media_source(call, kind)
    caption, caption_entities = formatted(call, "caption", "parse_mode", "caption_entities")
    markup = reply_markup(call)
    chat = find_chat(call)
    reply_to = reply_target(call, chat)
    source = await fetch(call, source, kind)
    hints = {name: call.params.integer(name) for name in ("width", "height", "duration")}
    stored = store_media(call, kind, source, hints)
    check_length(caption, call.core.config.max_caption_length, CAPTION_TOO_LONG)
    ensure_writable(call, chat)
    admit(call, chat)
    fields: dict[str, Any] = {
        "caption": caption or None,
        "caption_entities": caption_entities,
        "reply_markup": markup,
        "file": stored.record,
        "media": stored.media,
        "reply_to_message_id": reply_to,
        "extra": reply_extra(chat, reply_to),
    }
    message = store_outgoing(call, chat, kind, **fields)
    return message_answer(chat, message)


async def send_photo(call: Call) -> Answer:
    return await send_media(call, "photo")


async def send_video(call: Call) -> Answer:
    return await send_media(call, "video")


async def send_document(call: Call) -> Answer:
    return await send_media(call, "document")


async def get_file(call: Call) -> Answer:
    record = call.bot.files.by_id.get(call.params.text("file_id").strip())
    if record is None:
        raise bad_request(INVALID_FILE_ID)
    if record.size > call.core.config.download_max:
        raise bad_request(FILE_TOO_BIG)
    return Answer(record.as_file())


MEDIA_METHODS: dict[str, Handler] = {
    "sendPhoto": send_photo,
    "sendVideo": send_video,
    "sendDocument": send_document,
    "getFile": get_file,
}
